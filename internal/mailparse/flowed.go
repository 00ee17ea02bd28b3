package mailparse

import (
	"bytes"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// unflowParts replaces, in place, the content of every text/plain body
// part of the tree that declares format=flowed (RFC 3676) with its
// unwrapped text (unflow). Parts that carry a file name keep their bytes:
// they are also attachments, which must stay byte-exact.
func unflowParts(root *enmime.Part) {
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		if !isPlainBody(p) || p.FileName != "" || len(p.Content) == 0 {
			return false
		}
		if flowed, delsp := flowedParams(p.Header.Get("Content-Type")); flowed {
			p.Content = unflow(p.Content, delsp)
		}
		return false
	})
}

// flowedParams reports the format=flowed and delsp=yes parameters of a
// Content-Type field, case-insensitively.
func flowedParams(contentType string) (flowed, delsp bool) {
	_, params, _, err := parseMediaType(contentType)
	if err != nil {
		return false, false
	}
	return strings.EqualFold(strings.TrimSpace(params["format"]), "flowed"),
		strings.EqualFold(strings.TrimSpace(params["delsp"]), "yes")
}

// flowedLine is one physical line of a format=flowed body, decoded.
type flowedLine struct {
	depth int    // number of leading '>' quote marks
	text  string // the content, without quote marks and space-stuffing
	soft  bool   // ends with a soft line break: joins the next line
	sig   bool   // the signature separator "-- ": never joined
}

// parseFlowedLine decodes one line (without its line break) as RFC 3676
// section 4 describes: quote marks counted, one stuffed space removed,
// a trailing space marks a soft break (removed when delsp is set), and
// the signature separator "-- " is never flowed.
func parseFlowedLine(line string, delsp bool) flowedLine {
	depth := 0
	for depth < len(line) && line[depth] == '>' {
		depth++
	}
	text := strings.TrimPrefix(line[depth:], " ")
	l := flowedLine{depth: depth, text: text, sig: text == "-- "}
	if l.sig || !strings.HasSuffix(text, " ") {
		return l
	}
	l.soft = true
	if delsp {
		l.text = text[:len(text)-1]
	}
	return l
}

// unflow decodes a format=flowed text (RFC 3676): lines ending in a soft
// break are joined with the next line of the same quote depth into one
// line; a soft break before a change of depth, before the signature
// separator or at the end, ends the paragraph as a hard break would. Quoted lines are written with their
// depth in canonical form (">> text"); the line break is the input's
// first one (CRLF or LF). Time and memory are linear in len(b).
func unflow(b []byte, delsp bool) []byte {
	nl := "\n"
	if i := bytes.IndexByte(b, '\n'); i > 0 && b[i-1] == '\r' {
		nl = "\r\n"
	}
	s := strings.TrimSuffix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	lines := strings.Split(s, "\n")
	var out strings.Builder
	out.Grow(len(b))
	open := false // a paragraph is being joined
	prev := flowedLine{}
	for _, raw := range lines {
		l := parseFlowedLine(raw, delsp)
		if open && (l.depth != prev.depth || l.sig) {
			out.WriteString(nl) // improperly flowed: a new depth or the signature
			open = false
		}
		if !open {
			writeQuoteMarks(&out, l.depth)
		}
		out.WriteString(l.text)
		open = l.soft
		if !open {
			out.WriteString(nl)
		}
		prev = l
	}
	if open {
		out.WriteString(nl)
	}
	return []byte(out.String())
}

// writeQuoteMarks writes depth quote marks and a space, or nothing.
func writeQuoteMarks(b *strings.Builder, depth int) {
	if depth > 0 {
		b.WriteString(strings.Repeat(">", depth))
		b.WriteByte(' ')
	}
}
