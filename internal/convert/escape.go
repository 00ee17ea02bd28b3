package convert

import (
	"strings"
	"unicode/utf8"
)

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r >= 0xD800 && r <= 0xDFFF:
		return false
	case r == 0xFFFE || r == 0xFFFF:
		return false
	}
	return r <= utf8.MaxRune
}

// writeEscaped writes s to b as XML character data (attr: as an attribute
// value in double quotes). Invalid UTF-8, characters XML forbids and the
// control characters cleanText drops (C1, DEL), should any come this far,
// become U+FFFD; only the predefined XML entities are used.
func writeEscaped(b *strings.Builder, s string, attr bool) {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				b.WriteRune('\uFFFD')
				continue
			}
		}
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"' && attr:
			b.WriteString("&quot;")
		case (r == '\n' || r == '\r' || r == '\t') && attr:
			b.WriteByte(' ')
		case !xmlChar(r) || control(r):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
}

// escapeAttr returns s escaped for a double-quoted XML attribute value.
func escapeAttr(s string) string {
	var b strings.Builder
	writeEscaped(&b, s, true)
	return b.String()
}
