package sandbox

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// caller is who an API call is authenticated as: an account, and the app
// key when an installed Connect app signed the call.
type caller struct {
	account string
	app     string
}

type appCtxKey struct{}

// appOf returns the key of the Connect app that signed the call ("" for a
// user).
func appOf(ctx context.Context) string {
	k, _ := ctx.Value(appCtxKey{}).(string)
	return k
}

// siteAdmin is the account id of the site administrator, DemoUser.
func siteAdmin() string { return accountID("user:" + strings.ToLower(DemoUser)) }

// isSiteAdmin reports whether the call is the site administrator's own
// (basic auth as DemoUser), not an app's.
func isSiteAdmin(ctx context.Context) bool {
	return appOf(ctx) == "" && accountOf(ctx) == siteAdmin()
}

// Lifetimes of the tokens the site signs.
const (
	installTokenTTL = 3 * time.Minute
	pageTokenTTL    = 15 * time.Minute
)

// authenticateCaller accepts "Authorization: JWT <token>" from an
// installed app, besides the users' basic and bearer credentials; a call
// through the Forge gateway is authenticated by its product token only.
func (s *Sandbox) authenticateCaller(r *http.Request) (caller, bool) {
	if c, ok, handled := authenticateForge(r); handled {
		return c, ok
	}
	h := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "JWT") {
		id, ok := s.authenticateUser(r)
		return caller{account: id}, ok
	}
	app, err := s.verifyAppJWT(strings.TrimSpace(token), r)
	if err != nil {
		s.log.Info("sandbox: app JWT refused", "err", err)
		return caller{}, false
	}
	return caller{account: accountID("app:" + app), app: app}, true
}

// appClaims are the claims of a token an app signs for a REST call.
type appClaims struct {
	jwt.RegisteredClaims
	QSH string `json:"qsh"`
}

// verifyAppJWT checks an app's token: HS256 only, iss an installed app,
// signed with its shared secret, exp present and in the future (iat, nbf
// checked when present), and qsh the hash of this very request relative
// to /wiki. It returns the app key.
func (s *Sandbox) verifyAppJWT(token string, r *http.Request) (string, error) {
	var claims appClaims
	var secret string
	_, err := jwt.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		iss, _ := t.Claims.GetIssuer()
		a, ok := s.app(iss)
		if !ok {
			return nil, errors.New("the issuer is not an installed app")
		}
		secret = a.SharedSecret
		return []byte(secret), nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.now), jwt.WithLeeway(30*time.Second))
	if err != nil {
		return "", err
	}
	want := qshOf(r.Method, relativePath(r.URL.EscapedPath(), "/wiki"), r.URL.Query())
	if subtle.ConstantTimeCompare([]byte(claims.QSH), []byte(want)) != 1 {
		return "", errors.New("qsh does not match the request")
	}
	return claims.Issuer, nil
}

// installClaims are the claims of a signed lifecycle callback.
type installClaims struct {
	jwt.RegisteredClaims
	QSH string `json:"qsh"`
}

// signInstall signs a lifecycle callback to an app: RS256 with the site's
// key (kid in the header), iss the client key, aud the app's baseUrl, qsh
// of the POST relative to the baseUrl's path, exp in 3 minutes.
func (s *Sandbox) signInstall(clientKey, baseURL, relPath, rawQuery string) (string, error) {
	kid, key, err := s.keys.current()
	if err != nil {
		return "", err
	}
	q, _ := url.ParseQuery(rawQuery)
	now := s.now()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, installClaims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: clientKey, Audience: jwt.ClaimStrings{baseURL},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(installTokenTTL))},
		QSH: qshOf(http.MethodPost, relPath, q),
	})
	t.Header["kid"] = kid
	return t.SignedString(key)
}

// pageClaims are the claims of the tokens the site signs for an app's
// pages: the iframe URL's jwt and AP.context.getToken.
type pageClaims struct {
	jwt.RegisteredClaims
	QSH     string         `json:"qsh"`
	Context map[string]any `json:"context"`
}

// signForApp signs an HS256 token with the app's shared secret: iss the
// client key, sub the account, the given qsh, a context claim, exp in 15
// minutes.
func (s *Sandbox) signForApp(a connectApp, account, qsh string) (string, error) {
	now := s.now()
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, pageClaims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: s.ClientKey(), Subject: account,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(pageTokenTTL))},
		QSH: qsh, Context: map[string]any{},
	})
	return t.SignedString([]byte(a.SharedSecret))
}
