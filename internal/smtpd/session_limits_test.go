package smtpd

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// readReplies reads n replies.
func (c *client) readReplies(n int) []string {
	c.t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = c.reply()
	}
	return out
}

// expectReplies fails unless each reply starts with its prefix.
func expectReplies(t *testing.T, got []string, prefixes ...string) {
	t.Helper()
	for i, p := range prefixes {
		if i >= len(got) || !strings.HasPrefix(got[i], p) {
			t.Fatalf("replies %q, want prefixes %q", got, prefixes)
		}
	}
}

// RFC 2920: several commands in one write are answered in order, one reply
// each, the refused recipient in its place.
func TestPipelinedCommandsAnsweredInOrder(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{unknown: map[string]bool{"nobody@wiki.test": true}}
	c := dial(t, startServer(t, testConfig(), h))
	c.greet()
	c.send("MAIL FROM:<s@example.org>\r\nRCPT TO:<a@wiki.test>\r\nRCPT TO:<nobody@wiki.test>\r\nRCPT TO:<b@wiki.test>\r\nDATA\r\n")
	expectReplies(t, c.readReplies(5), "250 ", "250 ", "550 5.1.1 ", "250 ", "354 ")
	c.send("Subject: p\r\n\r\npipelined\r\n.\r\nNOOP\r\nQUIT\r\n")
	expectReplies(t, c.readReplies(3), "250 2.0.0 Ok: queued as ", "250 2.0.0 ", "221 ")
	if ds := h.accepted(); len(ds) != 1 || strings.Join(ds[0].env.To, ",") != "a@wiki.test,b@wiki.test" {
		t.Fatalf("deliveries %+v", ds)
	}
}

// Recipients past MaxRecipients get 452 4.5.3 over raw lines, pipelined;
// the message goes to those accepted.
func TestTooManyRecipientsPipelined(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.MaxRecipients = 2
	h := &fakeHandler{}
	c := dial(t, startServer(t, cfg, h))
	c.greet()
	c.send("MAIL FROM:<s@example.org>\r\nRCPT TO:<a@wiki.test>\r\nRCPT TO:<b@wiki.test>\r\nRCPT TO:<c@wiki.test>\r\nDATA\r\n")
	expectReplies(t, c.readReplies(5), "250 ", "250 ", "250 ", "452 4.5.3 Too many recipients", "354 ")
	expect(t, "end of data", c.cmd("Subject: r\r\n\r\nx\r\n."), "250 ")
	if ds := h.accepted(); len(ds) != 1 || len(ds[0].env.To) != 2 {
		t.Fatalf("deliveries %+v", ds)
	}
}

