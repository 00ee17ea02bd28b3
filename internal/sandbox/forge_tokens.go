package sandbox

import (
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Product tokens: the app system token (x-forge-oauth-system) and app user
// token (x-forge-oauth-user) the site forwards to the remote, which calls
// /ex/confluence/{cloudId}/wiki/… with them. Opaque to the app; here JWTs
// (HS256 with the site's token secret, kept in the state file so that they
// survive a restart) whose exp is real.
const (
	forgeTokenIssuer = "mailwiki-sandbox/forge"
	forgeTokenMaxTTL = 4 * time.Hour
	forgeTokenReuse  = 2 * time.Hour // a token delivered has at least this left
	tokenSystem      = "system"
	tokenUser        = "user"
)

type productClaims struct {
	jwt.RegisteredClaims
	InstallationID string `json:"installationId"`
	CloudID        string `json:"cloudId"`
	TokenType      string `json:"tokenType"`
	Generation     int    `json:"gen"`
}

// forgeBot is the account of an app's bot user on the site.
func forgeBot(appID string) string { return accountID("forge-app:" + appID) }

// productToken returns the installation's system token (account "") or the
// user token of account: the cached one while it has at least 2 hours left
// (and has not been expired by ExpireForgeTokens), else a new one living
// the installation's token TTL.
func (s *Sandbox) productToken(in forgeInstall, account string) (string, error) {
	kind, sub, cacheKey := tokenSystem, forgeBot(in.AppID), "system/"+in.ID
	if account != "" {
		kind, sub, cacheKey = tokenUser, account, "user/"+in.ID+"/"+account
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.forge.installs[in.ID]
	if !ok || !cur.installed() {
		return "", notFound("No Forge app installed with installation id %s", in.ID)
	}
	now := s.now()
	if c, ok := s.forge.tokens[cacheKey]; ok && c.gen == cur.Generation && c.exp.Sub(now) >= forgeTokenReuse {
		return c.token, nil
	}
	exp := now.Add(cur.TokenTTL)
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, productClaims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: forgeTokenIssuer, Subject: sub,
			Audience: jwt.ClaimStrings{"api.atlassian.com"}, IssuedAt: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp), ID: randomHex(12)},
		InstallationID: in.ID, CloudID: s.forge.cloudID, TokenType: kind, Generation: cur.Generation,
	})
	token, err := t.SignedString([]byte(s.forge.tokenSecret))
	if err != nil {
		return "", err
	}
	s.forge.tokens[cacheKey] = cachedToken{token: token, exp: exp, gen: cur.Generation}
	return token, nil
}

// forgeCaller is who a call through /ex/confluence is: the installation and
// whether it acts as the app (system token) or as a user.
type forgeCaller struct {
	installationID string
	tokenType      string
	account        string
}

// verifyProductToken checks a bearer token presented for cloudID: signed
// by this site, unexpired by the site's clock, for this cloudId, of an
// installed app, and not expired by ExpireForgeTokens.
func (s *Sandbox) verifyProductToken(token, cloudID string) (forgeCaller, error) {
	s.mu.Lock()
	secret, site := s.forge.tokenSecret, s.forge.cloudID
	s.mu.Unlock()
	var c productClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuer(forgeTokenIssuer),
		jwt.WithTimeFunc(s.now))
	if err != nil {
		return forgeCaller{}, err
	}
	if c.CloudID != site || cloudID != site {
		return forgeCaller{}, errors.New("the token is for another site")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.forge.installs[c.InstallationID]
	switch {
	case !ok || !in.installed():
		return forgeCaller{}, errors.New("the token's installation is uninstalled (revoked)")
	case c.Generation != in.Generation:
		return forgeCaller{}, errors.New("the token has been expired (ExpireForgeTokens)")
	case c.TokenType != tokenSystem && c.TokenType != tokenUser:
		return forgeCaller{}, errors.New("unknown token type")
	}
	return forgeCaller{installationID: in.ID, tokenType: c.TokenType, account: c.Subject}, nil
}
