package sandbox

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// apiFunc handles one authenticated API call. It writes its success answer
// itself and returns errors for s.api to answer in the route's shape.
type apiFunc func(w http.ResponseWriter, r *http.Request) error

type ctxKey struct{}

// accountOf returns the account id of the authenticated caller.
func accountOf(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// api wraps an API handler: injected faults first (an outage answers before
// anything), then authentication, then the handler.
func (s *Sandbox) api(f flavour, h apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.suffer(w, r, f) {
			return
		}
		c, ok := s.authenticateCaller(r)
		if !ok {
			s.writeError(w, f, mailwiki.Errorf(mailwiki.EUNAUTHORIZED,
				"This request requires authentication. Provide valid credentials."))
			return
		}
		ctx := context.WithValue(r.Context(), ctxKey{}, c.account)
		r = r.WithContext(context.WithValue(ctx, appCtxKey{}, c.app))
		if err := h(w, r); err != nil {
			s.writeError(w, f, err)
		}
	})
}

// authenticate checks the Authorization header against the seeded users,
// personal access tokens and installed apps (see authenticateCaller).
func (s *Sandbox) authenticate(r *http.Request) (string, bool) {
	c, ok := s.authenticateCaller(r)
	return c.account, ok
}

// authenticateUser checks basic or bearer credentials.
func (s *Sandbox) authenticateUser(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creds.authenticate(h)
}

// decodeBasic splits the base64 "user:password" of basic authentication.
func decodeBasic(encoded string) (user, password string, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// notFoundRoute answers API paths the sandbox does not implement, after
// authentication, as Confluence answers unknown resources.
func notFoundRoute(_ http.ResponseWriter, r *http.Request) error {
	return notFound("No resource at %s", r.URL.Path)
}

// siteBase is the site's base URL as the caller reached it, e.g.
// http://127.0.0.1:8090/wiki: the "_links.base" of every answer.
func siteBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/wiki"
}
