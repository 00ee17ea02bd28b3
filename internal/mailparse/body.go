package mailparse

import (
	"bytes"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"github.com/mailwiki/mailwiki/internal/convert/htmlshape"
)

// envelope builds enmime's envelope from the part tree once the two costly
// steps of enmime's EnvelopeFromPart are known to be bounded: joining the
// text/plain parts (refused beyond lim.MaxJoinedText) and turning an HTML
// body into text when there is no text part (skipped, with the returned
// warning, beyond lim.HTML). Part errors are gathered from the whole tree:
// since enmime v2.4.0 EnvelopeFromPart no longer does it.
func envelope(root *enmime.Part, lim Limits, g *guard) (*enmime.Envelope, []string, error) {
	texts := joinedTextParts(root)
	n, size := len(texts), 0
	for _, p := range texts {
		size += len(p.Content)
	}
	if n > 1 && n*size > lim.MaxJoinedText {
		return nil, nil, limitError("%d text parts of %d bytes to join (over %d bytes × parts)", n, size, lim.MaxJoinedText)
	}
	var extra []enmime.Option
	var warnings []string
	if what := htmlToTextCost(root, size, lim); what != "" {
		warnings = append(warnings, "HTML body not turned into text: "+what)
		extra = append(extra, enmime.DisableTextConversion(true))
	}
	env, err := newParser(lim, g, extra...).EnvelopeFromPart(root)
	if err := g.check(err, lim); err != nil {
		return nil, nil, err
	}
	_ = env.GatherNestedErrors() // never fails
	return env, warnings, nil
}

// htmlToTextCost names the limit of lim.HTML that the HTML body exceeds
// when enmime would turn it into text (there is no text: textSize is 0),
// else "".
func htmlToTextCost(root *enmime.Part, textSize int, lim Limits) string {
	if textSize > 0 {
		return ""
	}
	if html := root.DepthMatchFirst(isHTMLBody); html != nil {
		return htmlshape.Check(string(html.Content), lim.HTML)
	}
	return ""
}

// joinedTextParts returns the text/plain parts enmime joins into
// Envelope.Text: in a multipart/alternative the first found breadth first,
// in any other multipart all of them depth first; nil for a single part.
func joinedTextParts(root *enmime.Part) []*enmime.Part {
	if root.FirstChild == nil {
		return nil
	}
	if root.ContentType == "multipart/alternative" {
		if p := root.BreadthMatchFirst(isPlainBody); p != nil {
			return []*enmime.Part{p}
		}
		return nil
	}
	return root.DepthMatchAll(isPlainBody)
}

// isPlainBody and isHTMLBody are enmime's rules for body parts.
func isPlainBody(p *enmime.Part) bool {
	return p.ContentType == "text/plain" && p.Disposition != "attachment" && !binaryText(p)
}

func isHTMLBody(p *enmime.Part) bool {
	return p.ContentType == "text/html" && p.Disposition != "attachment" && !binaryText(p)
}

// binaryText reports a text part whose content is no text: a NUL byte
// among its first 8 KiB once decoded (an image or a PDF sent as
// text/plain). Such a part is a file, not a body (see toAttachment).
func binaryText(p *enmime.Part) bool {
	if !strings.HasPrefix(p.ContentType, "text/") {
		return false
	}
	return bytes.IndexByte(p.Content[:min(len(p.Content), 8192)], 0) >= 0
}
