package convert

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

// checkLimit asserts err is the permanent ETOOLARGE limit error naming want.
func checkLimit(t *testing.T, err error, want string) {
	t.Helper()
	if !errors.Is(err, ErrLimit) || mailwiki.ErrorCode(err) != mailwiki.ETOOLARGE || mailwiki.IsTemporary(err) {
		t.Fatalf("err = %v (code %q), want a permanent %q limit error", err, mailwiki.ErrorCode(err), mailwiki.ETOOLARGE)
	}
	if msg := mailwiki.ErrorMessage(err); !strings.Contains(msg, want) || strings.Contains(msg, "secret") {
		t.Errorf("message %q: want it to name %q and no content", msg, want)
	}
}

func TestConvertLimits(t *testing.T) {
	t.Parallel()
	files := func(n int) []mailwiki.Attachment {
		atts := make([]mailwiki.Attachment, n)
		for i := range atts {
			atts[i] = mailwiki.Attachment{Filename: "f.bin", Data: []byte("x")}
		}
		return atts
	}
	tests := []struct {
		name string
		msg  *mailwiki.Message
		want string
	}{
		{"nested html with many elements", &mailwiki.Message{HTML: strings.Repeat("<div>", 100000) + strings.Repeat("<b>secret</b>", 100001)}, "more than 200000 elements"},
		{"deep and wide html", &mailwiki.Message{HTML: strings.Repeat("<div>", 400) + strings.Repeat("<p>secret</p>", 60000)}, "depth sum over 20000000"},
		{"unmatched end tags", &mailwiki.Message{HTML: strings.Repeat("<b>", 450) + strings.Repeat("</i>", 50000)}, "depth sum over"},
		{"many elements", &mailwiki.Message{HTML: strings.Repeat("<b>secret</b>", 200001)}, "more than 200000 elements"},
		{"data images", &mailwiki.Message{HTML: strings.Repeat(`<img src="data:image/png;base64,UE5H">`, 1001)}, "more than 1000 files"},
		{"attachments", &mailwiki.Message{Text: "t", Attachments: files(1001)}, "more than 1000 files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := ConvertContext(context.Background(), tt.msg, Options{})
			if d != nil {
				t.Errorf("draft returned with the error")
			}
			checkLimit(t, err, tt.want)
		})
	}
}

func TestConvertWithinLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		html string
	}{
		{"unclosed paragraphs", strings.Repeat("<p>para", 20000)},
		{"unclosed list items", "<ul>" + strings.Repeat("<li>item", 20000) + "</ul>"},
		{"sloppy table", "<table>" + strings.Repeat("<tr><td>a<td>b", 20000) + "</table>"},
		{"long thread of quotes", strings.Repeat("<div><blockquote>reply", 120) + strings.Repeat("</blockquote></div>", 120)},
		{"1000 data images", strings.Repeat(`<img src="data:image/png;base64,UE5H">`, 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := ConvertContext(context.Background(), &mailwiki.Message{HTML: tt.html}, Options{})
			if err != nil {
				t.Fatalf("ConvertContext: %v", err)
			}
			checkDraft(t, d)
		})
	}
}

func TestConvertCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, msg := range []*mailwiki.Message{{Text: "t"}, {HTML: strings.Repeat("<p>x</p>", 5000)}} {
		_, err := ConvertContext(ctx, msg, Options{})
		if !mailwiki.IsTemporary(err) || !errors.Is(err, context.Canceled) || errors.Is(err, ErrLimit) {
			t.Errorf("err = %v, want temporary with context.Canceled", err)
		}
	}
}

// TestManySameNames: Outlook names every inline image image001.png; the
// names stay unique and the work linear (the test would take minutes with
// the quadratic search).
func TestManySameNames(t *testing.T) {
	t.Parallel()
	const n = 9000
	var html strings.Builder
	atts := make([]mailwiki.Attachment, n)
	for i := range atts {
		cid := fmt.Sprintf("i%d@x", i)
		atts[i] = mailwiki.Attachment{Filename: "image001.png", ContentType: "image/png", ContentID: cid, Inline: true, Data: []byte("p")}
		html.WriteString(`<img src="cid:` + cid + `">`)
	}
	d, err := ConvertContext(context.Background(), &mailwiki.Message{HTML: html.String(), Attachments: atts}, Options{Limits: Limits{MaxFiles: n}})
	if err != nil {
		t.Fatal(err)
	}
	checkDraft(t, d)
	if got := d.Attachments[n-1].Filename; got != fmt.Sprintf("image001-%d.png", n-1) {
		t.Errorf("last name %q", got)
	}
}

func TestNamerResumesPerName(t *testing.T) {
	t.Parallel()
	n := newNamer()
	var got []string
	for _, name := range []string{"a.png", "a-1.png", "a.png", "a.png", "A.png", "b.png", "a.png"} {
		got = append(got, n.name(name, "image/png"))
	}
	want := "[a.png a-1.png a-2.png a-3.png A-4.png b.png a-5.png]"
	if fmt.Sprint(got) != want {
		t.Errorf("names %v, want %s", got, want)
	}
}

func TestURLWithManyParens(t *testing.T) {
	t.Parallel()
	text := "see http://example.org/a(b)" + strings.Repeat(")", 200000) + " now"
	d, err := ConvertContext(context.Background(), &mailwiki.Message{Text: text}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Storage, `<a href="http://example.org/a(b)">`) {
		t.Errorf("link not trimmed to its own parentheses: %.200s", d.Storage)
	}
}

func TestFallbackBounded(t *testing.T) {
	t.Parallel()
	received := time.Date(2026, 11, 26, 14, 5, 0, 0, time.UTC)
	deep := &mailwiki.Message{HTML: strings.Repeat("<div>", 100000) + "deep text" + strings.Repeat("</div>", 100000)}
	d := Fallback([]byte("raw"), deep, received)
	checkDraft(t, d)
	if !strings.Contains(d.Storage, "<p>deep text</p>") {
		t.Errorf("deep HTML's text missing from the fallback: %.300s", d.Storage)
	}
	huge := &mailwiki.Message{Text: strings.Repeat("line of text\n", MaxFallbackText/8)}
	d = Fallback([]byte("raw"), huge, received)
	checkDraft(t, d)
	if len(d.Storage) > MaxFallbackText*2 || !strings.Contains(d.Storage, "The text is shortened here.") {
		t.Errorf("fallback of %d bytes of text: storage %d bytes, want it shortened with a note", len(huge.Text), len(d.Storage))
	}
	if fmt.Sprint(d.Warnings) != "[converted with the text fallback fallback text shortened to 1.0 MB]" {
		t.Errorf("Warnings = %q", d.Warnings)
	}
	if d.Attachments[0].Filename != OriginalName || string(d.Attachments[0].Data) != "raw" {
		t.Errorf("original.eml missing: %+v", d.Attachments)
	}
}

func TestHTMLText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"<p>one<p>two", "\n\none\n\ntwo"},
		{"a<br>b<br/>c", "a\nb\nc"},
		{"<head><title>t</title><style>s{}</style></head>x", "x"},
		{"<select><option>a<option>b</select>after", "after"},
		{"<script>if (a < b) {}</script>ok &amp; done", "ok & done"},
		{"<noscript>never closed", ""},
		{"<div>a</div>b", "\n\na\n\nb"},
	}
	for _, tt := range tests {
		if got := htmlText(tt.in, 1000); got != tt.want {
			t.Errorf("htmlText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := htmlText(strings.Repeat("<p>abc</p>", 1000), 10); len(got) > 20 {
		t.Errorf("htmlText did not stop at its limit: %d bytes", len(got))
	}
}
