package convert

import (
	"regexp"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

func TestAssembledBody(t *testing.T) {
	t.Parallel()
	atts := []mailwiki.Attachment{
		{Filename: "wall.jpg", ContentType: "image/jpeg", Data: jpegBytes},
		{Filename: "roof.png", ContentType: "image/png", ContentID: "roof@x", Data: onePixelPNG},
		{Filename: "Checklist.docx", ContentType: "application/octet-stream", Data: []byte("PK")},
		{Filename: "logo.svg", ContentType: "image/svg+xml", Data: []byte("<svg/>")},
	}
	html := func(s string) mailwiki.BodyPart {
		return mailwiki.BodyPart{Kind: mailwiki.BodyHTML, Content: "<html><body>" + s + "</body></html>"}
	}
	image := func(i int) mailwiki.BodyPart { return mailwiki.BodyPart{Kind: mailwiki.BodyImage, Attachment: i} }
	text := func(s string) mailwiki.BodyPart { return mailwiki.BodyPart{Kind: mailwiki.BodyText, Content: s} }
	tests := []struct {
		name  string
		body  []mailwiki.BodyPart
		order string // regexp over the storage
		list  []string
	}{
		{"html, image, html, html", []mailwiki.BodyPart{html("<div>one</div>"), image(0), html("<div>two</div>"), html("<div>three</div>")},
			`one.*ri:filename="wall.jpg".*two.*three`, []string{"roof.png", "Checklist.docx", "logo.svg"}},
		{"text between html parts", []mailwiki.BodyPart{html("<p>one</p>"), text("plain two"), html("<p>three</p>")},
			`one.*plain two.*three`, []string{"wall.jpg", "roof.png", "Checklist.docx", "logo.svg"}},
		{"two images between parts", []mailwiki.BodyPart{html("a"), image(0), image(1), html("b")},
			`a.*wall.jpg.*roof.png.*b`, []string{"Checklist.docx", "logo.svg"}},
		{"image shown by cid once", []mailwiki.BodyPart{image(1), html(`x<img src="cid:roof@x">y`)},
			`^x<ac:image><ri:attachment ri:filename="roof.png"/></ac:image>y`, []string{"wall.jpg", "Checklist.docx", "logo.svg"}},
		{"svg image part only listed", []mailwiki.BodyPart{html("a"), image(3)},
			`^a\n?<h2>Attachments`, []string{"wall.jpg", "roof.png", "Checklist.docx", "logo.svg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := Convert(&mailwiki.Message{Body: tt.body, Attachments: atts}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkDraft(t, d)
			if !regexp.MustCompile(`(?s)` + tt.order).MatchString(d.Storage) {
				t.Errorf("storage does not match %s:\n%s", tt.order, d.Storage)
			}
			list := d.Storage[max(0, strings.Index(d.Storage, "<h2>Attachments")):]
			for _, name := range tt.list {
				if !strings.Contains(list, `ri:filename="`+name+`"`) {
					t.Errorf("%s not listed:\n%s", name, d.Storage)
				}
			}
		})
	}
}

func TestAssembledBodyEmptyUsesText(t *testing.T) {
	t.Parallel()
	msg := &mailwiki.Message{Text: "the text", Body: []mailwiki.BodyPart{{Kind: mailwiki.BodyHTML, Content: "<div></div>"}}}
	d, err := Convert(msg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Storage, "the text") {
		t.Errorf("storage %q lacks the text body", d.Storage)
	}
}
