package pipeline

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// Refusal reasons of the message stage (Verdict.Reason, metrics labels).
const (
	ReasonLoop           = "loop"
	ReasonMalware        = "malware"
	ReasonUnscannable    = "unscannable"
	ReasonBadHeader      = "bad_header"
	ReasonUnscanned      = "scanner_unavailable"
	ReasonDMARCReject    = "dmarc_reject"
	ReasonNotSecure      = "sender_not_secure"
	ReasonAuthUndecided  = "auth_undecided"
	ReasonSpam           = "spam"
	ReasonPolicyUnknown  = "policy_unavailable"
	ReasonSpamTempReject = "spam_deferred"
)

// decision is the message stage's outcome: a refusing verdict, or the
// labels to put on the page and warnings for the log.
type decision struct {
	verdict  mailwiki.Verdict
	labels   []string
	warnings []string
	spam     string // the spam screen's detail (Finding.SpamDetail), for the log
	auth     *mailwiki.SenderAuth
}

// decide turns the screens' findings into the verdict, in this order:
// loops; malware (always refused, secure senders too); header sanity;
// screens that could not answer (their fail action); the From domain's
// DMARC p=reject; then per tenant its secure sender list, and spam
// (refused or marked as the tenant says; a secure sender's mail is not
// judged as spam). Every recipient of a transaction belongs to one tenant
// (the door's RCPT stage sees to it), so one verdict serves them all.
func (a *Acceptor) decide(ctx context.Context, env *mailwiki.Envelope, results []screenResult) decision {
	var d decision
	var spam mailwiki.Finding
	for _, r := range results {
		f := r.finding
		if f.Auth != nil {
			d.auth = f.Auth
		}
		if f.Warning != "" {
			d.warnings = append(d.warnings, r.name+": "+f.Warning)
		}
		if f.Incomplete && !slices.Contains(d.labels, mailwiki.LabelUnscanned) {
			d.labels = append(d.labels, mailwiki.LabelUnscanned)
		}
		if f.Spam > spam.Spam {
			spam = f
		}
	}
	if v, ok := firstFinding(results); ok {
		d.verdict = v
		return d
	}
	if v, labels := a.unanswered(results); v.Rejected() {
		d.verdict = v
		return d
	} else {
		for _, l := range labels {
			if !slices.Contains(d.labels, l) {
				d.labels = append(d.labels, l)
			}
		}
	}
	if d.auth != nil && d.auth.DMARC == "fail" {
		switch d.auth.Policy {
		case "reject":
			d.verdict = mailwiki.Reject(550, [3]int{5, 7, 1}, "Message refused: it fails DMARC authentication and the From domain's policy (p=reject) asks receivers to refuse it (RFC 7489)", ReasonDMARCReject)
			return d
		case "quarantine":
			d.labels = append(d.labels, mailwiki.LabelQuarantine)
		}
	}
	v, labels := a.tenantVerdict(ctx, env, d.auth, spam)
	d.verdict, d.labels, d.spam = v, append(d.labels, labels...), spam.SpamDetail
	return d
}

// firstFinding returns the verdict of a loop, malware, a message the
// malware scanner could not finish or a broken header, whichever a screen
// found, in that order of precedence.
func firstFinding(results []screenResult) (mailwiki.Verdict, bool) {
	for _, r := range results {
		if r.finding.Loop != "" {
			return mailwiki.Reject(554, [3]int{5, 4, 6}, r.finding.Loop, ReasonLoop), true
		}
	}
	for _, r := range results {
		if m := r.finding.Malware; m != "" {
			return mailwiki.Reject(554, [3]int{5, 7, 1}, "Message refused: it contains malware ("+printableName(m)+")", ReasonMalware), true
		}
	}
	for _, r := range results {
		if u := r.finding.Unscannable; u != "" {
			return mailwiki.Reject(554, [3]int{5, 7, 1}, "Message refused: it could not be scanned for malware completely ("+printableName(u)+")", ReasonUnscannable), true
		}
	}
	for _, r := range results {
		if p := r.finding.HeaderProblem; p != "" {
			return mailwiki.Reject(550, [3]int{5, 6, 0}, "Message refused: "+p, ReasonBadHeader), true
		}
	}
	return mailwiki.Verdict{}, false
}

