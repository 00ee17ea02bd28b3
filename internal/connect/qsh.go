package connect

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// ContextQSH is the fixed qsh claim of a context JWT (one the host issues to
// an app's page through AP.context.getToken, not bound to a URL). See the
// "context-qsh" API migration:
// https://developer.atlassian.com/cloud/confluence/connect-active-api-migrations/
const ContextQSH = "context-qsh"

// CanonicalRequest returns Atlassian's canonical form of a request: the
// method, the canonical path and the canonical query joined by "&", as
// documented in "Understanding JWT for Connect apps" (section "Creating a
// query string hash"),
// https://developer.atlassian.com/cloud/confluence/understanding-jwt/ and
// "Query string hash", https://developer.atlassian.com/cloud/bitbucket/query-string-hash/:
//
//   - method: upper case;
//   - path: u's path relative to contextPath (the path of the product's or
//     the app's base URL, e.g. "/wiki" for https://acme.atlassian.net/wiki),
//     starting with "/", "/" when empty, without a trailing "/" unless it is
//     the root, and with "&" encoded as "%26";
//   - query: every parameter but "jwt", names sorted, each name and value
//     percent-encoded as RFC 3986 unreserved characters require (space
//     "%20", "+" "%2B", "*" "%2A", "~" kept), the values of a repeated name
//     sorted and joined with ",", the pairs joined with "&".
//
// Example (the documented one): GET http://localhost:2990/path/to/service?zee_last=param&repeated=parameter 1&first=param&repeated=parameter 2
// gives "GET&/path/to/service&first=param&repeated=parameter%201,parameter%202&zee_last=param".
func CanonicalRequest(method string, u *url.URL, contextPath string) string {
	return strings.ToUpper(method) + "&" + canonicalPath(u, contextPath) + "&" + canonicalQuery(u.RawQuery)
}

// QSH returns the query string hash of a request: the hex-encoded SHA-256 of
// CanonicalRequest(method, u, contextPath) in UTF-8.
func QSH(method string, u *url.URL, contextPath string) string {
	sum := sha256.Sum256([]byte(CanonicalRequest(method, u, contextPath)))
	return hex.EncodeToString(sum[:])
}

// canonicalPath returns u's escaped path without contextPath. The context
// path is removed only on a segment boundary ("/wiki" from "/wiki/rest" but
// not from "/wikipedia").
func canonicalPath(u *url.URL, contextPath string) string {
	p := u.EscapedPath()
	ctx := strings.TrimSuffix(contextPath, "/")
	if ctx != "" && (p == ctx || strings.HasPrefix(p, ctx+"/")) {
		p = p[len(ctx):]
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return strings.ReplaceAll(p, "&", "%26")
}

// canonicalQuery returns the canonical form of a raw query string. Pairs
// that do not decode are kept as they were sent (so that the hash still
// changes with them). Names are sorted in their encoded form, as OAuth 1.0
// (RFC 5849, section 3.4.1.3.2) does, which Atlassian follows.
func canonicalQuery(rawQuery string) string {
	params := map[string][]string{}
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		name, value = queryUnescape(name), queryUnescape(value)
		if name == "jwt" {
			continue
		}
		enc := percentEncode(name)
		params[enc] = append(params[enc], percentEncode(value))
	}
	names := slices.Sorted(maps.Keys(params))
	parts := make([]string, 0, len(names))
	for _, name := range names {
		values := params[name]
		slices.Sort(values)
		parts = append(parts, name+"="+strings.Join(values, ","))
	}
	return strings.Join(parts, "&")
}

// queryUnescape decodes a query component ("+" is a space); s itself when it
// is not validly encoded.
func queryUnescape(s string) string {
	d, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return d
}

// percentEncode encodes every byte of s's UTF-8 form except RFC 3986's
// unreserved characters (ALPHA, DIGIT, "-", ".", "_", "~") as %XX with
// upper-case hex digits.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0x0f])
	}
	return b.String()
}

// isUnreserved reports whether c is an RFC 3986 unreserved character.
func isUnreserved(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '.' || c == '_' || c == '~'
}
