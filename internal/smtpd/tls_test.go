package smtpd

import (
	"crypto/tls"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// dialTLS connects to the implicit-TLS listener; raw is the TCP connection
// under TLS, to hang up without close_notify.
func dialTLS(t *testing.T, s *Server, cfg *tls.Config) (c *client, raw *net.TCPConn) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.ImplicitTLSAddr().String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { conn.Close() })
	tc := tls.Client(conn, cfg)
	return &client{t: t, conn: tc, text: textproto.NewConn(tc)}, conn.(*net.TCPConn)
}

func startTLSServer(t *testing.T, h *fakeHandler, tweak func(*Config)) (*Server, *tls.Config) {
	t.Helper()
	srvTLS, pool := selfSigned(t)
	cfg := testConfig()
	cfg.TLSConfig = srvTLS
	cfg.ImplicitTLSAddr = "127.0.0.1:0"
	if tweak != nil {
		tweak(&cfg)
	}
	return startServer(t, cfg, h), &tls.Config{ServerName: "mx.test", RootCAs: pool}
}

// Over TLS too, a too long line in DATA gets exactly one reply.
func TestLongLineOverTLSOneReply(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{}
	s, clientTLS := startTLSServer(t, h, func(c *Config) { c.MaxLineLength = 1000 })
	c, _ := dialTLS(t, s, clientTLS)
	c.greet()
	c.startData("s@example.org", "r@wiki.test")
	c.send(strings.Repeat("x", 3000) + "\r\n.\r\n" + injection)
	if lines := c.rest(); len(lines) != 1 || !strings.HasPrefix(lines[0], "500 5.4.0 ") {
		t.Fatalf("replies after the long line: %q, want exactly one 500 5.4.0", lines)
	}
	noSmuggledMessage(t, h)
}

// Over TLS, a client whose TCP connection ends in the middle of a BDAT chunk
// has nothing accepted.
func TestTruncatedBDATOverTLS(t *testing.T) {
	t.Parallel()
	sp := newTestSpool(t)
	h := &fakeHandler{store: sp.deliver}
	s, clientTLS := startTLSServer(t, h, nil)
	c, raw := dialTLS(t, s, clientTLS)
	c.greet()
	expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "250 ")
	expect(t, "RCPT", c.cmd("RCPT TO:<r@wiki.test>"), "250 ")
	c.send("BDAT 1000 LAST\r\nSubject: cut\r\n\r\n" + strings.Repeat("y", 54) + "\r\n")
	raw.CloseWrite() // no close_notify: the network or the client died
	for _, line := range c.rest() {
		if strings.HasPrefix(line, "2") {
			t.Fatalf("truncated chunk answered %q", line)
		}
	}
	eventually(t, "the handler to finish", func() bool { _, ds := h.calls(); return len(ds) == 1 })
	if len(h.accepted()) != 0 || sp.files(t) != 0 {
		t.Fatal("a truncated message was kept")
	}
}

// startTLS sends STARTTLS on a plain connection and continues over TLS.
func (c *client) startTLS(cfg *tls.Config) {
	c.t.Helper()
	expect(c.t, "STARTTLS", c.cmd("STARTTLS"), "220 ")
	tc := tls.Client(c.conn, cfg)
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("TLS handshake: %v", err)
	}
	c.conn, c.text = tc, textproto.NewConn(tc)
}

// STARTTLS then MAIL over raw lines: the transaction works over TLS and the
// session is marked TLS.
func TestSTARTTLSThenMailRawLines(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{}
	s, clientTLS := startTLSServer(t, h, nil)
	c := dial(t, s)
	c.greet()
	c.startTLS(clientTLS)
	expect(t, "EHLO over TLS", c.cmd("EHLO client.test"), "250 ")
	c.startData("s@example.org", "r@wiki.test")
	expect(t, "end of data", c.cmd("Subject: tls\r\n\r\nover tls\r\n."), "250 ")
	assertTLSDelivery(t, h)
}

// RequireTLS: MAIL in plaintext gets 530 5.7.0 (RFC 3207 §4) and opens no
// transaction; after STARTTLS the same MAIL is accepted.
func TestRequireTLSRefusesPlaintextMailAcceptsAfterSTARTTLS(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{}
	s, clientTLS := startTLSServer(t, h, func(c *Config) { c.RequireTLS = true })
	c := dial(t, s)
	c.greet()
	expect(t, "plaintext MAIL", c.cmd("MAIL FROM:<s@example.org>"), "530 5.7.0 Must issue a STARTTLS command first")
	expect(t, "plaintext RCPT", c.cmd("RCPT TO:<r@wiki.test>"), "5")
	c.startTLS(clientTLS)
	expect(t, "EHLO over TLS", c.cmd("EHLO client.test"), "250 ")
	c.startData("s@example.org", "r@wiki.test")
	expect(t, "end of data", c.cmd("Subject: tls\r\n\r\nover tls\r\n."), "250 ")
	assertTLSDelivery(t, h)
}
