package mailparse

import (
	"net/http"
	"slices"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"github.com/mailwiki/mailwiki"
)

// attachments returns every leaf part of the tree that is not a body text
// part: enmime's attachments, inlines and other parts, in tree order. A text
// part that carries a file name is returned as an attachment even when its
// text is also in the body, so that no named file is lost. Parts whose content
// is empty are skipped. An attachment's data is the part's bytes as sent,
// transfer-decoded only (d.bytesOf), whatever its media type: never
// converted to another charset or line ending.
func attachments(env *enmime.Envelope, d *decoder) []mailwiki.Attachment {
	root := env.Root
	if root == nil {
		return nil
	}
	body := bodyParts(env)
	var out []mailwiki.Attachment
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		if p.FirstChild != nil || strings.HasPrefix(p.ContentType, "multipart/") || len(p.Content) == 0 {
			return false
		}
		if body[p] && p.FileName == "" {
			return false
		}
		a := toAttachment(p, d.bytesOf(p))
		if a.ContentType != p.ContentType {
			d.warn("a part labelled %s holds binary data (%s by its bytes): attached as a file, not shown as text", p.ContentType, a.ContentType)
		}
		out = append(out, a)
		return false
	})
	return out
}

// toAttachment copies a part with data into a mailwiki.Attachment. A part
// with a Content-ID that is not explicitly an attachment is inline.
func toAttachment(p *enmime.Part, data []byte) mailwiki.Attachment {
	cid := strings.TrimSpace(p.ContentID)
	ctype := p.ContentType
	if binaryText(p) { // the bytes say what it is (net/http's sniffing, WHATWG MIME Sniffing)
		ctype, _, _ = strings.Cut(http.DetectContentType(data), ";")
	}
	return mailwiki.Attachment{
		Filename:    p.FileName,
		ContentType: ctype,
		ContentID:   cid,
		Inline:      cid != "" && !strings.EqualFold(p.Disposition, "attachment"),
		Data:        data,
	}
}

// bodyParts returns the parts whose content enmime put into Envelope.Text or
// Envelope.HTML, following enmime's own selection rules.
func bodyParts(env *enmime.Envelope) map[*enmime.Part]bool {
	root := env.Root
	body := make(map[*enmime.Part]bool)
	if !strings.HasPrefix(root.ContentType, "multipart/") || root.FirstChild == nil {
		body[root] = !slices.Contains(env.Attachments, root) && !slices.Contains(env.Inlines, root)
		return body
	}
	for _, p := range textParts(env.Root) {
		body[p] = true
	}
	if p := root.DepthMatchFirst(isHTMLBody); p != nil {
		body[p] = true
	}
	return body
}
