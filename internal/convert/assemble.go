package convert

import (
	"context"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// assembledBody converts a message whose body has several parts
// (msg.Body): each text or HTML part in order, and each inline image where
// it stands unless an HTML part already shows it (a client shows it once).
// When nothing is visible and msg.Text has text, the text is used instead.
func assembledBody(ctx context.Context, msg *mailwiki.Message, files *fileSet, lim Limits) (string, []string, error) {
	segs := make([]string, len(msg.Body))
	var warnings []string
	visible := false
	for i, p := range msg.Body {
		if ctx.Err() != nil {
			return "", nil, interrupted(ctx)
		}
		seg, vis, ws, err := bodyPart(ctx, p, files, lim)
		if err != nil {
			return "", nil, err
		}
		segs[i], visible = seg, visible || vis
		warnings = appendNew(warnings, ws...)
	}
	for i, p := range msg.Body {
		if p.Kind != mailwiki.BodyImage {
			continue
		}
		seg, ws := inlineImage(p, files)
		segs[i], visible = seg, visible || seg != ""
		warnings = appendNew(warnings, ws...)
	}
	if !visible {
		if strings.TrimSpace(msg.Text) != "" {
			body, ws := plainBody(msg.Text)
			return body, appendNew(warnings, append([]string{"HTML body shows nothing; text body used"}, ws...)...), nil
		}
		return noTextNote, warnings, nil
	}
	return strings.Join(segs, ""), warnings, nil
}

// bodyPart converts one text or HTML part; images are left to inlineImage.
func bodyPart(ctx context.Context, p mailwiki.BodyPart, files *fileSet, lim Limits) (string, bool, []string, error) {
	switch p.Kind {
	case mailwiki.BodyHTML:
		files.base = p.Base
		defer func() { files.base = "" }()
		return htmlPart(ctx, p.Content, files, lim)
	case mailwiki.BodyText:
		if strings.TrimSpace(p.Content) == "" {
			return "", false, nil, nil
		}
		body, ws := plainBody(p.Content)
		return body, true, ws, nil
	case mailwiki.BodyEncrypted:
		return encryptedNote(p, files), true, nil, nil
	case mailwiki.BodyMessage:
		body, ws, err := forwardBlock(ctx, p, files, lim)
		return body, true, ws, err
	case mailwiki.BodyCalendar:
		body, ws := calendarBlock(p, files)
		return body, body != "", ws, nil
	}
	return "", false, nil, nil
}

// inlineImage shows the attachment of an image part, unless it was shown
// already or is SVG.
func inlineImage(p mailwiki.BodyPart, files *fileSet) (string, []string) {
	i := files.fileOf(p.Attachment)
	if i < 0 || files.shown[i] {
		return "", nil
	}
	if files.isSVG(i) {
		return "", []string{"SVG image not shown inline; listed as an attachment"}
	}
	return `<p><ac:image><ri:attachment ri:filename="` + escapeAttr(files.show(i)) + `"/></ac:image></p>` + "\n", nil
}

// appendNew appends the warnings of ws that list does not have yet.
func appendNew(list []string, ws ...string) []string {
outer:
	for _, w := range ws {
		for _, have := range list {
			if have == w {
				continue outer
			}
		}
		list = append(list, w)
	}
	return list
}
