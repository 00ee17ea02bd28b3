package convert

import (
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

func TestConvertNil(t *testing.T) {
	t.Parallel()
	if _, err := Convert(nil, Options{}); mailwiki.ErrorCode(err) != mailwiki.EINVALID {
		t.Errorf("Convert(nil) error = %v, want EINVALID", err)
	}
}

func TestConvertBodies(t *testing.T) {
	t.Parallel()
	png := []byte("png")
	tests := []struct {
		name     string
		msg      mailwiki.Message
		contains []string
		files    []string
	}{
		{"html preferred", mailwiki.Message{Text: "plain", HTML: "<p>rich</p>"}, []string{"<p>rich</p>"}, nil},
		{"empty html falls back to text", mailwiki.Message{Text: "plain words", HTML: "<script>x</script>"},
			[]string{"<p>plain words</p>"}, nil},
		{"nothing at all", mailwiki.Message{}, []string{"This email has no text."}, nil},
		{"inline part unreferenced is listed", mailwiki.Message{HTML: "<p>x</p>", Attachments: []mailwiki.Attachment{
			{Filename: "a.png", ContentID: "a@x", Inline: true, Data: png}}},
			[]string{"<h2>Attachments</h2>", `<ac:link><ri:attachment ri:filename="a.png"/></ac:link> (3 B)`}, []string{"a.png"}},
		{"text message lists inline images", mailwiki.Message{Text: "t", Attachments: []mailwiki.Attachment{
			{Filename: "a.png", ContentID: "a@x", Inline: true, Data: png}, {Filename: "a.png", Data: png}, {Filename: "e"}}},
			[]string{`ri:filename="a.png"`, `ri:filename="a-1.png"`}, []string{"a.png", "a-1.png"}},
		{"same image referenced twice is uploaded once", mailwiki.Message{HTML: `<img src="cid:a@x"><img src="CID:<A@X>">`,
			Attachments: []mailwiki.Attachment{{Filename: "a.png", ContentID: "a@x", Inline: true, Data: png}}},
			[]string{`<ac:image><ri:attachment ri:filename="a.png"/></ac:image><ac:image>`}, []string{"a.png"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := Convert(&tt.msg, Options{})
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			checkDraft(t, d)
			for _, s := range tt.contains {
				if !strings.Contains(d.Storage, s) {
					t.Errorf("storage lacks %q:\n%s", s, d.Storage)
				}
			}
			var names []string
			for _, a := range d.Attachments {
				names = append(names, a.Filename)
			}
			if strings.Join(names, "|") != strings.Join(tt.files, "|") {
				t.Errorf("files = %q, want %q", names, tt.files)
			}
		})
	}
}
