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
	if i := files.fileOf(p.Attachment); i >= 0 {
		b.WriteString("; it is attached as ")
		writeAttachmentLink(&b, files.show(i))
	}
	b.WriteString(".</em></p>\n")
	return b.String()
}
