package confluence

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mailwiki/mailwiki"
)

func TestPromiseP14_RefusesPlainHTTPBaseURL(t *testing.T) {
	t.Parallel()
	_, err := New("http://confluence.corp.example/wiki", http.DefaultClient, Options{})
	wantCode(t, err, mailwiki.ECONFIG, false)
	msg := mailwiki.ErrorMessage(err)
	for _, want := range []string{"http://", "https://", "AllowInsecureHTTP"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not mention %q", msg, want)
		}
	}
	if _, err := New("http://127.0.0.1:8090/wiki", http.DefaultClient, Options{AllowInsecureHTTP: true}); err != nil {
		t.Errorf("sandbox URL with AllowInsecureHTTP: %v", err)
	}
}

func TestNewValidatesConfiguration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		base    string
		hc      *http.Client
		opts    Options
		wantMsg string // "" means New succeeds
	}{
		{"cloud", "https://acme.atlassian.net/wiki", http.DefaultClient, Options{}, ""},
		{"data center root", "https://confluence.corp.example/", http.DefaultClient, Options{Flavor: DataCenter}, ""},
		{"not a URL", "acme.atlassian.net/wiki", http.DefaultClient, Options{}, "absolute https://"},
		{"other scheme", "ftp://acme.atlassian.net/wiki", http.DefaultClient, Options{}, "absolute https://"},
		{"credentials in URL", "https://me:secret@acme.atlassian.net/wiki", http.DefaultClient, Options{}, "must not carry credentials"},
		{"query", "https://acme.atlassian.net/wiki?x=1", http.DefaultClient, Options{}, "query or fragment"},
		{"nil client", "https://acme.atlassian.net/wiki", nil, Options{}, "*http.Client is required"},
		{"unknown flavor", "https://acme.atlassian.net/wiki", http.DefaultClient, Options{Flavor: "server"}, `unknown flavor "server"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.base, tt.hc, tt.opts)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			wantCode(t, err, mailwiki.ECONFIG, false)
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q leaks the password", err)
			}
		})
	}
}

func TestPromiseP14_RefusesRedirectToPlainHTTP(t *testing.T) {
	t.Parallel()
	var plainHits atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { plainHits.Add(1) }))
	t.Cleanup(plain.Close)
	f := newFake(t, func(int, recorded) reply {
		return reply{status: http.StatusFound, header: map[string]string{"Location": plain.URL + "/wiki/api/v2/pages/1"}}
	})
	c, _ := newClient(t, f, Options{})
	_, err := c.GetPage(t.Context(), "1")
	wantCode(t, err, mailwiki.ECONFIG, false)
	if n := plainHits.Load(); n != 0 {
		t.Errorf("plain-HTTP server was called %d times", n)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("a refused redirect must not be retried: %d requests", n)
	}
}

func TestBaseURLWithContextPath(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(200, `{"id":98306,"key":"DOCS","name":"Docs"}`))
	c, err := New(f.srv.URL+"/confluence/", f.srv.Client(), Options{Flavor: DataCenter})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SpaceByKey(t.Context(), "DOCS"); err != nil {
		t.Fatal(err)
	}
	if got := f.only(t).Path; got != "/confluence/rest/api/space/DOCS" {
		t.Errorf("path %q, want /confluence/rest/api/space/DOCS", got)
	}
}

func TestSendsUserAgentAndAccept(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(200, `{"id":"1","title":"T"}`))
	c, _ := newClient(t, f, Options{UserAgent: "mailwiki/1.2 (+https://example.org)"})
	if _, err := c.GetPage(t.Context(), "1"); err != nil {
		t.Fatal(err)
	}
	h := f.only(t).Header
	if got := h.Get("User-Agent"); got != "mailwiki/1.2 (+https://example.org)" {
		t.Errorf("User-Agent %q", got)
	}
	if got := h.Get("Accept"); got != "application/json" {
		t.Errorf("Accept %q", got)
	}
}

// TestLogsNeverHoldBodies captures the log of a page creation and an
// upload: method, path and status are there; the body, the attachment and the
// credential are not.
func TestLogsNeverHoldBodies(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(n int, r recorded) reply {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/child/attachment") {
			return reply{body: `{"results":[{"id":"att1","title":"a.txt","extensions":{"mediaType":"text/plain","fileSize":10}}]}`}
		}
		return reply{body: `{"id":"7","title":"T","spaceId":"1"}`}
	})
	var logs bytes.Buffer
	hc := &http.Client{Transport: basicAuth("me@example.com", "TOKEN-SECRET-42", f.srv.Client().Transport)}
	c, err := New(f.srv.URL+"/wiki", hc, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreatePage(ctx, PageInput{SpaceID: "1", Title: "T", Storage: "<p>BODY-MARKER-1</p>"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadAttachments(ctx, "7", []File{{Name: "a.txt", ContentType: "text/plain", Data: []byte("ATTACH-MARKER-2")}}); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, want := range []string{"method=POST", "path=/api/v2/pages", "status=200", "attempt=1", "duration="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"BODY-MARKER-1", "ATTACH-MARKER-2", "TOKEN-SECRET-42", base64.StdEncoding.EncodeToString([]byte("me@example.com:TOKEN-SECRET-42"))} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
}
