// Package notify tells a sender that mailwiki gave up on their message, with
// a delivery status notification (RFC 3464) sent through the operator's
// relay. It is the last half of the promise "once we answer 250, the message
// reaches Confluence or its sender is told why".
//
// The notification carries the reason (a safe sentence, never internal
// detail), the recipients and the original message's header, never its body
// or attachments: the content has been deleted by then, and a notification
// must not become a copy of it. It is sent with a null reverse path (MAIL
// FROM:<>), so it cannot cause a notification loop, and it is never sent for
// a message that had a null sender or was itself automatic (RFC 3834).
package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Notifier sends failure notifications. A Notifier without a Relay sends
// nothing and says so in the log; the zero value of the other fields is usable.
type Notifier struct {
	Relay   string // host:port of the operator's outbound SMTP relay; "" disables sending
	From    string // the From: header, e.g. "mailwiki <mailer-daemon@wiki.example.com>"
	Domain  string // this server's name (Reporting-MTA, HELO, Message-ID)
	Timeout time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
}

var _ mailwiki.Notifier = (*Notifier)(nil)

// Notify tells the envelope sender of f which recipients failed, when there
// is one to notify (mailwiki.Notifier). It returns an error only when a
// notification should have gone out and could not; the caller logs it.
func (n *Notifier) Notify(ctx context.Context, f mailwiki.Report) error {
	env := f.Envelope
	switch {
	case env.From == "":
		return nil // a bounce: never answer it
	case f.Automatic:
		return nil // never notify an automatic message (RFC 3834)
	case n.Relay == "":
		n.logger().Warn("sender not notified: no notification relay configured", "queue_id", env.ID)
		return nil
	}
	msg, err := n.Compose(f)
	if err != nil {
		return err
	}
	return n.send(ctx, env.From, msg)
}

func (n *Notifier) logger() *slog.Logger {
	if n.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return n.Logger
}

func (n *Notifier) now() time.Time {
	if n.Now == nil {
		return time.Now()
	}
	return n.Now()
}

// Compose builds the notification: multipart/report with a human-readable
// part, a message/delivery-status part and the original header as
// text/rfc822-headers.
func (n *Notifier) Compose(f mailwiki.Report) ([]byte, error) {
	env := f.Envelope
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	parts := []struct {
		ctype string
		data  string
	}{
		{"text/plain; charset=utf-8", n.humanText(f)},
		{"message/delivery-status", n.deliveryStatus(f)},
	}
	if len(f.Header) > 0 {
		parts = append(parts, struct{ ctype, data string }{"text/rfc822-headers", string(f.Header)})
	}
	for _, p := range parts {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {p.ctype}})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(p.data)); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "From: %s\r\nTo: <%s>\r\nSubject: Undelivered mail: not published to Confluence\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\nAuto-Submitted: auto-replied\r\n%s: %s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"%s\"\r\n\r\n",
		n.from(), env.From, n.now().Format(time.RFC1123Z), randomID(), n.domain(), mailwiki.LoopHeader, n.domain(), mw.Boundary())
	out.Write(body.Bytes())
	return out.Bytes(), nil
}

func (n *Notifier) humanText(f mailwiki.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "This is the mail system at %s.\n\n", n.domain())
	if len(f.Published) == 0 {
		b.WriteString("Your message could not be published to Confluence for the recipients below\n(each with the reason), and it has been deleted.\n\n")
	} else {
		b.WriteString("Your message was published to Confluence for some recipients but not for\nothers; it has been deleted.\n\n")
	}
	fmt.Fprintf(&b, "  Queue id:   %s\n  Received:   %s\n\nNot published:\n", f.Envelope.ID, f.Envelope.Received.UTC().Format(time.RFC1123Z))
	for _, r := range f.Failed {
		fmt.Fprintf(&b, "  %s: %s\n", r.Recipient, oneLine(mailwiki.ErrorMessage(r.Reason)))
	}
	if len(f.Published) > 0 {
		fmt.Fprintf(&b, "\nPublished (nothing to do): %s\n", strings.Join(f.Published, ", "))
	}
	b.WriteString("\nNothing of the message's content is kept. If you still want it published\nfor the recipients above, please send it to them again once the reason is\nresolved.\n")
	return crlf(b.String())
}

// deliveryStatus is the message/delivery-status part (RFC 3464 §2.2, §2.3):
// one per-recipient block for each failed recipient only.
func (n *Notifier) deliveryStatus(f mailwiki.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Reporting-MTA: dns; %s\nX-Mailwiki-Queue-ID: %s\nArrival-Date: %s\n",
		n.domain(), f.Envelope.ID, f.Envelope.Received.UTC().Format(time.RFC1123Z))
	for _, r := range f.Failed {
		fmt.Fprintf(&b, "\nFinal-Recipient: rfc822; %s\nAction: failed\nStatus: %s\nDiagnostic-Code: X-mailwiki; %s\n",
			r.Recipient, statusCode(r.Reason), oneLine(mailwiki.ErrorMessage(r.Reason)))
	}
	return crlf(b.String())
}

// statusCode maps a failure to an RFC 3463 enhanced status.
func statusCode(err error) string {
	switch mailwiki.ErrorCode(err) {
	case mailwiki.EEXPIRED:
		return "5.4.7" // delivery time expired
	case mailwiki.ENOTFOUND:
		return "5.1.1" // the destination (space) does not exist
	case mailwiki.ETOOLARGE:
		return "5.3.4"
	case mailwiki.EUNAUTHORIZED, mailwiki.EFORBIDDEN:
		return "5.7.1" // delivery not authorised
	default:
		return "5.0.0"
	}
}

func (n *Notifier) send(ctx context.Context, to string, msg []byte) error {
	timeout := n.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", n.Relay)
	if err != nil {
		return fmt.Errorf("notify: dial relay %s: %w", n.Relay, err)
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	host, _, _ := net.SplitHostPort(n.Relay)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("notify: relay %s: %w", n.Relay, err)
	}
	defer c.Close()
	if err := sendOn(c, n.domain(), host, to, msg); err != nil {
		return fmt.Errorf("notify: relay %s: %w", n.Relay, err)
	}
	return c.Quit()
}

// sendOn runs one SMTP transaction; STARTTLS is used when the relay offers
// it, with the relay's certificate verified for its host name.
func sendOn(c *smtp.Client, helo, host, to string, msg []byte) error {
	if err := c.Hello(helo); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return err
		}
	}
	if err := c.Mail(""); err != nil { // null reverse path: a DSN never bounces
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	return w.Close()
}

func (n *Notifier) domain() string {
	if n.Domain == "" {
		return "localhost"
	}
	return n.Domain
}

func (n *Notifier) from() string {
	if n.From == "" {
		return "Mail Delivery System <MAILER-DAEMON@" + n.domain() + ">"
	}
	return n.From
}

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func randomID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
