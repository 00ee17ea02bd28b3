package rspamd_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/check/builtin/testmail"
	"github.com/mailwiki/mailwiki/internal/check/rspamd"
)

// gtube is the Generic Test for Unsolicited Bulk Email, which rspamd rejects.
const gtube = testmail.GTUBE

// realClient returns a Client for the rspamd that .ci/scanners.sh started,
// or skips (fails under MAILWIKI_REQUIRE_SCANNERS=1) without one.
func realClient(t *testing.T) *rspamd.Client {
	t.Helper()
	url := testmail.ScannerEnv(t, "MAILWIKI_TEST_RSPAMD_URL")
	return &rspamd.Client{URL: url, Timeout: 10 * time.Second}
}

// message builds a well-formed message with the given subject and body.
func message(subject, body string) string {
	return "From: Alice Example <alice@example.org>\r\n" +
		"To: Docs <docs@wiki.example.com>\r\n" +
		"Subject: " + subject + "\r\n" +
		"Date: Mon, 30 Nov 2026 05:00:00 +0000\r\n" +
		"Message-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.org>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" + body + "\r\n"
}

var meta = rspamd.Meta{IP: "192.0.2.10", Helo: "mail.example.org", From: "alice@example.org", Rcpt: []string{"docs@wiki.example.com"}, QueueID: "q1"}

// onlyReader hides a reader's length, so that the request is chunked.
type onlyReader struct{ io.Reader }

func TestRealGTUBEIsRejected(t *testing.T) {
	t.Parallel()
	c := realClient(t)
	start := time.Now()
	r, err := c.Check(context.Background(), onlyReader{strings.NewReader(message("offer", "Buy now.\r\n"+gtube))}, meta)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("GTUBE: %+v in %v", r, time.Since(start))
	if r.Action != rspamd.ActionReject || !slices.Contains(r.Symbols, "GTUBE") {
		t.Errorf("GTUBE: got %+v, want action reject with symbol GTUBE", r)
	}
}

func TestRealCleanMessagePasses(t *testing.T) {
	t.Parallel()
	c := realClient(t)
	start := time.Now()
	r, err := c.Check(context.Background(), strings.NewReader(message("meeting notes", "The notes of today's meeting.\r\n")), meta)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("clean: %+v in %v", r, time.Since(start))
	if r.Action != rspamd.ActionNoAction || r.Score >= r.RequiredScore || r.RequiredScore == 0 {
		t.Errorf("clean message: got %+v, want no action below the required score", r)
	}
	if !slices.IsSorted(r.Symbols) {
		t.Errorf("symbols %q are not sorted", r.Symbols)
	}
}

func TestRealPing(t *testing.T) {
	t.Parallel()
	if err := realClient(t).Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// fake is an rspamd stand-in that records the last request.
type fake struct {
	header  http.Header
	chunked bool
	body    string
}

func (f *fake) start(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) *rspamd.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.header, f.body = r.Header.Clone(), string(b)
		f.chunked = slices.Contains(r.TransferEncoding, "chunked")
		if r.URL.Path != "/checkv2" || r.Method != http.MethodPost {
			http.Error(w, "wrong endpoint "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return &rspamd.Client{URL: srv.URL + "/", Timeout: 2 * time.Second}
}

func TestCheckSendsEnvelopeAndStreams(t *testing.T) {
	t.Parallel()
	f := &fake{}
	c := f.start(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"action":"add header","score":7.5,"required_score":15,"symbols":{"Z_SYM":{},"A_SYM":{},"M_SYM":{"score":1}}}`)
	})
	m := meta
	m.Rcpt = []string{"a@example.com", "b@example.com"}
	m.Helo = "evil\r\nX-Injected: yes"
	r, err := c.Check(context.Background(), onlyReader{strings.NewReader("Subject: x\r\n\r\nbody")}, m)
	if err != nil {
		t.Fatal(err)
	}
	want := rspamd.Result{Action: "add header", Score: 7.5, RequiredScore: 15, Symbols: []string{"A_SYM", "M_SYM", "Z_SYM"}}
	if fmt.Sprint(r) != fmt.Sprint(want) {
		t.Errorf("result %+v, want %+v", r, want)
	}
	for name, want := range map[string]string{"IP": "192.0.2.10", "Helo": "evilX-Injected: yes", "From": "alice@example.org", "Queue-Id": "q1"} {
		if got := f.header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if got := f.header.Values("Rcpt"); !slices.Equal(got, m.Rcpt) {
		t.Errorf("Rcpt headers %q, want %q", got, m.Rcpt)
	}
	if f.header.Get("X-Injected") != "" || !f.chunked || f.body != "Subject: x\r\n\r\nbody" {
		t.Errorf("request: injected %q, chunked %v, body %q", f.header.Get("X-Injected"), f.chunked, f.body)
	}
}

func TestCheckUnavailable(t *testing.T) {
	t.Parallel()
	answers := map[string]func(w http.ResponseWriter, r *http.Request){
		"status 500": func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
		"bad JSON":   func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, `{"action":`) },
		"no action":  func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, `{"score":1}`) },
		"slow":       func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := (&fake{}).start(t, answer)
			c.Timeout = 300 * time.Millisecond
			start := time.Now()
			_, err := c.Check(context.Background(), strings.NewReader(message("x", "y")), meta)
			assertUnavailable(t, err, start)
		})
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	c := &rspamd.Client{URL: "http://" + addr}
	start := time.Now()
	_, err = c.Check(context.Background(), strings.NewReader(message("x", "y")), meta)
	assertUnavailable(t, err, start)
	start = time.Now()
	assertUnavailable(t, c.Ping(context.Background()), start)
}

func assertUnavailable(t *testing.T, err error, start time.Time) {
	t.Helper()
	if !errors.Is(err, rspamd.ErrUnavailable) {
		t.Fatalf("error %v, want ErrUnavailable", err)
	}
	if !mailwiki.IsTemporary(err) || mailwiki.ErrorCode(err) != mailwiki.EUNAVAILABLE {
		t.Errorf("error %v: want a temporary %s", err, mailwiki.EUNAVAILABLE)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v to fail", d)
	}
}
