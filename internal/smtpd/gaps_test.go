package smtpd

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// injection is what an attacker appends to smuggle a second message.
const injection = "MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<victim@wiki.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\n"

// noSmuggledMessage asserts that the handler never saw the victim recipient
// and never accepted a message containing the smuggled text.
func noSmuggledMessage(t *testing.T, h *fakeHandler) {
	t.Helper()
	rcpts, _ := h.calls()
	for _, r := range rcpts {
		if r == "victim@wiki.test" {
			t.Fatal("the injected RCPT reached the handler")
		}
	}
	for _, d := range h.accepted() {
		if d.env.From == "evil@attacker.test" {
			t.Fatalf("a smuggled message was accepted: %+v", d.env)
		}
	}
}

// Gap 1: the DATA deadline moves with progress.
func TestSlowButProgressingSenderSucceeds(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{}
	cfg := testConfig()
	cfg.DataTimeout = 400 * time.Millisecond
	cfg.ReadTimeout = 400 * time.Millisecond
	c := dial(t, startServer(t, cfg, h))
	c.greet()
	c.startData("s@example.org", "r@wiki.test")
	for i := 0; i < 12; i++ { // about 1.2 s in total: three times each timeout
		c.send("line\r\n")
		time.Sleep(100 * time.Millisecond)
	}
	c.send(".\r\n")
	expect(t, "end of data", c.reply(), "250 ")
	if ds := h.accepted(); len(ds) != 1 || len(ds[0].body) != 12*6 {
		t.Fatalf("deliveries: %+v", ds)
	}
}

// Gaps 1 and 2: a stalled sender is cut, and what it sends afterwards is
// never executed (go-smtp issue #196).
func TestStalledDataIsCutAndNothingInjected(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{}
	cfg := testConfig()
	cfg.DataTimeout = 300 * time.Millisecond
	c := dial(t, startServer(t, cfg, h))
	c.greet()
	c.startData("s@example.org", "r@wiki.test")
	c.send("Subject: partial\r\n\r\npartial\r\n")
	time.Sleep(time.Second)         // well past the DATA deadline
	c.conn.Write([]byte(injection)) // may fail: the server may have closed already
	expect(t, "after the stall", c.reply(), "421 4.4.2 ")
	if !c.closed() {
		t.Fatal("connection still open after the DATA timeout")
	}
	noSmuggledMessage(t, h)
	if len(h.accepted()) != 0 {
		t.Fatal("the partial message was accepted")
	}
}

// Gap 5: bare CR/LF and smuggling sequences.
func TestSmugglingSequencesRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		seq  string
	}{
		{"LF.LF", "\n.\n"},
		{"LF.CRLF", "\n.\r\n"},
		{"CR.CR", "\r.\r"},
		{"CRLF.LF", "\r\n.\n"},
		{"CR.CRLF", "\r.\r\n"},
		{"LF.CR", "\n.\r"},
		{"CR.LF", "\r.\n"},
		{"bare LF line ending", "\n"},
		{"bare CR line ending", "\r"},
		{"CRLF CR CRLF", "\r\n\r\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := &fakeHandler{}
			c := dial(t, startServer(t, testConfig(), h))
			c.greet()
			c.startData("s@example.org", "r@wiki.test")
			c.send("Subject: hi\r\n\r\nbody" + tc.seq + injection)
			expect(t, "end of data", c.reply(), "550 5.6.0 Message refused: it contains a bare CR or bare LF")
			if !c.closed() {
				t.Fatal("connection still open after bare CR/LF")
			}
			noSmuggledMessage(t, h)
			if len(h.accepted()) != 0 {
				t.Fatal("a message with a bare CR/LF was accepted")
			}
		})
	}
}

// go-smtp drops "." "<CR>" at the start of a line when no <LF> follows, so
// <CR><LF>.<CR> cannot be seen as bare CR; it cannot end the message either:
// everything up to the real end of data is one message.
func TestDotCRAfterCRLFIsNotASecondMessage(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{}
	c := dial(t, startServer(t, testConfig(), h))
	c.greet()
	c.startData("s@example.org", "r@wiki.test")
	c.send("Subject: hi\r\n\r\nbody\r\n.\r" + injection)
	expect(t, "end of data", c.reply(), "250 ")
	noSmuggledMessage(t, h)
	ds := h.accepted()
	if len(ds) != 1 || !strings.Contains(string(ds[0].body), "MAIL FROM:<evil@attacker.test>") {
		t.Fatalf("want the injection inside the one message's body, got %+v", ds)
	}
}

// Gap 3: connection caps.
func TestConnectionCaps(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.MaxConnections, cfg.MaxConnectionsPerIP = 3, 2
	s := startServer(t, cfg, &fakeHandler{})
	open := func(ip string) *client {
		c := dialFrom(t, s, ip)
		expect(t, "banner from "+ip, c.reply(), "220 ")
		return c
	}
	a1 := open("127.0.0.1")
	open("127.0.0.1")
	over := dialFrom(t, s, "127.0.0.1")
	expect(t, "third from one IP", over.reply(), "421 4.7.0 Too many connections from your address, try again later")
	if !over.closed() {
		t.Fatal("refused connection left open")
	}
	open("127.0.0.2")
	global := dialFrom(t, s, "127.0.0.3")
	expect(t, "fourth overall", global.reply(), "421 4.7.0 ")
	// A slot freed is a slot available again.
	a1.cmd("QUIT")
	a1.closed()
	eventually(t, "a freed slot", func() bool {
		c := dialFrom(t, s, "127.0.0.1")
		ok := strings.HasPrefix(c.reply(), "220 ")
		c.conn.Close()
		return ok
	})
}

