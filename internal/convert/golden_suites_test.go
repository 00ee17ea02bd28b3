package convert

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/mailparse"
)

// TestGoldenSuites runs the golden suites, testdata/golden/<suite>/<case>.eml:
// the storage body goes to <case>.golden.xhtml (checked for well-formed XML
// and allowlisted elements, as TestGolden's are) and what the page has
// besides, its title, files and warnings, to <case>.golden.meta. Both are
// rewritten by -update.
func TestGoldenSuites(t *testing.T) {
	t.Parallel()
	cases, err := filepath.Glob(filepath.Join("testdata", "golden", "*", "*.eml"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden suite cases: %v", err)
	}
	for _, path := range cases {
		name := filepath.Base(filepath.Dir(path)) + "/" + strings.TrimSuffix(filepath.Base(path), ".eml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runGoldenSuiteCase(t, path)
		})
	}
}

func runGoldenSuiteCase(t *testing.T, path string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mailparse.Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	d, err := Convert(msg, Options{Received: goldenReceived, Location: goldenReceived.Location()})
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	checkDraft(t, d)
	base := strings.TrimSuffix(path, ".eml")
	compareGolden(t, base+".golden.xhtml", d.Storage)
	compareMeta(t, base+".golden.meta", draftMeta(d))
}

// draftMeta describes what a draft has besides its body, one item a line.
func draftMeta(d *mailwiki.Draft) string {
	var b strings.Builder
	fmt.Fprintf(&b, "title: %s\n", d.Title)
	for _, a := range d.Attachments {
		fmt.Fprintf(&b, "file: %s (%s, %d bytes)\n", a.Filename, a.ContentType, len(a.Data))
	}
	for _, w := range d.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

// compareMeta compares got with the meta golden file (or rewrites it with
// -update) and reports differing lines.
func compareMeta(t *testing.T, path, got string) {
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
	if diff := lineDiff(string(want), got); diff != "" {
		t.Errorf("draft differs from %s (-want +got):\n%s", path, diff)
	}
}
