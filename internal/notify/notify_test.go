package notify_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/notify"
)

// relay is a real SMTP server on loopback that records what it receives.
type relay struct {
	mu   sync.Mutex
	msgs []received
}

type received struct {
	from string
	to   []string
	data []byte
}

func (r *relay) NewSession(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }

type relaySession struct {
	r   *relay
	cur received
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error { s.cur.from = from; return nil }
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *relaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.cur.data = b
	s.r.mu.Lock()
	s.r.msgs = append(s.r.msgs, s.cur)
	s.r.mu.Unlock()
	return err
}
func (s *relaySession) Reset()        { s.cur = received{} }
func (s *relaySession) Logout() error { return nil }

func startRelay(t *testing.T) (*relay, string) {
	t.Helper()
	r := &relay{}
	srv := smtp.NewServer(r)
	srv.Domain = "relay.test"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return r, ln.Addr().String()
}

func failure(from string) mailwiki.Report {
	return mailwiki.Report{
		Envelope: &mailwiki.Envelope{ID: "Q123", From: from, To: []string{"docs@wiki.example.com"}, Received: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)},
		Header:   []byte("From: alice@example.org\r\nSubject: Plans\r\n\r\n"),
		Failed: []mailwiki.RecipientFailure{{Recipient: "docs@wiki.example.com",
			Reason: mailwiki.Errorf(mailwiki.EEXPIRED, "message not delivered within 48h0m0s")}},
	}
}

func TestFailedSendsADeliveryStatusNotification(t *testing.T) {
	t.Parallel()
	r, addr := startRelay(t)
	n := &notify.Notifier{Relay: addr, Domain: "wiki.example.com"}
	if err := n.Notify(context.Background(), failure("alice@example.org")); err != nil {
		t.Fatal(err)
	}
	if len(r.msgs) != 1 {
		t.Fatalf("relay received %d messages", len(r.msgs))
	}
	got := r.msgs[0]
	if got.from != "" || len(got.to) != 1 || got.to[0] != "alice@example.org" {
		t.Fatalf("envelope MAIL FROM:<%s> RCPT %v, want <> to alice", got.from, got.to)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get(mailwiki.LoopHeader); got != "wiki.example.com" {
		t.Errorf("%s = %q: the notice must carry our loop header, so that it is refused if it comes back", mailwiki.LoopHeader, got)
	}
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if mt != "multipart/report" || params["report-type"] != "delivery-status" {
		t.Fatalf("Content-Type = %s", msg.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	var status string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p)
		types = append(types, p.Header.Get("Content-Type"))
		if p.Header.Get("Content-Type") == "message/delivery-status" {
			status = string(b)
		}
	}
	if strings.Join(types, ",") != "text/plain; charset=utf-8,message/delivery-status,text/rfc822-headers" {
		t.Fatalf("parts = %v", types)
	}
	for _, want := range []string{"Final-Recipient: rfc822; docs@wiki.example.com", "Action: failed", "Status: 5.4.7", "not delivered within 48h"} {
		if !strings.Contains(status, want) {
			t.Errorf("delivery-status lacks %q:\n%s", want, status)
		}
	}
}

func TestNoNotificationForBouncesAutomaticOrWithoutRelay(t *testing.T) {
	t.Parallel()
	r, addr := startRelay(t)
	n := &notify.Notifier{Relay: addr}
	bounce := failure("")
	auto := failure("alice@example.org")
	auto.Automatic = true
	for _, f := range []mailwiki.Report{bounce, auto} {
		if err := n.Notify(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	if err := (&notify.Notifier{}).Notify(context.Background(), failure("alice@example.org")); err != nil {
		t.Fatalf("without a relay: %v", err)
	}
	if len(r.msgs) != 0 {
		t.Fatalf("%d notifications sent, want none", len(r.msgs))
	}
}

func TestUnreachableRelayIsAnError(t *testing.T) {
	t.Parallel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	n := &notify.Notifier{Relay: addr, Timeout: 2 * time.Second}
	if err := n.Notify(context.Background(), failure("alice@example.org")); err == nil {
		t.Fatal("no error from an unreachable relay")
	}
}
