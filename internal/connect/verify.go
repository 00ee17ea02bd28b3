package connect

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/refusal"
)

// clockLeeway is the clock skew tolerated on exp and iat.
const clockLeeway = 30 * time.Second

// contextRefused is the safe message prefix of context JWT refusals.
const contextRefused = "admin session not authenticated"

// event is the lifecycle callback being verified: it names the callback in
// every refusal ("uninstall callback not signed by the host: bad
// signature").
type event string

const (
	eventInstall   event = "install"
	eventUninstall event = "uninstall"
)

// Safe message suffixes of lifecycle refusals, after the event: the token
// is not the host's, or it cannot be checked now (the key service is down
// or busy; temporary).
const (
	notSigned   = " callback not signed by the host"
	notVerified = " callback cannot be verified now"
)

// eventType is the payload's eventType of ev.
func (ev event) eventType() string {
	if ev == eventUninstall {
		return "uninstalled"
	}
	return "installed"
}

// refused returns the EUNAUTHORIZED error for a callback of ev the app
// cannot trust; reason is safe to show, err is for logs.
func (ev event) refused(reason string, err error) *mailwiki.Error {
	return &mailwiki.Error{Code: mailwiki.EUNAUTHORIZED, Message: string(ev) + notSigned + ": " + reason, Err: err}
}

// keyRefusal words a key source's refusal (a bare reason) for ev, keeping
// its temporary flag and retry delay; a temporary one says the callback
// could not be verified rather than that it was not signed.
func (ev event) keyRefusal(err error) *mailwiki.Error {
	var e *mailwiki.Error
	if !errors.As(err, &e) {
		return ev.refused("key service unavailable", err)
	}
	r := ev.refused(e.Message, e.Err)
	if e.Temporary {
		r.Message = string(ev) + notVerified + ": " + e.Message
	}
	r.Temporary, r.RetryAfter = e.Temporary, e.RetryAfter
	return r
}

// contextError returns the EUNAUTHORIZED error for a context JWT the app
// cannot trust.
func contextError(reason string, err error) *mailwiki.Error {
	return &mailwiki.Error{Code: mailwiki.EUNAUTHORIZED, Message: contextRefused + ": " + reason, Err: err}
}

// bearer returns the token of an "Authorization: JWT <token>" header, or "".
func bearer(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "JWT") {
		return ""
	}
	return strings.TrimSpace(token)
}

// verifyLifecycle checks that r, an install or uninstall callback, was sent
// by the host, as "Understanding JWT for Connect apps", "Validating
// installation lifecycle requests" requires
// (https://developer.atlassian.com/cloud/confluence/understanding-jwt/;
// the "signed-install" migration,
// https://developer.atlassian.com/cloud/confluence/connect-active-api-migrations/):
// an RS256 token only (HS256, "none" and every other alg are refused), signed
// by the key named by the header's kid and fetched from the key service, aud
// containing the app's base URL, exp in the future and iat present (within
// clockLeeway), qsh the QSH of r relative to the base URL's path, iss (the
// client key) present. It returns the claims; the caller checks iss against
// the body's clientKey. Refusals name ev.
func (c *Connect) verifyLifecycle(r *http.Request, ev event) (*claims, error) {
	raw := bearer(r)
	if raw == "" {
		return nil, ev.refused("missing JWT", nil)
	}
	if err := checkAlg(raw, "RS256"); err != nil {
		return nil, ev.refused(err.Error(), nil)
	}
	var cl claims
	_, err := jwt.ParseWithClaims(raw, &cl, c.hostKey(r.Context(), ev), c.parserOptions("RS256")...)
	if err != nil {
		return nil, classify(err, ev.refused)
	}
	if err := c.checkLifecycleClaims(r, ev, &cl); err != nil {
		return nil, err
	}
	return &cl, nil
}

// checkAlg reads the (unverified) header of raw and fails unless its alg is
// exactly alg. It only makes the refusal's reason precise: the parser is
// restricted to alg as well.
func checkAlg(raw, alg string) error {
	tok, _, err := jwt.NewParser().ParseUnverified(raw, &claims{})
	switch {
	case err != nil:
		return errors.New("malformed token")
	case tok.Method == nil || tok.Method.Alg() != alg:
		return errors.New("algorithm not allowed")
	}
	return nil
}

// hostKey is the keyfunc of lifecycle tokens: RS256 and a kid, whose key
// comes from the key service.
func (c *Connect) hostKey(ctx context.Context, ev event) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if t.Method.Alg() != "RS256" {
			return nil, ev.refused("algorithm not allowed", nil)
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, ev.refused("missing key id", nil)
		}
		key, err := c.keys.Key(ctx, kid)
		if err != nil {
			return nil, ev.keyRefusal(err)
		}
		return key, nil
	}
}

