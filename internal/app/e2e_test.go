package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

// TestEndToEndInlineImageAndPDF: a multipart/related HTML mail with an inline
// image and a PDF, sent over TCP by a real SMTP client, becomes a page that
// shows the image from its attachment and links the PDF, with both files'
// bytes identical to what was sent.
func TestEndToEndInlineImageAndPDF(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	img := append([]byte("\x89PNG\r\n\x1a\n"), randomBytes(t, 3000)...)
	pdf := append(app.SamplePDF(), randomBytes(t, 500)...)
	msg := relatedMessage("Quarterly report",
		`<html><body><p>See the chart:</p><img src="cid:chart@x"><script>alert(1)</script></body></html>`,
		[]part{{ctype: "image/png", disposition: `inline; filename="chart.png"`, cid: "chart@x", data: img}},
		[]part{{ctype: "application/pdf", disposition: `attachment; filename="report.pdf"`, data: pdf}})
	if err := send(t, b.main.SMTPAddr(), app.DemoAddress, msg); err != nil {
		t.Fatal(err)
	}
	page := b.waitPages(t, 1, 20*time.Second)[0]
	if page.Title != "Quarterly report" {
		t.Errorf("title = %q", page.Title)
	}
	for _, want := range []string{`<ac:image><ri:attachment ri:filename="chart.png"`, `<ri:attachment ri:filename="report.pdf"`} {
		if !strings.Contains(page.Storage, want) {
			t.Errorf("storage lacks %s:\n%s", want, page.Storage)
		}
	}
	if strings.Contains(page.Storage, "script") {
		t.Errorf("script survived:\n%s", page.Storage)
	}
	b.waitLog(t, `"outcome":"published"`) // the delivery, attachments included, is over
	if n := app.CountFiles(t, filepath.Join(b.dataDir, "spool")); n != 0 {
		t.Errorf("spool holds %d object(s) after publishing (P5)", n)
	}
	site := b.main.SandboxURL()
	if got := download(t, site, page.ID, "chart.png"); !bytes.Equal(got, img) {
		t.Errorf("chart.png: %d bytes differ from the %d sent", len(got), len(img))
	}
	if got := download(t, site, page.ID, "report.pdf"); !bytes.Equal(got, pdf) {
		t.Errorf("report.pdf: %d bytes differ from the %d sent", len(got), len(pdf))
	}
}

// TestPromiseP4_NoPlaintextWhileQueued: while a message waits in the queue
// (Confluence failing), a unique marker from its body and its attachment
// appears in no file under the data directory: spool, database, WAL, logs.
func TestPromiseP4_NoPlaintextWhileQueued(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.sandbox.FailNext(503, 1_000_000, 0)
	marker := "MARKER-" + strings.ToUpper(strings.ReplaceAll(time.Now().Format("150405.000000000"), ".", ""))
	attachment := []byte("attachment text " + marker + " end")
	msg := relatedMessage("Secret plans",
		"<html><body><p>body "+marker+"</p></body></html>", nil,
		[]part{{ctype: "text/plain", disposition: `attachment; filename="notes.txt"`, data: attachment}})
	if err := send(t, b.main.SMTPAddr(), app.DemoAddress, msg); err != nil {
		t.Fatal(err)
	}
	// Wait until delivery has been attempted at least twice, so the queue,
	// the store and the logs have all seen the message.
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(b.logs.String(), "delivery deferred") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("delivery never attempted; logs:\n%s", b.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Neither the content nor the tenant's credentials may be anywhere.
	needles := [][]byte{[]byte(marker), []byte(base64Of(attachment)), []byte(sandbox.DemoToken),
		[]byte(encodeStd([]byte(sandbox.DemoUser + ":" + sandbox.DemoToken)))}
	found := 0
	filepath.Walk(b.dataDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("read %s: %v", path, err)
			return nil
		}
		found++
		for _, n := range needles {
			if bytes.Contains(data, n) {
				t.Errorf("%s contains %q in plaintext", path, n)
			}
		}
		return nil
	})
	if found < 3 {
		t.Fatalf("only %d files under the data dir: the test looked at nothing", found)
	}
	// Once Confluence is back, the message is published and the marker is there.
	b.sandbox.ClearFaults()
	page := b.waitPages(t, 1, 30*time.Second)[0]
	if !strings.Contains(page.Storage, marker) {
		t.Errorf("published page lacks the body marker")
	}
}

