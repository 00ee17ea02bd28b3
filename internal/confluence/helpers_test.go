package confluence

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

// recorded is one request as the fake Confluence received it.
type recorded struct {
	Method string
	Path   string // escaped path, e.g. /wiki/api/v2/pages
	Query  url.Values
	Header http.Header
	Body   []byte
}

// reply is what the fake answers.
type reply struct {
	status int
	header map[string]string
	body   string
}

// fakeConfluence is an HTTPS server that records every request and answers
// with respond(n, request), n counting from 0.
type fakeConfluence struct {
	srv     *httptest.Server
	respond func(n int, r recorded) reply

	mu   sync.Mutex
	reqs []recorded
}

func newFake(t *testing.T, respond func(n int, r recorded) reply) *fakeConfluence {
	t.Helper()
	f := &fakeConfluence{respond: respond}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeConfluence) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := recorded{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
	f.mu.Lock()
	n := len(f.reqs)
	f.reqs = append(f.reqs, rec)
	f.mu.Unlock()
	rep := f.respond(n, rec)
	if rep.status == 0 {
		rep.status = http.StatusOK
	}
	w.Header().Set("Content-Type", "application/json")
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

func (f *fakeConfluence) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// only returns the single request received, failing the test otherwise.
func (f *fakeConfluence) only(t *testing.T) recorded {
	t.Helper()
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("server received %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

// always answers every request the same way.
func always(status int, body string) func(int, recorded) reply {
	return func(int, recorded) reply { return reply{status: status, body: body} }
}

// sleepRecorder is an Options.Sleep that records waits without waiting.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepRecorder) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) recorded() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// newClient returns a client for f's site at /wiki. opts.Sleep defaults to a
// recorder so no test really sleeps.
func newClient(t *testing.T, f *fakeConfluence, opts Options) (*Client, *sleepRecorder) {
	t.Helper()
	sr := &sleepRecorder{}
	if opts.Sleep == nil {
		opts.Sleep = sr.Sleep
	}
	c, err := New(f.srv.URL+"/wiki", f.srv.Client(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, sr
}

// wantCode fails unless err has a *mailwiki.Error with code and temporary.
func wantCode(t *testing.T, err error, code string, temporary bool) {
	t.Helper()
	var me *mailwiki.Error
	if !errors.As(err, &me) {
		t.Fatalf("error %v has no *mailwiki.Error in its chain", err)
	}
	if me.Code != code || me.Temporary != temporary {
		t.Fatalf("error %v: code %q temporary %v, want %q %v", err, me.Code, me.Temporary, code, temporary)
	}
}

// basicAuth authenticates every request as email and token, as the tenant
// package's credential provider does.
func basicAuth(email, token string, base http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.SetBasicAuth(email, token)
		return base.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
