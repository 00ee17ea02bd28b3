package convert

import (
	"testing"

	"github.com/mailwiki/mailwiki/internal/mailparse"
)

func TestTextBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"paragraphs and breaks", "a\nb\n\n\n c \r\n", "<p>a<br/>b</p>\n<p> c</p>\n"},
		{"escaped", "<b>&amp;</b>", "<p>&lt;b&gt;&amp;amp;&lt;/b&gt;</p>\n"},
		{"url trailing dot", "see https://x.example/a.", `<p>see <a href="https://x.example/a">https://x.example/a</a>.</p>` + "\n"},
		{"url in parens", "(http://x.example/a)", `<p>(<a href="http://x.example/a">http://x.example/a</a>)</p>` + "\n"},
		{"www", "www.x.example", `<p><a href="https://www.x.example">www.x.example</a></p>` + "\n"},
		{"mailto", "mailto:a@x.example", `<p><a href="mailto:a@x.example">mailto:a@x.example</a></p>` + "\n"},
		{"query escaped", "http://x.example/?a=1&b=<2>", `<p><a href="http://x.example/?a=1&amp;b=">http://x.example/?a=1&amp;b=</a>&lt;2&gt;</p>` + "\n"},
		{"bare scheme not linked", "http:// and www.", "<p>http:// and www.</p>\n"},
		{"javascript not linked", "javascript:alert(1)", "<p>javascript:alert(1)</p>\n"},
		{"empty", " \n\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := textBody(tt.in, true)
			if got != tt.want {
				t.Errorf("textBody(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if err := CheckStorage(got); err != nil {
				t.Errorf("CheckStorage: %v", err)
			}
		})
	}
}

func TestMayHoldURL(t *testing.T) {
	t.Parallel()
	for line, want := range map[string]bool{
		"plain words only":            false,
		"see https://example.org":     true,
		"WWW.Example.org":             true,
		"write to MAILTO:a@b.c":       true,
		"ftp://host/file":             true, // the regexp decides what links
		"www without a dot":           false,
		"an email a@b.c is not a URL": false,
	} {
		if got := mayHoldURL(line); got != want {
			t.Errorf("mayHoldURL(%q) = %v, want %v", line, got, want)
		}
	}
}

// TestFlowedText: format=flowed bodies, parsed by mailparse, become whole
// paragraphs whose URLs are linked whole.
func TestFlowedText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, params, body string
		want               []string
	}{
		{"URL cut with delsp", "; delsp=yes", "Link: https://meet.example.org/rooms/quarterly- \r\nreview-2026-03?pin=40417&lang=en  \r\nand join.\r\n",
			[]string{`<p>Link: <a href="https://meet.example.org/rooms/quarterly-review-2026-03?pin=40417&amp;lang=en">https://meet.example.org/rooms/quarterly-review-2026-03?pin=40417&amp;lang=en</a> and join.</p>`}},
		{"URL on its own flowed line", "", "Link: \r\nhttps://x.example/a/long/path \r\nand more.\r\n",
			[]string{`<p>Link: <a href="https://x.example/a/long/path">https://x.example/a/long/path</a> and more.</p>`}},
		{"CJK with delsp", "; delsp=yes", "来週の会議は第二 \r\n会議室で行います。\r\n", []string{"<p>来週の会議は第二会議室で行います。</p>"}},
		{"quoted flowed", "", "> quoted long \r\n> line\r\n\r\nreply\r\n", []string{"<p>&gt; quoted long line</p>", "<p>reply</p>"}},
		{"fixed lines stay lines", "", "one\r\ntwo \r\nthree\r\n", []string{"<p>one<br/>two three</p>"}},
		{"signature", "", "Bye \r\n-- \r\nKei\r\n", []string{"<p>Bye<br/>--<br/>Kei</p>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw := "From: a@example.org\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8; format=flowed" +
				tt.params + "\r\n\r\n" + tt.body
			msg, err := mailparse.Parse([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			d, err := Convert(msg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkDraft(t, d)
			checkHolds(t, d.Storage, tt.want, nil)
		})
	}
}
