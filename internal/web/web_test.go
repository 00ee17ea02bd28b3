package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mailwiki/mailwiki/internal/metrics"
	"github.com/mailwiki/mailwiki/internal/web"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	var ready atomic.Bool
	m := metrics.New(func() float64 { return 3 }, nil)
	m.RecordRefused("unknown_recipient")
	srv := httptest.NewServer(web.Handler(ready.Load, func() []string { return nil }, m.Registry))
	defer srv.Close()

	if code, _ := get(t, srv, "/livez"); code != 200 {
		t.Errorf("/livez = %d", code)
	}
	if code, _ := get(t, srv, "/readyz"); code != 503 {
		t.Errorf("/readyz before ready = %d, want 503", code)
	}
	ready.Store(true)
	if code, _ := get(t, srv, "/readyz"); code != 200 {
		t.Errorf("/readyz when ready = %d", code)
	}
	code, body := get(t, srv, "/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{`mailwiki_messages_refused_total{reason="unknown_recipient"} 1`, "mailwiki_queue_depth 3", "mailwiki_accept_duration_seconds_bucket"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestReadyzListsUnhealthyTenants: a tenant whose Confluence refuses its
// credentials is named on /readyz, which stays 200 (the others' mail flows),
// and its gauge is 0.
func TestReadyzListsUnhealthyTenants(t *testing.T) {
	t.Parallel()
	m := metrics.New(nil, nil)
	m.SetTenantHealthy("acme", false)
	m.SetTenantHealthy("beta", true)
	unhealthy := func() []string { return []string{"tenant unhealthy: acme: Confluence refused the credentials"} }
	srv := httptest.NewServer(web.Handler(func() bool { return true }, unhealthy, m.Registry))
	defer srv.Close()
	code, body := get(t, srv, "/readyz")
	if code != 200 || !strings.Contains(body, "tenant unhealthy: acme: Confluence refused the credentials") {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	_, body = get(t, srv, "/metrics")
	for _, want := range []string{`mailwiki_tenant_healthy{tenant="acme"} 0`, `mailwiki_tenant_healthy{tenant="beta"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
