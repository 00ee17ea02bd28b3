package convert

import (
	"bytes"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/mailwiki/mailwiki"
)

// OriginalName is the file name under which Fallback attaches the raw message.
const OriginalName = "original.eml"

// MaxFallbackText is the most text a fallback page shows, in bytes; the
// whole message is in original.eml. It bounds the fallback's own cost.
const MaxFallbackText = 1 << 20

// Fallback returns a plain page for a message that could not be parsed or
// converted, or whose converted body Confluence refused. Its body is escaped
// paragraphs of whatever text is available (msg.Text, else msg.HTML reduced
// to text, else a sentence saying the message could not be converted; no
// links, no images), a note that the original is attached, and a list of
// attachments. The raw message is attached as original.eml
// (message/rfc822) when it is not empty; when msg is non-nil its attachments
// follow under unique names. msg may be nil; received dates the title when
// the subject is empty and is formatted in its own location. Text beyond
// MaxFallbackText bytes is left out, with a note and a warning; the time
// taken is linear in the size of raw and msg.
//
// The result is always valid storage format (CheckStorage passes).
func Fallback(raw []byte, msg *mailwiki.Message, received time.Time) *mailwiki.Draft {
	var atts []mailwiki.Attachment
	if msg != nil {
		atts = msg.Attachments
	}
	files := newFileSet(atts, OriginalName)
	var b strings.Builder
	text, cut, fromRaw := fallbackText(msg, raw)
	b.WriteString(textBody(text, false))
	warnings := []string{"converted with the text fallback"}
	if fromRaw {
		warnings = append(warnings, "the message could not be read as an email: its raw text is shown")
	}
	if cut {
		b.WriteString("<p><em>The text is shortened here.</em></p>\n")
		warnings = append(warnings, "fallback text shortened to "+humanSize(MaxFallbackText))
	}
	if len(raw) > 0 {
		b.WriteString("<p><em>This email could not be converted in full. The original message is attached: </em>")
		writeAttachmentLink(&b, OriginalName)
		b.WriteString("</p>\n")
	}
	attachmentList(&b, files.unshown())
	d := &mailwiki.Draft{
		Title:    fallbackTitle(raw, msg, received),
		Storage:  b.String(),
		Warnings: append(warnings, files.warnings...),
	}
	if len(raw) > 0 {
		d.Attachments = append(d.Attachments, mailwiki.Attachment{
			Filename: OriginalName, ContentType: "message/rfc822", Data: raw,
		})
	}
	d.Attachments = append(d.Attachments, files.files...)
	return d
}

// fallbackText picks the text of the fallback page, at most
// MaxFallbackText bytes of it; cut reports text left out. Without a parsed
// message (the bytes are no email at all: a note without a header) the raw
// bytes are shown as text when they are text (invalid UTF-8 replaced), so
// that nothing readable is lost; fromRaw reports it.
func fallbackText(msg *mailwiki.Message, raw []byte) (text string, cut, fromRaw bool) {
	const none = "This email could not be converted to a page."
	if msg == nil {
		if t := rawText(raw); t != "" {
			text, cut = shorten(t)
			return text, cut, true
		}
		return none, false, false
	}
	if strings.TrimSpace(msg.Text) != "" {
		text, cut = shorten(msg.Text)
		return text, cut, false
	}
	if t := htmlText(msg.HTML, MaxFallbackText+1); strings.TrimSpace(t) != "" {
		text, cut = shorten(t)
		return text, cut, false
	}
	return none, false, false
}

// headerField matches bytes that start with an RFC 5322 header field
// (a field name and a colon).
var headerField = regexp.MustCompile(`^[!-9;-~]+:`)

