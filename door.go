package mailwiki

import "context"

// The door: checks that run while an SMTP transaction is still open, before
// anything is kept. A check sees one stage at a time (the connection, MAIL
// FROM, each RCPT TO) and answers with a Verdict; a rejection is sent to the
// client as that stage's reply and nothing of the transaction is stored.
// The SMTP server (internal/smtpd) calls the checks; adapters such as a
// recipient lookup, a sender list or a DNS block list implement them.

// ConnInfo describes an SMTP client connection.
type ConnInfo struct {
	ConnID     string // the connection's id, on every log line about it
	RemoteAddr string // ip:port of the client
	TLS        bool   // the connection is encrypted (implicit TLS or after STARTTLS)
}

// SessionInfo describes the client of an SMTP session: its connection and
// the name it gave in EHLO/HELO.
type SessionInfo struct {
	ConnInfo
	Helo string
}

// Verdict is a check's answer at one stage. The zero Verdict accepts: the
// next check runs. A rejection has a 4xx (temporary: the client retries) or
// 5xx (permanent) reply code (RFC 5321 §4.2), an enhanced status code of the
// same class (RFC 3463, e.g. {5, 7, 1}) and one sentence for the client.
type Verdict struct {
	Code     int    // reply code: 0 accepts, else 400..599
	Enhanced [3]int // enhanced status code; zero: {Code/100, 0, 0}
	// Message is sent to the client as is: one sentence, printable ASCII,
	// never internal detail (host names, paths, error text).
	Message string
	// Reason is a short stable label for logs and metrics, such as
	// "unknown_recipient" or "sender_blocked".
	Reason string
	// Err is the internal cause, for logs only; never sent.
	Err error
	// Group, on an accepting RCPT TO verdict, names the recipient's group
	// (mailwiki: its tenant): one transaction takes recipients of one
	// group only, because the message stage gives one verdict for all of
	// them; another group's recipient is answered 452 4.5.3 and the
	// client sends it in a separate transaction (RFC 5321 §4.5.3.1.10).
	Group string
}

// Reject returns a rejecting verdict; code must be 4xx or 5xx.
func Reject(code int, enhanced [3]int, message, reason string) Verdict {
	return Verdict{Code: code, Enhanced: enhanced, Message: message, Reason: reason}
}

// Rejected reports whether v refuses the stage.
func (v Verdict) Rejected() bool { return v.Code != 0 }

// Temporary reports whether v is a temporary refusal (4xx).
func (v Verdict) Temporary() bool { return v.Code/100 == 4 }

// Check is one check of the door, as maddy's check modules: a hook per SMTP
// stage, each returning a Verdict. Methods are called concurrently from many
// sessions and must be safe for that; ctx ends when the server is forced
// closed. A check that cannot decide (its dependency is down) returns a 4xx
// verdict: unknown means temporary.
type Check interface {
	// CheckConnection runs once per connection, when the client first
	// introduces itself (EHLO/HELO): go-smtp has no hook before its greeting.
	CheckConnection(ctx context.Context, c ConnInfo) Verdict
	// CheckSender runs at MAIL FROM with the validated, canonical reverse
	// path; "" is the null reverse path <> of bounces (RFC 5321 §4.5.5).
	CheckSender(ctx context.Context, s SessionInfo, from string) Verdict
	// CheckRecipient runs at each RCPT TO with the validated, canonical
	// forward path (a duplicate in one transaction is checked once).
	CheckRecipient(ctx context.Context, s SessionInfo, rcpt string) Verdict
}

// Checks is a chain: each stage runs the checks in order and stops at the
// first rejection, which is the chain's verdict. An accepting chain's
// verdict carries the last Group an accepting check named. An empty chain
// accepts everything; nil entries are skipped.
type Checks []Check

// CheckConnection runs CheckConnection of each check in order.
func (cs Checks) CheckConnection(ctx context.Context, c ConnInfo) Verdict {
	return cs.first(func(ch Check) Verdict { return ch.CheckConnection(ctx, c) })
}

// CheckSender runs CheckSender of each check in order.
func (cs Checks) CheckSender(ctx context.Context, s SessionInfo, from string) Verdict {
	return cs.first(func(ch Check) Verdict { return ch.CheckSender(ctx, s, from) })
}

// CheckRecipient runs CheckRecipient of each check in order.
func (cs Checks) CheckRecipient(ctx context.Context, s SessionInfo, rcpt string) Verdict {
	return cs.first(func(ch Check) Verdict { return ch.CheckRecipient(ctx, s, rcpt) })
}

func (cs Checks) first(run func(Check) Verdict) Verdict {
	var group string
	for _, ch := range cs {
		if ch == nil {
			continue
		}
		v := run(ch)
		if v.Rejected() {
			return v
		}
		if v.Group != "" {
			group = v.Group
		}
	}
	return Verdict{Group: group}
}

// CheckFuncs makes a Check of the stages it sets; a nil func accepts. It
// suits checks that care about one stage only.
type CheckFuncs struct {
	Connection func(ctx context.Context, c ConnInfo) Verdict
	Sender     func(ctx context.Context, s SessionInfo, from string) Verdict
	Recipient  func(ctx context.Context, s SessionInfo, rcpt string) Verdict
}

// CheckConnection calls f.Connection, if set.
func (f CheckFuncs) CheckConnection(ctx context.Context, c ConnInfo) Verdict {
	if f.Connection == nil {
		return Verdict{}
	}
	return f.Connection(ctx, c)
}

// CheckSender calls f.Sender, if set.
func (f CheckFuncs) CheckSender(ctx context.Context, s SessionInfo, from string) Verdict {
	if f.Sender == nil {
		return Verdict{}
	}
	return f.Sender(ctx, s, from)
}

// CheckRecipient calls f.Recipient, if set.
func (f CheckFuncs) CheckRecipient(ctx context.Context, s SessionInfo, rcpt string) Verdict {
	if f.Recipient == nil {
		return Verdict{}
	}
	return f.Recipient(ctx, s, rcpt)
}

var (
	_ Check = Checks(nil)
	_ Check = CheckFuncs{}
)