// unanswered applies the fail action of each screen that could not answer:
// the first refusing one wins; FailAccept marks the page.
func (a *Acceptor) unanswered(results []screenResult) (mailwiki.Verdict, []string) {
	var labels []string
	for _, r := range results {
		if r.err == nil {
			continue
		}
		switch a.FailActions[r.name] {
		case mailwiki.FailAccept:
			if !slices.Contains(labels, mailwiki.LabelUnscanned) {
				labels = append(labels, mailwiki.LabelUnscanned)
			}
		case mailwiki.FailReject:
			v := mailwiki.Reject(554, [3]int{5, 7, 1}, "Message refused: it could not be checked ("+r.name+" is unavailable)", ReasonUnscanned)
			v.Err = r.err
			return v, nil
		default:
			v := mailwiki.Reject(451, [3]int{4, 7, 1}, "Message could not be checked right now ("+r.name+" is unavailable); please retry later", ReasonUnscanned)
			v.Err = r.err
			return v, nil
		}
	}
	return mailwiki.Verdict{}, labels
}

// tenantVerdict applies the settings of the recipients' tenant.
func (a *Acceptor) tenantVerdict(ctx context.Context, env *mailwiki.Envelope, auth *mailwiki.SenderAuth, spam mailwiki.Finding) (mailwiki.Verdict, []string) {
	p, err := a.Tenants.Policy(ctx, env.TenantID)
	if err != nil {
		v := mailwiki.Reject(451, [3]int{4, 3, 0}, "The recipient's settings could not be read right now; please retry later", ReasonPolicyUnknown)
		v.Err = err
		return v, nil
	}
	if p.SecureOnly {
		v, secure := a.secureSender(ctx, env.TenantID, auth)
		if v.Rejected() || secure {
			return v, nil // a secure sender's mail is not judged as spam
		}
	}
	switch spam.Spam {
	case mailwiki.SpamDefer:
		return spamRefusal(mailwiki.Reject(451, [3]int{4, 7, 1}, "Message deferred by the spam filter; please retry later", ReasonSpamTempReject), spam), nil
	case mailwiki.SpamLikely:
		if p.SpamAction == mailwiki.SpamMark {
			return mailwiki.Verdict{}, []string{mailwiki.LabelSpam}
		}
		return spamRefusal(mailwiki.Reject(550, [3]int{5, 7, 1}, "Message refused as spam by the recipient's filter", ReasonSpam), spam), nil
	case mailwiki.SpamPossible:
		return mailwiki.Verdict{}, []string{mailwiki.LabelPossibleSpam}
	}
	return mailwiki.Verdict{}, nil
}

// spamRefusal gives v the spam screen's detail as its cause, for the log
// (never sent to the client).
func spamRefusal(v mailwiki.Verdict, spam mailwiki.Finding) mailwiki.Verdict {
	if spam.SpamDetail != "" {
		v.Err = errors.New(spam.SpamDetail)
	}
	return v
}

// secureSender decides for a tenant that takes mail only from its secure
// sender list. The header From counts only when it is authenticated and
// aligned: a forged From naming a listed sender earns nothing.
func (a *Acceptor) secureSender(ctx context.Context, tenantID string, auth *mailwiki.SenderAuth) (mailwiki.Verdict, bool) {
	switch {
	case auth == nil:
		return mailwiki.Reject(451, [3]int{4, 7, 1}, "The sender could not be authenticated right now; please retry later", ReasonAuthUndecided), false
	case auth.Temporary && !auth.Authenticated:
		return mailwiki.Reject(451, [3]int{4, 7, 1}, "The sender could not be authenticated right now (DNS failure); please retry later", ReasonAuthUndecided), false
	case !auth.Authenticated:
		return mailwiki.Reject(550, [3]int{5, 7, 1}, "Message refused: this address takes mail only from its secure sender list, and the From address could not be authenticated (SPF or DKIM aligned with the From domain)", ReasonNotSecure), false
	}
	ok, err := a.Tenants.IsSecureSender(ctx, tenantID, auth.HeaderFrom)
	if err != nil {
		v := mailwiki.Reject(451, [3]int{4, 3, 0}, "The recipient's secure sender list could not be read right now; please retry later", ReasonPolicyUnknown)
		v.Err = err
		return v, false
	}
	if !ok {
		return mailwiki.Reject(550, [3]int{5, 7, 1}, "Message refused: this address takes mail only from its secure sender list, and the sender is not on it", ReasonNotSecure), false
	}
	return mailwiki.Verdict{}, true
}

// printableName keeps a scanner's signature name safe for an SMTP reply.
func printableName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return -1
		}
		return r
	}, s)
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}
