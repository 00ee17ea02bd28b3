package smtpd

import (
	"context"
	"log/slog"
	"strings"

	smtp "github.com/emersion/go-smtp"

	"github.com/mailwiki/mailwiki"
)

// checkConnection runs the door's connection stage once per connection (at
// the first EHLO/HELO; again after STARTTLS only returns the first answer)
// and returns the refusal to answer EHLO/HELO with, or nil. Called from the
// connection's goroutine only. A refused client may send QUIT; every EHLO or
// HELO gets the same refusal and MAIL gets go-smtp's 502 5.5.1 (no session),
// as RFC 5321 §3.1 asks of a server that refuses a connection. A 421 closes
// the connection after the reply (RFC 5321 §3.8).
func (s *Server) checkConnection(tc *trackedConn, c mailwiki.ConnInfo) *smtp.SMTPError {
	if tc.doorChecked {
		return tc.doorRefusal
	}
	tc.doorChecked = true
	if s.cfg.Door == nil {
		return nil
	}
	v := s.cfg.Door.CheckConnection(s.ctx, c)
	if !v.Rejected() {
		return nil
	}
	tc.doorRefusal = s.refuseVerdict(tc.log, v, "connection")
	if tc.doorRefusal.Code == 421 {
		tc.poison()
	}
	return tc.doorRefusal
}

// checkSender runs the door's MAIL FROM stage; nil accepts.
func (s *session) checkSender(from string) *smtp.SMTPError {
	if s.srv.cfg.Door == nil {
		return nil
	}
	v := s.srv.cfg.Door.CheckSender(s.srv.ctx, s.info, from)
	if !v.Rejected() {
		return nil
	}
	return s.srv.refuseVerdict(s.log, v, "MAIL")
}

// checkRecipient runs the door's RCPT TO stage; nil accepts. A recipient
// of another group than the transaction's (Verdict.Group: another tenant)
// is answered 452 4.5.3, and the client sends it in a transaction of its
// own (RFC 5321 §4.5.3.1.10).
func (s *session) checkRecipient(rcpt string) *smtp.SMTPError {
	if s.srv.cfg.Door == nil {
		return nil
	}
	v := s.srv.cfg.Door.CheckRecipient(s.srv.ctx, s.info, rcpt)
	if v.Rejected() {
		return s.srv.refuseVerdict(s.log, v, "RCPT")
	}
	if v.Group != "" && s.group != "" && v.Group != s.group {
		s.srv.m.RecordRefused(ReasonOtherGroup)
		s.log.Info("RCPT deferred: the transaction holds another tenant's recipients", "smtp_code", 452, "reason", ReasonOtherGroup)
		return replyOtherGroup
	}
	if v.Group != "" {
		s.group = v.Group
	}
	return nil
}

// refuseVerdict logs and counts a door refusal and returns its reply.
func (s *Server) refuseVerdict(log *slog.Logger, v mailwiki.Verdict, stage string) *smtp.SMTPError {
	reply, ok := verdictReply(v)
	attrs := []any{"smtp_code", reply.Code, "reason", v.Reason}
	if v.Err != nil {
		attrs = append(attrs, "err", v.Err)
	}
	if !ok {
		log.Error(stage+" refused: a check returned an invalid verdict; answering 451", append(attrs, "verdict_code", v.Code)...)
	} else {
		log.Info(stage+" refused by the door", attrs...)
	}
	s.m.RecordRefused(metricsReason(v.Reason))
	return reply
}

// verdictReply turns a rejecting verdict into its SMTP reply. The code must
// be 4xx or 5xx; otherwise the reply is 451 4.3.0 (unknown means temporary)
// and ok is false. An enhanced code of another class than the reply code is
// replaced by {class, 0, 0} (RFC 3463 §2: the classes must agree). The
// sentence is reduced to printable ASCII on one line.
func verdictReply(v mailwiki.Verdict) (reply *smtp.SMTPError, ok bool) {
	if v.Code < 400 || v.Code > 599 {
		return replyTempFail, false
	}
	class := v.Code / 100
	enh := smtp.EnhancedCode(v.Enhanced)
	if enh[0] != class || enh[1] < 0 || enh[1] > 999 || enh[2] < 0 || enh[2] > 999 {
		enh = smtp.EnhancedCode{class, 0, 0}
	}
	msg := printable(v.Message)
	if msg == "" {
		msg = "Refused"
		if class == 4 {
			msg = "Temporary failure, please retry later"
		}
	}
	return &smtp.SMTPError{Code: v.Code, EnhancedCode: enh, Message: msg}, true
}

// printable returns s with every byte outside printable ASCII replaced by a
// space, trimmed.
func printable(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < ' ' || c > '~' {
			b[i] = ' '
		}
	}
	return strings.TrimSpace(string(b))
}

// metricsReason returns a verdict's reason as a label of the refusal
// metric. Reasons are constants of mailwiki's own code (this package's,
// the message stage's in internal/pipeline, the door checks'), never text a
// client chose, so the label set stays small; anything that is not a short
// snake_case word is counted as ReasonOther.
func metricsReason(r string) string {
	if r == "" || len(r) > 32 {
		return ReasonOther
	}
	for _, c := range r {
		if (c < 'a' || c > 'z') && c != '_' {
			return ReasonOther
		}
	}
	return r
}

// RecipientCheck makes a door check of a recipient lookup: lookup returns
// the address's group (its tenant; see Verdict.Group) and nil for an
// address mail is accepted for, a *mailwiki.Error with code
// ENOTFOUND for an unknown one (550 5.1.1; for the postmaster, a sentence
// saying none is configured, see the package documentation), another
// permanent *mailwiki.Error for a refusal (554 5.0.0 or 550 5.6.0 with its
// safe message) and a temporary or unknown error when it cannot tell (451
// 4.3.0). The error's detail goes to the log, never to the client.
func RecipientCheck(lookup func(ctx context.Context, rcpt string) (group string, err error)) mailwiki.Check {
	return mailwiki.CheckFuncs{Recipient: func(ctx context.Context, _ mailwiki.SessionInfo, rcpt string) mailwiki.Verdict {
		group, err := lookup(ctx, rcpt)
		if err == nil {
			return mailwiki.Verdict{Group: group}
		}
		reply, reason := translate(err, ReasonOther)
		if reply == replyNoMailbox && isPostmaster(rcpt) {
			reply = replyNoPostmaster
		}
		v := mailwiki.Reject(reply.Code, [3]int(reply.EnhancedCode), reply.Message, reason)
		if reply.Code/100 == 4 || mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
			v.Err = err // a failure to diagnose, not a verdict on the address
		}
		return v
	}}
}
