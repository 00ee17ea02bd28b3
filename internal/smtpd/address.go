package smtpd

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// addrProblem says why an envelope address was refused.
type addrProblem int

const (
	addrOK       addrProblem = iota
	addrNonASCII             // non-ASCII without SMTPUTF8: 553 5.6.7
	addrSyntax               // not a valid mailbox: 501 5.1.3
)

// checkAddress validates an address as go-smtp hands it over (angle brackets
// and any source route removed, a quoted local part already unquoted) and
// returns its canonical form: the domain lower-cased (ASCII) and a local part
// that is not a dot-atom re-quoted. go-smtp unquotes quoted strings, so
// `"a..b"@x` and `a..b@x` reach us identically; both are taken as the quoted
// form. Non-ASCII is allowed only when the transaction declared SMTPUTF8
// (RFC 6531), in which case UTF-8 domains must be valid IDNs.
func checkAddress(addr string, smtputf8 bool) (string, addrProblem) {
	if !isASCII(addr) && !smtputf8 {
		return "", addrNonASCII
	}
	if !utf8.ValidString(addr) || len(addr) > 254 {
		return "", addrSyntax
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 1 || at == len(addr)-1 {
		return "", addrSyntax
	}
	local, ok := canonicalLocal(addr[:at])
	if !ok {
		return "", addrSyntax
	}
	domain, ok := canonicalDomain(addr[at+1:])
	if !ok {
		return "", addrSyntax
	}
	return local + "@" + domain, addrOK
}

func canonicalLocal(s string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	if isDotAtom(s) {
		return s, true
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return "", false // control characters cannot be quoted
		}
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String(), true
}

// isDotAtom reports whether s is atext *("." atext) (RFC 5322, extended to
// UTF-8 by RFC 6532).
func isDotAtom(s string) bool {
	for _, atom := range strings.Split(s, ".") {
		if atom == "" {
			return false
		}
		for _, r := range atom {
			if !isAtext(r) {
				return false
			}
		}
	}
	return true
}

func isAtext(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	case r >= 0x80:
		return true // UTF8-non-ascii; only reachable with SMTPUTF8
	}
	return strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r)
}

func canonicalDomain(d string) (string, bool) {
	if strings.HasPrefix(d, "[") {
		return d, isAddressLiteral(d)
	}
	if !isASCII(d) {
		a, err := idna.Registration.ToASCII(strings.ToLower(d))
		if err != nil || !isHostname(a) {
			return "", false
		}
		return strings.ToLower(d), true
	}
	if !isHostname(d) {
		return "", false
	}
	return strings.ToLower(d), true
}

// isHostname checks LDH labels of 1..63 characters, no hyphen at either end of
// a label, at most 253 characters and a top-level label that is not all digits.
func isHostname(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return !allDigits(labels[len(labels)-1])
}

// isAddressLiteral accepts [IPv4] and [IPv6:addr] (RFC 5321 §4.1.3).
func isAddressLiteral(d string) bool {
	inner, ok := strings.CutSuffix(strings.TrimPrefix(d, "["), "]")
	if !ok {
		return false
	}
	if v6, ok := cutPrefixFold(inner, "IPv6:"); ok {
		a, err := netip.ParseAddr(v6)
		return err == nil && a.Is6() && a.Zone() == ""
	}
	a, err := netip.ParseAddr(inner)
	return err == nil && a.Is4()
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// postmaster is the reserved local part every SMTP server must accept mail
// for, case-insensitively (RFC 5321 §4.5.1).
const postmaster = "postmaster"

// canonicalRecipient is checkAddress for a forward path. go-smtp (since
// v0.26.0) passes <Postmaster> without a domain (RFC 5321 §4.1.1.3) as
// given: it becomes postmaster@domain, this server's greeting name, and is
// then looked up like any other address. The local part postmaster is
// lower-cased whatever its domain.
func canonicalRecipient(to string, smtputf8 bool, domain string) (string, addrProblem) {
	if strings.EqualFold(to, postmaster) {
		return postmaster + "@" + strings.ToLower(domain), addrOK
	}
	canon, prob := checkAddress(to, smtputf8)
	if prob != addrOK || !isPostmaster(canon) {
		return canon, prob
	}
	return postmaster + canon[len(postmaster):], addrOK
}

// isPostmaster reports whether a canonical address's local part is
// postmaster.
func isPostmaster(addr string) bool {
	local, _, ok := strings.Cut(addr, "@")
	return ok && strings.EqualFold(local, postmaster)
}
