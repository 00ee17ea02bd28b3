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

// FuzzFlowed feeds a format=flowed body (with or without delsp=yes, as
// the only part or beside an HTML part) through mailparse.Parse and
// Convert: no panic, every Draft keeps its contract, and no control
// character reaches storage.
func FuzzFlowed(f *testing.F) {
	f.Add("see https://x.example/quart \r\nerly-review?a=1&b=2 now\r\n", true, false)
	f.Add("> quoted \r\n>> deeper \r\n-- \r\n sig\r\n", false, true)
	f.Add("\u6765\u9031 \r\n\u306e\u4f1a\u8b70\x01\u0085\u200b\u200b\r\n", true, false)
	received := time.Date(2026, 11, 26, 14, 5, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string, delsp, withHTML bool) {
		ct := "text/plain; charset=utf-8; format=flowed"
		if delsp {
			ct += "; delsp=yes"
		}
		raw := "From: a@example.org\r\nSubject: f\r\nMIME-Version: 1.0\r\nContent-Type: " + ct + "\r\n\r\n" + body
		if withHTML {
			raw = "From: a@example.org\r\nSubject: f\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=zz\r\n\r\n--zz\r\n" +
				"Content-Type: " + ct + "\r\n\r\n" + body + "\r\n--zz\r\nContent-Type: text/html\r\n\r\n<p style=display:none>" + body + "</p>\r\n--zz--\r\n"
		}
		msg, err := mailparse.Parse([]byte(raw))
		if err != nil {
			return // not a message: FuzzConvert covers the fallback
		}
		d, err := Convert(msg, Options{Received: received})
		if err != nil {
			t.Fatalf("Convert: %v", err)
		}
		checkDraft(t, d)
		checkNoControls(t, d.Storage)
	})
}
