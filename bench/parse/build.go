package main

import (
	"context"
	"fmt"
	"time"

	"github.com/mailwiki/mailwiki/internal/pipeline"
)

// build does what a delivery does before publishing: pipeline.BuildDraft
// with the default limits.
func build(raw []byte) string {
	opts := pipeline.DraftOptions{Received: time.Date(2026, 11, 26, 14, 5, 0, 0, time.UTC)}
	b, err := pipeline.BuildDraft(context.Background(), raw, opts)
	switch {
	case err != nil:
		return "error: " + err.Error()
	case b.Fallback():
		return fmt.Sprintf("fallback, %d files: %s", len(b.Draft.Attachments), b.Draft.Warnings[0])
	}
	return fmt.Sprintf("converted, %d files, %d warnings", len(b.Draft.Attachments), len(b.Draft.Warnings))
}
