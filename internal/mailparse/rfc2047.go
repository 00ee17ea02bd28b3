package mailparse

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// RFC 2047 encoded words are decoded here rather than by enmime (whose
// table reads ISO-8859-1 as ISO-8859-1, not as browsers do): charsets go
// through lookupCharset, adjacent words in one charset are joined before
// they are decoded (a client may cut a multi-byte character across two),
// and raw 8-bit bytes outside encoded words are read as UTF-8 when valid,
// else as windows-1252, with a warning.

// wordRun is a piece of a header value: literal text, or a run of adjacent
// encoded words in one charset with their bytes joined.
type wordRun struct {
	encoded bool
	charset string
	text    string // literal
	data    []byte // encoded: the words' bytes, transfer-decoded
}

// splitWords splits s into literal runs and runs of encoded words. White
// space between two encoded words is dropped (RFC 2047 section 6.2); a
// malformed word stays literal.
func splitWords(s string) []wordRun {
	var runs []wordRun
	lit := 0 // start of the pending literal text
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "=?")
		if j < 0 {
			break
		}
		i += j
		cs, data, n, ok := parseWord(s[i:])
		if !ok {
			i += 2
			continue
		}
		pending := s[lit:i]
		prevEncoded := len(runs) > 0 && runs[len(runs)-1].encoded
		switch {
		case prevEncoded && isLWSP(pending) && normLabel(runs[len(runs)-1].charset) == normLabel(cs):
			runs[len(runs)-1].data = append(runs[len(runs)-1].data, data...)
		case prevEncoded && isLWSP(pending), pending == "":
			runs = append(runs, wordRun{encoded: true, charset: cs, data: data})
		default:
			runs = append(runs, wordRun{text: pending}, wordRun{encoded: true, charset: cs, data: data})
		}
		i += n
		lit = i
	}
	if lit < len(s) {
		runs = append(runs, wordRun{text: s[lit:]})
	}
	return runs
}

func isLWSP(s string) bool {
	return strings.Trim(s, " \t\r\n") == ""
}

// parseWord reads the encoded word "=?charset?X?text?=" at the start of s
// and returns its charset, its bytes and its length. The text ends at its
// first "?" (RFC 2047 allows none inside it), which keeps the parse of a
// header linear however many "=?" it holds.
func parseWord(s string) (charset string, data []byte, n int, ok bool) {
	rest := s[2:]
	q := strings.IndexByte(rest, '?')
	if q <= 0 || q > 64 || strings.ContainsAny(rest[:q], " \t\r\n=") || len(rest) < q+3 || rest[q+2] != '?' {
		return "", nil, 0, false
	}
	charset, enc := rest[:q], rest[q+1]
	body := rest[q+3:]
	end := strings.IndexByte(body, '?')
	if end < 0 || !strings.HasPrefix(body[end:], "?=") {
		return "", nil, 0, false
	}
	text := body[:end]
	n = 2 + q + 3 + end + 2
	switch enc {
	case 'B', 'b':
		data, ok = decodeB(text)
	case 'Q', 'q':
		data, ok = decodeQ(text), true
	}
	return charset, data, n, ok
}

// decodeB decodes base64 leniently: white space ignored, padding optional.
func decodeB(text string) ([]byte, bool) {
	text = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, text)
	if b, err := base64.StdEncoding.DecodeString(text); err == nil {
		return b, true
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(text, "="))
	return b, err == nil
}

// decodeQ decodes the Q encoding: "_" is a space, "=XX" a byte; anything
// else, a malformed "=" included, stays as it is.
func decodeQ(text string) []byte {
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
			out = append(out, unhex(text[i+1])<<4|unhex(text[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

// words returns header text s decoded to UTF-8. where names the field for
// warnings.
func (d *decoder) words(s, where string) string {
	if !strings.Contains(s, "=?") {
		if utf8.ValidString(s) {
			return s
		}
		return d.headerBytes([]byte(s), "", where)
	}
	var b strings.Builder
	for _, r := range splitWords(s) {
		if r.encoded {
			b.WriteString(d.headerBytes(r.data, r.charset, where))
		} else {
			b.WriteString(d.headerBytes([]byte(r.text), "", where))
		}
	}
	return b.String()
}

// reencode returns header value s for a parser that decodes encoded words
// itself (enmime's address list parser): every run of encoded words becomes
// one UTF-8 encoded word, raw 8-bit bytes become UTF-8.
func (d *decoder) reencode(s, where string) string {
	if !strings.Contains(s, "=?") {
		return d.words(s, where)
	}
	var b strings.Builder
	for _, r := range splitWords(s) {
		if r.encoded {
			b.WriteString("=?utf-8?b?")
			b.WriteString(base64.StdEncoding.EncodeToString([]byte(d.headerBytes(r.data, r.charset, where))))
			b.WriteString("?=")
		} else {
			b.WriteString(d.headerBytes([]byte(r.text), "", where))
		}
	}
	return b.String()
}

// headerBytes reads bytes of a header field or parameter in charset: with
// none, as UTF-8 when valid, else as windows-1252; an unknown charset the
// same way. Guesses, renames and replaced bytes add a warning.
func (d *decoder) headerBytes(b []byte, charset, where string) string {
	if charset == "" && utf8.Valid(b) {
		return string(b)
	}
	enc, name, ok := lookupCharset(charset, b)
	if !ok {
		switch {
		case utf8.Valid(b):
			d.warn("%s: unknown charset, read as utf-8", where)
			return string(b)
		case charset == "":
			d.warn("%s: 8-bit bytes without a charset, read as windows-1252", where)
		default:
			d.warn("%s: unknown charset, read as windows-1252", where)
		}
		enc, name = charmap.Windows1252, "windows-1252"
	}
	out, replaced := decodeWith(enc, name, b)
	if w := renamed(charset, name, b); w != "" {
		d.warn("%s: %s", where, w)
	}
	if replaced {
		d.warn("%s: invalid %s bytes replaced", where, name)
	}
	return string(out)
}
