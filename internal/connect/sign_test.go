package connect

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// site is a fake Confluence that checks each request's token the way the
// host does: HS256 with the shared secret, iss the app key, exp 180 s after
// iat, and qsh recomputed from the request relative to /wiki.
type site struct {
	srv     *httptest.Server
	secret  []byte
	checked atomic.Int32
	errs    chan error
}

func newSite(t *testing.T, secret []byte, handler http.HandlerFunc) *site {
	s := &site{secret: secret, errs: make(chan error, 16)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.check(r); err != nil {
			s.errs <- err
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s.checked.Add(1)
		if handler != nil {
			handler(w, r)
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) check(r *http.Request) error {
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if scheme != "JWT" {
		return errors.New("no JWT authorization")
	}
	var cl claims
	_, err := jwt.ParseWithClaims(raw, &cl, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return testNow }),
		jwt.WithIssuer(testAppKey), jwt.WithExpirationRequired())
	switch {
	case err != nil:
		return err
	case cl.ExpiresAt.Sub(cl.IssuedAt.Time) != 180*time.Second:
		return errors.New("exp is not iat+180s")
	case cl.QSH != QSH(r.Method, r.URL, "/wiki"):
		return errors.New("qsh mismatch: " + CanonicalRequest(r.Method, r.URL, "/wiki"))
	}
	return nil
}

func TestTransportSigns(t *testing.T) {
	t.Parallel()
	secret := []byte("shared-secret-0123456789abcdef")
	s := newSite(t, secret, nil)
	client := &http.Client{Transport: Transport(testAppKey, secret, s.srv.URL+"/wiki/", nil, func() time.Time { return testNow })}

	for _, target := range []string{
		"/wiki/rest/api/content?limit=5",
		"/wiki/rest/api/content?expand=body.storage,version&spaceKey=DOCS&title=a%20b%2Bc*~",
		"/wiki/api/v2/pages/123/",
		"/wiki",
	} {
		req, err := http.NewRequest(http.MethodGet, s.srv.URL+target, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d: %v", target, resp.StatusCode, <-s.errs)
		}
		if req.Header.Get("Authorization") != "" {
			t.Errorf("%s: the caller's request was modified", target)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/wiki/rest/api/content", strings.NewReader(`{"title":"x"}`))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST: status %d: %v", resp.StatusCode, <-s.errs)
	}
}

// TestTransportOtherHosts: a request to another host, directly or through
// a redirect from the site, carries no token.
func TestTransportOtherHosts(t *testing.T) {
	t.Parallel()
	secret := []byte("shared-secret-0123456789abcdef")
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(other.Close)
	s := newSite(t, secret, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/download/attachment", http.StatusFound)
	})
	client := &http.Client{Transport: Transport(testAppKey, secret, s.srv.URL+"/wiki", nil, func() time.Time { return testNow })}

	for _, target := range []string{other.URL + "/wiki/rest/api/content", s.srv.URL + "/wiki/download/x"} {
		resp, err := client.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", target, resp.StatusCode)
		}
	}
	if leaked.Load() != 0 {
		t.Errorf("%d requests to another host carried a token", leaked.Load())
	}
	if s.checked.Load() != 1 {
		t.Errorf("site saw %d signed requests, want 1", s.checked.Load())
	}
}

func TestTransportBadSiteURL(t *testing.T) {
	t.Parallel()
	rt := Transport(testAppKey, []byte("s"), "not a url", nil, nil)
	req := httptest.NewRequest(http.MethodGet, "https://acme.atlassian.net/wiki/rest/api/content", nil)
	if _, err := rt.RoundTrip(req); err == nil {
		t.Error("RoundTrip succeeded with an unusable site base URL")
	}
}
