package smtpd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

func TestDeliverOncePerMessage(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{}
	s := startServer(t, testConfig(), h)
	c := dial(t, s)
	c.greet()
	expect(t, "MAIL", c.cmd("MAIL FROM:<Sender@Example.ORG> SIZE=100"), "250 ")
	for _, rcpt := range []string{"a@wiki.test", "b@WIKI.test", "a@wiki.test"} {
		expect(t, "RCPT "+rcpt, c.cmd("RCPT TO:<"+rcpt+">"), "250 ")
	}
	expect(t, "DATA", c.cmd("DATA"), "354 ")
	c.send("Subject: hi\r\n\r\n..leading dot\r\nline 2\r\n.\r\n")
	got := c.reply()
	expect(t, "end of data", got, "250 2.0.0 Ok: queued as ")
	ds := h.accepted()
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want 1", len(ds))
	}
	env := ds[0].env
	if id := strings.TrimPrefix(got, "250 2.0.0 Ok: queued as "); id != env.ID || len(id) != 16 {
		t.Fatalf("reply names %q, envelope id %q", id, env.ID)
	}
	if want := "Subject: hi\r\n\r\n.leading dot\r\nline 2\r\n"; string(ds[0].body) != want {
		t.Fatalf("body %q, want %q", ds[0].body, want)
	}
	if env.From != "Sender@example.org" || strings.Join(env.To, ",") != "a@wiki.test,b@wiki.test" {
		t.Fatalf("envelope from %q to %q", env.From, env.To)
	}
	if env.Helo != "client.test" || env.ConnID == "" || env.ConnID == env.ID || !strings.HasPrefix(env.RemoteAddr, "127.0.0.1:") {
		t.Fatalf("envelope session fields: %+v", env)
	}
	if env.Size != int64(len(ds[0].body)) || env.Received.IsZero() {
		t.Fatalf("size %d for a %d-byte body, received %v", env.Size, len(ds[0].body), env.Received)
	}
	// A second message on the same connection gets its own id.
	c.startData("", "a@wiki.test")
	c.send("x\r\n.\r\n")
	expect(t, "second message", c.reply(), "250 2.0.0 Ok: queued as ")
	if ds := h.accepted(); len(ds) != 2 || ds[1].env.ID == env.ID || ds[1].env.From != "" {
		t.Fatalf("second delivery: %+v", ds)
	}
}

func TestRecipientRefusals(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{unknown: map[string]bool{"nobody@wiki.test": true}}
	cfg := testConfig()
	cfg.MaxRecipients = 2
	s := startServer(t, cfg, h)
	c := dial(t, s)
	c.greet()
	expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "250 ")
	expect(t, "unknown", c.cmd("RCPT TO:<nobody@wiki.test>"), "550 5.1.1 Recipient address rejected: no such mailbox here")
	expect(t, "first", c.cmd("RCPT TO:<r1@wiki.test>"), "250 ")
	expect(t, "second", c.cmd("RCPT TO:<r2@wiki.test>"), "250 ")
	expect(t, "duplicate", c.cmd("RCPT TO:<r2@wiki.test>"), "250 ")
	expect(t, "third", c.cmd("RCPT TO:<r3@wiki.test>"), "452 4.5.3 ")
	expect(t, "DATA", c.cmd("DATA"), "354 ")
	c.send("x\r\n.\r\n")
	expect(t, "end", c.reply(), "250 ")
	ds := h.accepted()
	if len(ds) != 1 || strings.Join(ds[0].env.To, ",") != "r1@wiki.test,r2@wiki.test" {
		t.Fatalf("deliveries %+v, want one to r1 and r2", ds)
	}
}

func TestAddressValidationOnTheWire(t *testing.T) {
	t.Parallel()
	cases := []struct{ cmd, want string }{
		{"MAIL FROM:<>", "250 "},
		{"MAIL FROM:<jö@example.org>", "553 5.6.7 "},
		{"MAIL FROM:<jö@example.org> SMTPUTF8", "250 "},
		{"MAIL FROM:<x@-->", "501 5.1.3 "},
		{"MAIL FROM:<x@1.2.3.4>", "501 5.1.3 "},
		{"MAIL FROM:<x@[1.2.3.4]>", "250 "},
	}
	for _, tc := range cases {
		t.Run(tc.cmd, func(t *testing.T) {
			t.Parallel()
			h := &fakeHandler{}
			c := dial(t, startServer(t, testConfig(), h))
			c.greet()
			expect(t, tc.cmd, c.cmd(tc.cmd), tc.want)
		})
	}
	t.Run("RCPT", func(t *testing.T) {
		t.Parallel()
		h := &fakeHandler{}
		c := dial(t, startServer(t, testConfig(), h))
		c.greet()
		expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "250 ")
		expect(t, "bad domain", c.cmd("RCPT TO:<x@-->"), "501 5.1.3 ")
		expect(t, "non-ASCII", c.cmd("RCPT TO:<ü@wiki.test>"), "553 5.6.7 ")
		if rs, _ := h.calls(); len(rs) != 0 {
			t.Fatalf("handler asked about %q", rs)
		}
	})
}

