package forge

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/refusal"
)

// The invocation token's fixed values and limits.
const (
	fitIssuer   = "forge/invocation-token"
	fitAlg      = "RS256"
	clockLeeway = 30 * time.Second // on exp, nbf and iat
	maxFITBytes = 16 << 10         // a FIT is about 2 KB
	maxKidBytes = 256
)

// fitRefused starts the safe message of every refusal.
const fitRefused = "forge invocation token refused: "

// refused returns the EUNAUTHORIZED error of a token that cannot be
// trusted; reason is safe to show, err is for logs.
func refused(reason string, err error) *mailwiki.Error {
	return &mailwiki.Error{Code: mailwiki.EUNAUTHORIZED, Message: fitRefused + reason, Err: err}
}

// Verify checks the Forge invocation token (FIT) of r, as "Forge remote
// essentials" requires, and returns the invocation it authenticates; see
// the package doc for every check. Only after the token verified are the
// forwarded product tokens read (x-forge-oauth-system, x-forge-oauth-user);
// one whose exp cannot be read, or is past, is left out (and a warning
// logged). Every refusal is an EUNAUTHORIZED *mailwiki.Error with a safe
// message ("forge invocation token refused: wrong audience"); one that
// comes from the key set being unreachable is also temporary.
func (f *Forge) Verify(r *http.Request) (Invocation, error) {
	raw, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return Invocation{}, refused("missing bearer token", nil)
	}
	if len(raw) > maxFITBytes {
		return Invocation{}, refused("malformed token", nil)
	}
	if err := checkHeader(raw); err != nil {
		return Invocation{}, err
	}
	var cl fitClaims
	if _, err := jwt.ParseWithClaims(raw, &cl, f.keyfunc(r.Context()), f.parserOptions()...); err != nil {
		return Invocation{}, classify(err)
	}
	inv, err := f.invocation(&cl)
	if err != nil {
		return Invocation{}, err
	}
	f.readProductTokens(r, &inv)
	return inv, nil
}

// bearer returns the token of an "Authorization: Bearer <token>" header
// (the scheme in any case).
func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
}

// joseHeader is the part of a token's header read before any key.
type joseHeader struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit"`
}

// checkHeader reads the (unverified) header of raw and refuses anything
// but alg RS256 with a kid, before any key is looked at: "none", HS256
// (signed with the public key as secret) and every other alg never reach
// the key set. A crit header (extensions we do not understand) is refused
// too (RFC 7515, 4.1.11).
func checkHeader(raw string) error {
	seg, _, ok := strings.Cut(raw, ".")
	if !ok {
		return refused("malformed token", nil)
	}
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return refused("malformed token", err)
	}
	var h joseHeader
	if err := json.Unmarshal(b, &h); err != nil {
		return refused("malformed token", err)
	}
	switch {
	case h.Alg != fitAlg:
		return refused("algorithm not allowed", nil)
	case h.Kid == "" || len(h.Kid) > maxKidBytes:
		return refused("missing key id", nil)
	case len(h.Crit) > 0:
		return refused("unsupported critical header", nil)
	}
	return nil
}

// keyfunc returns the key of the token's kid from the key set; the alg is
// checked again (the parser is restricted to RS256 as well).
func (f *Forge) keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if t.Method.Alg() != fitAlg {
			return nil, refused("algorithm not allowed", nil)
		}
		kid, _ := t.Header["kid"].(string)
		key, err := f.keys.Key(ctx, kid)
		var setErr *keySetError
		switch {
		case errors.As(err, &setErr):
			e := refused("key set unavailable", err)
			e.Temporary = true
			return nil, e
		case err != nil:
			return nil, refused("unknown key id", err)
		}
		return key, nil
	}
}

// parserOptions: RS256 only; iss the FIT issuer; aud containing the
// configured app id; exp and nbf required, iat not in the future, all
// within clockLeeway of the injected clock.
func (f *Forge) parserOptions() []jwt.ParserOption {
	return []jwt.ParserOption{
		jwt.WithValidMethods([]string{fitAlg}),
		jwt.WithIssuer(fitIssuer),
		jwt.WithAudience(f.appID),
		jwt.WithExpirationRequired(),
		jwt.WithNotBeforeRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(clockLeeway),
		jwt.WithTimeFunc(f.now),
	}
}

// classify turns a jwt parse error into an EUNAUTHORIZED *mailwiki.Error
// with a safe reason, keeping a *mailwiki.Error the keyfunc returned.
func classify(err error) error {
	return refusal.Classify(err, tokenReasons, refused)
}

// tokenReasons word the refusal of a FIT by its jwt parse error (the first
// that matches): the parser checks iss and aud too (parserOptions).
var tokenReasons = []refusal.Reason{
	{Err: jwt.ErrTokenMalformed, Text: "malformed token"},
	{Err: jwt.ErrTokenSignatureInvalid, Text: "bad signature"},
	{Err: jwt.ErrTokenInvalidIssuer, Text: "wrong issuer"},
	{Err: jwt.ErrTokenInvalidAudience, Text: "wrong audience"},
	{Err: jwt.ErrTokenExpired, Text: "token expired"},
	{Err: jwt.ErrTokenRequiredClaimMissing, Text: "missing exp or nbf"},
	{Err: jwt.ErrTokenUsedBeforeIssued, Text: "token not valid yet"},
	{Err: jwt.ErrTokenNotValidYet, Text: "token not valid yet"},
}