// An idle client is dropped after ReadTimeout with go-smtp's 421.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.ReadTimeout = 300 * time.Millisecond
	c := dial(t, startServer(t, cfg, &fakeHandler{}))
	c.greet()
	expect(t, "idle", c.reply(), "421 4.4.2 ")
	if !c.closed() {
		t.Fatal("idle connection left open")
	}
}

// A line longer than MaxLineLength inside DATA ends the connection.
func TestLongLineInData(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{}
	cfg := testConfig()
	cfg.MaxLineLength = 1000
	c := dial(t, startServer(t, cfg, h))
	c.greet()
	c.startData("s@example.org", "r@wiki.test")
	c.send(strings.Repeat("x", 3000) + "\r\n.\r\n" + injection)
	expect(t, "long line", c.reply(), "500 ")
	if !c.closed() {
		t.Fatal("connection left open after a too long line")
	}
	noSmuggledMessage(t, h)
}

// rest reads the reply lines left before the server closes the connection.
func (c *client) rest() []string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var lines []string
	for {
		line, err := c.text.ReadLine()
		if err != nil {
			if !errors.Is(err, io.EOF) && !isReset(err) {
				c.t.Fatalf("reading to the end: %v", err)
			}
			return lines
		}
		lines = append(lines, line)
	}
}

// An over-long line in DATA gets exactly one reply, then the end of the
// connection (go-smtp used to follow our 500 with a second 500 of its own).
func TestLongLineInDataOneReply(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{}
	cfg := testConfig()
	cfg.MaxLineLength = 1000
	c := dial(t, startServer(t, cfg, h))
	c.greet()
	c.startData("s@example.org", "r@wiki.test")
	c.send("Subject: x\r\n\r\n" + strings.Repeat("x", 3000) + "\r\n.\r\n")
	if lines := c.rest(); len(lines) != 1 || lines[0] != "500 5.4.0 Line too long, closing connection" {
		t.Fatalf("replies after the long line: %q, want exactly one 500 5.4.0", lines)
	}
	if len(h.accepted()) != 0 {
		t.Fatal("a message with a too long line was accepted")
	}
}

// A BDAT chunk cut short by the client's hang-up is never a message: go-smtp
// reads chunks through an io.LimitReader, which took the early end of stream
// for the chunk's end and answered 250 with the cut body.
func TestTruncatedBDATRefused(t *testing.T) {
	t.Parallel()
	body := "Subject: cut\r\n\r\n" + strings.Repeat("y", 54) + "\r\n" // 72 bytes of 1000 declared
	for _, tc := range []struct {
		name  string
		first string // a complete chunk sent before the cut one, if any
	}{
		{"single chunk", ""},
		{"after a complete chunk", "BDAT 10\r\n0123456789"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sp := newTestSpool(t)
			h := &fakeHandler{store: sp.deliver}
			c := dial(t, startServer(t, testConfig(), h))
			c.greet()
			expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "250 ")
			expect(t, "RCPT", c.cmd("RCPT TO:<r@wiki.test>"), "250 ")
			if tc.first != "" {
				c.send(tc.first)
				expect(t, "first chunk", c.reply(), "250 ")
			}
			c.send("BDAT 1000 LAST\r\n" + body)
			c.conn.(*net.TCPConn).CloseWrite() // the client hangs up mid-chunk
			for _, line := range c.rest() {
				if strings.HasPrefix(line, "2") {
					t.Fatalf("truncated chunk answered %q", line)
				}
			}
			eventually(t, "the handler to finish", func() bool { _, ds := h.calls(); return len(ds) == 1 })
			if ds := h.accepted(); len(ds) != 0 {
				t.Fatalf("truncated message accepted: %q", ds[0].body)
			}
			if n := sp.files(t); n != 0 {
				t.Fatalf("spool holds %d files after a truncated BDAT", n)
			}
		})
	}
}

// A complete BDAT transaction is still accepted, the client hanging up right
// after its last chunk or not.
func TestCompleteBDATAccepted(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{}
	c := dial(t, startServer(t, testConfig(), h))
	c.greet()
	expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "250 ")
	expect(t, "RCPT", c.cmd("RCPT TO:<r@wiki.test>"), "250 ")
	c.send("BDAT 16\r\nSubject: whole\r\n")
	expect(t, "chunk", c.reply(), "250 ")
	c.send("BDAT 8 LAST\r\n\r\nbody\r\n")
	c.conn.(*net.TCPConn).CloseWrite()
	expect(t, "last chunk", c.reply(), "250 2.0.0 Ok: queued as ")
	if ds := h.accepted(); len(ds) != 1 || string(ds[0].body) != "Subject: whole\r\n\r\nbody\r\n" {
		t.Fatalf("deliveries %+v", ds)
	}
}
