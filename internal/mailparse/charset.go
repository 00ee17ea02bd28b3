package mailparse

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/cention-sany/utf7"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// Charsets are looked up as browsers do (the WHATWG Encoding Standard's
// labels, golang.org/x/text/encoding/htmlindex): ISO-8859-1, US-ASCII and
// their aliases decode as windows-1252, GB2312 as GBK, ISO-8859-9 as
// windows-1254. Labels the standard does not know but Go can decode (IANA
// names, the aliases mail clients invent) come next; UTF-16 without a byte
// order mark is told apart by where its zero bytes are.

// extraCharsets maps labels seen in mail that neither the WHATWG standard
// nor the IANA registry (as golang.org/x/text knows it) resolve.
var extraCharsets = map[string]encoding.Encoding{
	"utf-7":         utf7.UTF7,
	"utf7":          utf7.UTF7,
	"unicode-1-1-7": utf7.UTF7,
	"utf8mb4":       unicode.UTF8,
	"utf8mb3":       unicode.UTF8,
	"hz-gb-2312":    simplifiedchinese.HZGB2312, // WHATWG: replacement
	"gb-18030":      simplifiedchinese.GB18030,  // chardet's name
	"cp932":         japanese.ShiftJIS,
	"cp936":         simplifiedchinese.GBK,
	"cp950":         traditionalchinese.Big5,
	"136":           traditionalchinese.Big5,
	"238":           charmap.Windows1250,
	"cp850":         charmap.CodePage850,
	"cp-850":        charmap.CodePage850,
	"cp437":         charmap.CodePage437,
	"cp-437":        charmap.CodePage437,
	"iso: western":  charmap.Windows1252,
	"we8iso8859p1":  charmap.Windows1252,
	"iso8859_1":     charmap.Windows1252,
	"iso_8859_1":    charmap.Windows1252,
}

// utf16Labels are the labels of UTF-16 whose byte order is found in the
// content; "unicode" is Outlook's name for it.
var utf16Labels = map[string]bool{
	"utf-16": true, "utf16": true, "unicode": true, "ucs-2": true, "ucs2": true,
	"iso-10646-ucs-2": true, "csunicode": true,
}

// asciiLabels are the labels of US-ASCII: any 8-bit byte under them is a
// mislabel, read as windows-1252.
var asciiLabels = map[string]bool{
	"us-ascii": true, "ascii": true, "ansi_x3.4-1968": true, "ansi_x3.4-1986": true,
	"iso646-us": true, "iso_646.irv:1991": true, "us": true, "csascii": true,
	"cp367": true, "ibm367": true, "iso-ir-6": true, "646": true,
}

// normLabel returns a charset label as compared: lower case, without
// quotes, white space or a repeated "charset=" prefix, and with a language
// suffix (RFC 2231 section 5: "utf-8*en") removed.
func normLabel(label string) string {
	l := strings.ToLower(strings.Trim(strings.TrimSpace(label), `"' `))
	for strings.HasPrefix(l, "charset=") {
		l = strings.Trim(strings.TrimPrefix(l, "charset="), `"' `)
	}
	if i := strings.IndexByte(l, '*'); i > 0 {
		l = l[:i]
	}
	if strings.HasPrefix(l, "8859") { // "8859-1", "8859_15"
		l = "iso-" + l
	}
	return l
}

// lookupCharset returns the decoder for a charset label and the canonical
// name of what it decodes; ok is false for a label no table resolves.
// Labels of UTF-16 return unicode.UTF16 in the byte order of b.
func lookupCharset(label string, b []byte) (enc encoding.Encoding, name string, ok bool) {
	l := normLabel(label)
	if utf16Labels[l] {
		return utf16Of(b)
	}
	if e, ok := extraCharsets[l]; ok {
		return e, l, true
	}
	if e, err := htmlindex.Get(l); err == nil && e != encoding.Replacement {
		n, _ := htmlindex.Name(e)
		return e, n, true
	}
	if e, err := ianaindex.IANA.Encoding(l); err == nil && e != nil {
		n, _ := ianaindex.IANA.Name(e)
		return e, strings.ToLower(n), true
	}
	return nil, "", false
}

// utf16Of returns UTF-16 in the byte order of b: its byte order mark, or
// else the one that puts more zero bytes in the high byte of code units.
func utf16Of(b []byte) (encoding.Encoding, string, bool) {
	be := unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	le := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	switch {
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return be, "utf-16be", true
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return le, "utf-16le", true
	}
	even, odd := 0, 0
	for i := 0; i+1 < len(b) && i < 4096; i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	if odd > even {
		return le, "utf-16le", true
	}
	return be, "utf-16be", true
}

// decodeWith converts b to UTF-8 with enc, dropping a leading byte order
// mark. Invalid sequences become U+FFFD; replaced reports whether b had any
// (and, for UTF-8, whether it was not valid).
func decodeWith(enc encoding.Encoding, name string, b []byte) (out []byte, replaced bool) {
	if name == "utf-8" {
		b = bytes.TrimPrefix(b, []byte("\uFEFF"))
		if utf8.Valid(b) {
			return b, false
		}
		return bytes.ToValidUTF8(b, []byte("\uFFFD")), true
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return bytes.ToValidUTF8(b, []byte("\uFFFD")), true
	}
	out = bytes.TrimPrefix(out, []byte("\uFEFF"))
	return out, bytes.Contains(out, []byte("\uFFFD")) && !bytes.Contains(b, []byte("\uFFFD"))
}

// renamed returns the warning for a label that the WHATWG table reads as
// another charset when that changes the text of b: 8-bit bytes under a
// US-ASCII label, or bytes 0x80–0x9F (C1 controls in ISO 8859, punctuation
// in the Windows code pages) under a label the table maps to a Windows code
// page. "" when the reading is what the label says.
func renamed(label, name string, b []byte) string {
	l := normLabel(label)
	switch {
	case asciiLabels[l]:
		if !isASCII(b) {
			return "charset " + safeLabel(label) + " has 8-bit bytes, read as " + name + " (WHATWG)"
		}
	case strings.HasPrefix(name, "windows-"):
		if !strings.HasSuffix(digits(l), digits(name)) && hasC1(b) {
			return "charset " + safeLabel(label) + " read as " + name + " (WHATWG)"
		}
	}
	return ""
}

// safeLabel returns a charset label for a warning: as written when it looks
// like a label, else a placeholder, so that warnings never carry content.
func safeLabel(label string) string {
	l := strings.Trim(strings.TrimSpace(label), `"'`)
	if l == "" || len(l) > 40 {
		return "(unreadable)"
	}
	for _, c := range l {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._:+-*", c)) {
			return "(unreadable)"
		}
	}
	return l
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func hasC1(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 && c <= 0x9F {
			return true
		}
	}
	return false
}
