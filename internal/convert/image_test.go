package convert

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

// onePixelPNG is a valid 1×1 PNG.
var onePixelPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

// jpegBytes starts like a JPEG file.
var jpegBytes, _ = base64.StdEncoding.DecodeString("/9j/4AAQSkZJRgABAQAAAQABAAD/2Q==")

func TestImageReferences(t *testing.T) {
	t.Parallel()
	atts := []mailwiki.Attachment{
		{Filename: "a.png", ContentType: "image/png", ContentID: "<Pic@X>", Inline: true, Data: []byte("png-a")},
		{ContentType: "image/png", Data: []byte("png-rel")},
		{ContentType: "image/png", Data: []byte("png-abs")},
		{Filename: "image003.png", ContentType: "image/png", ContentID: "image003.png", Inline: true, Data: []byte("png-3")},
		{Filename: "logo.svg", ContentType: "image/svg+xml", ContentID: "svg@x", Inline: true, Data: []byte("<svg/>")},
	}
	locations := map[string]int{
		"http://mail.example/root/chart-a.png": 1,
		"chart-a.png":                          1,
		"http://intranet.example.org/b.png":    2,
	}
	img := func(name string) string { return `<ri:attachment ri:filename="` + name + `"/>` }
	tests := []struct {
		name, base, in, want string
	}{
		{"cid with scheme", "", `<img src="cid:pic@x">`, img("a.png")},
		{"cid in upper case scheme", "", `<img src="CID:Pic@X">`, img("a.png")},
		{"cid with angle brackets", "", `<img src="cid:&lt;pic@x&gt;">`, img("a.png")},
		{"cid without scheme", "", `<img src="image003.png">`, img("image003.png")},
		{"cid without scheme, other case", "", `<img src="IMAGE003.PNG">`, img("image003.png")},
		{"relative location without base", "", `<img src="chart-a.png">`, img("image-1.png")},
		{"relative location with base", "http://mail.example/root/", `<img src="chart-a.png">`, img("image-1.png")},
		{"relative location with a document base", "http://mail.example/root/page.html", `<img src="./chart-a.png">`, img("image-1.png")},
		{"absolute location", "", `<img src="http://INTRANET.example.org/b.png">`, img("image-2.png")},
		{"remote image is a link with its alt", "", `<img src="https://cdn.example/x.png" alt="Logo">`, `<a href="https://cdn.example/x.png">Logo</a>`},
		{"remote image without alt shows the host", "", `<img src="https://cdn.example/x.png">`, `<a href="https://cdn.example/x.png">cdn.example</a>`},
		{"remote image in a link is text", "", `<a href="https://shop.example/">buy <img src="https://cdn.example/b.png" alt="now"></a>`, `<a href="https://shop.example/">buy now</a>`},
		{"remote tracking pixel dropped", "", `<p>x<img src="https://t.example/p.gif" width="1" height="1"></p>`, "<p>x</p>\n"},
		{"svg by cid only listed", "", `<img src="cid:svg@x" alt="S">`, "[S]"},
		{"unknown relative source gives alt", "", `<img src="nothing.png" alt="N">`, "[N]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := newFileSet(atts)
			files.locate(locations)
			files.base = tt.base
			got, _, _, err := htmlBody(context.Background(), tt.in, files, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("htmlBody(%q)\n got %q\nwant it to contain %q", tt.in, got, tt.want)
			}
			if strings.Contains(got, "ri:url") {
				t.Errorf("remote image embedded: %q", got)
			}
			if err := CheckStorage(got); err != nil {
				t.Errorf("CheckStorage: %v", err)
			}
		})
	}
}

func TestDataImageVariants(t *testing.T) {
	t.Parallel()
	png := base64.StdEncoding.EncodeToString(onePixelPNG)
	jpg := base64.StdEncoding.EncodeToString(jpegBytes)
	tests := []struct {
		name, src, wantType string
		fixed               bool
	}{
		{"lower case", "data:image/png;base64," + png, "image/png", false},
		{"upper case", "DATA:IMAGE/PNG;BASE64," + png, "image/png", false},
		{"image/jpg", "data:image/jpg;base64," + jpg, "image/jpeg", true},
		{"image/pjpeg", "data:image/pjpeg;base64," + jpg, "image/jpeg", true},
		{"mislabelled as png", "data:image/png;base64," + jpg, "image/jpeg", true},
		{"white space in base64", "data:image/png;base64," + png[:10] + "\r\n \t" + png[10:], "image/png", false},
		{"charset parameter", "data:image/png;charset=utf-8;base64," + png, "image/png", false},
		{"missing padding", "data:image/png;base64," + strings.TrimRight(png, "="), "image/png", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := newFileSet(nil)
			got, _, warnings, err := htmlBody(context.Background(), `<p>a</p><img src="`+tt.src+`"><p>b</p>`, files, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if len(files.files) != 1 || files.files[0].ContentType != tt.wantType || !files.shown[0] {
				t.Fatalf("files = %+v, want one shown %s", files.files, tt.wantType)
			}
			if !strings.Contains(got, `<ri:attachment ri:filename="`+files.files[0].Filename+`"/>`) {
				t.Errorf("image not shown: %q", got)
			}
			if fixed := strings.Contains(strings.Join(warnings, "|"), "media type corrected"); fixed != tt.fixed {
				t.Errorf("warnings %q: corrected = %v, want %v", warnings, fixed, tt.fixed)
			}
		})
	}
}

func TestDataImageSVGOnlyAttached(t *testing.T) {
	t.Parallel()
	files := newFileSet(nil)
	src := "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`))
	got, _, warnings, err := htmlBody(context.Background(), `<img src="`+src+`" alt="S">`, files, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "ac:image") || len(files.files) != 1 || files.shown[0] || len(warnings) == 0 {
		t.Errorf("got %q, files %+v, warnings %q: want the SVG listed, not shown, with a warning", got, files.files, warnings)
	}
}

func TestDropDecorations(t *testing.T) {
	t.Parallel()
	big := make([]byte, maxLogoBytes+1)
	copy(big, onePixelPNG)
	atts := []mailwiki.Attachment{
		{Filename: "shown.png", ContentType: "image/png", ContentID: "s@x", Inline: true, Data: onePixelPNG},
		{Filename: "repeat.png", ContentType: "image/png", ContentID: "r@x", Inline: true, Data: append([]byte(nil), onePixelPNG...)},
		{Filename: "pixel.gif", ContentType: "image/gif", ContentID: "p@x", Inline: true, Data: []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")},
		{Filename: "photo.png", ContentType: "image/png", Data: jpegBytes},
		{Filename: "attached-pixel.png", ContentType: "image/png", Data: onePixelPNG[:len(onePixelPNG)-1]},
		{Filename: "big.png", ContentType: "image/png", ContentID: "b@x", Inline: true, Data: big},
		{Filename: "report.pdf", ContentType: "application/pdf", Data: []byte("%PDF")},
	}
	d, err := Convert(&mailwiki.Message{HTML: `<img src="cid:s@x">`, Attachments: atts}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkDraft(t, d)
	var names []string
	for _, a := range d.Attachments {
		names = append(names, a.Filename)
	}
	want := "shown.png photo.png attached-pixel.png big.png report.pdf"
	if strings.Join(names, " ") != want {
		t.Errorf("attachments %q, want %q", names, want)
	}
	w := strings.Join(d.Warnings, "|")
	if !strings.Contains(w, "1 repeated image(s)") || !strings.Contains(w, "1 small inline image(s)") {
		t.Errorf("warnings %q lack the drops", d.Warnings)
	}
}
