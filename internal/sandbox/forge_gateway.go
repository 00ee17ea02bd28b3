package sandbox

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// The gateway: /ex/confluence/{cloudId}/wiki/… is the site's REST API as
// api.atlassian.com serves it to apps. Only a product token this site
// minted for that cloudId is accepted; the request then goes through the
// ordinary router with /ex/confluence/{cloudId} stripped, authenticated as
// the token's account, so that every route and its error shape are shared.

type forgeCtxKey struct{}

// forgeAuth is the gateway's verdict on a request's bearer token.
type forgeAuth struct {
	ok     bool
	caller forgeCaller
}

// forgeAuthOf returns the gateway's verdict; ok is false for a request that
// did not come through the gateway.
func forgeAuthOf(ctx context.Context) (forgeAuth, bool) {
	a, ok := ctx.Value(forgeCtxKey{}).(forgeAuth)
	return a, ok
}

// forgeCallerOf returns the Forge installation a REST call is made for.
func forgeCallerOf(ctx context.Context) (forgeCaller, bool) {
	a, ok := forgeAuthOf(ctx)
	return a.caller, ok && a.ok
}

// gatewayPrefixes are the paths the gateway forwards.
var gatewayPrefixes = []string{"/wiki/api/", "/wiki/rest/", "/wiki/download/"}

// forgeGateway serves /ex/confluence/{cloudId}/{rest...}.
func (s *Sandbox) forgeGateway(w http.ResponseWriter, r *http.Request) {
	cloudID := r.PathValue("cloudId")
	escaped := r.URL.EscapedPath()
	prefix := "/ex/confluence/" + url.PathEscape(cloudID)
	rest, err := url.Parse(strings.TrimPrefix(escaped, prefix))
	if err != nil || !strings.HasPrefix(escaped, prefix+"/") || !forwarded(rest.Path) {
		writeStatus(w, plain, http.StatusNotFound, "Not found", nil)
		return
	}
	verdict := forgeAuth{}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Bearer") {
		c, err := s.verifyProductToken(strings.TrimSpace(token), cloudID)
		if err != nil {
			s.log.Info("sandbox: Forge product token refused", "err", err)
		}
		verdict = forgeAuth{ok: err == nil, caller: c}
	}
	if !verdict.ok && strings.HasPrefix(rest.Path, "/wiki/download/") {
		writeStatus(w, plain, http.StatusUnauthorized, "Unauthorized", nil)
		return
	}
	r2 := r.Clone(context.WithValue(r.Context(), forgeCtxKey{}, verdict))
	r2.URL.Path, r2.URL.RawPath = rest.Path, rest.RawPath
	r2.RequestURI = r2.URL.RequestURI()
	s.mux.ServeHTTP(w, r2)
}

func forwarded(path string) bool {
	if strings.Contains(path, "/../") || strings.HasSuffix(path, "/..") {
		return false
	}
	for _, p := range gatewayPrefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// authenticateForge is the authentication of a call that came through the
// gateway: the token's verdict, nothing else (basic auth, PATs and Connect
// JWTs are not accepted there). handled is false for other calls.
func authenticateForge(r *http.Request) (c caller, ok, handled bool) {
	a, through := forgeAuthOf(r.Context())
	if !through {
		return caller{}, false, false
	}
	return caller{account: a.caller.account}, a.ok, true
}
