package convert

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/mailparse"
)

// FuzzConvert feeds raw bytes through mailparse.Parse and Convert (or
// Fallback when parsing fails): no panic, and every Draft keeps its contract.
func FuzzConvert(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.eml"))
	for _, s := range seeds {
		raw, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("Content-Type: text/html\r\n\r\n<p>&nbsp;<img src=cid:x><a href=javascript:x>y</a>"))
	f.Add([]byte(" no header\r\n"))
	received := time.Date(2026, 11, 26, 14, 5, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		msg, err := mailparse.Parse(raw)
		if err != nil {
			checkDraft(t, Fallback(raw, nil, received))
			return
		}
		d, err := Convert(msg, Options{Received: received})
		if err != nil {
			t.Fatalf("Convert: %v", err)
		}
		checkDraft(t, d)
		checkDraft(t, Fallback(raw, msg, received))
	})
}
