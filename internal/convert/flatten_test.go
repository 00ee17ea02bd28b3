package convert

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

// TestDeepHTML: HTML nested past x/net/html's limit is still shown: its
// text part when there is one, else its text flattened, with a warning.
func TestDeepHTML(t *testing.T) {
	t.Parallel()
	deep := func(n int, inner string) string {
		return "<html><body>" + strings.Repeat("<div>", n) + inner + strings.Repeat("</div>", n) + "</body></html>"
	}
	tests := []struct {
		name    string
		msg     mailwiki.Message
		want    []string
		not     []string
		warning string
	}{
		{"600 deep, no text part", mailwiki.Message{HTML: deep(600, "<p>Deep hello</p><p>see https://x.example/a</p>")},
			[]string{"<p>Deep hello</p>", `<a href="https://x.example/a">`}, nil, "its text is shown without formatting"},
		{"600 deep with a text part", mailwiki.Message{HTML: deep(600, "<p>HTML side</p>"), Text: "Plain side"},
			[]string{"<p>Plain side</p>"}, []string{"HTML side"}, "the text part is shown instead"},
		{"600 unknown elements", mailwiki.Message{HTML: strings.Repeat("<x-a>", 600) + "deep words"},
			[]string{"<p>deep words</p>"}, nil, "nested deeper than 500"},
		{"self-closed divs nest", mailwiki.Message{HTML: strings.Repeat("<div/>", 600) + "after"},
			[]string{"<p>after</p>"}, nil, "nested deeper than 500"},
		{"100000 deep", mailwiki.Message{HTML: strings.Repeat("<div>", 100000) + "bottom"},
			[]string{"<p>bottom</p>"}, nil, "nested deeper than 500"},
		{"scripts, styles and titles dropped", mailwiki.Message{HTML: "<head><title>T secret</title><style>p{}</style></head>" +
			deep(600, "<script>secret()</script>a<br>b<table><tr><td>c</td><td>d</td></tr></table>")},
			[]string{"<p>a<br/>b</p>\n<p>c d</p>"}, []string{"secret"}, "nested deeper"},
		{"controls and filler in deep text", mailwiki.Message{HTML: deep(600, "x\x01y\u200b\u200bz")},
			[]string{"<p>xyz</p>"}, nil, "control characters dropped"},
		{"only markup", mailwiki.Message{HTML: deep(600, "")}, []string{"This email has no text."}, nil, "nested deeper"},
		{"deep part of an assembled body", mailwiki.Message{Body: []mailwiki.BodyPart{
			{Kind: mailwiki.BodyText, Content: "first\x01"}, {Kind: mailwiki.BodyHTML, Content: deep(600, "second")}}},
			[]string{"<p>first</p>\n<p>second</p>"}, nil, "its text is shown without formatting"},
		{"cid image not shown, file listed", mailwiki.Message{HTML: deep(600, `text<img src="cid:i1">`),
			Attachments: []mailwiki.Attachment{{Filename: "i.png", ContentID: "i1", Inline: true, Data: []byte("PNG")}}},
			[]string{"<p>text</p>", `ri:filename="i.png"`}, nil, "nested deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := Convert(&tt.msg, Options{})
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			checkDraft(t, d)
			checkHolds(t, d.Storage, tt.want, tt.not)
			if !slices.ContainsFunc(d.Warnings, func(w string) bool { return strings.Contains(w, tt.warning) }) {
				t.Errorf("warnings %q: want one with %q", d.Warnings, tt.warning)
			}
		})
	}
}

func TestFlattenHTMLLimits(t *testing.T) {
	t.Parallel()
	_, err := flattenHTML(context.Background(), strings.Repeat("<div>", 600)+strings.Repeat("<b>secret</b>", 11), 10)
	checkLimit(t, err, "more than 10 elements")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = flattenHTML(ctx, strings.Repeat("<div>", 5000), 0)
	if mailwiki.ErrorCode(err) != mailwiki.EUNAVAILABLE || !mailwiki.IsTemporary(err) {
		t.Errorf("done context: err = %v, want temporary EUNAVAILABLE", err)
	}
}

// checkHolds asserts storage holds every string of want and none of not.
func checkHolds(t *testing.T, storage string, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(storage, w) {
			t.Errorf("storage %q: want %q", storage, w)
		}
	}
	for _, w := range not {
		if strings.Contains(storage, w) {
			t.Errorf("storage %q: want no %q", storage, w)
		}
	}
}
