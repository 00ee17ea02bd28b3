package msgauth

import (
	"strings"
)

// AuthenticationResults returns the value of an Authentication-Results
// field (RFC 8601 §2.2) for r, stamped with authServID (RFC 8601 §2.5):
//
//	authserv-id; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com header.s=sel; dmarc=pass header.from=example.com
//
// Methods come in that order: spf (omitted when r.SPF.Result is "", with
// smtp.helo instead of smtp.mailfrom for the null reverse path), one dkim
// per signature ("dkim=none" for an unsigned message), dmarc. It is one
// line without the field name and without CR or LF, safe to prepend as
// "Authentication-Results: " + value: values that are not plain tokens
// (a hostile d= or From domain) are written as quoted strings with control
// characters removed.
func (r Result) AuthenticationResults(authServID string) string {
	var b strings.Builder
	b.WriteString(formatValue(authServID))
	if r.SPF.Result != "" {
		prop := "smtp.mailfrom"
		if r.SPF.HELO {
			prop = "smtp.helo"
		}
		writeMethod(&b, "spf", r.SPF.Result, prop, r.SPF.Domain)
	}
	if len(r.DKIM) == 0 {
		writeMethod(&b, "dkim", None)
	}
	for _, d := range r.DKIM {
		writeMethod(&b, "dkim", d.Result, "header.d", d.Domain, "header.s", d.Selector)
	}
	writeMethod(&b, "dmarc", r.DMARC.Result, "header.from", r.DMARC.Domain)
	return b.String()
}

// writeMethod appends "; method=result" and each non-empty "prop=value"
// of the name, value pairs props (RFC 8601 §2.2 resinfo).
func writeMethod(b *strings.Builder, method, result string, props ...string) {
	if result == "" {
		result = None
	}
	b.WriteString("; " + method + "=" + formatValue(result))
	for i := 0; i+1 < len(props); i += 2 {
		if props[i+1] != "" {
			b.WriteString(" " + props[i] + "=" + formatValue(props[i+1]))
		}
	}
}

// formatValue writes v as an RFC 8601 value: as is when it is a plain
// token of letters, digits and "-._@+", else as a quoted string (RFC 5322
// §3.2.4) with control characters dropped and '"' and '\' escaped.
func formatValue(v string) string {
	if v != "" && strings.IndexFunc(v, notTokenChar) < 0 {
		return v
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch {
		case r < 0x20 || r == 0x7f:
			// dropped: CR and LF would end the header field
		case r == '"' || r == '\\':
			b.WriteRune('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func notTokenChar(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return false
	}
	return !strings.ContainsRune("-._@+", r)
}
