package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/pipeline"
	"github.com/mailwiki/mailwiki/internal/sharedtest"
)

// inspectMessages returns the messages Inspect is compared on: the
// converter's golden cases and the shared corpora. Without the shared
// folder (../shared beside the repository, or $MAILWIKI_SHARED_DIR) only
// the golden cases run, with a SHARED-MISSING note, or the test fails when
// MAILWIKI_REQUIRE_SHARED=1 (as .ci/run sets it).
func inspectMessages(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("../convert/testdata/golden/*.eml")
	corpus, ok := sharedtest.Optional(t, "corpus")
	if !ok {
		t.Logf("SHARED-MISSING: %s not found: golden cases only", corpus)
		return files
	}
	for _, g := range []string{"*/*.eml", "enmime/testdata/*/*.raw", "mime4j/core/src/test/resources/*/*.msg"} {
		m, _ := filepath.Glob(filepath.Join(corpus, g))
		files = append(files, m...)
	}
	return files
}

// TestInspectShowsWhatDeliveryPublishes: for every message, Inspect reports
// exactly the title, storage and files of pipeline.BuildDraft, the draft
// delivery publishes, in UTC by default and in a given location.
func TestInspectShowsWhatDeliveryPublishes(t *testing.T) {
	t.Parallel()
	received := time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC).In(time.FixedZone("local", 5*3600))
	tokyo := time.FixedZone("JST", 9*3600)
	files := inspectMessages(t)
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		compareInspect(t, path, app.Inspect(raw, received), raw, pipeline.DraftOptions{Received: received})
		opts := pipeline.DraftOptions{Received: received, Location: tokyo}
		r, err := app.InspectContext(context.Background(), raw, opts)
		if err != nil {
			t.Fatal(err)
		}
		compareInspect(t, path, r, raw, opts)
	}
	t.Logf("%d messages compared", len(files))
}

// compareInspect asserts r matches BuildDraft's draft of raw under opts.
func compareInspect(t *testing.T, path string, r app.InspectReport, raw []byte, opts pipeline.DraftOptions) {
	t.Helper()
	b, err := pipeline.BuildDraft(context.Background(), raw, opts)
	if err != nil {
		t.Fatalf("%s: BuildDraft: %v", path, err)
	}
	if r.Title != b.Draft.Title || r.Storage != b.Draft.Storage || r.Fallback != b.Fallback() || r.FallbackReason != b.Reason {
		t.Errorf("%s: inspect shows title %q (fallback %v %q), delivery publishes %q (fallback %v %q), storage equal: %v",
			path, r.Title, r.Fallback, r.FallbackReason, b.Draft.Title, b.Fallback(), b.Reason, r.Storage == b.Draft.Storage)
	}
	var want []app.InspectAttachment
	for _, a := range b.Draft.Attachments {
		sum := sha256.Sum256(a.Data)
		want = append(want, app.InspectAttachment{Filename: a.Filename, ContentType: a.ContentType, Size: len(a.Data), SHA256: hex.EncodeToString(sum[:]),
			Inline: a.Inline, ContentID: a.ContentID})
	}
	if fmt.Sprint(r.Attachments) != fmt.Sprint(want) && len(want)+len(r.Attachments) > 0 {
		t.Errorf("%s: inspect shows files %v, delivery publishes %v", path, r.Attachments, want)
	}
}

// TestInspectDatesInUTC: the fallback and converted titles are dated in
// UTC by default, whatever the zone of the received time (inspect and
// delivery used to differ).
func TestInspectDatesInUTC(t *testing.T) {
	t.Parallel()
	received := time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC).In(time.FixedZone("local", 5*3600))
	for raw, want := range map[string]string{
		" not an email\r\n":                     "Email received on 2026-11-26 23:30",
		"From: Bob <bob@example.org>\r\n\r\nhi": "Email from Bob on 2026-11-26 23:30",
	} {
		if r := app.Inspect([]byte(raw), received); r.Title != want {
			t.Errorf("title %q, want %q", r.Title, want)
		}
	}
}

func TestInspectCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := app.InspectContext(ctx, []byte("Subject: s\r\n\r\nx"), pipeline.DraftOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
