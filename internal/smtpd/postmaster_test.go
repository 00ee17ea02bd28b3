package smtpd

import (
	"fmt"
	"strings"
	"testing"
)

// RFC 5321 §4.1.1.3 and §4.5.1: <Postmaster> without a domain is a valid
// recipient. It is this server's postmaster@Domain, looked up like any
// address: delivered where the operator routed it, refused with a sentence
// that says why otherwise.
func TestPostmasterWithoutDomain(t *testing.T) {
	t.Parallel()
	t.Run("routed", func(t *testing.T) {
		t.Parallel()
		h := &fakeHandler{}
		c := dial(t, startServer(t, testConfig(), h))
		c.greet()
		expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "250 ")
		expect(t, "RCPT", c.cmd("RCPT TO:<Postmaster>"), "250 ")
		expect(t, "same, with the domain", c.cmd("RCPT TO:<POSTMASTER@MX.test>"), "250 ")
		expect(t, "DATA", c.cmd("DATA"), "354 ")
		c.send("Subject: abuse report\r\n\r\nhello\r\n.\r\n")
		expect(t, "end of data", c.reply(), "250 ")
		if ds := h.accepted(); len(ds) != 1 || strings.Join(ds[0].env.To, ",") != "postmaster@mx.test" {
			t.Fatalf("deliveries %+v, want one to postmaster@mx.test", ds)
		}
	})
	t.Run("not routed", func(t *testing.T) {
		t.Parallel()
		h := &fakeHandler{unknown: map[string]bool{"postmaster@mx.test": true, "postmaster@wiki.test": true}}
		c := dial(t, startServer(t, testConfig(), h))
		c.greet()
		expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "250 ")
		want := "550 5.1.1 Recipient address rejected: this server publishes mail to a wiki and has no postmaster mailbox; reach its operator by other means"
		if got := c.cmd("RCPT TO:<postmaster>"); got != want {
			t.Fatalf("RCPT TO:<postmaster> = %q, want %q", got, want)
		}
		if got := c.cmd("RCPT TO:<PostMaster@wiki.test>"); got != want {
			t.Fatalf("RCPT TO:<PostMaster@wiki.test> = %q, want %q", got, want)
		}
		if rcpts, _ := h.calls(); strings.Join(rcpts, ",") != "postmaster@mx.test,postmaster@wiki.test" {
			t.Fatalf("looked up %q", rcpts)
		}
	})
	t.Run("only as a recipient", func(t *testing.T) {
		t.Parallel()
		h := &fakeHandler{}
		c := dial(t, startServer(t, testConfig(), h))
		c.greet()
		expect(t, "MAIL FROM:<Postmaster>", c.cmd("MAIL FROM:<Postmaster>"), "501 ")
		expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "250 ")
		expect(t, "another local part without a domain", c.cmd("RCPT TO:<root>"), "501 ")
	})
}

// RFC 1870 §6.2: a SIZE= over the limit is refused at MAIL, before the
// client sends the message; one at the limit is accepted.
func TestDeclaredSizeOverLimitRefusedAtMail(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	c := dial(t, startServer(t, cfg, &fakeHandler{}))
	c.greet()
	expect(t, "MAIL SIZE over", c.cmd(fmt.Sprintf("MAIL FROM:<s@example.org> SIZE=%d", cfg.WithDefaults().MaxMessageBytes+1)), "552 5.3.4 ")
	expect(t, "MAIL SIZE at", c.cmd(fmt.Sprintf("MAIL FROM:<s@example.org> SIZE=%d", cfg.WithDefaults().MaxMessageBytes)), "250 ")
}
