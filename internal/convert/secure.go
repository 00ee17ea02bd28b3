package convert

import (
	"strings"

	"github.com/mailwiki/mailwiki"
)

// encryptedNote is the sentence that stands for an encrypted part (S/MIME
// enveloped data, PGP/MIME), which cannot be shown, with a link to the
// part's data, attached as sent.
func encryptedNote(p mailwiki.BodyPart, files *fileSet) string {
	var b strings.Builder
	b.WriteString("<p><em>This part of the message is encrypted and cannot be shown here")
	linkFile(&b, files, p.Attachment, "; it is attached as ", "")
	b.WriteString(".</em></p>\n")
	return b.String()
}

// linkFile writes before, a link to the file made from the message's
// attachment att, which it marks shown, and after; nothing when there is
// no such file (an empty attachment).
func linkFile(b *strings.Builder, files *fileSet, att int, before, after string) {
	if i := files.fileOf(att); i >= 0 {
		b.WriteString(before)
		writeAttachmentLink(b, files.show(i))
		b.WriteString(after)
	}
}
