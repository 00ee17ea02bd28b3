package mailparse

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"github.com/mailwiki/mailwiki"
)

// maxPreamble bounds the preamble kept, in bytes.
const maxPreamble = 64 << 10

// mimeBoilerplate matches the lines MIME writers put before the first
// boundary for readers without MIME ("This is a multi-part message in MIME
// format."): no one's text.
var mimeBoilerplate = regexp.MustCompile(`(?i)^(this is an? (multi-?part |openpgp/mime |s/mime |mime )?(signed |encrypted )?(message|mime)|.*in mime format|.*mime-encapsulated|if you (can )?(see|read) this|your (mail|e-?mail) (reader|client|program)|.*does not support mime|.*not (be )?able to (read|view)|.*mime-aware)`)

// preamble returns the text a top-level multipart carries before its first
// boundary (RFC 2046 §5.1.1: "to be ignored", but hand-written and broken
// mail puts real text there), without the usual MIME boilerplate lines;
// "" when there is none. raw is the whole message.
func preamble(raw []byte, root *enmime.Part) string {
	if root == nil || root.FirstChild == nil || !strings.HasPrefix(root.ContentType, "multipart/") {
		return ""
	}
	boundary := root.Boundary
	if boundary == "" {
		boundary = root.ContentTypeParams["boundary"]
	}
	if boundary == "" {
		return ""
	}
	body := bodyOfRaw(raw)
	delim := []byte("--" + boundary)
	end := 0
	if !bytes.HasPrefix(body, delim) { // the first delimiter starts a line (RFC 2046 §5.1.1)
		if end = bytes.Index(body, append([]byte("\n"), delim...)); end < 0 {
			return ""
		}
	}
	var kept []string
	for line := range strings.Lines(string(body[:min(end, maxPreamble)])) {
		if !mimeBoilerplate.MatchString(strings.TrimSpace(line)) {
			kept = append(kept, strings.TrimRight(line, "\r\n"))
		}
	}
	text := strings.TrimSpace(strings.Join(kept, "\n"))
	return strings.ToValidUTF8(text, "\uFFFD")
}

// keepPreamble puts the preamble of raw, if any, on top of msg's body,
// with a warning: text the sender wrote is never dropped in silence.
func keepPreamble(raw []byte, root *enmime.Part, msg *mailwiki.Message) {
	text := preamble(raw, root)
	if text == "" {
		return
	}
	body := msg.Body
	if body == nil { // one part, held in Text or HTML: make it explicit
		switch {
		case msg.HTML != "":
			body = []mailwiki.BodyPart{{Kind: mailwiki.BodyHTML, Content: msg.HTML}}
		case msg.Text != "":
			body = []mailwiki.BodyPart{{Kind: mailwiki.BodyText, Content: msg.Text}}
		}
	}
	msg.Body = append([]mailwiki.BodyPart{{Kind: mailwiki.BodyText, Content: text}}, body...)
	msg.Warnings = append(msg.Warnings, "text before the first MIME boundary shown at the top")
}

// bodyOfRaw returns what follows the header of raw: the bytes after its
// first empty line, whatever mixture of CRLF and LF ends the lines.
func bodyOfRaw(raw []byte) []byte {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			return nil
		}
		if line := raw[i : i+j]; len(bytes.TrimRight(line, "\r")) == 0 {
			return raw[i+j+1:]
		}
		i += j + 1
	}
	return nil
}
