package mailparse

import (
	"bytes"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"

	"github.com/mailwiki/mailwiki"
)

// Forwarded mail: a message/rfc822 or message/global part (RFC 2046
// section 5.2.1, RFC 6532), or an .eml file sent as octet-stream, is parsed
// as a message of its own (nesting.forward) and shown as a quote with its
// header summary, body and files (BodyMessage); the part itself stays
// attached, named after its subject when it has no name. Messages nested
// deeper than maxNesting are only attached, with a warning.

// maxEMLNameRunes bounds a name made from a subject.
const maxEMLNameRunes = 100

// isForward reports a part that holds a whole message.
func isForward(p *enmime.Part) bool {
	if p.FirstChild != nil || len(p.Content) == 0 {
		return false
	}
	switch p.ContentType {
	case "message/rfc822", "message/global":
		return true
	case "application/octet-stream":
		return strings.HasSuffix(strings.ToLower(p.FileName), ".eml")
	}
	return false
}

// forward parses the forwarded message of bp (a BodyMessage) and names
// its attachment; it reports false, with a warning, when the message is
// not shown (too deep, or unreadable): it stays an attachment.
func (n *nesting) forward(msg *mailwiki.Message, bp *mailwiki.BodyPart) bool {
	att := &msg.Attachments[bp.Attachment]
	if att.Filename == "" {
		att.Filename = emlName(n.subject(att.Data))
	}
	if n.depth >= maxNesting {
		msg.Warnings = append(msg.Warnings, "forwarded message nested deeper than 3 messages: attached, not shown")
		return false
	}
	inner, err := n.parse(att.Data)
	if err != nil {
		msg.Warnings = append(msg.Warnings, "forwarded message cannot be read: attached, not shown")
		return false
	}
	bp.Message = inner
	return true
}

// subject returns the decoded Subject of a message, read from its header
// block only; "" when there is none or the header cannot be read.
func (n *nesting) subject(raw []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return ""
	}
	return cleanHeader(n.d.words(m.Header.Get("Subject"), "Subject"))
}

// emlName makes a file name from a subject: the characters file systems
// refuse (and ':', as in "Re:") dropped, white space collapsed, at most
// maxEMLNameRunes runes, and ".eml"; "forwarded message.eml" when nothing
// is left.
func emlName(subject string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(`:/\*?"<>|`, r), unicode.IsControl(r), r == utf8.RuneError:
			return ' '
		case unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, subject)
	clean = strings.Trim(strings.Join(strings.Fields(clean), " "), ". ")
	if r := []rune(clean); len(r) > maxEMLNameRunes {
		clean = strings.TrimSpace(string(r[:maxEMLNameRunes]))
	}
	if clean == "" {
		clean = "forwarded message"
	}
	return clean + ".eml"
}
