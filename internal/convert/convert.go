package convert

import (
	"context"
	"errors"
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
	// Limits bound the conversion; zero fields take DefaultLimits' values.
	Limits Limits
}

// noTextNote is the body of a message that has no text at all.
const noTextNote = "<p><em>This email has no text.</em></p>\n"

// Convert is ConvertContext without a deadline.
func Convert(msg *mailwiki.Message, opts Options) (*mailwiki.Draft, error) {
	return ConvertContext(context.Background(), msg, opts)
}

// ConvertContext turns msg into a Draft. The HTML body is preferred; the
// text body is used when there is no HTML or the HTML shows nothing. Every
// non-empty attachment of msg is in the Draft under a unique name: shown
// inline where the HTML references it, listed under "Attachments"
// otherwise. The Draft's attachments share their Data with msg. Its time
// and memory grow linearly with the size of msg: opts.Limits bounds the
// HTML's shape and the files, ctx the time.
//
// Errors, all *mailwiki.Error; the caller then uses Fallback:
//   - EINVALID for a nil msg;
//   - ETOOLARGE, permanent, ErrLimit in the chain: msg exceeds one of
//     opts.Limits, which the safe message names (never content);
//   - EUNAVAILABLE, temporary: ctx is done (context.Cause(ctx) in the chain);
//   - EINTERNAL when its own output fails CheckStorage (a bug); it never
//     returns invalid storage.
func ConvertContext(ctx context.Context, msg *mailwiki.Message, opts Options) (*mailwiki.Draft, error) {
	if msg == nil {
		return nil, mailwiki.Errorf(mailwiki.EINVALID, "convert: no message")
	}
	lim := opts.Limits.withDefaults()
	files := newFileSet(msg.Attachments)
	files.locate(msg.Locations)
	if len(files.files) > lim.MaxFiles {
		return nil, tooManyFiles(lim.MaxFiles)
	}
	body, warnings, err := messageBody(ctx, msg, files, lim)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(body)
	files.dropDecorations()
	attachmentList(&b, files.unshown())
	storage := b.String()
	if err := checkOutput(ctx, storage); err != nil {
		return nil, err
	}
	return &mailwiki.Draft{
		Title:       pageTitle(msg, opts),
		Storage:     storage,
		Attachments: files.files,
		Warnings:    concat(msg.Warnings, files.warnings, warnings),
	}, nil
}

// checkOutput checks the storage Convert built, and the context after the
// work.
func checkOutput(ctx context.Context, storage string) error {
	if ctx.Err() != nil {
		return interrupted(ctx)
	}
	if err := CheckStorage(storage); err != nil {
		return &mailwiki.Error{
			Code:    mailwiki.EINTERNAL,
			Message: "convert: the converted page is not valid storage format",
			Err:     err,
		}
	}
	return nil
}

// messageBody converts the HTML body, or the text body when there is no HTML
// or the HTML shows nothing while the text has something.
func messageBody(ctx context.Context, msg *mailwiki.Message, files *fileSet, lim Limits) (string, []string, error) {
	if ctx.Err() != nil {
		return "", nil, interrupted(ctx)
	}
	if len(msg.Body) > 0 {
		return assembledBody(ctx, msg, files, lim)
	}
	if strings.TrimSpace(msg.HTML) != "" {
		body, visible, warnings, err := htmlBody(ctx, msg.HTML, files, lim)
		if errors.Is(err, errTooDeep) {
			return deepBody(ctx, msg, err, lim)
		}
		if err != nil || visible || strings.TrimSpace(msg.Text) == "" {
			if err == nil && !visible {
				body += noTextNote
			}
			return body, warnings, err
		}
		warnings = append(warnings, "HTML body shows nothing; text body used")
		text, textWarnings := plainBody(msg.Text)
		return text, append(warnings, textWarnings...), nil
	}
	if strings.TrimSpace(msg.Text) == "" {
		return noTextNote, nil, nil
	}
	text, warnings := plainBody(msg.Text)
	return text, warnings, nil
}

// concat joins warning lists into a new slice.
func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
