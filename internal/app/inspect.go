package app

import (
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/convert"
	"github.com/mailwiki/mailwiki/internal/mailparse"
)

// InspectReport is what `mailwiki inspect` prints: what mailwiki makes of a
// message, without publishing it.
type InspectReport struct {
	Subject     string              `json:"subject"`
	Title       string              `json:"title"`
	From        string              `json:"from"`
	MessageID   string              `json:"message_id"`
	InReplyTo   string              `json:"in_reply_to"`
	References  []string            `json:"references"`
	Automatic   bool                `json:"automatic"`
	Text        string              `json:"text"`
	Attachments []InspectAttachment `json:"attachments"`
	Storage     string              `json:"storage"`
	Fallback    bool                `json:"fallback"`
	Warnings    []string            `json:"warnings"`
}

// InspectAttachment describes one file the page would carry.
type InspectAttachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	Inline      bool   `json:"inline"`
	ContentID   string `json:"content_id,omitempty"`
}

// Inspect parses and converts raw exactly as a delivery would, including the
// text fallback when parsing or converting fails.
func Inspect(raw []byte, received time.Time) InspectReport {
	r := InspectReport{References: []string{}, Attachments: []InspectAttachment{}, Warnings: []string{}}
	msg, err := mailparse.Parse(raw)
	var draft *mailwiki.Draft
	if err != nil {
		r.Warnings = append(r.Warnings, "parse failed: "+err.Error())
		draft, r.Fallback = convert.Fallback(raw, nil, received), true
	} else {
		r.Subject, r.From, r.MessageID, r.InReplyTo = msg.Subject, msg.From, msg.MessageID, msg.InReplyTo
		r.Automatic, r.Text = msg.Automatic, msg.Text
		r.References = append(r.References, msg.References...)
		r.Warnings = append(r.Warnings, msg.Warnings...)
		if draft, err = convert.Convert(msg, convert.Options{Received: received}); err != nil {
			r.Warnings = append(r.Warnings, "convert failed: "+err.Error())
			draft, r.Fallback = convert.Fallback(raw, msg, received), true
		}
	}
	r.Title, r.Storage = draft.Title, draft.Storage
	r.Warnings = append(r.Warnings, draft.Warnings...)
	for _, a := range draft.Attachments {
		r.Attachments = append(r.Attachments, InspectAttachment{Filename: a.Filename, ContentType: a.ContentType, Size: len(a.Data), Inline: a.Inline, ContentID: a.ContentID})
	}
	return r
}
