package msgauth

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/mail"
	"strings"

	"github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"
)

// DMARCResult is the DMARC evaluation of a message's From domain
// (RFC 7489 §6.6, results as in RFC 8601 §2.7.1 and RFC 7489 §11.2).
type DMARCResult struct {
	// Result is pass (an SPF or DKIM pass aligned with the From domain
	// under the record's alignment modes); fail (the domain has a record
	// and nothing aligned passed); none (no record, at the From domain nor
	// at its organizational domain); temperror (the record lookup failed,
	// or nothing aligned passed but an aligned SPF or DKIM check had a
	// temperror); permerror (no single From mailbox, or a malformed
	// record).
	Result string
	// Policy is the record's requested handling, none, quarantine or
	// reject: p=, or sp= when the record was found at the organizational
	// domain of a subdomain (RFC 7489 §6.6.3). It is "" without a record.
	// The caller applies it; pct= is not applied.
	Policy string
	// Domain is the From domain, lower-cased; "" when there is no single
	// From mailbox.
	Domain string
}

// evaluateDMARC fills in res.DMARC, res.Authenticated and res.Temporary
// from res.HeaderFrom, res.SPF and res.DKIM (RFC 7489 §6.6).
func (c *Checker) evaluateDMARC(ctx context.Context, res *Result) {
	from := domainOf(res.HeaderFrom)
	if from == "" {
		res.DMARC = DMARCResult{Result: PermError}
		return
	}
	res.DMARC = DMARCResult{Domain: from}
	rec, policy, lookup := c.lookupDMARC(ctx, from)
	if lookup != "" { // no usable record
		res.DMARC.Result = lookup
		relaxed := lookup == None
		res.Authenticated = alignedWith(res, from, relaxed, relaxed, Pass)
		res.Temporary = !res.Authenticated &&
			(lookup == TempError || (relaxed && alignedWith(res, from, true, true, TempError)))
		return
	}
	res.DMARC.Policy = policy
	spfRelaxed := rec.SPFAlignment != dmarc.AlignmentStrict
	dkimRelaxed := rec.DKIMAlignment != dmarc.AlignmentStrict
	switch {
	case alignedWith(res, from, spfRelaxed, dkimRelaxed, Pass):
		res.DMARC.Result = Pass
		res.Authenticated = true
	case alignedWith(res, from, spfRelaxed, dkimRelaxed, TempError):
		res.DMARC.Result = TempError
		res.Temporary = true
	default:
		res.DMARC.Result = Fail
	}
}

// alignedWith reports whether res has an SPF or DKIM result of the given
// kind for a domain aligned with the From domain from, relaxed or strict
// for each method (RFC 7489 §3.1).
func alignedWith(res *Result, from string, spfRelaxed, dkimRelaxed bool, result string) bool {
	if res.SPF.Result == result && aligned(res.SPF.Domain, from, spfRelaxed) {
		return true
	}
	for _, d := range res.DKIM {
		if d.Result == result && aligned(d.Domain, from, dkimRelaxed) {
			return true
		}
	}
	return false
}

// aligned reports whether domain d is aligned with the From domain from:
// equal in strict mode, of the same organizational domain in relaxed mode
// (RFC 7489 §3.1.1, §3.1.2).
func aligned(d, from string, relaxed bool) bool {
	d = normalizeDomain(d)
	if d == "" {
		return false
	}
	if d == from {
		return true
	}
	return relaxed && orgDomain(d) == orgDomain(from)
}

// orgDomain returns the organizational domain of d (RFC 7489 §3.2): the
// public suffix plus one label, by the Public Suffix List; d itself when d
// is a public suffix or not a domain name.
func orgDomain(d string) string {
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return d
	}
	return org
}

// lookupDMARC finds the DMARC record of the From domain from, falling back
// to its organizational domain (RFC 7489 §6.6.3). It returns the record and
// the policy that applies to from, or, when there is no usable record, the
// DMARC result that stands for it: none, temperror or permerror.
func (c *Checker) lookupDMARC(ctx context.Context, from string) (*dmarc.Record, string, string) {
	opts := &dmarc.LookupOptions{LookupTXT: c.lookupTXT(ctx)}
	rec, err := dmarc.LookupWithOptions(from, opts)
	sub := false
	if errors.Is(err, dmarc.ErrNoPolicy) {
		if org := orgDomain(from); org != from {
			rec, err = dmarc.LookupWithOptions(org, opts)
			sub = true
		}
	}
	switch {
	case errors.Is(err, dmarc.ErrNoPolicy):
		return nil, "", None
	case dmarc.IsTempFail(err):
		return nil, "", TempError
	case err != nil:
		return nil, "", PermError
	}
	policy := rec.Policy
	if sub && rec.SubdomainPolicy != "" {
		policy = rec.SubdomainPolicy
	}
	return rec, string(policy), ""
}

// addressParser parses From fields without failing on encoded words in
// charsets the standard library does not know: only the address matters.
var addressParser = mail.AddressParser{WordDecoder: &mime.WordDecoder{
	CharsetReader: func(_ string, input io.Reader) (io.Reader, error) { return input, nil },
}}

// headerFrom returns the mailbox address of the only From field, domain
// lower-cased, or "" when there is not exactly one From field holding
// exactly one mailbox with a domain (RFC 5322 §3.6.2, RFC 7489 §6.6.1).
func headerFrom(fields []field) string {
	var value string
	n := 0
	for _, f := range fields {
		if strings.EqualFold(f.name, "From") {
			value = f.value
			n++
		}
	}
	if n != 1 {
		return ""
	}
	addrs, err := addressParser.ParseList(value)
	if err != nil || len(addrs) != 1 {
		return ""
	}
	at := strings.LastIndexByte(addrs[0].Address, '@')
	if at <= 0 || at == len(addrs[0].Address)-1 {
		return ""
	}
	return addrs[0].Address[:at+1] + normalizeDomain(addrs[0].Address[at+1:])
}
