package app_test

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/app"
)

// confluenceCalls scrapes mailwiki_confluence_requests_total from /metrics,
// by "operation status_class".
func confluenceCalls(t *testing.T, b *bundle) map[string]int {
	t.Helper()
	resp, err := http.Get("http://" + b.main.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	re := regexp.MustCompile(`(?m)^mailwiki_confluence_requests_total\{operation="(\w+)",status_class="(\w+)"\} (\d+)$`)
	out := map[string]int{}
	for _, m := range re.FindAllStringSubmatch(string(text), -1) {
		n, _ := strconv.Atoi(m[3])
		out[m[1]+" "+m[2]] = n
	}
	return out
}

// TestConfluenceRequestsPerFirstAttempt: with the space id cached, a mail
// with an inline image and a PDF costs two Confluence requests (create the
// page, one upload), a plain mail one; mailwiki_confluence_requests_total
// shows it.
func TestConfluenceRequestsPerFirstAttempt(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	deliver := func(n int, msg []byte) map[string]int {
		before := confluenceCalls(t, b)
		if err := send(t, b.main.SMTPAddr(), app.DemoAddress, msg); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for strings.Count(b.logs.String(), `"outcome":"published"`) < n { // the delivery, uploads included, is over
			if time.Now().After(deadline) {
				t.Fatalf("message %d not published; logs:\n%s", n, b.logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		diff := map[string]int{}
		for k, v := range confluenceCalls(t, b) {
			if d := v - before[k]; d != 0 {
				diff[k] = d
			}
		}
		return diff
	}
	plain := []byte("From: a@example.org\r\nTo: " + app.DemoAddress + "\r\nSubject: Warm up\r\n\r\ncaches the space id\r\n")
	deliver(1, plain)
	rich := relatedMessage("With files", `<p>Chart:</p><img src="cid:c@x">`,
		[]part{{ctype: "image/png", disposition: `inline; filename="c.png"`, cid: "c@x", data: append([]byte("\x89PNG\r\n\x1a\n"), randomBytes(t, 2000)...)}},
		[]part{{ctype: "application/pdf", disposition: `attachment; filename="r.pdf"`, data: app.SamplePDF()}})
	if got := deliver(2, rich); len(got) != 2 || got["create_page 2xx"] != 1 || got["upload_attachments 2xx"] != 1 {
		t.Errorf("mail with an inline image and a PDF: requests %v, want one create_page and one upload_attachments", got)
	}
	plain2 := []byte("From: a@example.org\r\nTo: " + app.DemoAddress + "\r\nSubject: Plain\r\n\r\ntext\r\n")
	if got := deliver(3, plain2); len(got) != 1 || got["create_page 2xx"] != 1 {
		t.Errorf("plain mail: requests %v, want one create_page", got)
	}
}
