package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/mailwiki/mailwiki/internal/pipeline"
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
	// FallbackReason is why the text fallback is published: the stage and
	// an error code ("parse: too_large"); empty when converted.
	FallbackReason string   `json:"fallback_reason,omitempty"`
	Warnings       []string `json:"warnings"`
}

// InspectAttachment describes one file the page would carry.
type InspectAttachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	// SHA256 is the hex SHA-256 of the exact bytes the page would carry,
	// so a user can check that an attachment arrives byte for byte.
	SHA256    string `json:"sha256"`
	Inline    bool   `json:"inline"`
	ContentID string `json:"content_id,omitempty"`
}

// Inspect is InspectContext without a deadline, for a message received at
// received, with dates in UTC (delivery's default Location).
func Inspect(raw []byte, received time.Time) InspectReport {
	r, _ := InspectContext(context.Background(), raw, pipeline.DraftOptions{Received: received})
	return r
}

// InspectContext reports what a delivery would publish for raw: it builds
// the draft with pipeline.BuildDraft, exactly as delivery does, including
// the text fallback and its reason. Pass the delivery's Location for
// identical dates. The error is BuildDraft's: non-nil only when ctx is done.
func InspectContext(ctx context.Context, raw []byte, opts pipeline.DraftOptions) (InspectReport, error) {
	b, err := pipeline.BuildDraft(ctx, raw, opts)
	if err != nil {
		return InspectReport{}, err
	}
	r := InspectReport{References: []string{}, Attachments: []InspectAttachment{}, Warnings: []string{}}
	if msg := b.Message; msg != nil {
		r.Subject, r.From, r.MessageID, r.InReplyTo = msg.Subject, msg.From, msg.MessageID, msg.InReplyTo
		r.Automatic, r.Text = msg.Automatic, msg.Text
		r.References = append(r.References, msg.References...)
	}
	r.Fallback, r.FallbackReason = b.Fallback(), b.Reason
	r.Title, r.Storage = b.Draft.Title, b.Draft.Storage
	seen := map[string]bool{}
	for _, w := range b.Draft.Warnings { // each once, in order
		if !seen[w] {
			seen[w] = true
			r.Warnings = append(r.Warnings, w)
		}
	}
	for _, a := range b.Draft.Attachments {
		sum := sha256.Sum256(a.Data)
		r.Attachments = append(r.Attachments, InspectAttachment{
			Filename: a.Filename, ContentType: a.ContentType, Size: len(a.Data), SHA256: hex.EncodeToString(sum[:]),
			Inline: a.Inline, ContentID: a.ContentID,
		})
	}
	return r, nil
}
