package mailwiki

import (
	"context"
	"io"
)

// The door's message stage: once the whole message has been received (and
// spooled, encrypted, not yet acknowledged), screens read it and report
// findings; a policy per tenant then turns the findings into the DATA reply
// or into marks on the published page. A refused message is deleted before
// the reply (promise P3).

// LoopHeader is the trace field mailwiki puts on the mail it sends (the
// notices to senders): a message that carries it has come back to us, and
// the door refuses it (554 5.4.6).
const LoopHeader = "X-Mailwiki-Loop"

// Spam levels of a Finding, from a scanner's own scale (rspamd's actions,
// the GTUBE test string).
const (
	SpamNone     = 0 // nothing to say
	SpamPossible = 1 // rspamd "add header" / "rewrite subject": the page is marked
	SpamLikely   = 2 // rspamd "reject", GTUBE: refused or marked, per tenant
	SpamDefer    = 3 // rspamd "soft reject": answered 451 4.7.1, the sender retries
)

// Labels put on a page whose message was accepted with a mark (Confluence
// label names: lower-case, no spaces).
const (
	LabelSpam         = "mailwiki-spam"          // SpamLikely, for a tenant that marks spam
	LabelPossibleSpam = "mailwiki-possible-spam" // SpamPossible
	LabelUnscanned    = "mailwiki-unscanned"     // a scanner was down and its fail action accepts
	LabelQuarantine   = "mailwiki-dmarc-quarantine"
)

// SenderAuth is what sender authentication (SPF RFC 7208, DKIM RFC 6376,
// DMARC RFC 7489) concluded about a message.
type SenderAuth struct {
	// Results is the value of the Authentication-Results field (RFC 8601)
	// added to the stored message: one line, without the field name.
	Results string
	// HeaderFrom is the one RFC 5322.From address, "" when absent or
	// ambiguous (several From fields or mailboxes).
	HeaderFrom string
	// Authenticated: HeaderFrom is authenticated and aligned (DMARC pass,
	// or SPF or DKIM pass aligned with its domain). Only then may it earn
	// a secure sender's privilege.
	Authenticated bool
	// Temporary: a DNS failure left the question open (temperror).
	Temporary bool
	DMARC     string // pass, fail, none, temperror, permerror
	Policy    string // the From domain's DMARC policy: none, quarantine, reject; "" without a record
}

// Finding is one screen's report on a message. The zero Finding says
// nothing.
type Finding struct {
	Auth       *SenderAuth // sender authentication's report
	Spam       int         // one of the Spam* levels
	SpamDetail string      // e.g. "rspamd score 15.2/15", "GTUBE"; safe to log
	Malware    string      // name of what was found (e.g. "Eicar-Test-Signature"); "" clean
	// Unscannable names why a malware scanner could not finish (clamd's
	// size-limit alerts): refused like malware, with a sentence that says
	// so rather than naming malware.
	Unscannable   string
	HeaderProblem string // a sentence naming the RFC 5322 rule broken; "" sane
	Loop          string // a sentence when the message has looped; "" otherwise
	Warning       string // something the screen could not fully do (an archive too deep)
	// Incomplete: the screen could not inspect all of the message (Warning
	// says what) and no other screen does its job: the page is marked
	// LabelUnscanned rather than taken as clean in silence.
	Incomplete bool
}

// Screen is one check of the message stage (sender authentication, rspamd,
// ClamAV, the built-in check). Screen must read msg to its end or return an
// error; it is called concurrently for many messages. An error means the
// screen could not answer (its scanner is down): the policy applies the
// screen's fail action, never silent acceptance.
type Screen interface {
	// Name is a short label for logs and metrics: "msgauth", "rspamd",
	// "clamav", "builtin".
	Name() string
	Screen(ctx context.Context, env *Envelope, msg io.Reader) (Finding, error)
}

// Fail actions: what happens to a message when a screen cannot answer.
const (
	FailTempfail = "tempfail" // 451 4.7.1: the sender retries later (default)
	FailReject   = "reject"   // 554 5.7.1
	FailAccept   = "accept"   // accepted, its page marked LabelUnscanned
)

// Spam actions of a tenant (TenantConfig.Spam.Action): what becomes of a
// message a scanner judges SpamLikely.
const (
	SpamRefuse = "refuse" // 550 5.7.1 during SMTP (default)
	SpamMark   = "mark"   // accepted, its page labelled LabelSpam
)

// Policy is a tenant's door settings, from its configuration.
type Policy struct {
	SecureOnly bool   // only secure senders may send (SenderList.Mode SendersSecureOnly)
	SpamAction string // SpamRefuse or SpamMark
}

// RefusalError is a message-stage refusal: the verdict the SMTP server
// answers with (its code, enhanced code and sentence). The message has
// been deleted.
type RefusalError struct{ Verdict Verdict }

func (e *RefusalError) Error() string {
	return "message refused: " + e.Verdict.Reason + ": " + e.Verdict.Message
}

// Unwrap returns the verdict's internal cause, if any.
func (e *RefusalError) Unwrap() error { return e.Verdict.Err }
