package mailparse

import (
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"github.com/mailwiki/mailwiki"
)

// Signed and encrypted mail: S/MIME (RFC 8551) and PGP/MIME (RFC 3156).
//
// A multipart/signed needs nothing of its own: its first part is walked
// like any body and its signature part is an attachment (named smime.p7s
// or signature.asc when it has no name). Opaque S/MIME
// (application/pkcs7-mime; smime-type=signed-data) carries its content
// inside a CMS SignedData: the content is taken out (cms.go), parsed as a
// MIME entity and shown in the part's place, with its files; the .p7m
// stays attached as sent. Signatures are never verified: the page shows
// what the message says was signed, which proves nothing about who signed
// it. Encrypted parts (enveloped-data, multipart/encrypted) cannot be
// shown: the page says so and the encrypted data is attached.

// bodyOpaque marks, inside this package only, a shown opaque S/MIME part
// whose content is spliced into the body (nesting.expand).
const bodyOpaque mailwiki.BodyKind = 255

// isPKCS7Mime reports an application/pkcs7-mime part with content.
func isPKCS7Mime(p *enmime.Part) bool {
	return (p.ContentType == "application/pkcs7-mime" || p.ContentType == "application/x-pkcs7-mime") &&
		p.FirstChild == nil && len(p.Content) > 0
}

// pkcs7Kind says how a pkcs7-mime part is shown: bodyOpaque for signed
// data, BodyEncrypted for enveloped data, 0 (not shown: an attachment)
// for anything else, such as certificates only. The smime-type parameter
// decides; without one, the CMS content type does.
func pkcs7Kind(p *enmime.Part) mailwiki.BodyKind {
	smimeType := ""
	if _, params, _, err := parseMediaType(p.Header.Get("Content-Type")); err == nil {
		smimeType = params["smime-type"] // enmime leaves ContentTypeParams empty at the top level
	}
	switch strings.ToLower(smimeType) {
	case "signed-data":
		return bodyOpaque
	case "enveloped-data", "authenveloped-data":
		return mailwiki.BodyEncrypted
	case "":
		switch id := cmsType(p.Content); {
		case id.Equal(oidSignedData):
			return bodyOpaque
		case id.Equal(oidEnvelopedData), id.Equal(oidAuthEnvelopedData):
			return mailwiki.BodyEncrypted
		}
	}
	return 0
}

// encryptedData returns the part of a multipart/encrypted that holds the
// encrypted data (RFC 1847: the second; the first is control
// information), or nil.
func encryptedData(p *enmime.Part) *enmime.Part {
	var last *enmime.Part
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		if c.FirstChild == nil && len(c.Content) > 0 {
			last = c
		}
	}
	return last
}

// walkSpecial records the parts of signed or encrypted mail, forwarded
// messages and calendars, that the page shows in their own way, and
// reports whether p was one.
func (a *assembly) walkSpecial(p *enmime.Part) bool {
	switch {
	case p.ContentType == "multipart/encrypted":
		if data := encryptedData(p); data != nil {
			a.shown = append(a.shown, shownPart{data, mailwiki.BodyEncrypted})
		}
		return true
	case isPKCS7Mime(p):
		if k := pkcs7Kind(p); k != 0 {
			a.shown = append(a.shown, shownPart{p, k})
			return true
		}
	case isForward(p):
		a.shown = append(a.shown, shownPart{p, mailwiki.BodyMessage})
		return true
	case isCalendar(p):
		a.shown = append(a.shown, shownPart{p, mailwiki.BodyCalendar})
		return true
	}
	return false
}

// signatureNames are the names given to signature and encrypted parts
// that have none, by media type.
var signatureNames = map[string]string{
	"application/pkcs7-signature":   "smime.p7s",
	"application/x-pkcs7-signature": "smime.p7s",
	"application/pkcs7-mime":        "smime.p7m",
	"application/x-pkcs7-mime":      "smime.p7m",
	"application/pgp-signature":     "signature.asc",
	"application/pgp-encrypted":     "pgp-control.txt",
	"text/calendar":                 "invite.ics",
	"application/ics":               "invite.ics",
}

// secureParts names the signature and encrypted-data attachments of msg
// that have no name as mail clients do (smime.p7s, signature.asc, …; the
// encrypted data of a PGP/MIME message: encrypted.asc) and warns of each
// encrypted part, which the page cannot show.
func secureParts(msg *mailwiki.Message, body []mailwiki.BodyPart) {
	atts := msg.Attachments
	for i := range atts {
		if atts[i].Filename == "" {
			atts[i].Filename = signatureNames[strings.ToLower(atts[i].ContentType)]
		}
	}
	for _, bp := range body {
		if bp.Kind != mailwiki.BodyEncrypted {
			continue
		}
		if atts[bp.Attachment].Filename == "" {
			atts[bp.Attachment].Filename = "encrypted.asc"
		}
		msg.Warnings = append(msg.Warnings, "encrypted part (S/MIME or PGP/MIME) cannot be shown: attached as it is")
	}
}

// openOpaque parses the content of the opaque S/MIME attachment i as a
// MIME entity. It returns nil, with a warning, when the content cannot be
// read or parsed.
func (n *nesting) openOpaque(msg *mailwiki.Message, i int) *mailwiki.Message {
	content, err := cmsSignedContent(msg.Attachments[i].Data)
	if err != nil || len(content) == 0 {
		msg.Warnings = append(msg.Warnings, "S/MIME signed part (smime.p7m) cannot be read: its content is not shown, the part is attached as it is")
		return nil
	}
	inner, err := n.parse(content)
	if err != nil {
		msg.Warnings = append(msg.Warnings, "S/MIME signed content cannot be parsed: not shown, the part is attached as it is")
		return nil
	}
	return inner
}

// splice returns the body parts that show inner, whose attachments are
// appended to msg's (indexes moved accordingly), as are its locations and
// warnings. msg's Text and HTML take inner's when msg has none.
func splice(msg, inner *mailwiki.Message) []mailwiki.BodyPart {
	offset := len(msg.Attachments)
	msg.Attachments = append(msg.Attachments, inner.Attachments...)
	for loc, i := range inner.Locations {
		if _, dup := msg.Locations[loc]; !dup {
			if msg.Locations == nil {
				msg.Locations = make(map[string]int)
			}
			msg.Locations[loc] = i + offset
		}
	}
	msg.Warnings = append(msg.Warnings, inner.Warnings...)
	if strings.TrimSpace(msg.Text) == "" {
		msg.Text = inner.Text
	}
	if strings.TrimSpace(msg.HTML) == "" {
		msg.HTML = inner.HTML
	}
	body := inner.Body
	switch {
	case body != nil:
	case strings.TrimSpace(inner.HTML) != "":
		body = []mailwiki.BodyPart{{Kind: mailwiki.BodyHTML, Content: inner.HTML}}
	default:
		body = []mailwiki.BodyPart{{Kind: mailwiki.BodyText, Content: inner.Text}}
	}
	out := make([]mailwiki.BodyPart, len(body))
	for k, bp := range body {
		if bp.Kind != mailwiki.BodyText && bp.Kind != mailwiki.BodyHTML {
			bp.Attachment += offset
		}
		out[k] = bp
	}
	return out
}
