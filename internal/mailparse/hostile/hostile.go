// Package hostile generates pathological email messages: shapes that make a
// naive parser or converter spend time or memory growing faster than the
// message's size (deep nesting, huge part counts, long headers, …). Tests
// and bench/parse use them so that no giant fixture file is needed.
//
// Every generator is deterministic and returns the message in wire form
// (CRLF line ends). Sizes are parameters so that tests can scale a shape
// down or up; Shapes lists the sizes the budget is measured at.
package hostile

import (
	"bytes"
	"fmt"
	"strings"
)

// Shape is one named pathological message.
type Shape struct {
	Name string
	Make func() []byte
}

// Shapes returns every shape at the size the budget must handle in under a
// second of CPU (see bench/parse).
func Shapes() []Shape {
	return []Shape{
		{"nested-multipart-8000", func() []byte { return NestedMultipart(8000) }},
		{"sibling-parts-80000", func() []byte { return SiblingParts(80000) }},
		{"nested-html-100000", func() []byte { return NestedHTML(100000) }},
		{"cid-images-9000", func() []byte { return CIDImages(9000) }},
		{"data-images-100000", func() []byte { return DataImages(100000) }},
		{"long-header-8MB", func() []byte { return LongHeader(8 << 20) }},
		{"many-headers-200000", func() []byte { return ManyHeaders(200000) }},
		{"many-params-5000", func() []byte { return ManyParams(5000) }},
		{"many-addresses-100000", func() []byte { return ManyAddresses(100000) }},
		{"url-parens-1000000", func() []byte { return URLParens(1000000) }},
		{"text-parts-1000x20KB", func() []byte { return TextParts(1000, 20<<10) }},
		{"deep-attachment-8x20MB", func() []byte { return DeepAttachment(8, 20<<20) }},
		{"deep-attachment-40x20MB", func() []byte { return DeepAttachment(40, 20<<20) }},
		{"wide-html-500x1000000", func() []byte { return WideHTML(500, 1000000) }},
		{"wide-html-100x2000000", func() []byte { return WideHTML(100, 2000000) }},
	}
}

// head is the header block shared by the shapes, ending with Content-Type.
func head(contentType string) string {
	return "From: Mallory <mallory@example.org>\r\nTo: docs@wiki.example.com\r\n" +
		"Subject: hostile\r\nMIME-Version: 1.0\r\nContent-Type: " + contentType + "\r\n\r\n"
}

// NestedMultipart returns multipart/mixed parts nested depth levels deep,
// with one text part at the bottom.
func NestedMultipart(depth int) []byte {
	var b bytes.Buffer
	b.WriteString(head(`multipart/mixed; boundary="b0"`))
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i, i+1)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nbottom\r\n", depth)
	for i := depth; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

// SiblingParts returns a multipart/mixed message with n small text parts.
func SiblingParts(n int) []byte {
	var b bytes.Buffer
	b.WriteString(head(`multipart/mixed; boundary="s"`))
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "--s\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i)
	}
	b.WriteString("--s--\r\n")
	return b.Bytes()
}

// TextParts returns a multipart/mixed message with n text parts of size
// bytes each: enmime joins text parts one by one.
func TextParts(n, size int) []byte {
	line := strings.Repeat("x", 76) + "\r\n"
	body := strings.Repeat(line, size/len(line)+1)
	var b bytes.Buffer
	b.WriteString(head(`multipart/mixed; boundary="t"`))
	for i := 0; i < n; i++ {
		b.WriteString("--t\r\nContent-Type: text/plain\r\n\r\n" + body)
	}
	b.WriteString("--t--\r\n")
	return b.Bytes()
}

// NestedHTML returns an HTML body of n nested <div> elements.
func NestedHTML(n int) []byte {
	return []byte(head("text/html; charset=utf-8") +
		strings.Repeat("<div>", n) + "deep" + strings.Repeat("</div>", n) + "\r\n")
}

// CIDImages returns a multipart/related message whose HTML shows n inline
// images, every one called image001.png (as Outlook names them).
func CIDImages(n int) []byte {
	var b bytes.Buffer
	b.WriteString(head(`multipart/related; boundary="r"`))
	b.WriteString("--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "<img src=\"cid:i%d@x\">", i)
	}
	b.WriteString("</p>\r\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "--r\r\nContent-Type: image/png\r\nContent-ID: <i%d@x>\r\n"+
			"Content-Disposition: inline; filename=\"image001.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\nUE5H\r\n", i)
	}
	b.WriteString("--r--\r\n")
	return b.Bytes()
}

// DataImages returns an HTML body with n data: URL images.
func DataImages(n int) []byte {
	img := `<img src="data:image/png;base64,UE5H">`
	return []byte(head("text/html; charset=utf-8") + "<p>" + strings.Repeat(img, n) + "</p>\r\n")
}

// LongHeader returns a message whose Subject is about size bytes of
// encoded words, folded at 76 characters.
func LongHeader(size int) []byte {
	word := "=?UTF-8?Q?caf=C3=A9?="
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: ")
	for b.Len() < size {
		b.WriteString(word + "\r\n " + word + " plain words here\r\n ")
	}
	b.WriteString("end\r\nContent-Type: text/plain\r\n\r\nbody\r\n")
	return []byte(b.String())
}

// ManyHeaders returns a message with n header fields.
func ManyHeaders(n int) []byte {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "X-Header-%d: value %d\r\n", i%100, i)
	}
	return []byte(b.String() + head("text/plain") + "body\r\n")
}

// ManyParams returns an attachment whose file name is split into n RFC 2231
// continuations.
func ManyParams(n int) []byte {
	var b strings.Builder
	b.WriteString(head(`multipart/mixed; boundary="p"`))
	b.WriteString("--p\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--p\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, ";\r\n filename*%d=\"n%d\"", i, i)
	}
	b.WriteString("\r\n\r\n%PDF\r\n--p--\r\n")
	return []byte(b.String())
}

// ManyAddresses returns a message with n addresses in To.
func ManyAddresses(n int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nTo: ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",\r\n ")
		}
		fmt.Fprintf(&b, "User %d <u%d@example.org>", i, i)
	}
	b.WriteString("\r\nSubject: many\r\nContent-Type: text/plain\r\n\r\nbody\r\n")
	return []byte(b.String())
}

// URLParens returns a text body with a URL followed by n closing
// parentheses: trimming trailing punctuation must not rescan the URL.
func URLParens(n int) []byte {
	return []byte(head("text/plain") + "see http://example.org/" + strings.Repeat(")", n) + "\r\n")
}

// DeepAttachment returns an attachment of size bytes (base64) inside
// multipart/mixed parts nested depth levels deep: every byte of it passes
// through one boundary reader per level.
func DeepAttachment(depth, size int) []byte {
	var b bytes.Buffer
	b.WriteString(head(`multipart/mixed; boundary="b0"`))
	for i := 0; i < depth-1; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i, i+1)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\n", depth-1)
	line := strings.Repeat("QUJD", 19) + "\r\n"
	for n := 0; n < size; n += len(line) {
		b.WriteString(line)
	}
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

// WideHTML returns an HTML body that opens depth <div> elements and then
// holds n small <div> elements at that depth: an HTML parser that walks its
// stack of open elements for every tag does depth × n steps.
func WideHTML(depth, n int) []byte {
	return []byte(head("text/html; charset=utf-8") + strings.Repeat("<div>", depth) +
		strings.Repeat("<div>x</div>", n) + strings.Repeat("</div>", depth) + "\r\n")
}
