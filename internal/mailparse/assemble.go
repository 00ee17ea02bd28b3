package mailparse

import (
	"bytes"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/contentloc"
)

// assembly is a message's body as a mail client shows it: what the page
// must show, in order, and the text parts it leaves out.
type assembly struct {
	shown  []shownPart    // text, HTML and inline image parts, in display order
	hidden []*enmime.Part // text parts of the alternatives not chosen
	notes  []string       // warnings: what was shown by a guess
}

// shownPart is one displayed part and how it is displayed.
type shownPart struct {
	part *enmime.Part
	kind mailwiki.BodyKind
}

// assemble walks the part tree as a mail client does: every child of a
// multipart/mixed (or any other multipart) in order, the richest side of a
// multipart/alternative (the last holding HTML, else the last holding
// text), and the root of a multipart/related (its start parameter, else
// its first part), whose other parts are resources. Text and HTML parts
// that are not attachments are shown, and so are images marked inline
// (Apple Mail puts them between HTML parts); SVG never is.
func assemble(root *enmime.Part) *assembly {
	a := &assembly{}
	if root != nil {
		a.walk(root)
	}
	return a
}

func (a *assembly) walk(p *enmime.Part) {
	if a.walkSpecial(p) {
		return
	}
	switch {
	case p.ContentType == "multipart/alternative":
		a.alternative(p)
	case p.ContentType == "multipart/related":
		if r := relatedRoot(p); r != nil {
			a.walk(r)
		}
	case p.FirstChild != nil:
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			a.walk(c)
		}
	case isHTMLBody(p):
		a.shown = append(a.shown, shownPart{p, mailwiki.BodyHTML})
	case isPlainBody(p):
		a.shown = append(a.shown, shownPart{p, mailwiki.BodyText})
	case isInlineImage(p):
		a.shown = append(a.shown, shownPart{p, mailwiki.BodyImage})
	case strings.HasPrefix(p.ContentType, "multipart/") && len(bytes.TrimSpace(p.Content)) > 0:
		// A multipart without a boundary, read as one part: its parts
		// cannot be told apart, so its content is shown as text.
		a.shown = append(a.shown, shownPart{p, mailwiki.BodyText})
		a.notes = append(a.notes, "a "+p.ContentType+" without boundary shown as text")
	}
}

// alternative walks the richest child of a multipart/alternative and
// records the text parts of the others as hidden.
func (a *assembly) alternative(p *enmime.Part) {
	var best *enmime.Part
	bestRank := 0
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		if r := richness(c); r > 0 && r >= bestRank {
			best, bestRank = c, r
		}
	}
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		if c != best {
			a.hidden = appendMatches(a.hidden, c, isTextBody)
		}
	}
	if best != nil {
		a.walk(best)
	}
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		if c != best {
			a.shown = append(a.shown, calendarsOf(c)...) // an invitation's text/calendar side
		}
	}
}

// richness ranks an alternative: 2 if it holds HTML, 1 if plain text only,
// 0 if no text at all.
func richness(p *enmime.Part) int {
	switch {
	case len(appendMatches(nil, p, isHTMLBody)) > 0:
		return 2
	case len(appendMatches(nil, p, isPlainBody)) > 0:
		return 1
	}
	return 0
}

// appendMatches appends the parts of the subtree p that match, depth
// first. (enmime's DepthMatchAll, called on a part that has siblings, goes
// on into them.)
func appendMatches(out []*enmime.Part, p *enmime.Part, match func(*enmime.Part) bool) []*enmime.Part {
	if match(p) {
		out = append(out, p)
	}
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		out = appendMatches(out, c, match)
	}
	return out
}

// relatedRoot returns the root part of a multipart/related (RFC 2387): the
// child whose Content-ID is the start parameter, else the first child.
func relatedRoot(p *enmime.Part) *enmime.Part {
	if start := idKey(p.ContentTypeParams["start"]); start != "" {
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if idKey(c.ContentID) == start {
				return c
			}
		}
	}
	return p.FirstChild
}

// idKey normalises a Content-ID for comparison.
func idKey(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	return strings.ToLower(strings.TrimSpace(id))
}

// isInlineImage reports an image part a client shows where it stands.
func isInlineImage(p *enmime.Part) bool {
	return strings.HasPrefix(p.ContentType, "image/") && p.ContentType != "image/svg+xml" &&
		strings.EqualFold(p.Disposition, "inline") && len(p.Content) > 0
}

func isTextBody(p *enmime.Part) bool { return isPlainBody(p) || isHTMLBody(p) }

// textParts returns the parts that are body text, not files: the text and
// HTML parts the page shows, the text parts of the alternatives it does not
// show, and the text/plain parts enmime joins into Envelope.Text.
func textParts(root *enmime.Part) []*enmime.Part {
	if root.FirstChild == nil {
		return nil
	}
	a := assemble(root)
	out := append(joinedTextParts(root), a.hidden...)
	for _, s := range a.shown {
		if isText(s.kind) {
			out = append(out, s.part)
		}
	}
	return out
}

