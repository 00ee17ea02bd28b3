package app_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

// The EICAR anti-virus test file and the GTUBE spam test string: harmless
// strings every scanner is built to find.
const (
	eicar = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`
	gtube = `XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X`
)

func zipOf(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// marked returns a unique marker for a message's body.
func marked(t *testing.T) string {
	return "MARKER-" + strings.ToUpper(strings.NewReplacer("/", "", "_", "").Replace(t.Name())) + time.Now().Format("150405000000")
}

// plainMessage is a text message with the given extra header lines and body.
func plainMessage(header, body string) []byte {
	return []byte("From: Alice <alice@example.org>\r\nTo: " + app.DemoAddress + "\r\nSubject: Door test\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\nMessage-ID: <" + time.Now().Format("150405.000000000") + "@example.org>\r\n" +
		header + "\r\n" + body + "\r\n")
}

// assertNothingKept checks promise P3 after a refusal: no spool object, no
// page, and the marker nowhere under the data directory (spool, database,
// WAL, logs).
func assertNothingKept(t *testing.T, b *bundle, marker string) {
	t.Helper()
	if n := app.CountFiles(t, filepath.Join(b.dataDir, "spool")); n != 0 {
		t.Errorf("spool holds %d file(s) after a refusal", n)
	}
	looked := 0
	filepath.Walk(b.dataDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		looked++
		if bytes.Contains(data, []byte(marker)) {
			t.Errorf("%s holds the refused message's marker in plaintext", path)
		}
		return nil
	})
	if looked < 2 {
		t.Fatalf("only %d files under the data dir: the test looked at nothing", looked)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(b.sandbox.Pages(sandbox.DemoSpaceKey)); n != 0 {
		t.Errorf("%d page(s) published from a refused message", n)
	}
}

// TestPromiseP3_RefusedMessageLeavesNothing: every kind of refusal of the
// message stage (malware, spam, broken header, loop, sender policy) is
// answered during SMTP with its code, and leaves no spool object, no page
// and no plaintext anywhere under the data directory. Without scanners
// configured, the built-in check is what finds EICAR and GTUBE.
func TestPromiseP3_RefusedMessageLeavesNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		tweak    func(*config.Config)
		msg      func(t *testing.T, marker string) []byte
		code     int
		enhanced string
	}{
		{name: "EICAR attachment", code: 554, enhanced: "5.7.1", msg: func(t *testing.T, m string) []byte {
			return relatedMessage("Virus "+m, "<p>"+m+"</p>", nil, []part{{ctype: "application/octet-stream", disposition: `attachment; filename="eicar.com"`, data: []byte(eicar)}})
		}},
		{name: "EICAR inside a zip", code: 554, enhanced: "5.7.1", msg: func(t *testing.T, m string) []byte {
			return relatedMessage("Zipped "+m, "<p>"+m+"</p>", nil, []part{{ctype: "application/zip", disposition: `attachment; filename="x.zip"`, data: zipOf(t, "eicar.txt", []byte(eicar))}})
		}},
		{name: "GTUBE", code: 550, enhanced: "5.7.1", msg: func(t *testing.T, m string) []byte { return plainMessage("", m+"\r\n"+gtube) }},
		{name: "two From fields", code: 550, enhanced: "5.6.0", msg: func(t *testing.T, m string) []byte {
			return plainMessage("From: Mallory <mallory@example.net>\r\n", m)
		}},
		{name: "our own loop header", code: 554, enhanced: "5.4.6", msg: func(t *testing.T, m string) []byte {
			return plainMessage("X-Mailwiki-Loop: mx.test\r\n", m)
		}},
		{name: "sender not on the secure sender list", code: 550, enhanced: "5.7.1",
			tweak: func(c *config.Config) {
				c.Tenants[0].Senders = config.SenderList{Mode: "secure", Entries: []string{"@listed.example"}}
			},
			msg: func(t *testing.T, m string) []byte { return plainMessage("", m) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, c.tweak) // its DNS has no records: every sender is unauthenticated, never undecided
			marker := marked(t)
			err := send(t, b.main.SMTPAddr(), app.DemoAddress, c.msg(t, marker))
			if !isReply(err, c.code, c.enhanced) {
				t.Fatalf("err = %v, want %d %s", err, c.code, c.enhanced)
			}
			assertNothingKept(t, b, marker)
			b.waitLog(t, "message refused by the door")
		})
	}
}

// TestCleanMessageCarriesTraceFields: an accepted message is published
// with the door's Received and Authentication-Results fields on top (the
// page is made from the stored message as the door saw it).
func TestCleanMessageIsPublishedWithoutMarks(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	if err := send(t, b.main.SMTPAddr(), app.DemoAddress, plainMessage("", "A clean message.")); err != nil {
		t.Fatal(err)
	}
	page := b.waitPages(t, 1, 20*time.Second)[0]
	if l := b.sandbox.Labels(page.ID); len(l) != 0 {
		t.Errorf("a clean message's page has labels %v", l)
	}
}

// TestSMTPSessionWithTwoSitesRefusesTheSecond: one transaction takes the
// recipients of one site; a second site's recipient is answered 452 4.5.3
// so the client sends it separately, and the first site's copy goes on.
func TestRecipientOfAnotherSiteIsDeferredToItsOwnTransaction(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *config.Config) {
		other := c.Tenants[0]
		other.ID = "other"
		other.Addresses = []config.Address{{Address: "wiki@other.mailwiki.test", Space: sandbox.DemoSpaceKey}}
		c.Tenants = append(c.Tenants, other)
	})
	cl, err := smtp.Dial(b.main.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Mail("alice@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := cl.Rcpt(app.DemoAddress); err != nil {
		t.Fatal(err)
	}
	if err := cl.Rcpt("wiki@other.mailwiki.test"); !isReply(err, 452, "4.5.3") {
		t.Fatalf("second site's recipient: %v, want 452 4.5.3", err)
	}
	if err := cl.Rcpt(app.DemoAddress); err != nil { // a duplicate of the first site: fine
		t.Fatal(err)
	}
}

// TestMailFromOurOwnAddressIsRefused: a reverse path that is one of the
// server's own addresses is a loop or a forgery: 550 5.7.1 at MAIL.
func TestMailFromOurOwnAddressIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	cl, err := smtp.Dial(b.main.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Mail(strings.ToUpper(app.DemoAddress)); !isReply(err, 550, "5.7.1") {
		t.Fatalf("MAIL FROM our own address: %v, want 550 5.7.1", err)
	}
	if err := cl.Mail("alice@example.org"); err != nil {
		t.Fatalf("another sender afterwards: %v", err)
	}
}

// TestWhatTheBuiltInCheckCannotInspectIsMarked: without clamd, an archive
// nested deeper than the built-in check opens cannot be said clean: the
// message is published with the label mailwiki-unscanned, not in silence.
func TestWhatTheBuiltInCheckCannotInspectIsMarked(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	deep := []byte(eicar)
	for i := range 6 {
		deep = zipOf(t, fmt.Sprintf("level%d.zip", i), deep)
	}
	msg := relatedMessage("Deep archive", "<p>see attached</p>", nil, []part{{ctype: "application/zip", disposition: `attachment; filename="deep.zip"`, data: deep}})
	if err := send(t, b.main.SMTPAddr(), app.DemoAddress, msg); err != nil {
		t.Fatal(err)
	}
	b.waitLabel(t, "mailwiki-unscanned")
}

// TestScannerOutageIsVisible: a scanner that does not answer is reported
// at start (not at the first message), on /readyz (still 200: its fail
// action decides the mail) and as mailwiki_check_up 0; its refusals are
// counted under their own reason, not "other".
func TestScannerOutageIsVisible(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *config.Config) { c.Checks.ClamAV.Address = closedAddr(t) })
	b.waitLog(t, `"alert":"check_unavailable"`)
	err := send(t, b.main.SMTPAddr(), app.DemoAddress, plainMessage("", "while clamd is down"))
	if !isReply(err, 451, "4.7.1") {
		t.Fatalf("err = %v, want 451 4.7.1", err)
	}
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + b.main.HTTPAddr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, "check unavailable: clamav (fail_action tempfail)") {
		t.Errorf("/readyz = %d %q", code, body)
	}
	_, metrics := get("/metrics")
	for _, want := range []string{`mailwiki_check_up{check="clamav"} 0`, `mailwiki_messages_refused_total{reason="scanner_unavailable"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if n := strings.Count(b.logs.String(), `"alert":"check_unavailable"`); n != 1 {
		t.Errorf("%d outage warnings, want one per outage", n)
	}
}
