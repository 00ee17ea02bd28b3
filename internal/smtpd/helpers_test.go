package smtpd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/metrics"
)

// delivery is one recorded Deliver call.
type delivery struct {
	env  mailwiki.Envelope
	body []byte
	err  error // what Deliver returned
}

// fakeHandler records calls. Its door (startServer installs it) looks
// recipients up: unknown ones get ENOTFOUND. deliverErr, if set, is returned
// after the body was read; store, if set, receives the body.
type fakeHandler struct {
	unknown    map[string]bool
	groups     map[string]string // the recipient's group (tenant); "" by default
	deliverErr error
	store      func(ctx context.Context, env *mailwiki.Envelope, body io.Reader) error

	mu         sync.Mutex
	recipients []string
	infos      []mailwiki.SessionInfo
	deliveries []delivery
}

// lookup is the recipient lookup behind the handler's door.
func (h *fakeHandler) lookup(_ context.Context, rcpt string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recipients = append(h.recipients, rcpt)
	if h.unknown[rcpt] {
		return "", mailwiki.Errorf(mailwiki.ENOTFOUND, "unknown recipient %s", rcpt)
	}
	return h.groups[rcpt], nil
}

// door is RecipientCheck over lookup, recording each session it is asked in.
func (h *fakeHandler) door() mailwiki.Check {
	rc := RecipientCheck(h.lookup)
	return mailwiki.CheckFuncs{Recipient: func(ctx context.Context, s mailwiki.SessionInfo, rcpt string) mailwiki.Verdict {
		h.mu.Lock()
		h.infos = append(h.infos, s)
		h.mu.Unlock()
		return rc.CheckRecipient(ctx, s, rcpt)
	}}
}

func (h *fakeHandler) Deliver(ctx context.Context, env *mailwiki.Envelope, body io.Reader) error {
	var err error
	var buf bytes.Buffer
	if h.store != nil {
		err = h.store(ctx, env, io.TeeReader(body, &buf))
	} else {
		_, err = io.Copy(&buf, body)
	}
	if err == nil {
		err = h.deliverErr
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.deliveries = append(h.deliveries, delivery{env: *env, body: buf.Bytes(), err: err})
	return err
}

func (h *fakeHandler) calls() ([]string, []delivery) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.recipients...), append([]delivery(nil), h.deliveries...)
}

// accepted returns the deliveries the handler returned nil for.
func (h *fakeHandler) accepted() []delivery {
	_, ds := h.calls()
	var out []delivery
	for _, d := range ds {
		if d.err == nil {
			out = append(out, d)
		}
	}
	return out
}

func testConfig() Config {
	return Config{Domain: "mx.test", ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, DataTimeout: 10 * time.Second}
}

// startServer opens a server on 127.0.0.1:0 (and, with ImplicitTLSAddr set,
// that listener too); a *fakeHandler's door is installed when cfg has none.
// The server is shut down when the test ends.
func startServer(t *testing.T, cfg Config, h Handler) *Server {
	t.Helper()
	s := newServer(t, cfg, h, nil, nil)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s
}

// newServer opens a server as startServer does, without shutting it down.
func newServer(t *testing.T, cfg Config, h Handler, logger *slog.Logger, m *metrics.Metrics) *Server {
	t.Helper()
	if fh, ok := h.(*fakeHandler); ok && cfg.Door == nil {
		cfg.Door = fh.door()
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	s, err := New(cfg, h, logger, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	return s
}

// client speaks raw SMTP lines.
type client struct {
	t    *testing.T
	conn net.Conn
	text *textproto.Conn
}

func dial(t *testing.T, s *Server) *client {
	t.Helper()
	return dialFrom(t, s, "")
}

func dialFrom(t *testing.T, s *Server, localIP string) *client {
	t.Helper()
	d := net.Dialer{Timeout: 10 * time.Second}
	if localIP != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(localIP)}
	}
	conn, err := d.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { conn.Close() })
	return &client{t: t, conn: conn, text: textproto.NewConn(conn)}
}

// reply reads one (possibly multi-line) reply and returns "code text" of its
// last line, or "EOF"/the error text.
func (c *client) reply() string {
	c.t.Helper()
	var last string
	for {
		line, err := c.text.ReadLine()
		if err != nil {
			if errors.Is(err, io.EOF) || isReset(err) {
				return "EOF"
			}
			return "error: " + err.Error()
		}
		last = line
		if len(line) < 4 || line[3] != '-' {
			return last
		}
	}
}

func isReset(err error) bool { return strings.Contains(err.Error(), "connection reset") }

// send writes raw bytes.
func (c *client) send(s string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// cmd sends one command line and returns the reply.
func (c *client) cmd(line string) string {
	c.t.Helper()
	c.send(line + "\r\n")
	return c.reply()
}

// expect fails the test unless got starts with prefix.
func expect(t *testing.T, what, got, prefix string) {
	t.Helper()
	if !strings.HasPrefix(got, prefix) {
		t.Fatalf("%s: got %q, want a reply starting %q", what, got, prefix)
	}
}

// greet reads the banner and says EHLO.
func (c *client) greet() {
	c.t.Helper()
	expect(c.t, "banner", c.reply(), "220 ")
	expect(c.t, "EHLO", c.cmd("EHLO client.test"), "250 ")
}

// startData runs MAIL, RCPT and DATA up to the 354.
func (c *client) startData(from, to string) {
	c.t.Helper()
	expect(c.t, "MAIL", c.cmd("MAIL FROM:<"+from+">"), "250 ")
	expect(c.t, "RCPT", c.cmd("RCPT TO:<"+to+">"), "250 ")
	expect(c.t, "DATA", c.cmd("DATA"), "354 ")
}

// closed reports whether the server closes the connection without accepting
// anything more: it reads the remaining reply lines until EOF and fails the
// test if any of them is positive (2xx or 354).
func (c *client) closed() bool {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		line, err := c.text.ReadLine()
		if err != nil {
			return errors.Is(err, io.EOF) || isReset(err)
		}
		if strings.HasPrefix(line, "2") || strings.HasPrefix(line, "354") {
			c.t.Errorf("positive reply after the refusal: %q", line)
		}
	}
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
