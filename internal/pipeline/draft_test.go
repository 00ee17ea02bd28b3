package pipeline_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/convert"
	"github.com/mailwiki/mailwiki/internal/mailparse/hostile"
	"github.com/mailwiki/mailwiki/internal/pipeline"
)

// draftReceived is the arrival time of the draft tests' messages.
var draftReceived = time.Date(2026, 11, 26, 14, 5, 0, 0, time.UTC)

// shapeLimits names, for every hostile shape, the limit its warning must
// name ("" when the message is converted).
var shapeLimits = map[string]string{
	"nested-multipart-8000":   "multipart nesting deeper than 50 levels",
	"sibling-parts-80000":     "more than 1000 MIME parts",
	"nested-html-100000":      "",
	"cid-images-9000":         "more than 1000 MIME parts",
	"data-images-100000":      "more than 1000 files on the page",
	"long-header-8MB":         "header block larger than 1048576 bytes",
	"many-headers-200000":     "header block larger than 1048576 bytes",
	"many-params-5000":        "Content-Type or Content-Disposition field over 8192 bytes or 100 parameters",
	"many-addresses-100000":   "header block larger than 1048576 bytes",
	"url-parens-1000000":      "",
	"text-parts-1000x20KB":    "text parts of",
	"deep-attachment-8x20MB":  "too much content inside nested multiparts",
	"deep-attachment-40x20MB": "too much content inside nested multiparts",
	"wide-html-500x1000000":   "HTML body has more than 200000 elements",
	"wide-html-100x2000000":   "HTML body too deeply nested for its size",
}

// TestBuildDraftHostileShapes: every pathological shape ends as a page (the
// text fallback with the original attached, or converted), never as an
// error that would make the delivery retry. Their cost is measured by
// bench/parse, not asserted here.
func TestBuildDraftHostileShapes(t *testing.T) {
	t.Parallel()
	for _, s := range hostile.Shapes() {
		want, ok := shapeLimits[s.Name]
		if !ok {
			t.Errorf("shape %s has no expectation in shapeLimits", s.Name)
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			raw := s.Make()
			b, err := pipeline.BuildDraft(context.Background(), raw, pipeline.DraftOptions{Received: draftReceived})
			if err != nil {
				t.Fatalf("BuildDraft: %v", err)
			}
			checkBuilt(t, raw, b, want)
		})
	}
}

// checkBuilt asserts a hostile message's outcome: converted when limit is
// "", else the fallback whose first warning names limit.
func checkBuilt(t *testing.T, raw []byte, b pipeline.Built, limit string) {
	t.Helper()
	if err := convert.CheckStorage(b.Draft.Storage); err != nil {
		t.Errorf("CheckStorage: %v", err)
	}
	if limit == "" {
		if b.Fallback() {
			t.Errorf("fallback %q, want converted (warnings %q)", b.Reason, b.Draft.Warnings)
		}
		return
	}
	if !strings.HasSuffix(b.Reason, ": "+mailwiki.ETOOLARGE) {
		t.Errorf("Reason = %q, want a limit", b.Reason)
	}
	if w := b.Draft.Warnings[0]; !strings.HasPrefix(w, "text fallback ("+b.Reason+"): ") || !strings.Contains(w, limit) || strings.Contains(w, "Mallory") {
		t.Errorf("first warning %q: want the reason and %q, no content", w, limit)
	}
	if a := b.Draft.Attachments; len(a) == 0 || a[0].Filename != convert.OriginalName || len(a[0].Data) != len(raw) {
		t.Errorf("original.eml not attached: %d attachments", len(a))
	}
}

func TestBuildDraftCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b, err := pipeline.BuildDraft(ctx, hostile.SiblingParts(10), pipeline.DraftOptions{})
	if !mailwiki.IsTemporary(err) || !errors.Is(err, context.Canceled) || b.Draft != nil {
		t.Errorf("BuildDraft = %+v, %v; want no draft and a temporary error with context.Canceled", b, err)
	}
}

func TestBuildDraftJobDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := pipeline.BuildDraft(ctx, hostile.SiblingParts(10), pipeline.DraftOptions{})
	if !mailwiki.IsTemporary(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want temporary with DeadlineExceeded: the job's deadline is retried", err)
	}
}