// isText reports the kinds of body part that are text, not files.
func isText(k mailwiki.BodyKind) bool { return k == mailwiki.BodyText || k == mailwiki.BodyHTML }

// assembleBody sets msg.Body and msg.Locations from the part tree once
// msg.Attachments is built. Body stays nil when the page is one text or
// HTML part that enmime's Text or HTML already holds, with no base URL.
// Nested content (opaque S/MIME) is opened by n.
func assembleBody(env *enmime.Envelope, msg *mailwiki.Message, n *nesting) {
	if env.Root == nil {
		return
	}
	a := assemble(env.Root)
	files := make(map[*enmime.Part]bool)
	for _, s := range a.shown {
		if !isText(s.kind) {
			files[s.part] = true
		}
	}
	located := env.Root.DepthMatchAll(func(p *enmime.Part) bool {
		return p.FirstChild == nil && (files[p] || p.Header.Get("Content-Location") != "")
	})
	index := attachmentIndex(msg.Attachments, located, n.d.bytesOf)
	msg.Locations = locations(located, index)
	body := bodyOf(a, index)
	msg.Warnings = append(msg.Warnings, a.notes...)
	if len(body) != len(a.shown) {
		msg.Warnings = append(msg.Warnings, "inline image not found among the attachments; listed instead")
	}
	secureParts(msg, body)
	body = repeatedCalendars(msg.Attachments, n.expand(msg, body))
	if !plain(env, a, body) {
		msg.Body = body
	}
}

// bodyOf turns the shown parts into body parts; images that have no
// attachment are left out.
func bodyOf(a *assembly, index map[*enmime.Part]int) []mailwiki.BodyPart {
	body := make([]mailwiki.BodyPart, 0, len(a.shown))
	for _, s := range a.shown {
		bp := mailwiki.BodyPart{Kind: s.kind}
		switch s.kind {
		case mailwiki.BodyHTML:
			bp.Content, bp.Base = string(s.part.Content), partLocation(s.part)
		case mailwiki.BodyText:
			bp.Content = strings.ToValidUTF8(string(s.part.Content), "\uFFFD")
		default:
			i, ok := index[s.part]
			if !ok {
				continue
			}
			bp.Attachment = i
		}
		body = append(body, bp)
	}
	return body
}

// plain reports whether the body is one text part that enmime's Text (no
// HTML) or HTML (the same part) already holds, with no base URL: the
// converter then reads Text and HTML.
func plain(env *enmime.Envelope, a *assembly, body []mailwiki.BodyPart) bool {
	switch {
	case len(body) == 0:
		return true
	case len(body) > 1 || len(a.shown) != 1 || body[0].Base != "" || body[0].Kind != a.shown[0].kind:
		return false
	case !strings.HasPrefix(a.shown[0].part.ContentType, "text/"):
		return false // a multipart without boundary shown as text: enmime's Text lacks it
	case body[0].Kind == mailwiki.BodyText:
		// enmime's Text joins every text/plain part, a binary one too.
		return env.HTML == "" && env.Root.DepthMatchFirst(binaryText) == nil
	case body[0].Kind == mailwiki.BodyHTML:
		return env.Root.DepthMatchFirst(isHTMLBody) == a.shown[0].part
	}
	return false
}

// locations maps the resolved Content-Location of each located part that
// has an attachment to that attachment's index; the first part wins.
func locations(parts []*enmime.Part, index map[*enmime.Part]int) map[string]int {
	var out map[string]int
	for _, p := range parts {
		i, ok := index[p]
		if !ok || p.Header.Get("Content-Location") == "" {
			continue
		}
		key := partLocation(p)
		if _, dup := out[key]; key == "" || dup {
			continue
		}
		if out == nil {
			out = make(map[string]int)
		}
		out[key] = i
	}
	return out
}

// partLocation returns the URL of p (RFC 2557): its Content-Location
// resolved against its own Content-Base and those of the enclosing parts
// (whose Content-Location is a base too); "" when none of them has one.
func partLocation(p *enmime.Part) string {
	base := ""
	if p.Parent != nil {
		base = partLocation(p.Parent)
	}
	base = contentloc.Resolve(base, p.Header.Get("Content-Base"))
	return contentloc.Resolve(base, p.Header.Get("Content-Location"))
}

// attachmentIndex finds the attachment made from each of parts (in tree
// order, as atts is): the next attachment with the part's bytes as sent
// (bytesOf). A part whose bytes no attachment has is left out.
func attachmentIndex(atts []mailwiki.Attachment, parts []*enmime.Part, bytesOf func(*enmime.Part) []byte) map[*enmime.Part]int {
	index := make(map[*enmime.Part]int, len(parts))
	next := 0
	for _, p := range parts {
		for k := next; k < len(atts); k++ {
			if sameBytes(atts[k].Data, bytesOf(p)) {
				index[p], next = k, k+1
				break
			}
		}
	}
	return index
}

// sameBytes compares two contents, cheaply when they share memory.
func sameBytes(a, b []byte) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	return &a[0] == &b[0] || bytes.Equal(a, b)
}
