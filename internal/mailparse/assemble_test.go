package mailparse

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

// multipart builds a multipart entity from header lines and parts.
func multipart(ctype, boundary string, parts ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Content-Type: %s; boundary=%q\r\n\r\n", ctype, boundary)
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n" + p + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.String()
}

const (
	htmlPart  = "Content-Type: text/html; charset=utf-8\r\n\r\n<div>%s</div>"
	plainPart = "Content-Type: text/plain; charset=utf-8\r\n\r\n%s"
	jpegPart  = "Content-Type: image/jpeg; name=wall.jpg\r\nContent-Disposition: inline; filename=wall.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQSkZJRgABAQAAAQABAAD/2Q=="
	docPart   = "Content-Type: application/pdf; name=a.pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n%PDF"
)

func TestAssembleBody(t *testing.T) {
	t.Parallel()
	h := func(s string) string { return fmt.Sprintf(htmlPart, s) }
	p := func(s string) string { return fmt.Sprintf(plainPart, s) }
	tests := []struct {
		name  string
		body  string
		kinds string // H html, T text, I image
		atts  []string
	}{
		{"apple mail split html", multipart("multipart/alternative", "o", p("all"),
			multipart("multipart/mixed", "i", h("one"), jpegPart, h("two"), docPart, h("three"))),
			"HIHH", []string{"wall.jpg", "a.pdf"}},
		{"alternative inside mixed", multipart("multipart/mixed", "m",
			multipart("multipart/alternative", "a", p("one"), h("one")), docPart, p("footer")),
			"HT", []string{"a.pdf"}},
		{"text between html parts", multipart("multipart/mixed", "m", h("one"), p("two"), h("three")),
			"HTH", nil},
		{"related root by start", multipart(`multipart/related; start="<root@x>"`, "r",
			"Content-Type: image/png\r\nContent-ID: <img@x>\r\n\r\npng",
			"Content-Type: text/html\r\nContent-ID: <root@x>\r\n\r\n<p>r</p>"),
			"", []string{""}},
		{"single text stays in Text", multipart("multipart/mixed", "m", p("just text"), docPart), "", []string{"a.pdf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := Parse([]byte("From: a@example.org\r\nSubject: s\r\nMIME-Version: 1.0\r\n" + tt.body))
			if err != nil {
				t.Fatal(err)
			}
			var kinds strings.Builder
			for _, b := range msg.Body {
				kinds.WriteByte("THI"[b.Kind])
				if b.Kind == mailwiki.BodyImage && msg.Attachments[b.Attachment].Filename != "wall.jpg" {
					t.Errorf("image part shows %q", msg.Attachments[b.Attachment].Filename)
				}
			}
			if kinds.String() != tt.kinds {
				t.Errorf("body kinds %q, want %q", kinds.String(), tt.kinds)
			}
			var names []string
			for _, a := range msg.Attachments {
				names = append(names, a.Filename)
			}
			if fmt.Sprint(names) != fmt.Sprint(tt.atts) {
				t.Errorf("attachments %q, want %q (no body part as a file)", names, tt.atts)
			}
		})
	}
}

func TestContentLocations(t *testing.T) {
	t.Parallel()
	img := func(loc string) string {
		return "Content-Type: image/png\r\nContent-Location: " + loc + "\r\n\r\npng-" + loc
	}
	tests := []struct {
		name, header, loc, want string
	}{
		{"relative without base", "", "chart.png", "chart.png"},
		{"quoted", "", `"chart.png"`, "chart.png"},
		{"absolute", "", "http://intranet.example.org/c/chart.png", "http://intranet.example.org/c/chart.png"},
		{"relative to Content-Base", "Content-Base: http://example.org/base/\r\n", "chart.png", "http://example.org/base/chart.png"},
		{"relative to Content-Location of the multipart", "Content-Location: http://example.org/doc/\r\n", "chart.png", "http://example.org/doc/chart.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw := "From: a@example.org\r\nMIME-Version: 1.0\r\n" + tt.header +
				multipart("multipart/related", "r", "Content-Type: text/html\r\n\r\n<img src=x>", img(tt.loc))
			msg, err := Parse([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			i, ok := msg.Locations[tt.want]
			if !ok || i != 0 || len(msg.Attachments) != 1 {
				t.Errorf("Locations = %v, attachments %d; want %q → 0", msg.Locations, len(msg.Attachments), tt.want)
			}
		})
	}
}