// isReply reports whether err is the SMTP reply code with that enhanced status.
func isReply(err error, code int, enhanced string) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code == code && strings.HasPrefix(te.Msg, enhanced+" ")
}

func base64Of(b []byte) string {
	// The message carries the attachment base64-encoded on one line (short).
	return strings.TrimRight(encodeStd(b), "=")[:20]
}

// TestOversizeRefusedLeavesNothing: over the size limit the client gets
// 552 5.3.4 and nothing is left in the spool.
func TestOversizeRefusedLeavesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *config.Config) { c.SMTP.MaxMessageBytes = 64 << 10 })
	big := relatedMessage("Too big", "<p>x</p>", nil,
		[]part{{ctype: "application/octet-stream", disposition: `attachment; filename="big.bin"`, data: randomBytes(t, 200<<10)}})
	err := send(t, b.main.SMTPAddr(), app.DemoAddress, big)
	if !isReply(err, 552, "5.3.4") {
		t.Fatalf("oversize message: err = %v, want 552 5.3.4", err)
	}
	assertNothingKept(t, b, "Too big")
}

// TestUnknownRecipientRefused: RCPT to an address no tenant routes gets 550 5.1.1.
func TestUnknownRecipientRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	c, err := smtp.Dial(b.main.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("alice@example.org"); err != nil {
		t.Fatal(err)
	}
	err = c.Rcpt("nobody@demo.mailwiki.test")
	if !isReply(err, 550, "5.1.1") {
		t.Fatalf("unknown recipient: err = %v, want 550 5.1.1", err)
	}
	if err := c.Rcpt(app.DemoAddress); err != nil {
		t.Fatalf("known recipient after an unknown one: %v", err)
	}
}

// TestUnconvertibleMessageStillPublished: a message whose structure cannot
// be read is published as the text fallback with the original attached, not
// lost; the log says why without quoting it; the metrics count it.
func TestUnconvertibleMessageStillPublished(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	// More MIME parts than the parser takes (1,000): the page is the text
	// fallback with the original attached. (A message whose header cannot
	// be read at all is refused at the door instead.)
	var parts strings.Builder
	for range 1200 {
		parts.WriteString("--b\r\nContent-Type: text/plain\r\n\r\npart\r\n")
	}
	raw := "From: alice@example.org\r\nTo: " + app.DemoAddress + "\r\nSubject: Many parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"secret-ish words\r\n" + parts.String() + "--b--\r\n"
	if err := send(t, b.main.SMTPAddr(), app.DemoAddress, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	b.waitLog(t, `"outcome":"published"`)
	pages := b.sandbox.Pages(sandbox.DemoSpaceKey)
	if len(pages) != 1 {
		t.Fatalf("%d pages", len(pages))
	}
	var original []byte
	for _, a := range b.sandbox.Attachments(pages[0].ID) {
		if a.Filename == "original.eml" {
			original = a.Data
		}
	}
	if !bytes.Contains(original, []byte("secret-ish words")) {
		t.Fatalf("original.eml missing or not the message: %q", original)
	}
	logs := b.logs.String()
	if !strings.Contains(logs, "text fallback") || strings.Contains(logs, "secret-ish") {
		t.Fatalf("the fallback must be logged, without content:\n%s", logs)
	}
	resp, err := http.Get("http://" + b.main.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	metrics, _ := io.ReadAll(resp.Body)
	for _, want := range []string{"mailwiki_messages_accepted_total 1", "mailwiki_messages_published_total 1", "mailwiki_queue_depth", "mailwiki_spool_oldest_age_seconds"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestSweepForgetsFinishedDeliveries: the delivery records of a published
// message go with the next sweep; its title claim stays a while
// (mailwiki.ClaimRetention).
func TestSweepForgetsFinishedDeliveries(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	msg := []byte("From: a@example.org\r\nTo: " + app.DemoAddress + "\r\nSubject: Forget me\r\n\r\ntext\r\n")
	if err := send(t, b.main.SMTPAddr(), app.DemoAddress, msg); err != nil {
		t.Fatal(err)
	}
	b.waitLog(t, `"outcome":"published"`)
	if d, c, err := b.main.DeliveryRows(); err != nil || d != 1 || c != 1 {
		t.Fatalf("before the sweep: %d records, %d claims, %v; want 1 and 1", d, c, err)
	}
	b.main.SweepOnce(context.Background())
	if d, c, err := b.main.DeliveryRows(); err != nil || d != 0 || c != 1 {
		t.Fatalf("after the sweep: %d records, %d claims, %v; want 0 and 1", d, c, err)
	}
}
