package smtpd

import (
	"errors"
	"io"
	"log/slog"
	"time"

	smtp "github.com/emersion/go-smtp"

	"github.com/mailwiki/mailwiki"
)

// session is one SMTP session (from EHLO to QUIT, RSET or STARTTLS). go-smtp
// calls its methods from the connection's goroutine, except Data for BDAT,
// which runs in a goroutine of its own while the connection goroutine waits.
type session struct {
	srv  *Server
	conn *trackedConn
	info mailwiki.SessionInfo
	log  *slog.Logger

	from  string
	utf8  bool
	to    []string
	seen  map[string]bool
	group string // the transaction's recipients' group (Verdict.Group)
}

func (s *session) Reset() {
	s.from, s.utf8, s.to, s.seen, s.group = "", false, nil, nil, ""
	s.conn.inTxn.Store(false)
}

func (s *session) Logout() error { return nil }

func (s *session) refuse(reply *smtp.SMTPError, reason, what string, attrs ...any) error {
	s.srv.m.RecordRefused(reason)
	s.log.Info(what+" refused", append([]any{"smtp_code", reply.Code, "reason", reason}, attrs...)...)
	return reply
}

// Mail validates the reverse path (RFC 5321 §4.1.1.2; <> is allowed) and
// asks the door; any refusal leaves no transaction open.
func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	s.Reset()
	if s.conn.closing.Load() || s.conn.poisoned.Load() {
		return s.refuse(replyShutdown, ReasonOther, "MAIL")
	}
	if s.srv.cfg.RequireTLS && !s.info.TLS {
		return s.refuse(replyNeedTLS, ReasonTLSRequired, "MAIL")
	}
	if opts != nil && opts.Size > s.srv.cfg.MaxMessageBytes {
		// SIZE= (RFC 1870 §6.2): refused now, not after the transfer; the
		// advertised SIZE is one byte generous (see doc.go, 6).
		return s.refuse(replyTooBig, ReasonTooLarge, "MAIL", "declared", opts.Size)
	}
	if from != "" { // the null reverse path <> is always allowed
		canon, prob := checkAddress(from, opts.UTF8)
		if prob != addrOK {
			return s.refuse(addrReply(prob), ReasonBadAddress, "MAIL")
		}
		from = canon
	}
	if !s.srv.rates.allowMessage(s.conn.ip) {
		return s.refuse(replyMsgRate, ReasonRateLimited, "MAIL", "limit", s.srv.cfg.MaxMessageRatePerIP)
	}
	if reply := s.checkSender(from); reply != nil {
		return reply
	}
	s.from, s.utf8 = from, opts.UTF8
	s.conn.inTxn.Store(true)
	return nil
}

func addrReply(p addrProblem) *smtp.SMTPError {
	if p == addrNonASCII {
		return replyNeedUTF8
	}
	return replyBadSyntax
}

// Rcpt validates the forward path (<Postmaster> without a domain included,
// RFC 5321 §4.1.1.3), enforces MaxRecipients and asks the door.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.conn.poisoned.Load() {
		return replyShutdown // the session was ended; a buffered command
	}
	canon, prob := canonicalRecipient(to, s.utf8, s.srv.cfg.Domain)
	if prob != addrOK {
		return s.refuse(addrReply(prob), ReasonBadAddress, "RCPT")
	}
	if s.seen[canon] {
		return nil // a duplicate: accepted once
	}
	if len(s.to) >= s.srv.cfg.MaxRecipients {
		return s.refuse(replyTooManyRcpt, ReasonTooManyRcpts, "RCPT", "limit", s.srv.cfg.MaxRecipients)
	}
	if reply := s.checkRecipient(canon); reply != nil {
		return reply
	}
	if s.seen == nil {
		s.seen = make(map[string]bool)
	}
	s.seen[canon] = true
	s.to = append(s.to, canon)
	return nil
}

