package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// bundle is one test's sandbox, served over loopback, with the demo site.
type bundle struct {
	sb    *Sandbox
	srv   *httptest.Server
	space Space
}

// fakeClock is an injected clock that advances a millisecond per reading.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)}
}

func setup(t *testing.T) *bundle {
	t.Helper()
	return setupWith(t, Options{})
}

func setupWith(t *testing.T, opts Options) *bundle {
	t.Helper()
	if opts.Now == nil {
		opts.Now = newClock().Now
	}
	sb, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { sb.Close() })
	sb.SeedDemo()
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	sp := sb.AddSpace(DemoSpaceKey, "ignored: already there")
	return &bundle{sb: sb, srv: srv, space: sp}
}

// request is one HTTP call; zero fields mean: demo credentials, no body.
type request struct {
	method, path string
	body         io.Reader
	contentType  string
	auth         string // "-" for none; default demo basic auth
	header       map[string]string
}

func (b *bundle) call(t *testing.T, rq request) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(rq.method, b.srv.URL+rq.path, rq.body)
	if err != nil {
		t.Fatal(err)
	}
	switch rq.auth {
	case "":
		req.SetBasicAuth(DemoUser, DemoToken)
	case "-":
	default:
		req.Header.Set("Authorization", rq.auth)
	}
	if rq.contentType != "" {
		req.Header.Set("Content-Type", rq.contentType)
	}
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// getJSON GETs path with demo credentials, checks the status and decodes.
func (b *bundle) getJSON(t *testing.T, path string, want int, out any) *http.Response {
	t.Helper()
	resp, data := b.call(t, request{method: http.MethodGet, path: path})
	checkStatus(t, resp, data, want)
	decode(t, data, out)
	return resp
}

// sendJSON sends in as JSON with demo credentials, checks and decodes.
func (b *bundle) sendJSON(t *testing.T, method, path string, in any, want int, out any) {
	t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	resp, data := b.call(t, request{method: method, path: path, body: bytes.NewReader(body), contentType: "application/json"})
	checkStatus(t, resp, data, want)
	decode(t, data, out)
}

func checkStatus(t *testing.T, resp *http.Response, body []byte, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	}
}

func decode(t *testing.T, data []byte, out any) {
	t.Helper()
	if out == nil {
		return
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

// createV2Page creates a page over REST v2 and returns its id.
func (b *bundle) createV2Page(t *testing.T, title, storage string) string {
	t.Helper()
	var out struct{ ID string }
	b.sendJSON(t, http.MethodPost, "/wiki/api/v2/pages", map[string]any{
		"spaceId": b.space.ID, "status": "current", "title": title,
		"body": map[string]string{"representation": "storage", "value": storage},
	}, http.StatusOK, &out)
	return out.ID
}

// v2ErrorOf decodes a v2 error body and returns its single error.
func v2ErrorOf(t *testing.T, data []byte) v2Error {
	t.Helper()
	var body v2ErrorBody
	decode(t, data, &body)
	if len(body.Errors) != 1 {
		t.Fatalf("want one error in %s", data)
	}
	return body.Errors[0]
}

func mustContain(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}