// checkLifecycleClaims checks the claims jwt does not: aud, iat, iss, qsh.
func (c *Connect) checkLifecycleClaims(r *http.Request, ev event, cl *claims) error {
	switch {
	case !c.audienceOK(cl.Audience):
		return ev.refused("wrong audience", nil)
	case cl.IssuedAt == nil:
		return ev.refused("missing iat", nil)
	case cl.Issuer == "":
		return ev.refused("missing iss", nil)
	case cl.QSH != QSH(r.Method, r.URL, c.basePath):
		return ev.refused("query string hash does not match the request", nil)
	}
	return nil
}

// audienceOK reports whether aud contains the app's base URL (a trailing
// slash aside).
func (c *Connect) audienceOK(aud jwt.ClaimStrings) bool {
	for _, a := range aud {
		if strings.TrimSuffix(a, "/") == c.baseURL {
			return true
		}
	}
	return false
}

// parserOptions are the options shared by every token the app verifies:
// exactly one algorithm, exp required, iat not in the future, the injected
// clock and clockLeeway.
func (c *Connect) parserOptions(alg string) []jwt.ParserOption {
	return []jwt.ParserOption{
		jwt.WithValidMethods([]string{alg}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(clockLeeway),
		jwt.WithTimeFunc(c.now),
	}
}

// classify turns a jwt parse error into an EUNAUTHORIZED *mailwiki.Error
// with a safe reason (worded by refuse), keeping a *mailwiki.Error the
// keyfunc returned.
func classify(err error, refuse func(string, error) *mailwiki.Error) error {
	return refusal.Classify(err, tokenReasons, refuse)
}

// tokenReasons word the refusal of a callback or context JWT by its jwt
// parse error (the first that matches); the parser checks neither iss nor
// aud: the callers do, after parsing (checkLifecycleClaims, ContextAuth).
var tokenReasons = []refusal.Reason{
	{Err: jwt.ErrTokenMalformed, Text: "malformed token"},
	{Err: jwt.ErrTokenSignatureInvalid, Text: "bad signature"},
	{Err: jwt.ErrTokenExpired, Text: "token expired"},
	{Err: jwt.ErrTokenRequiredClaimMissing, Text: "missing exp"},
	{Err: jwt.ErrTokenUsedBeforeIssued, Text: "token not valid yet"},
	{Err: jwt.ErrTokenNotValidYet, Text: "token not valid yet"},
	{Err: jwt.ErrTokenUnverifiable, Text: "algorithm not allowed"},
}

// Session is who a context JWT authenticates: the site (its client key, the
// tenant id) and the user (their Atlassian account id).
type Session struct {
	TenantID  string
	AccountID string
}

// ContextAuth authenticates a request from the app's own admin page, which
// sends the context JWT the host gave it (AP.context.getToken) as
// "Authorization: JWT <token>". The token must be HS256, signed with the
// shared secret of the site its iss names (looked up in the Registry; an
// unknown site is refused), qsh must be the fixed ContextQSH, exp in the
// future and sub (the user's account id) present. See "Understanding JWT
// for Connect apps", context JWT,
// https://developer.atlassian.com/cloud/confluence/understanding-jwt/.
// Refusals are EUNAUTHORIZED *mailwiki.Error; a Registry failure other than
// ENOTFOUND is a temporary EUNAVAILABLE one.
func (c *Connect) ContextAuth(r *http.Request) (Session, error) {
	raw := bearer(r)
	if raw == "" {
		return Session{}, contextError("missing JWT", nil)
	}
	if err := checkAlg(raw, "HS256"); err != nil {
		return Session{}, contextError(err.Error(), nil)
	}
	var cl claims
	_, err := jwt.ParseWithClaims(raw, &cl, c.siteSecret(r.Context()), c.parserOptions("HS256")...)
	if err != nil {
		return Session{}, classify(err, contextError)
	}
	switch {
	case cl.QSH != ContextQSH:
		return Session{}, contextError("not a context token", nil)
	case cl.Subject == "":
		return Session{}, contextError("missing sub", nil)
	}
	return Session{TenantID: cl.Issuer, AccountID: cl.Subject}, nil
}

// Authenticate returns the tenant (client key) a context JWT from the admin
// page authenticates; see ContextAuth.
func (c *Connect) Authenticate(r *http.Request) (tenantID string, err error) {
	s, err := c.ContextAuth(r)
	return s.TenantID, err
}

// siteSecret is the keyfunc of context tokens: HS256, the secret of the
// site named by the (not yet verified) iss.
func (c *Connect) siteSecret(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if t.Method.Alg() != "HS256" {
			return nil, contextError("algorithm not allowed", nil)
		}
		iss, err := t.Claims.GetIssuer()
		if err != nil || iss == "" {
			return nil, contextError("missing iss", err)
		}
		secret, err := c.registry.Secret(ctx, iss)
		switch {
		case mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND:
			return nil, contextError("unknown site", err)
		case err != nil:
			return nil, &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "site registry unavailable", Temporary: true, Err: err}
		case len(secret) == 0:
			return nil, contextError("unknown site", nil)
		}
		return secret, nil
	}
}
