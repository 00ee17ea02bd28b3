package convert

import (
	"context"
	"testing"

	"github.com/mailwiki/mailwiki"
)

func TestHTMLBody(t *testing.T) {
	t.Parallel()
	atts := []mailwiki.Attachment{
		{Filename: "a.png", ContentType: "image/png", ContentID: "<Pic@X>", Inline: true, Data: []byte("png")},
		{Filename: "doc 1.pdf", ContentType: "application/pdf", ContentID: "doc%201@x", Data: []byte("pdf")},
	}
	tests := []struct {
		name, in, want string
	}{
		{"plain paragraph", "<p>hi</p>", "<p>hi</p>\n"},
		{"script dropped", "<p>a<script>alert(1)</script>b</p>", "<p>ab</p>\n"},
		{"style dropped", "<style>p{}</style><p>x</p>", "<p>x</p>\n"},
		{"comment dropped", "<p>a<!-- secret -->b</p>", "<p>ab</p>\n"},
		{"event handler dropped", `<p onclick="x()">t</p>`, "<p>t</p>\n"},
		{"javascript link unwrapped", `<a href="javascript:alert(1)">t</a>`, "t"},
		{"relative link unwrapped", `<a href="/x">t</a>`, "t"},
		{"mailto kept", `<a href="mailto:a@b.c">m</a>`, `<a href="mailto:a@b.c">m</a>`},
		{"https kept with escaped query", `<a href="https://x.example/?a=1&amp;b=2">q</a>`, `<a href="https://x.example/?a=1&amp;b=2">q</a>`},
		{"void input does not swallow text", `<p>a<input name="q">b</p><p>c</p>`, "<p>ab</p>\n<p>c</p>\n"},
		{"meta in body does not swallow text", `<meta charset="x"><p>still here</p>`, "<p>still here</p>\n"},
		{"br self-closed", "a<br>b", "a<br/>b"},
		{"named entity as utf8", "&nbsp;&eacute;&hellip;&copy;", "\u00a0é…©"},
		{"text escaped", "&lt;b&gt; &amp; \"q\"", "&lt;b&gt; &amp; \"q\""},
		{"unknown element unwrapped", "<center><font>x</font></center>", "x"},
		{"table with spans", `<table><tr><td colspan="2" style="x">a</td><td rowspan="0">b</td></tr></table>`,
			"<table><tbody><tr><td colspan=\"2\">a</td><td>b</td></tr>\n</tbody>\n</table>\n"},
		{"cid image case-insensitive", `<img src="cid:pic@x" alt="A">`,
			`<ac:image ac:alt="A"><ri:attachment ri:filename="a.png"/></ac:image>`},
		{"cid url-escaped", `<img src="cid:doc%201@x">`, `<ac:image><ri:attachment ri:filename="doc 1.pdf"/></ac:image>`},
		{"unknown cid gives alt", `<img src="cid:nope" alt="gone">`, "[gone]"},
		{"remote image becomes a link", `<img src="https://x.example/i.png?a=1&b=2">`,
			`<a href="https://x.example/i.png?a=1&amp;b=2">x.example</a>`},
		{"javascript image dropped", `<img src="javascript:alert(1)">`, ""},
		{"control characters dropped", "a\x01b\u0085c", "abc"},
		{"svg dropped", "<svg><text>x</text></svg>y", "y"},
		{"pre keeps spaces", "<pre>a\n  b</pre>", "<pre>a\n  b</pre>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, _, err := htmlBody(context.Background(), tt.in, newFileSet(atts), DefaultLimits())
			if err != nil {
				t.Fatalf("htmlBody(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("htmlBody(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if err := CheckStorage(got); err != nil {
				t.Errorf("CheckStorage: %v", err)
			}
		})
	}
}

func TestDataImage(t *testing.T) {
	t.Parallel()
	files := newFileSet(nil)
	got, visible, _, err := htmlBody(context.Background(), `<img src="data:image/png;base64,cG5n"><img src="data:text/html;base64,PGI+">`, files, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := `<ac:image><ri:attachment ri:filename="image-1.png"/></ac:image>`
	if got != want || !visible {
		t.Errorf("got %q (visible %v), want %q", got, visible, want)
	}
	if len(files.files) != 1 || string(files.files[0].Data) != "png" || files.files[0].ContentType != "image/png" {
		t.Errorf("files = %+v, want one decoded image/png", files.files)
	}
}
