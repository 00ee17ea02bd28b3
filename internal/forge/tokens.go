package forge

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// The headers that forward product tokens ("Forge remote essentials",
// request headers), and a bound on their size.
const (
	systemTokenHeader = "X-Forge-Oauth-System"
	userTokenHeader   = "X-Forge-Oauth-User"
	maxProductToken   = 16 << 10
)

// readProductTokens reads the forwarded product tokens of a verified
// invocation into inv. A token's value may carry a "Bearer " prefix. A
// token without a readable exp, or already expired, is unusable: it is
// left out and a warning logged (never the token).
func (f *Forge) readProductTokens(r *http.Request, inv *Invocation) {
	inv.SystemToken, inv.SystemTokenExpiry = f.productToken(r, systemTokenHeader, "system", inv.InstallationID)
	inv.UserToken, _ = f.productToken(r, userTokenHeader, "user", inv.InstallationID)
}

func (f *Forge) productToken(r *http.Request, header, kind, installation string) (string, time.Time) {
	v := strings.TrimSpace(r.Header.Get(header))
	if v == "" {
		return "", time.Time{}
	}
	if scheme, rest, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "Bearer") {
		v = strings.TrimSpace(rest)
	}
	exp, err := tokenExpiry(v)
	if err == nil && !exp.After(f.now()) {
		err = errors.New("expired")
	}
	if err != nil {
		f.log.WarnContext(r.Context(), "forge: app "+kind+" token ignored", "installation", installation, "reason", err.Error())
		return "", time.Time{}
	}
	return v, exp
}

// tokenExpiry reads the exp claim of a JWT-shaped product token without
// verifying anything: product tokens are opaque to the app, only their
// expiry may be read ("Forge remote essentials").
func tokenExpiry(token string) (time.Time, error) {
	parts := strings.Split(token, ".")
	if len(token) > maxProductToken || len(parts) != 3 {
		return time.Time{}, errors.New("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, errors.New("payload not base64url")
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if err := json.Unmarshal(b, &claims); err != nil {
		return time.Time{}, errors.New("payload not JSON")
	}
	if claims.Exp == nil {
		return time.Time{}, errors.New("no exp")
	}
	secs, err := claims.Exp.Float64()
	if err != nil || secs <= 0 || secs > 1<<40 {
		return time.Time{}, errors.New("exp not a time")
	}
	return time.Unix(int64(secs), 0).UTC(), nil
}
