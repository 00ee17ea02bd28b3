package mailparse

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RFC 2231 parameters (name*=charset'lang'%XX…, continuations name*0*=…,
// name*1=…) are decoded here in any charset lookupCharset knows; Go's
// mime.ParseMediaType, which enmime uses, drops those in a charset other
// than UTF-8 or US-ASCII. The broken mixtures mail clients send are
// repaired: RFC 2047 encoded words inside RFC 2231 values or in a plain
// name= or filename=, the charset prefix repeated on every segment, raw
// 8-bit bytes.

// rawParam is one parameter of a Content-Type or Content-Disposition value
// as written, its value unquoted.
type rawParam struct {
	name, value string
}

// splitParams returns the parameters of a header value after its first
// ";", leniently: a value is a quoted string (backslash escapes, an
// unterminated one runs to the end) or runs to the next ";"; a parameter
// without "=" is skipped. Names are lower case.
func splitParams(v string) []rawParam {
	i := strings.IndexByte(v, ';')
	if i < 0 {
		return nil
	}
	var out []rawParam
	s := v[i+1:]
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t\r\n;")
		eq := strings.IndexAny(s, "=;")
		if eq < 0 {
			break
		}
		if s[eq] == ';' {
			s = s[eq:]
			continue
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		var value string
		value, s = paramValue(strings.TrimLeft(s[eq+1:], " \t\r\n"))
		out = append(out, rawParam{name: name, value: value})
	}
	return out
}

// paramValue reads one parameter value from the start of s and returns it
// unquoted with the rest of s after it.
func paramValue(s string) (value, rest string) {
	if !strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s, ';')
		if end < 0 {
			return strings.TrimSpace(s), ""
		}
		return strings.TrimSpace(s[:end]), s[end:]
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '"':
			rest = s[i+1:]
			if end := strings.IndexByte(rest, ';'); end >= 0 {
				return b.String(), rest[end:]
			}
			return b.String(), ""
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

// segment is one piece of an RFC 2231 parameter: name*N or name*N* (index
// N; name* alone is index 0, encoded).
type segment struct {
	index   int
	encoded bool
	value   string
}

// extendedParams groups the RFC 2231 pieces of v's parameters by name, each
// group sorted by index; a repeated index keeps the first piece.
func extendedParams(v string) map[string][]segment {
	groups := map[string][]segment{}
	for _, p := range splitParams(v) {
		base, rest, ok := strings.Cut(p.name, "*")
		if !ok || base == "" {
			continue
		}
		seg := segment{encoded: strings.HasSuffix(rest, "*") || rest == "", value: p.value}
		if n := strings.TrimSuffix(rest, "*"); n != "" {
			i, err := strconv.Atoi(n)
			if err != nil || i < 0 || i > 999 {
				continue
			}
			seg.index = i
		}
		groups[base] = append(groups[base], seg)
	}
	for base, segs := range groups {
		sort.SliceStable(segs, func(i, j int) bool { return segs[i].index < segs[j].index })
		kept := segs[:1]
		for _, s := range segs[1:] {
			if s.index != kept[len(kept)-1].index {
				kept = append(kept, s)
			}
		}
		groups[base] = kept
	}
	return groups
}

// decodeParams sets in params, decoded to UTF-8, every parameter that v
// gives in RFC 2231 form and the file name parameters (name, filename)
// written with RFC 2047 encoded words or raw 8-bit bytes. v is the value
// params was parsed from.
func (d *decoder) decodeParams(v string, params map[string]string) {
	var groups map[string][]segment
	if strings.Contains(v, "*") {
		groups = extendedParams(v)
		for base, segs := range groups {
			params[base] = d.joinSegments(base, segs)
		}
	}
	raw := !utf8.ValidString(v) // the parser replaced its 8-bit bytes
	for _, name := range []string{"filename", "name"} {
		val, ok := params[name]
		if !ok || groups[name] != nil {
			continue
		}
		if raw {
			val = rawValue(v, name, val)
		}
		params[name] = d.plainParam(name, val)
	}
}

// rawValue returns parameter name of v as written, or def when v does not
// give it.
func rawValue(v, name, def string) string {
	for _, p := range splitParams(v) {
		if p.name == name {
			return p.value
		}
	}
	return def
}

// joinSegments decodes the pieces of one RFC 2231 parameter: percent
// escapes of encoded pieces undone, the pieces' bytes joined (a character
// may be cut across two), the whole read in the charset of the first piece.
func (d *decoder) joinSegments(base string, segs []segment) string {
	var buf []byte
	charset := ""
	for i, s := range segs {
		val := s.value
		if s.encoded {
			if cs, rest, ok := charsetPrefix(val); ok && (i == 0 || charset == "" || normLabel(cs) == normLabel(charset)) {
				if i == 0 || charset == "" {
					charset = cs
				}
				val = rest
			}
			buf = append(buf, percentDecode(val)...)
			continue
		}
		buf = append(buf, val...)
	}
	if len(segs) > 0 && segs[len(segs)-1].index != len(segs)-1 {
		d.warn("parameter %s: RFC 2231 pieces missing", safeParam(base))
	}
	out := d.headerBytes(buf, charset, "parameter "+safeParam(base))
	if strings.Contains(out, "=?") {
		if dec := d.words(out, "parameter "+safeParam(base)); dec != out {
			d.warn("parameter %s: RFC 2047 encoded words inside an RFC 2231 value decoded", safeParam(base))
			out = dec
		}
	}
	return out
}

// plainParam decodes a parameter that is not in RFC 2231 form: RFC 2047
// encoded words, which RFC 2047 section 5 does not allow there but mail
// clients write, and raw 8-bit bytes that are not UTF-8.
func (d *decoder) plainParam(name, val string) string {
	where := "parameter " + name
	if !utf8.ValidString(val) {
		val = d.headerBytes([]byte(val), "", where)
	}
	if strings.Contains(val, "=?") {
		val = d.words(val, where)
	}
	return val
}

// charsetPrefix splits an encoded RFC 2231 value "charset'lang'rest".
func charsetPrefix(v string) (charset, rest string, ok bool) {
	cs, after, ok := strings.Cut(v, "'")
	if !ok {
		return "", v, false
	}
	_, rest, ok = strings.Cut(after, "'")
	if !ok || strings.ContainsAny(cs, "%= ") {
		return "", v, false
	}
	return cs, rest, true
}

// percentDecode undoes %XX escapes; a "%" not followed by two hex digits
// stays as it is.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// safeParam returns a parameter name for a warning: the names of RFC 2045,
// 2183 and 2231 as they are, any other as "(other)".
func safeParam(name string) string {
	switch name {
	case "filename", "name", "charset", "boundary", "format", "delsp", "type", "start", "size":
		return name
	}
	return "(other)"
}