// A client dripping a byte now and then never trips DataTimeout but is cut
// at MaxMessageTime with 421 4.4.2; the handler sees a read error and
// nothing is kept.
func TestMaxMessageTimeCutsADrippingSender(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.MaxMessageTime = time.Second
	h := &fakeHandler{}
	c := dial(t, startServer(t, cfg, h))
	c.greet()
	c.startData("s@example.org", "r@wiki.test")
	start := time.Now()
	go func() {
		for i := 0; i < 40; i++ { // up to 4 s, far past the bound
			if _, err := c.conn.Write([]byte("x")); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	expect(t, "after the bound", c.reply(), "421 4.4.2 ")
	if took := time.Since(start); took < time.Second {
		t.Fatalf("cut after %v, before MaxMessageTime", took)
	}
	if !c.closed() {
		t.Fatal("connection still open")
	}
	eventually(t, "the handler to finish", func() bool { _, ds := h.calls(); return len(ds) == 1 })
	if _, ds := h.calls(); ds[0].err == nil || len(h.accepted()) != 0 {
		t.Fatalf("the handler saw no read error, or the message was kept: %+v", ds)
	}
}

// NOOP, RSET, VRFY and HELP are junk: past MaxJunkCommands each one counts
// as an error, and at HardErrorLimit the session gets 421 4.7.0 and is
// closed (Postfix's smtpd_junk_command_limit).
func TestJunkCommandsCountAsErrors(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.MaxJunkCommands, cfg.SoftErrorLimit, cfg.HardErrorLimit = 4, 3, 3
	cfg.ErrorDelay = time.Millisecond
	c := dial(t, startServer(t, cfg, &fakeHandler{}))
	c.greet()
	expect(t, "NOOP", c.cmd("NOOP"), "250 2.0.0 ")
	expect(t, "RSET", c.cmd("RSET"), "250 2.0.0 ")
	expect(t, "VRFY", c.cmd("VRFY someone"), "252 ")
	expect(t, "HELP", c.cmd("HELP"), "502 5.5.1 ") // junk 4 and error 1
	expect(t, "5th junk", c.cmd("NOOP"), "250 ")   // error 2
	expect(t, "6th junk", c.cmd("NOOP"), "250 ")   // error 3: the hard limit
	expect(t, "next command", c.cmd("NOOP"), "421 4.7.0 Too many errors")
	if !c.closed() {
		t.Fatal("connection still open after the hard error limit")
	}
}

// A session probing unknown recipients is closed with 421 4.7.0 at its
// command after the HardErrorLimit-th refusal.
func TestHardErrorLimitAfterUnknownRecipients(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.SoftErrorLimit, cfg.HardErrorLimit, cfg.ErrorDelay = 3, 3, time.Millisecond
	h := &fakeHandler{unknown: map[string]bool{}}
	for i := range 10 {
		h.unknown[fmt.Sprintf("u%d@wiki.test", i)] = true
	}
	c := dial(t, startServer(t, cfg, h))
	c.greet()
	expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "250 ")
	for i := range 3 {
		expect(t, "unknown", c.cmd(fmt.Sprintf("RCPT TO:<u%d@wiki.test>", i)), "550 5.1.1 ")
	}
	expect(t, "after the limit", c.cmd("RCPT TO:<u3@wiki.test>"), "421 4.7.0 Too many errors in this session")
	if !c.closed() {
		t.Fatal("connection still open")
	}
	if rcpts, _ := h.calls(); len(rcpts) != 3 {
		t.Fatalf("the door was asked about %d recipients, want 3", len(rcpts))
	}
}

// The same limit holds after STARTTLS, where the replies are only visible
// above TLS.
func TestHardErrorLimitOverSTARTTLS(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{}
	s, clientTLS := startTLSServer(t, h, func(c *Config) { c.SoftErrorLimit, c.HardErrorLimit, c.ErrorDelay = 2, 2, time.Millisecond })
	c := dial(t, s)
	c.greet()
	c.startTLS(clientTLS)
	expect(t, "EHLO", c.cmd("EHLO client.test"), "250 ")
	expect(t, "DATA without MAIL", c.cmd("DATA"), "502 ")
	expect(t, "HELP", c.cmd("HELP"), "502 ")
	expect(t, "after the limit", c.cmd("NOOP"), "421 4.7.0 ")
	if !c.closed() {
		t.Fatal("connection still open")
	}
}

// Past SoftErrorLimit each reply waits ErrorDelay (a lower bound only: the
// machine may be slow, never fast).
func TestTarpitDelaysRepliesAfterSoftErrorLimit(t *testing.T) {
	t.Parallel()
	const delay = 150 * time.Millisecond
	cfg := testConfig()
	cfg.SoftErrorLimit, cfg.HardErrorLimit, cfg.ErrorDelay = 2, 50, delay
	h := &fakeHandler{unknown: map[string]bool{"nobody@wiki.test": true}}
	c := dial(t, startServer(t, cfg, h))
	c.greet()
	expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "250 ")
	for range 2 {
		expect(t, "unknown", c.cmd("RCPT TO:<nobody@wiki.test>"), "550 5.1.1 ")
	}
	const tarpitted = 4
	start := time.Now()
	for range tarpitted {
		expect(t, "unknown", c.cmd("RCPT TO:<nobody@wiki.test>"), "550 5.1.1 ")
	}
	if took := time.Since(start); took < tarpitted*delay {
		t.Fatalf("%d replies past the soft limit took %v, want at least %v", tarpitted, took, tarpitted*delay)
	}
}

// An idle session is woken at MaxSessionTime and told 421 4.4.2.
func TestSessionTimeLimitEndsIdleSession(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.MaxSessionTime = 500 * time.Millisecond
	c := dial(t, startServer(t, cfg, &fakeHandler{}))
	c.greet()
	expect(t, "while idle", c.reply(), "421 4.4.2 Session time limit reached")
	if !c.closed() {
		t.Fatal("connection still open")
	}
}

// A busy session (a NOOP every 100 ms) is answered 421 4.4.2 at its first
// command past MaxSessionTime.
func TestSessionTimeLimitEndsBusySession(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.MaxSessionTime, cfg.MaxJunkCommands = 500*time.Millisecond, 1000
	c := dial(t, startServer(t, cfg, &fakeHandler{}))
	start := time.Now()
	c.greet()
	for {
		got := c.cmd("NOOP")
		if strings.HasPrefix(got, "421 4.4.2 ") {
			break
		}
		expect(t, "NOOP", got, "250 ")
		time.Sleep(100 * time.Millisecond)
	}
	if took := time.Since(start); took < 500*time.Millisecond {
		t.Fatalf("ended after %v", took)
	}
	if !c.closed() {
		t.Fatal("connection still open")
	}
}

// A message being received when the session's time runs out is finished
// and accepted; the next command gets 421 4.4.2.
func TestSessionTimeLimitLetsMessageFinish(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.MaxSessionTime = 500 * time.Millisecond
	h := &fakeHandler{}
	c := dial(t, startServer(t, cfg, h))
	c.greet()
	c.startData("s@example.org", "r@wiki.test")
	for range 8 { // 800 ms: past the session's end
		c.send("line\r\n")
		time.Sleep(100 * time.Millisecond)
	}
	expect(t, "end of data", c.cmd("."), "250 ")
	expect(t, "next command", c.cmd("MAIL FROM:<s@example.org>"), "421 4.4.2 Session time limit reached")
	if len(h.accepted()) != 1 {
		t.Fatal("the message was not kept")
	}
}