// Data hands the message to the handler and decides the reply from what it
// observed on the wire first and from the handler's error second.
func (s *session) Data(r io.Reader) error {
	// A shutdown that began after MAIL lets this transaction finish: the
	// client may already be sending the body (go-smtp writes 354 before it
	// calls Data). Only a poisoned connection or no recipient refuses here.
	if s.conn.poisoned.Load() || len(s.to) == 0 {
		return replyShutdown
	}
	_, bdat := r.(*io.PipeReader)
	s.conn.beginData()
	defer s.conn.endData()

	env := s.envelope()
	log := s.log.With("queue_id", env.ID)
	b := &body{r: r, max: s.srv.cfg.MaxMessageBytes, env: env}
	start := time.Now()
	err := s.srv.h.Deliver(s.srv.ctx, env, b)
	took := time.Since(start)
	if err == nil && !b.eof && b.err == nil {
		// The handler returned without reading to the end: what it made
		// durable is not the whole message.
		io.Copy(io.Discard, b)
		err = errors.New("smtpd: handler returned before reading the whole message")
		log.Error("handler contract violated", "err", err)
	}
	if reply := s.wireVerdict(b, r, bdat, log); reply != nil {
		if err == nil {
			log.Error("handler accepted a message whose body read failed; refusing it anyway")
		}
		return reply
	}
	if err != nil {
		reply, reason := translate(err, ReasonStorage)
		s.srv.m.RecordRefused(reason)
		log.Info("message refused", "smtp_code", reply.Code, "reason", reason, "bytes", env.Size, "err", err)
		return reply
	}
	s.srv.m.RecordAccepted(env.Size, took)
	log.Info("message accepted", "bytes", env.Size, "recipients", len(env.To), "took", took)
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: "Ok: queued as " + env.ID}
}

// wireVerdict returns the reply for a body that could not be read cleanly,
// or nil. Bare CR/LF on DATA closes the connection after the reply (the rest
// of the stream is not trusted); so does any read error (issue #196), after
// exactly one reply on DATA: go-smtp would follow a too long line with a
// second 500 of its own. A BDAT chunk cut short by the client's hang-up is a
// read error too (errPeerClosed), never a complete message.
func (s *session) wireVerdict(b *body, r io.Reader, bdat bool, log *slog.Logger) *smtp.SMTPError {
	switch {
	case b.rerr != nil:
		if bdat {
			s.conn.poison()
		} else {
			s.conn.hangUpAfterReply()
		}
		reply, reason := replyConnError, ReasonOther
		var ce *connError
		switch {
		case errors.As(b.rerr, &ce) && ce.timeout:
			reply, reason = replyTimeout, ReasonTimeout
		case errors.Is(b.rerr, smtp.ErrTooLongLine):
			reply = replyLineTooLong
		}
		s.srv.m.RecordRefused(reason)
		log.Info("message refused, closing connection", "smtp_code", reply.Code, "reason", reason, "err", b.rerr)
		return reply
	case b.bare:
		if !bdat {
			io.Copy(io.Discard, r) // to the real end of data, so the reply is in sync
			s.conn.poison()
		}
		s.srv.m.RecordRefused(ReasonBadData)
		log.Info("message refused", "smtp_code", replyBareNewline.Code, "reason", ReasonBadData, "closing", !bdat)
		return replyBareNewline
	case b.large:
		s.srv.m.RecordRefused(ReasonTooLarge)
		log.Info("message refused", "smtp_code", replyTooBig.Code, "reason", ReasonTooLarge, "limit", b.max)
		return replyTooBig
	}
	return nil
}

func (s *session) envelope() *mailwiki.Envelope {
	return &mailwiki.Envelope{
		ID:         NewID(),
		ConnID:     s.info.ConnID,
		RemoteAddr: s.info.RemoteAddr,
		Helo:       s.info.Helo,
		TLS:        s.info.TLS,
		From:       s.from,
		To:         append([]string(nil), s.to...),
		Received:   s.srv.now(),
	}
}

var _ smtp.Session = (*session)(nil)
