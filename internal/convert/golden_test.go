package convert

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/mailparse"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenReceived is the fixed arrival time used for every golden case.
var goldenReceived = time.Date(2026, 11, 26, 14, 5, 0, 0, time.UTC)

// goldenMeta is what each case must produce besides its storage body.
var goldenMeta = map[string]struct {
	title string
	files []string
}{
	"plain-links":       {"Meeting notes & links", nil},
	"newsletter-script": {"Weekly deals", nil},
	"alternative":       {"Alternative parts", nil},
	"related-cid":       {"Logo inline", []string{"logo.png"}},
	"applemail-split":   {"Site visit notes", []string{"wall.jpg", "Checklist.docx"}},
	"content-location":  {"Weekly chart", []string{"image-1.png", "image-2.png", "image003.png"}},
	"outlook-image001":  {"RE: Screenshots", []string{"image001.png", "image001-1.png", "image-1.gif"}},
	"attachments-only":  {"Files", []string{"report.pdf", "attachment-1.bin", "hidden.csv"}},
	"empty-subject":     {"Email from Frank Sender on 2026-11-26 14:05", nil},
	"charsets":          {"Änderungen für März", nil},
	"html-table":        {"Quarterly numbers", nil},
	"quoted-printable":  {"Soft line breaks", nil},
	"rfc2047-subject":   {"会議の議事録 – draft", nil},
	"nested-rfc822":     {"Fwd: original thread", []string{"original thread.eml", "unnamed inner.eml"}},
}

func TestGolden(t *testing.T) {
	t.Parallel()
	cases, err := filepath.Glob(filepath.Join("testdata", "golden", "*.eml"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	if len(cases) != len(goldenMeta) {
		t.Errorf("%d .eml cases but %d entries in goldenMeta", len(cases), len(goldenMeta))
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".eml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runGolden(t, path, name)
		})
	}
}

func runGolden(t *testing.T, path, name string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mailparse.Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	d, err := Convert(msg, Options{Received: goldenReceived, Location: time.UTC})
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	checkDraft(t, d)
	meta, ok := goldenMeta[name]
	if !ok {
		t.Fatalf("case %q missing from goldenMeta", name)
	}
	if d.Title != meta.title {
		t.Errorf("Title = %q, want %q", d.Title, meta.title)
	}
	var files []string
	for _, a := range d.Attachments {
		files = append(files, a.Filename)
	}
	if fmt.Sprint(files) != fmt.Sprint(meta.files) {
		t.Errorf("attachments = %q, want %q", files, meta.files)
	}
	compareGolden(t, strings.TrimSuffix(path, ".eml")+".golden.xhtml", d.Storage)
}

// compareGolden compares got with the golden file (or rewrites it with
// -update) and reports differing lines.
func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if err := CheckStorage(string(want)); err != nil {
		t.Errorf("golden file fails CheckStorage: %v", err)
	}
	if diff := lineDiff(string(want), got); diff != "" {
		t.Errorf("storage differs from %s (-want +got):\n%s", path, diff)
	}
}

// lineDiff returns the lines that differ between want and got, position by
// position, or "" when they are equal.
func lineDiff(want, got string) string {
	if want == got {
		return ""
	}
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}
