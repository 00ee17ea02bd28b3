package convert

import (
	"regexp"
	"strings"
)

// urlPattern finds link candidates in plain text. A compiled regexp is
// immutable and safe for concurrent use.
var urlPattern = regexp.MustCompile(`(?i)\b(?:https?://|mailto:|www\.)[^\s<>"]+`)

// plainBody is textBody with links for a message's text body; it returns
// the warnings for the characters cleanText dropped.
func plainBody(s string) (string, []string) {
	s, d := cleanText(s)
	return textBody(s, true), d.warnings()
}

// textBody converts plain text to storage paragraphs: blank lines separate
// paragraphs, single newlines become <br/>, URLs become links when linkify is
// set, everything else is escaped. Only control characters and runs of
// zero-width filler are dropped (cleanText).
func textBody(s string, linkify bool) string {
	s, _ = cleanText(s)
	var b strings.Builder
	for _, para := range paragraphs(s) {
		b.WriteString("<p>")
		for i, line := range para {
			if i > 0 {
				b.WriteString("<br/>")
			}
			if linkify {
				writeLinkified(&b, line)
			} else {
				writeEscaped(&b, line, false)
			}
		}
		b.WriteString("</p>\n")
	}
	return b.String()
}

// paragraphs splits text into paragraphs of lines; runs of blank lines
// separate paragraphs and trailing white space is trimmed from lines.
func paragraphs(s string) [][]string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var out [][]string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, " \t")
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// writeLinkified writes a line with its URLs as <a href> links.
func writeLinkified(b *strings.Builder, line string) {
	if !mayHoldURL(line) {
		writeEscaped(b, line, false) // the common case, without the regexp's cost
		return
	}
	last := 0
	for _, m := range urlPattern.FindAllStringIndex(line, -1) {
		if m[0] < last {
			continue
		}
		raw := trimURL(line[m[0]:m[1]])
		href, ok := linkTarget(raw)
		if !ok {
			continue
		}
		writeEscaped(b, line[last:m[0]], false)
		b.WriteString(`<a href="` + escapeAttr(href) + `">`)
		writeEscaped(b, raw, false)
		b.WriteString("</a>")
		last = m[0] + len(raw)
	}
	writeEscaped(b, line[last:], false)
}

// trimURL removes trailing punctuation that usually ends a sentence rather
// than the URL; a closing parenthesis stays when the URL opened one. The
// brackets are counted once, so that the time is linear in len(u).
func trimURL(u string) string {
	opened, closed := strings.Count(u, "("), strings.Count(u, ")")
	openedSq, closedSq := strings.Count(u, "["), strings.Count(u, "]")
	for u != "" {
		last := u[len(u)-1]
		switch {
		case strings.IndexByte(".,;:!?'*", last) >= 0:
		case last == ')' && opened < closed:
			closed--
		case last == ']' && openedSq < closedSq:
			closedSq--
		default:
			return u
		}
		u = u[:len(u)-1]
	}
	return u
}

// linkTarget returns the href for a URL found in text; www. addresses get
// https://.
func linkTarget(raw string) (string, bool) {
	href := raw
	if strings.HasPrefix(strings.ToLower(raw), "www.") {
		if len(raw) <= len("www.") {
			return "", false
		}
		href = "https://" + raw
	}
	return safeHref(href)
}

// mayHoldURL is a cheap filter before urlPattern: it reports whether line
// holds "://", "mailto:" or "www." (the last two in any case).
func mayHoldURL(line string) bool {
	if strings.Contains(line, "://") {
		return true
	}
	for i := 0; i < len(line); i++ {
		switch line[i] | 0x20 {
		case 'w':
			if hasPrefixFold(line[i:], "www.") {
				return true
			}
		case 'm':
			if hasPrefixFold(line[i:], "mailto:") {
				return true
			}
		}
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