// rawText returns raw as text, or "" when it does not look like text (a
// NUL among its first bytes, or nothing but white space).
func rawText(raw []byte) string {
	head := raw[:min(len(raw), 8192)]
	if bytes.IndexByte(head, 0) >= 0 || len(bytes.TrimSpace(raw)) == 0 || headerField.Match(head) {
		return "" // binary, empty, or an email refused for its size or shape: its MIME source is no text to read
	}
	return strings.ToValidUTF8(string(raw[:min(len(raw), MaxFallbackText+1)]), "\uFFFD")
}

// shorten cuts s to MaxFallbackText bytes without splitting a character.
func shorten(s string) (string, bool) {
	if len(s) <= MaxFallbackText {
		return s, false
	}
	return truncateBytes(s, MaxFallbackText), true
}

// fallbackTitle is the message's title, or "Email received on DATE".
func fallbackTitle(raw []byte, msg *mailwiki.Message, received time.Time) string {
	if msg != nil {
		return pageTitle(msg, Options{Received: received, Location: received.Location()})
	}
	if h := headerOnly(raw); h != nil {
		return pageTitle(h, Options{Received: received, Location: received.Location()})
	}
	if received.IsZero() {
		return "Email"
	}
	return "Email received on " + received.Format(titleTimeLayout)
}

// maxTitleHeader bounds the header read for the title of a message that
// could not be parsed.
const maxTitleHeader = 64 << 10

// headerOnly reads Subject and From from the header of a message the MIME
// parser refused (RFC 5322 §3.6.4-5, encoded words per RFC 2047), looking
// at most at its first 64 KiB, so that its page keeps its subject; nil when
// even that fails.
func headerOnly(raw []byte) *mailwiki.Message {
	head := raw[:min(len(raw), maxTitleHeader)]
	m, err := mail.ReadMessage(bytes.NewReader(head))
	if err != nil {
		return nil
	}
	dec := mime.WordDecoder{}
	decode := func(s string) string {
		if d, err := dec.DecodeHeader(s); err == nil {
			return d
		}
		return s
	}
	msg := &mailwiki.Message{Subject: decode(m.Header.Get("Subject")), From: decode(m.Header.Get("From"))}
	if a, err := mail.ParseAddress(m.Header.Get("From")); err == nil {
		msg.FromAddress = a.Address
	}
	if msg.Subject == "" && msg.From == "" {
		return nil
	}
	return msg
}

// htmlText reduces HTML to text in one pass of the tokenizer (time linear
// in len(src), whatever the nesting): text outside dropped elements, a line
// break for <br>, blank lines around block elements (before and after, so
// that an unclosed <p> still ends its paragraph). It stops once the text
// is max bytes or longer.
func htmlText(src string, max int) string {
	var b strings.Builder
	var skip string // the dropped element being skipped, "" when none
	depth := 0      // open elements named skip
	z := html.NewTokenizer(strings.NewReader(src))
	for b.Len() < max {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		name, _ := z.TagName()
		switch {
		case skip != "":
			depth += skipDelta(tt, string(name), skip)
			if depth == 0 {
				skip = ""
			}
		case tt == html.TextToken:
			b.Write(z.Text())
		case tt == html.StartTagToken && droppedContainer(string(name)):
			skip, depth = string(name), 1
		default:
			writeBreak(&b, tt, string(name))
		}
	}
	return b.String()
}

// skipDelta is the change in the depth of skipped elements named skip for
// a token.
func skipDelta(tt html.TokenType, name, skip string) int {
	switch {
	case name != skip:
		return 0
	case tt == html.StartTagToken:
		return 1
	case tt == html.EndTagToken:
		return -1
	}
	return 0
}

// writeBreak writes the line break a tag stands for in text.
func writeBreak(b *strings.Builder, tt html.TokenType, name string) {
	if tt != html.StartTagToken && tt != html.EndTagToken && tt != html.SelfClosingTagToken {
		return
	}
	if atom.Lookup([]byte(name)) == atom.Br {
		b.WriteString("\n")
		return
	}
	if r, ok := lookupRule(name); ok && r.Block {
		b.WriteString("\n\n")
	}
}
