package smtpd

import (
	"errors"

	smtp "github.com/emersion/go-smtp"

	"github.com/mailwiki/mailwiki"
)

// Replies given for mailwiki errors and protocol violations. The texts are
// fixed: an SMTP peer never sees internal detail.
var (
	replyNoMailbox    = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Recipient address rejected: no such mailbox here"}
	replyNoPostmaster = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Recipient address rejected: this server publishes mail to a wiki and has no postmaster mailbox; reach its operator by other means"}
	replyTooBig       = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message too big for system"}
	replyTempFail     = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, please retry later"}
	replyBareNewline  = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message refused: it contains a bare CR or bare LF; lines must end with CRLF (RFC 5321 section 2.3.8)"}
	replyTimeout      = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "Timeout during message transfer, closing connection"}
	replyConnError    = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 0}, Message: "Connection error, closing connection"}
	replyLineTooLong  = &smtp.SMTPError{Code: 500, EnhancedCode: smtp.EnhancedCode{5, 4, 0}, Message: "Line too long, closing connection"}
	replyTooManyRcpt  = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3}, Message: "Too many recipients"}
	replyBadSyntax    = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Bad address syntax"}
	replyNeedUTF8     = &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 6, 7}, Message: "Non-ASCII address requires the SMTPUTF8 parameter (RFC 6531)"}
	replyNeedTLS      = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}
	replyOtherGroup   = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3}, Message: "Recipient of another site: please send it in a separate transaction"}
	replyShutdown     = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service shutting down, try again later"}
)

// translate turns a handler error into an SMTP reply and a metrics reason.
// A *mailwiki.RefusalError (the message stage's verdict) is answered as
// the verdict says; a rate limit (ERATELIMIT) with 451 4.7.1 and its safe
// message.
// Temporary errors (and errors that are not *mailwiki.Error) become 451 with
// tempReason; permanent ones are mapped by code, and their safe message is
// shown only for EINVALID and unmapped codes.
func translate(err error, tempReason string) (*smtp.SMTPError, string) {
	var re *mailwiki.RefusalError
	if errors.As(err, &re) {
		reply, _ := verdictReply(re.Verdict)
		return reply, metricsReason(re.Verdict.Reason)
	}
	var me *mailwiki.Error
	if errors.As(err, &me) && me.Code == mailwiki.ERATELIMIT {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: safeText(me)}, ReasonRateLimitedTenant
	}
	if !errors.As(err, &me) || me.Temporary {
		return replyTempFail, tempReason
	}
	switch me.Code {
	case mailwiki.ENOTFOUND:
		return replyNoMailbox, ReasonUnknownRecipient
	case mailwiki.ETOOLARGE:
		return replyTooBig, ReasonTooLarge
	case mailwiki.EINVALID:
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: safeText(me)}, ReasonOther
	}
	return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 0, 0}, Message: safeText(me)}, ReasonOther
}

// safeText is the error's safe message on one line of printable ASCII.
func safeText(e *mailwiki.Error) string {
	b := []byte(e.Message)
	for i, c := range b {
		if c < ' ' || c > '~' {
			b[i] = ' '
		}
	}
	if len(b) == 0 {
		return "Transaction failed"
	}
	return string(b)
}
