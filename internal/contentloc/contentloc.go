// Package contentloc resolves RFC 2557 Content-Location references, so
// that the parser (which reads the headers) and the converter (which reads
// the HTML) compute the same key for the same resource.
package contentloc

import (
	"net/url"
	"strings"
)

// Clean returns a Content-Location value or an HTML src as a URL: white
// space removed (RFC 2557 lets long values be folded), surrounding quotes
// and angle brackets stripped.
func Clean(v string) string {
	v = strings.Join(strings.Fields(v), "")
	v = strings.Trim(v, `"'`)
	return strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
}

// Resolve returns ref (cleaned) resolved against base (RFC 3986), with
// scheme and host lower-cased; base itself when ref is empty. A relative
// ref with no base stays relative, so that it matches a relative reference
// written the same way. A value that is not a URL is returned cleaned.
func Resolve(base, ref string) string {
	ref = Clean(ref)
	if ref == "" {
		return base
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	if base != "" && !r.IsAbs() {
		if b, err := url.Parse(base); err == nil {
			r = b.ResolveReference(r)
		}
	}
	r.Host = strings.ToLower(r.Host)
	return r.String()
}
