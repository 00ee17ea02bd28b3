// Package msgauth authenticates the sender of a message: SPF (RFC 7208) at
// MAIL FROM, then DKIM (RFC 6376) and DMARC (RFC 7489) on the message, and
// formats the outcome as an Authentication-Results field (RFC 8601).
//
// SPF and DKIM are evaluated by blitiri.com.ar/go/spf and
// github.com/emersion/go-msgauth; this package feeds them DNS through one
// resolver under one deadline, aligns their domains with the From domain
// and decides whether the From address is authenticated.
package msgauth

import (
	"context"
	"net"
	"strings"
	"time"

	"blitiri.com.ar/go/spf"
)

// Defaults of the Checker's zero fields.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultMaxSignatures = 5
)

// Results shared by SPF (RFC 7208 §2.6), DKIM and DMARC (RFC 8601 §2.7).
const (
	Pass      = "pass"
	Fail      = "fail"
	SoftFail  = "softfail"
	Neutral   = "neutral"
	None      = "none"
	TempError = "temperror"
	PermError = "permerror"
)

// Checker authenticates the sender of a message: SPF (RFC 7208), DKIM
// (RFC 6376), DMARC (RFC 7489). All DNS goes through Resolver. The zero
// value is ready to use; a Checker is safe for concurrent use and is not
// modified by its methods.
type Checker struct {
	// Resolver answers every DNS query; nil means net.DefaultResolver.
	// Tests inject one pointed at a loopback DNS server (dnstest).
	Resolver *net.Resolver
	// AuthServID is the authserv-id of Authentication-Results (RFC 8601
	// §2.5): the receiving host's name. Message does not use it; it is
	// here for callers to pass to Result.AuthenticationResults.
	AuthServID string
	// Timeout bounds all DNS work of one call (SPF, or DKIM and DMARC of
	// one Message); zero means DefaultTimeout. A lookup cut off by it is a
	// temperror.
	Timeout time.Duration
	// MaxSignatures is how many DKIM signatures of a message are verified,
	// the first ones in header order; zero means DefaultMaxSignatures. The
	// rest are reported "neutral" (RFC 6376 §6.1 lets verifiers limit the
	// signatures they check).
	MaxSignatures int
	// Cache, when set, keeps DNS answers between calls (see Cache); nil
	// asks Resolver every time.
	Cache *Cache
}

// SPFResult is the outcome of an SPF check (RFC 7208 §2.6).
type SPFResult struct {
	// Result is one of pass, fail, softfail, neutral, none, temperror,
	// permerror (RFC 7208 §2.6); "" means SPF was not checked.
	Result string
	// Domain is the checked domain, lower-case: MAIL FROM's, or HELO's for
	// the null reverse path (RFC 7208 §2.4). It is the SPF-authenticated
	// identifier that DMARC aligns (RFC 7489 §3.1.2).
	Domain string
	// HELO is true when Domain is the HELO name because MAIL FROM was the
	// null reverse path; Authentication-Results then says smtp.helo.
	HELO bool
}

// SPF checks whether ip may send mail for the reverse path mailFrom
// (RFC 7208 §4), as given at MAIL FROM: "local@domain", optionally in angle
// brackets, or "" for the null reverse path, which is checked as
// postmaster@helo (RFC 7208 §2.4). helo is the EHLO/HELO argument. A
// domain that is not a multi-label domain name (an address literal, a bare
// host name) gives none (RFC 7208 §4.3). DNS failures give temperror,
// including the Checker's Timeout running out; SPF never returns an error.
func (c *Checker) SPF(ctx context.Context, ip net.IP, helo, mailFrom string) SPFResult {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	helo = normalizeDomain(helo)
	sender := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(mailFrom), "<"), ">")
	res := SPFResult{Domain: normalizeDomain(domainOf(sender))}
	if sender == "" {
		sender = "postmaster@" + helo
		res.Domain, res.HELO = helo, true
	}
	if !validDomain(res.Domain) {
		res.Result = None
		return res
	}
	result, _ := spf.CheckHostWithSender(ip, helo, sender,
		spf.WithContext(ctx), spf.WithResolver(c.dns()))
	res.Result = string(result)
	return res
}

func (c *Checker) resolver() *net.Resolver {
	if c.Resolver != nil {
		return c.Resolver
	}
	return net.DefaultResolver
}

func (c *Checker) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Checker) maxSignatures() int {
	if c.MaxSignatures > 0 {
		return c.MaxSignatures
	}
	return DefaultMaxSignatures
}

// domainOf returns what follows the last "@" of addr, "" when there is none.
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return addr[i+1:]
}

// normalizeDomain lower-cases d and drops a trailing dot.
func normalizeDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

// validDomain reports whether d is a multi-label domain name whose labels
// are 1 to 63 bytes and the whole at most 253 (RFC 7208 §4.3).
func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 || strings.ContainsAny(label, "[]:@ \t\r\n") {
			return false
		}
	}
	return true
}
