package convert

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/mailparse"
)

// FuzzConvert feeds raw bytes through mailparse.Parse and Convert (or
// Fallback when parsing fails): no panic, and every Draft keeps its contract.
func FuzzConvert(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.eml"))
	suites, _ := filepath.Glob(filepath.Join("testdata", "golden", "*", "*.eml"))
	for _, s := range append(seeds, suites...) {
		raw, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("Content-Type: text/html\r\n\r\n<p>&nbsp;<img src=cid:x><a href=javascript:x>y</a>"))
	f.Add([]byte(" no header\r\n"))
	f.Add([]byte("Content-Type: text/html\r\n\r\n<table bgcolor=#abc><tr><td style=\"color:rgb(1,2,3);background:#fff url(x)\"><font color=red>r</font><img src=cid:x width=10 style=width:20px></td></tr></table>"))
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

// FuzzStyle puts random values into the style, colour and size attributes
// the writer reads (style.go, paint.go): no panic, every Draft keeps its
// contract, and storage holds only the markup the writer builds itself
// (checkOnlyOwnMarkup): no Confluence element but ac:image and
// ri:attachment, and no style but spanStyle's.
func FuzzStyle(f *testing.F) {
	f.Add("color:#1F497D;background:yellow", "#f00", "600")
	f.Add("background:#eee url(x) repeat;color:rgba(0,0,0,.5)", "00ff00", "100%")
	f.Add("color:red;\" onmouseover=\"x", "red\"><ac:structured-macro ac:name=\"html\"/>", "1\"><ri:url/>")
	f.Add("display:none", "transparent", "2001")
	f.Fuzz(func(t *testing.T, style, colour, size string) {
		html := `<table bgcolor="` + colour + `"><tr style="` + style + `"><td style="` + style + `">a<span style="` + style +
			`">b<font color="` + colour + `">c</font></span><img src="cid:p@x" width="` + size + `" style="` + style +
			`"></td></tr></table><p style="` + style + `">d<mark style="` + style + `">e</mark></p>`
		msg := &mailwiki.Message{HTML: html, Attachments: []mailwiki.Attachment{
			{Filename: "p.png", ContentType: "image/png", ContentID: "<p@x>", Inline: true, Data: []byte("png")},
		}}
		d, err := Convert(msg, Options{})
		if err != nil {
			t.Fatalf("Convert: %v", err)
		}
		checkDraft(t, d)
		checkNoControls(t, d.Storage)
		checkOnlyOwnMarkup(t, d.Storage)
	})
}
