package main_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// dsn is what the sink read in one delivery status notification: the queue
// id and recipients of the original message (message/delivery-status) and
// its Subject (text/rfc822-headers).
type dsn struct {
	QueueID    string
	Recipients []string
	Subject    string
	Reason     string // the first Diagnostic-Code
}

// smtpSink is a minimal SMTP server on loopback standing for the operator's
// notification relay: it accepts every message and records it. Safe for
// concurrent use.
type smtpSink struct {
	Addr string
	ln   net.Listener

	mu   sync.Mutex
	msgs [][]byte
}

// startSMTPSink listens on 127.0.0.1:0 until the end of the test.
func startSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{Addr: ln.Addr().String(), ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

// serve speaks just enough SMTP for net/smtp's client (no extensions).
func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 sink.test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		switch verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0]); verb {
		case "EHLO", "HELO", "MAIL", "RCPT", "RSET", "NOOP":
			tp.PrintfLine("250 2.0.0 ok")
		case "DATA":
			tp.PrintfLine("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, data)
			s.mu.Unlock()
			tp.PrintfLine("250 2.0.0 recorded")
		case "QUIT":
			tp.PrintfLine("221 2.0.0 bye")
			return
		default:
			tp.PrintfLine("502 5.5.1 %s not implemented", verb)
		}
	}
}

// Notifications parses every message received so far as a notification; a
// message that is not a well-formed report is returned as an error.
func (s *smtpSink) Notifications() ([]dsn, []error) {
	s.mu.Lock()
	msgs := append([][]byte(nil), s.msgs...)
	s.mu.Unlock()
	var out []dsn
	var errs []error
	for i, m := range msgs {
		n, err := parseDSN(m)
		if err != nil {
			errs = append(errs, fmt.Errorf("sink message %d: %w", i, err))
			continue
		}
		out = append(out, n)
	}
	return out, errs
}

// parseDSN reads a multipart/report as internal/notify composes it.
func parseDSN(raw []byte) (dsn, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return dsn{}, err
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/report" {
		return dsn{}, fmt.Errorf("not a multipart/report: %q", m.Header.Get("Content-Type"))
	}
	var n dsn
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return dsn{}, err
		}
		body, _ := io.ReadAll(p)
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "message/delivery-status":
			readDeliveryStatus(body, &n)
		case "text/rfc822-headers":
			h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(body))).ReadMIMEHeader()
			n.Subject = h.Get("Subject")
		}
	}
	if n.QueueID == "" {
		return dsn{}, fmt.Errorf("no X-Mailwiki-Queue-ID in the delivery-status part")
	}
	return n, nil
}

// readDeliveryStatus reads the per-message and per-recipient fields
// (RFC 3464 §2.2, §2.3) that the test needs.
func readDeliveryStatus(body []byte, n *dsn) {
	for _, line := range strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "x-mailwiki-queue-id":
			n.QueueID = value
		case "final-recipient":
			_, addr, _ := strings.Cut(value, ";")
			n.Recipients = append(n.Recipients, strings.TrimSpace(addr))
		case "diagnostic-code":
			if n.Reason == "" {
				n.Reason = value
			}
		}
	}
}

// sendOne sends msg in one SMTP session and returns the queue id of the 250
// reply to the end of DATA ("250 2.0.0 Ok: queued as ID"); a nil error means
// the message was answered 250. Any other outcome
// (refused connection, a cut session, a non-250 reply) is an error: the
// message was not accepted.
func sendOne(addr, from, to string, msg []byte) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	tp := textproto.NewConn(c)
	if _, _, err := tp.ReadResponse(220); err != nil {
		return "", err
	}
	for _, step := range []struct {
		cmd  string
		code int
	}{{"EHLO client.test", 250}, {"MAIL FROM:<" + from + ">", 250}, {"RCPT TO:<" + to + ">", 250}, {"DATA", 354}} {
		if _, err := tp.Cmd("%s", step.cmd); err != nil {
			return "", err
		}
		if _, _, err := tp.ReadResponse(step.code); err != nil {
			return "", fmt.Errorf("%s: %w", step.cmd, err)
		}
	}
	w := tp.DotWriter()
	if _, err := w.Write(msg); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	_, reply, err := tp.ReadResponse(250)
	if err != nil {
		return "", err
	}
	tp.Cmd("QUIT")
	_, id, _ := strings.Cut(reply, "queued as ") // accepted even if the id were missing
	return strings.TrimSpace(id), nil
}

// crashLoad is a set of SMTP clients sending until stopped. Every message has
// a unique token in its body and, but for one in four, as its subject (no
// spaces, so it is the page title's first word whatever suffix the title
// gets); the fourth ones share the subject sharedSubject, so that titles
// collide across messages and crashes (claims, dated and counted titles).
type crashLoad struct {
	done     chan struct{}
	wg       sync.WaitGroup
	refused  atomic.Int64
	mu       sync.Mutex
	accepted map[string]string // token → queue id, for messages answered 250
}

// sharedSubject is the subject one message in four of crashLoad shares.
const sharedSubject = "Weekly notes"

func startCrashLoad(t *testing.T, smtpAddr string, clients int) *crashLoad {
	l := &crashLoad{done: make(chan struct{}), accepted: map[string]string{}}
	for w := range clients {
		l.wg.Add(1)
		go l.client(smtpAddr, w)
	}
	t.Cleanup(func() { l.stop() })
	return l
}

func (l *crashLoad) client(smtpAddr string, w int) {
	defer l.wg.Done()
	for i := 0; ; i++ {
		select {
		case <-l.done:
			return
		default:
		}
		token := fmt.Sprintf("crash-w%d-m%05d", w, i)
		subject := token
		if i%4 == 3 {
			subject = sharedSubject
		}
		msg := "From: load@example.org\r\nTo: docs@wiki.example.com\r\nSubject: " + subject + "\r\n\r\nbody of " + token + "\r\n"
		id, err := sendOne(smtpAddr, "load@example.org", "docs@wiki.example.com", []byte(msg))
		if err != nil {
			l.refused.Add(1)
			time.Sleep(20 * time.Millisecond) // mailwiki is down or restarting
			continue
		}
		l.mu.Lock()
		l.accepted[token] = id
		l.mu.Unlock()
	}
}

// stop stops the clients (idempotent) and returns the accepted messages.
func (l *crashLoad) stop() map[string]string {
	l.mu.Lock()
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	l.mu.Unlock()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.accepted)
}
