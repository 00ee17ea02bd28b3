package convert

import (
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/mailwiki/mailwiki"
)

// OriginalName is the file name under which Fallback attaches the raw message.
const OriginalName = "original.eml"

// Fallback returns a plain page for a message that could not be parsed or
// converted, or whose converted body Confluence refused. Its body is escaped
// paragraphs of whatever text is available (msg.Text, else msg.HTML reduced
// to text, else a sentence saying the message could not be converted; no
// links, no images), a note that the original is attached, and a list of
// attachments. The raw message is attached as original.eml
// (message/rfc822) when it is not empty; when msg is non-nil its attachments
// follow under unique names. msg may be nil; received dates the title when
// the subject is empty and is formatted in its own location.
//
// The result is always valid storage format (CheckStorage passes).
func Fallback(raw []byte, msg *mailwiki.Message, received time.Time) *mailwiki.Draft {
	var atts []mailwiki.Attachment
	if msg != nil {
		atts = msg.Attachments
	}
	files := newFileSet(atts, OriginalName)
	var b strings.Builder
	b.WriteString(textBody(fallbackText(msg), false))
	if len(raw) > 0 {
		b.WriteString("<p><em>This email could not be converted in full. The original message is attached: </em>")
		writeAttachmentLink(&b, OriginalName)
		b.WriteString("</p>\n")
	}
	attachmentList(&b, files.unshown())
	d := &mailwiki.Draft{
		Title:    fallbackTitle(msg, received),
		Storage:  b.String(),
		Warnings: append([]string{"converted with the text fallback"}, files.warnings...),
	}
	if len(raw) > 0 {
		d.Attachments = append(d.Attachments, mailwiki.Attachment{
			Filename: OriginalName, ContentType: "message/rfc822", Data: raw,
		})
	}
	d.Attachments = append(d.Attachments, files.files...)
	return d
}

// fallbackText picks the text of the fallback page.
func fallbackText(msg *mailwiki.Message) string {
	const none = "This email could not be converted to a page."
	if msg == nil {
		return none
	}
	if strings.TrimSpace(msg.Text) != "" {
		return msg.Text
	}
	if t := htmlText(msg.HTML); strings.TrimSpace(t) != "" {
		return t
	}
	return none
}

// fallbackTitle is the message's title, or "Email received on DATE".
func fallbackTitle(msg *mailwiki.Message, received time.Time) string {
	if msg != nil {
		return pageTitle(msg, Options{Received: received, Location: received.Location()})
	}
	if received.IsZero() {
		return "Email"
	}
	return "Email received on " + received.Format(titleTimeLayout)
}

// htmlText reduces HTML to text: text nodes outside dropped elements, with
// line breaks for <br> and blank lines around block elements.
func htmlText(src string) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return ""
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && droppedIndex()[n.Data]:
			return
		case n.Type == html.ElementNode && n.DataAtom == atom.Br:
			b.WriteString("\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if r, ok := lookupRule(n.Data); ok && n.Type == html.ElementNode && r.Block {
			b.WriteString("\n\n")
		}
	}
	walk(doc)
	return b.String()
}
