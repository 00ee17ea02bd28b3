package convert

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// dropped counts what cleaning removed from a body, for its warnings.
type dropped struct {
	controls int // C0 and C1 control characters and DEL
	filler   int // zero-width and invisible filler characters
	hidden   int // HTML elements hidden by their style
}

// add returns the sum of d and e.
func (d dropped) add(e dropped) dropped {
	return dropped{d.controls + e.controls, d.filler + e.filler, d.hidden + e.hidden}
}

// warnings describes d as safe text (counts only), one line per kind.
func (d dropped) warnings() []string {
	var out []string
	if d.hidden > 0 {
		out = append(out, fmt.Sprintf("%d hidden HTML elements dropped (preheader or other content styled invisible)", d.hidden))
	}
	if d.filler > 0 {
		out = append(out, fmt.Sprintf("%d zero-width filler characters dropped", d.filler))
	}
	if d.controls > 0 {
		out = append(out, fmt.Sprintf("%d control characters dropped", d.controls))
	}
	return out
}

// control reports the characters that never reach storage: C0 controls
// other than tab, line feed and carriage return, DEL, and C1 controls.
func control(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20:
		return true
	}
	return r >= 0x7F && r <= 0x9F
}

// filler reports the invisible characters that senders repeat as filler
// (preheader padding, tracking of word breaks): zero-width space,
// non-joiner and joiner, the BOM, the combining grapheme joiner and the
// soft hyphen. Alone, most have a meaning (a joiner inside an emoji, a
// soft hyphen inside a word) and are kept; see cleanText.
func filler(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\uFEFF', '\u034F', '\u00AD':
		return true
	}
	return false
}

// blank reports the spaces that may separate filler characters in a run.
func blank(r rune) bool {
	return r == ' ' || r == '\t' || r == '\u00A0'
}

// cleanText returns s without control characters (control) and without
// runs of filler: two or more filler characters in a row, possibly
// separated by blanks, or a single U+FEFF. A run that held blanks leaves
// one space. Invalid UTF-8 is kept for writeEscaped to replace. Time is
// linear in len(s); s is returned as is when there is nothing to drop.
func cleanText(s string) (string, dropped) {
	if !needsCleaning(s) {
		return s, dropped{}
	}
	var b strings.Builder
	b.Grow(len(s))
	var d dropped
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case control(r):
			d.controls++
		case filler(r):
			end, n, spaced := fillerRun(s, i)
			if n < 2 && r != '\uFEFF' {
				b.WriteString(s[i:end])
			} else {
				d.filler += n
				if spaced {
					b.WriteByte(' ')
				}
			}
			i = end
			continue
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String(), d
}

// fillerRun measures the run of filler starting at s[i]: it ends after
// its last filler character; n counts them and spaced tells whether
// blanks separated them.
func fillerRun(s string, i int) (end, n int, spaced bool) {
	end = i
	sawBlank := false
	for j := i; j < len(s); {
		r, size := utf8.DecodeRuneInString(s[j:])
		switch {
		case filler(r):
			n++
			end = j + size
			spaced = spaced || sawBlank
		case blank(r):
			sawBlank = true
		default:
			return end, n, spaced
		}
		j += size
	}
	return end, n, spaced
}

// needsCleaning reports whether s holds a control or filler character.
func needsCleaning(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F || (c >= 0xC2 && c <= 0xEF) {
			return strings.IndexFunc(s[i:], func(r rune) bool { return control(r) || filler(r) }) >= 0
		}
	}
	return false
}

// cleanTree removes from the parsed HTML the elements hidden by their
// style or the hidden attribute (hiddenElement), and the control and
// filler characters of its text nodes (cleanText). It returns the
// warnings for what it dropped. It is htmlBody's step between parsing
// and writing; the sanitizer must keep the style attribute for it.
func cleanTree(doc *html.Node) []string {
	return cleanNode(doc).warnings()
}

func cleanNode(n *html.Node) dropped {
	var d dropped
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch {
		case c.Type == html.TextNode:
			var cd dropped
			c.Data, cd = cleanText(c.Data)
			d = d.add(cd)
		case c.Type == html.ElementNode && hiddenElement(c):
			n.RemoveChild(c)
			d.hidden++
		default:
			d = d.add(cleanNode(c))
		}
		c = next
	}
	return d
}

// hiddenElement reports whether n is not shown by a mail client: it has
// the hidden attribute, or a style with display:none, visibility:hidden,
// opacity:0 or max-height:0 (the ways of hiding a preheader).
func hiddenElement(n *html.Node) bool {
	for _, a := range n.Attr {
		switch {
		case a.Namespace != "":
		case a.Key == "hidden":
			return true
		case a.Key == "style" && hiddenStyle(a.Val):
			return true
		}
	}
	return false
}

// hiddenStyle reports whether an inline CSS declaration list hides its
// element (see hiddenElement); !important and case do not matter.
func hiddenStyle(style string) bool {
	for _, decl := range strings.Split(style, ";") {
		prop, val, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		prop = strings.ToLower(strings.TrimSpace(prop))
		val = strings.ToLower(strings.TrimSpace(val))
		val = strings.TrimSpace(strings.TrimSuffix(val, "!important"))
		switch {
		case prop == "display" && val == "none",
			prop == "visibility" && val == "hidden",
			prop == "opacity" && zeroLength(val),
			prop == "max-height" && zeroLength(val):
			return true
		}
	}
	return false
}

// zeroLength reports whether a CSS number or length is zero ("0",
// "0.0", "0px", "0%", "0em").
func zeroLength(v string) bool {
	num := strings.TrimRight(v, "abcdefghijklmnopqrstuvwxyz%")
	if num == "" {
		return false
	}
	f, err := strconv.ParseFloat(num, 64)
	return err == nil && f == 0
}