func TestDeliverErrorsTranslated(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"temporary", mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "queue down at 10.0.0.5"), "451 4.3.0 Temporary failure, please retry later"},
		{"unknown error", errors.New("disk /var/spool full"), "451 4.3.0 Temporary failure, please retry later"},
		{"too large", mailwiki.Errorf(mailwiki.ETOOLARGE, "big"), "552 5.3.4 Message too big for system"},
		{"invalid", mailwiki.Errorf(mailwiki.EINVALID, "message has no From header"), "550 5.6.0 message has no From header"},
		{"not found", mailwiki.Errorf(mailwiki.ENOTFOUND, "tenant gone"), "550 5.1.1 "},
		{"other permanent", &mailwiki.Error{Code: mailwiki.EFORBIDDEN, Message: "sender not allowed", Err: errors.New("secret detail")}, "554 5.0.0 sender not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := &fakeHandler{deliverErr: tc.err}
			c := dial(t, startServer(t, testConfig(), h))
			c.greet()
			c.startData("s@example.org", "r@wiki.test")
			c.send("x\r\n.\r\n")
			got := c.reply()
			if got != tc.want && !(strings.HasSuffix(tc.want, " ") && strings.HasPrefix(got, tc.want)) {
				t.Fatalf("reply %q, want %q", got, tc.want)
			}
			if strings.Contains(got, "10.0.0.5") || strings.Contains(got, "secret") || strings.Contains(got, "/var") {
				t.Fatalf("reply leaks internal detail: %q", got)
			}
			expect(t, "connection still usable", c.cmd("NOOP"), "250 ")
		})
	}
}

func TestSizeLimitLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	const limit = 4096
	line := strings.Repeat("a", 62) + "\r\n" // 64 bytes
	cases := []struct {
		name  string
		body  string
		want  string
		files int
	}{
		{"exactly the limit", strings.Repeat(line, limit/64), "250 ", 1},
		{"one byte over", strings.Repeat(line, limit/64-1) + strings.Repeat("a", 63) + "\r\n", "552 5.3.4 Message too big for system", 0},
		{"far over", strings.Repeat(line, 10*limit/64), "552 5.3.4 ", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sp := newTestSpool(t)
			h := &fakeHandler{store: sp.deliver}
			cfg := testConfig()
			cfg.MaxMessageBytes = limit
			c := dial(t, startServer(t, cfg, h))
			c.greet()
			c.startData("s@example.org", "r@wiki.test")
			c.send(tc.body + ".\r\n")
			expect(t, "end of data", c.reply(), tc.want)
			if n := sp.files(t); n != tc.files {
				t.Fatalf("spool holds %d files, want %d", n, tc.files)
			}
			// The session goes on after a 552.
			c.startData("s@example.org", "r@wiki.test")
			c.send("small\r\n.\r\n")
			expect(t, "next message", c.reply(), "250 ")
		})
	}
}

func TestHandlerMustReadWholeBody(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{store: func(_ context.Context, _ *mailwiki.Envelope, body io.Reader) error {
		body.Read(make([]byte, 3)) // reads a little and claims success
		return nil
	}}
	c := dial(t, startServer(t, testConfig(), h))
	c.greet()
	c.startData("s@example.org", "r@wiki.test")
	c.send(strings.Repeat("line\r\n", 1000) + ".\r\n")
	expect(t, "end of data", c.reply(), "451 4.3.0 ")
	expect(t, "in sync", c.cmd("NOOP"), "250 ")
}

func TestManyMessagesOneConnection(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{}
	c := dial(t, startServer(t, testConfig(), h))
	c.greet()
	for i := range 20 {
		c.startData("s@example.org", "r@wiki.test")
		c.send(fmt.Sprintf("Subject: %d\r\n\r\nbody\r\n.\r\n", i))
		expect(t, "end", c.reply(), "250 ")
	}
	ds := h.accepted()
	seen := map[string]bool{}
	for i, d := range ds {
		if seen[d.env.ID] {
			t.Fatalf("id %s reused", d.env.ID)
		}
		seen[d.env.ID] = true
		if !bytes.Contains(d.body, []byte(fmt.Sprintf("Subject: %d\r\n", i))) {
			t.Fatalf("message %d out of order or damaged: %q", i, d.body)
		}
	}
	if len(ds) != 20 {
		t.Fatalf("%d deliveries, want 20", len(ds))
	}
}
