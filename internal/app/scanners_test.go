package app_test

import (
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/config"
)

// scannerAddrs returns the real rspamd and clamd started by
// `bash .ci/scanners.sh start` (CI does), or skips the test.
func scannerAddrs(t *testing.T) (rspamdURL, clamdAddr string) {
	t.Helper()
	rspamdURL, clamdAddr = os.Getenv("MAILWIKI_TEST_RSPAMD_URL"), os.Getenv("MAILWIKI_TEST_CLAMD_ADDR")
	if rspamdURL == "" || clamdAddr == "" {
		if os.Getenv("MAILWIKI_REQUIRE_SCANNERS") != "" {
			t.Fatal("MAILWIKI_REQUIRE_SCANNERS is set but MAILWIKI_TEST_RSPAMD_URL / MAILWIKI_TEST_CLAMD_ADDR are not: run `eval \"$(bash .ci/scanners.sh start)\"`")
		}
		t.Skip("real scanners not running: run `eval \"$(bash .ci/scanners.sh start)\"` to test against rspamd and clamd")
	}
	return rspamdURL, clamdAddr
}

// closedAddr is a loopback address nothing listens on: a stopped scanner.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// withScanners configures real rspamd and clamd, then tweak.
func withScanners(t *testing.T, tweak func(*config.Config)) func(*config.Config) {
	rspamdURL, clamdAddr := scannerAddrs(t)
	return func(c *config.Config) {
		c.Checks.Rspamd.Address, c.Checks.ClamAV.Address = rspamdURL, clamdAddr
		if tweak != nil {
			tweak(c)
		}
	}
}

// TestRealScannersRefuseMalwareAndSpam: with rspamd and clamd configured,
// EICAR (attached, and inside a zip) is refused with clamd's own signature
// name, GTUBE is refused by rspamd, and each leaves nothing behind.
func TestRealScannersRefuseMalwareAndSpam(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		msg      func(t *testing.T, marker string) []byte
		code     int
		enhanced string
		says     string // in the reply: proof of which scanner answered
	}{
		{name: "EICAR attachment", code: 554, enhanced: "5.7.1", says: "UNOFFICIAL", msg: func(t *testing.T, m string) []byte {
			return relatedMessage("Virus "+m, "<p>"+m+"</p>", nil, []part{{ctype: "application/octet-stream", disposition: `attachment; filename="eicar.com"`, data: []byte(eicar)}})
		}},
		{name: "EICAR inside a zip", code: 554, enhanced: "5.7.1", says: "UNOFFICIAL", msg: func(t *testing.T, m string) []byte {
			return relatedMessage("Zipped "+m, "<p>"+m+"</p>", nil, []part{{ctype: "application/zip", disposition: `attachment; filename="x.zip"`, data: zipOf(t, "eicar.txt", []byte(eicar))}})
		}},
		{name: "GTUBE", code: 550, enhanced: "5.7.1", says: "spam", msg: func(t *testing.T, m string) []byte { return plainMessage("", m+"\r\n"+gtube) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, withScanners(t, nil))
			marker := marked(t)
			err := send(t, b.main.SMTPAddr(), app.DemoAddress, c.msg(t, marker))
			if !isReply(err, c.code, c.enhanced) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("err = %v, want %d %s saying %q", err, c.code, c.enhanced, c.says)
			}
			assertNothingKept(t, b, marker)
		})
	}
}

// TestRealScannersPassCleanMail: a clean message goes through both
// scanners and is published without marks.
func TestRealScannersPassCleanMail(t *testing.T) {
	t.Parallel()
	b := setup(t, withScanners(t, nil))
	msg := relatedMessage("Minutes", "<p>The minutes of Monday's meeting.</p>", nil,
		[]part{{ctype: "application/zip", disposition: `attachment; filename="notes.zip"`, data: zipOf(t, "notes.txt", []byte("nothing to see"))}})
	if err := send(t, b.main.SMTPAddr(), app.DemoAddress, msg); err != nil {
		t.Fatal(err)
	}
	page := b.waitPages(t, 1, 20*time.Second)[0]
	if l := b.sandbox.Labels(page.ID); len(l) != 0 {
		t.Errorf("clean message's page labelled %v", l)
	}
}

// TestRealScannersSpamMarkedWhereTheTenantSaysSo: a tenant whose spam
// action is "mark" gets GTUBE published with the label mailwiki-spam.
func TestRealScannersSpamMarkedWhereTheTenantSaysSo(t *testing.T) {
	t.Parallel()
	b := setup(t, withScanners(t, func(c *config.Config) { c.Tenants[0].SpamAction = "mark" }))
	if err := send(t, b.main.SMTPAddr(), app.DemoAddress, plainMessage("", "Buy now\r\n"+gtube)); err != nil {
		t.Fatalf("spam for a marking tenant: %v", err)
	}
	b.waitLabel(t, "mailwiki-spam")
}

// TestScannerDownFollowsItsFailAction: with clamd (or rspamd) stopped, the
// default fail action answers 451 4.7.1 and keeps nothing; fail_action
// accept publishes the message labelled mailwiki-unscanned; reject answers
// 554 5.7.1.
func TestScannerDownFollowsItsFailAction(t *testing.T) {
	t.Parallel()
	for _, scanner := range []string{"clamav", "rspamd"} {
		for _, action := range []string{"tempfail", "reject", "accept"} {
			t.Run(scanner+" "+action, func(t *testing.T) {
				t.Parallel()
				b := setup(t, withScanners(t, func(c *config.Config) {
					s, addr := &c.Checks.ClamAV, closedAddr(t)
					if scanner == "rspamd" {
						s, addr = &c.Checks.Rspamd, "http://"+addr
					}
					s.Address = addr
					s.FailAction = action
				}))
				marker := marked(t)
				err := send(t, b.main.SMTPAddr(), app.DemoAddress, plainMessage("", marker))
				switch action {
				case "tempfail":
					if !isReply(err, 451, "4.7.1") {
						t.Fatalf("err = %v, want 451 4.7.1", err)
					}
					assertNothingKept(t, b, marker)
				case "reject":
					if !isReply(err, 554, "5.7.1") {
						t.Fatalf("err = %v, want 554 5.7.1", err)
					}
					assertNothingKept(t, b, marker)
				case "accept":
					if err != nil {
						t.Fatal(err)
					}
					b.waitLabel(t, "mailwiki-unscanned")
				}
			})
		}
	}
}

// waitLabel waits until the one page published carries label (labels are
// put on after the page is made).
func (b *bundle) waitLabel(t *testing.T, label string) {
	t.Helper()
	page := b.waitPages(t, 1, 20*time.Second)[0]
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(b.sandbox.Labels(page.ID), label) {
		if time.Now().After(deadline) {
			t.Fatalf("page labels %v, want %s", b.sandbox.Labels(page.ID), label)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
