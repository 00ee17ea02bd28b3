package convert

import (
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Options tune Convert.
type Options struct {
	// Received is when the message arrived; it dates the title of a message
	// without a subject. Zero means: use the Date header.
	Received time.Time
	// Location is the time zone for dates on the page; nil means UTC.
	Location *time.Location
}

// noTextNote is the body of a message that has no text at all.
const noTextNote = "<p><em>This email has no text.</em></p>\n"

// Convert turns msg into a Draft. The HTML body is preferred; the text body is
// used when there is no HTML or the HTML shows nothing. Every non-empty
// attachment of msg is in the Draft under a unique name: shown inline where
// the HTML references it, listed under "Attachments" otherwise. The Draft's
// attachments share their Data with msg.
//
// Convert returns an error only for a nil msg (EINVALID) or when its own
// output fails CheckStorage (EINTERNAL, a bug); it never returns invalid
// storage. The caller then uses Fallback.
func Convert(msg *mailwiki.Message, opts Options) (*mailwiki.Draft, error) {
	if msg == nil {
		return nil, mailwiki.Errorf(mailwiki.EINVALID, "convert: no message")
	}
	files := newFileSet(msg.Attachments)
	body, warnings := messageBody(msg, files)
	var b strings.Builder
	b.WriteString(body)
	attachmentList(&b, files.unshown())
	storage := b.String()
	if err := CheckStorage(storage); err != nil {
		return nil, &mailwiki.Error{
			Code:    mailwiki.EINTERNAL,
			Message: "convert: the converted page is not valid storage format",
			Err:     err,
		}
	}
	return &mailwiki.Draft{
		Title:       pageTitle(msg, opts),
		Storage:     storage,
		Attachments: files.files,
		Warnings:    concat(msg.Warnings, files.warnings, warnings),
	}, nil
}

// messageBody converts the HTML body, or the text body when there is no HTML
// or the HTML shows nothing while the text has something.
func messageBody(msg *mailwiki.Message, files *fileSet) (string, []string) {
	if strings.TrimSpace(msg.HTML) != "" {
		body, visible, warnings := htmlBody(msg.HTML, files)
		if visible || strings.TrimSpace(msg.Text) == "" {
			if !visible {
				body += noTextNote
			}
			return body, warnings
		}
		warnings = append(warnings, "HTML body shows nothing; text body used")
		return textBody(msg.Text, true), warnings
	}
	if strings.TrimSpace(msg.Text) == "" {
		return noTextNote, nil
	}
	return textBody(msg.Text, true), nil
}

// concat joins warning lists into a new slice.
func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