// TestBuildDraftTimeLimit: the draft's own time limit is a fallback, not a
// retry, while the job's context is live.
func TestBuildDraftTimeLimit(t *testing.T) {
	t.Parallel()
	raw := hostile.DeepAttachment(2, 1<<20)
	b, err := pipeline.BuildDraft(context.Background(), raw, pipeline.DraftOptions{
		Limits: pipeline.DraftLimits{Time: time.Nanosecond},
	})
	if err != nil {
		t.Fatalf("BuildDraft: %v", err)
	}
	if b.Reason != "parse: too_large" || b.Message != nil || !strings.Contains(b.Draft.Warnings[0], "took longer than 1ns") {
		t.Errorf("Reason %q, warnings %q: want a parse time-limit fallback", b.Reason, b.Draft.Warnings)
	}
}

func TestBuildDraftUnparseable(t *testing.T) {
	t.Parallel()
	raw := []byte(" This is a note, Secret, not an email.\r\n")
	b, err := pipeline.BuildDraft(context.Background(), raw, pipeline.DraftOptions{Received: draftReceived})
	if err != nil {
		t.Fatal(err)
	}
	if b.Reason != "parse: invalid" || b.Message != nil || !b.Fallback() {
		t.Errorf("Built %+v, want a parse fallback without message", b)
	}
	want := []string{"text fallback (parse: invalid): mailparse: the message structure cannot be read", "converted with the text fallback",
		"the message could not be read as an email: its raw text is shown"}
	if !slices.Equal(b.Draft.Warnings, want) {
		t.Errorf("Warnings = %q, want %q", b.Draft.Warnings, want)
	}
}

// TestBuildDraftDates: titles are dated in the options' location (UTC when
// nil), for the converted page and the fallback alike.
func TestBuildDraftDates(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	noSubject := []byte("From: Alice <alice@example.org>\r\nDate: Thu, 26 Nov 2026 01:00:00 +0900\r\n\r\nhello\r\n")
	notMail := []byte(" not an email\r\n")
	tests := []struct {
		name string
		raw  []byte
		loc  *time.Location
		want string
	}{
		{"converted, UTC", noSubject, nil, "Email from Alice on 2026-11-26 14:05"},
		{"converted, New York", noSubject, ny, "Email from Alice on 2026-11-26 09:05"},
		{"fallback, UTC", notMail, nil, "Email received on 2026-11-26 14:05"},
		{"fallback, New York", notMail, ny, "Email received on 2026-11-26 09:05"},
	}
	for _, tt := range tests {
		opts := pipeline.DraftOptions{Received: draftReceived.In(time.Local), Location: tt.loc}
		b, err := pipeline.BuildDraft(context.Background(), tt.raw, opts)
		if err != nil {
			t.Fatal(err)
		}
		if b.Draft.Title != tt.want {
			t.Errorf("%s: title %q, want %q", tt.name, b.Draft.Title, tt.want)
		}
		if fb := pipeline.FallbackDraft(tt.raw, b.Message, opts); strings.Contains(tt.want, "received") && fb.Title != tt.want {
			t.Errorf("%s: FallbackDraft title %q, want %q", tt.name, fb.Title, tt.want)
		}
	}
}

// TestBuildDraftGoldens: BuildDraft publishes exactly the converter's
// golden storage.
func TestBuildDraftGoldens(t *testing.T) {
	t.Parallel()
	cases, err := filepath.Glob("../convert/testdata/golden/*.eml")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, path := range cases {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(strings.TrimSuffix(path, ".eml") + ".golden.xhtml")
		if err != nil {
			t.Fatal(err)
		}
		b, err := pipeline.BuildDraft(context.Background(), raw, pipeline.DraftOptions{Received: draftReceived})
		if err != nil || b.Fallback() || b.Draft.Storage != string(want) {
			t.Errorf("%s: fallback %q, err %v, storage equal to golden: %v", path, b.Reason, err, b.Draft.Storage == string(want))
		}
	}
}

func TestBuildDraftMarksStages(t *testing.T) {
	t.Parallel()
	var stages []string
	mark := func(s string) { stages = append(stages, s) }
	_, _ = pipeline.BuildDraft(context.Background(), []byte("Subject: s\r\n\r\nbody\r\n"), pipeline.DraftOptions{Mark: mark})
	_, _ = pipeline.BuildDraft(context.Background(), []byte(" not mail"), pipeline.DraftOptions{Mark: mark})
	if want := []string{"parse", "convert", "parse"}; !slices.Equal(stages, want) {
		t.Errorf("stages %q, want %q", stages, want)
	}
}

// BenchmarkBuildDraftShapes: go test -run - -bench BuildDraftShapes ./internal/pipeline
// (bench/parse reports CPU time and memory per shape in separate processes).
func BenchmarkBuildDraftShapes(b *testing.B) {
	for _, s := range hostile.Shapes() {
		raw := s.Make()
		b.Run(s.Name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := pipeline.BuildDraft(context.Background(), raw, pipeline.DraftOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
