package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
)

// Atlassian's query string hash (qsh), implemented here independently of
// mailwiki's own Connect package so that each checks the other.
//
// The canonical request is METHOD&URI&QUERY:
//   - METHOD in upper case;
//   - URI the path relative to the context path (the site's /wiki, or the
//     path of an app's baseUrl), "/" when empty, without a trailing "/"
//     unless it is the only character, "&" written %26;
//   - QUERY the parameters except jwt, sorted by encoded name, each as
//     name=value with the values of a repeated name sorted and joined by
//     ","; names and values percent-encoded per RFC 3986 (unreserved
//     characters kept, so " " is %20, "*" is %2A, "~" stays "~").
//
// qsh is the lower-case hex SHA-256 of the canonical request's UTF-8 bytes.

// contextQSH is the qsh of context tokens, which sign no request.
const contextQSH = "context-qsh"

// canonicalRequest returns METHOD&URI&QUERY for a request whose path is
// already relative to the context path.
func canonicalRequest(method, relPath string, query url.Values) string {
	return strings.ToUpper(method) + "&" + canonicalURI(relPath) + "&" + canonicalQuery(query)
}

// qshOf returns the hex SHA-256 of the canonical request.
func qshOf(method, relPath string, query url.Values) string {
	return sha256Hex(canonicalRequest(method, relPath, query))
}

func canonicalURI(p string) string {
	if p == "" {
		p = "/"
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return strings.ReplaceAll(p, "&", "%26")
}

func canonicalQuery(q url.Values) string {
	type param struct{ name, value string }
	var params []param
	for name, values := range q {
		if name == "jwt" {
			continue
		}
		enc := make([]string, len(values))
		for i, v := range values {
			enc[i] = percentEncode(v)
		}
		sort.Strings(enc)
		params = append(params, param{percentEncode(name), strings.Join(enc, ",")})
	}
	sort.Slice(params, func(i, j int) bool { return params[i].name < params[j].name })
	parts := make([]string, len(params))
	for i, p := range params {
		parts[i] = p.name + "=" + p.value
	}
	return strings.Join(parts, "&")
}

// percentEncode encodes every byte but RFC 3986's unreserved characters,
// with upper-case hex digits.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// relativePath returns the path of u relative to the context path base
// ("" or "/wiki", or an app baseUrl's path), as qsh wants it.
func relativePath(escapedPath, base string) string {
	base = strings.TrimSuffix(base, "/")
	if base != "" && (escapedPath == base || strings.HasPrefix(escapedPath, base+"/")) {
		return strings.TrimPrefix(escapedPath, base)
	}
	return escapedPath
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
