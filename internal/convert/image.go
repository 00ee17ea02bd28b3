package convert

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// image writes an <img>. An image of the message itself (cid:, a
// Content-ID without the scheme, a Content-Location) or a data: image
// becomes an ac:image of the attachment. A remote image is never loaded,
// neither by the server nor by the page's readers: it becomes a link with
// its alt text (or host), and a tracking pixel is dropped. SVG is only
// attached, never shown. Anything else is replaced by its alt text, if any.
// Each of these cases but the first adds a warning.
func (w *htmlWriter) image(n *html.Node) {
	src, alt := strings.TrimSpace(attr(n, "src")), strings.TrimSpace(attr(n, "alt"))
	lower := strings.ToLower(src)
	switch {
	case strings.HasPrefix(lower, "cid:"):
		if i := w.files.cidFile(src[len("cid:"):]); i >= 0 {
			w.showFile(n, i, alt)
			return
		}
		w.warn("inline image reference without a matching part")
	case strings.HasPrefix(lower, "data:"):
		w.dataImage(n, src, alt)
		return
	case src == "":
		w.warn("image without a source")
	default:
		if i := w.files.lookupSrc(src); i >= 0 {
			w.showFile(n, i, alt)
			return
		}
		if u, ok := safeImageURL(src); ok {
			w.remoteImage(n, u, alt)
			return
		}
		w.warn("image reference without a matching part")
	}
	w.altText(alt)
}

// showFile shows file i as an image, or only lists an SVG file.
func (w *htmlWriter) showFile(n *html.Node, i int, alt string) {
	if w.files.isSVG(i) {
		w.warn("SVG image not shown inline; listed as an attachment")
		w.altText(alt)
		return
	}
	w.writeImage(n, alt, `<ri:attachment ri:filename="`+escapeAttr(w.files.show(i))+`"/>`)
}

// dataImage attaches the image of a data: URL and shows it.
func (w *htmlWriter) dataImage(n *html.Node, src, alt string) {
	if len(w.files.files) >= w.maxFiles {
		w.err = tooManyFiles(w.maxFiles)
		return
	}
	ctype, data, fixed, ok := decodeDataURL(src)
	if !ok {
		w.warn("data: image could not be decoded")
		w.altText(alt)
		return
	}
	if fixed {
		w.warn("data: image media type corrected")
	}
	w.showFile(n, w.files.addData(ctype, data), alt)
}

// remoteImage writes a link to a remote image instead of the image, or
// nothing for a tracking pixel. Inside a link, only the text is written.
func (w *htmlWriter) remoteImage(n *html.Node, u, alt string) {
	if tinyImage(n) {
		w.warn("remote tracking image dropped")
		return
	}
	w.warn("remote image not loaded; shown as a link")
	text := alt
	if text == "" {
		text = hostOf(u)
	}
	w.visible += len(text)
	if insideLink(n) {
		writeEscaped(&w.b, text, false)
		return
	}
	w.b.WriteString(`<a href="` + escapeAttr(u) + `">`)
	writeEscaped(&w.b, text, false)
	w.b.WriteString("</a>")
}

// altText writes an image's alt text in brackets, if it has one.
func (w *htmlWriter) altText(alt string) {
	if alt != "" {
		w.visible += len(alt)
		writeEscaped(&w.b, "["+alt+"]", false)
	}
}

// warn adds a warning once per page part.
func (w *htmlWriter) warn(msg string) {
	for _, m := range w.warnings {
		if m == msg {
			return
		}
	}
	w.warnings = append(w.warnings, msg)
}

// writeImage writes an ac:image of img n around the given resource
// element, with n's size and alignment (imageAttrs).
func (w *htmlWriter) writeImage(n *html.Node, alt, resource string) {
	w.visible++
	w.b.WriteString("<ac:image")
	if alt != "" {
		w.b.WriteString(` ac:alt="` + escapeAttr(alt) + `"`)
	}
	w.b.WriteString(w.imageAttrs(n) + ">" + resource + "</ac:image>")
}

// imageAttrs returns the ac:image attributes for img n's size and
// alignment: ac:width and ac:height in whole pixels, each from the style
// (which wins in a browser) or else the attribute, and ac:align from an
// align of left or right. Numbers are written, never the mail's text.
func (w *htmlWriter) imageAttrs(n *html.Node) string {
	decls := styleDecls(attr(n, "style"))
	var b strings.Builder
	for _, key := range []string{"width", "height"} {
		if px, ok := w.imageSize(decls[key], attr(n, key)); ok {
			b.WriteString(" ac:" + key + `="` + strconv.Itoa(px) + `"`)
		}
	}
	switch a := strings.ToLower(strings.TrimSpace(attr(n, "align"))); a {
	case "left", "right":
		b.WriteString(` ac:align="` + a + `"`)
	}
	return b.String()
}

// imageSize returns one dimension of an image in pixels: from its style
// value, else from its attribute. A size given but not usable (a
// percentage, another unit, beyond maxPixels) is counted as lost; auto
// and nothing are not.
func (w *htmlWriter) imageSize(style, attribute string) (int, bool) {
	lost := false
	for _, v := range []string{style, attribute} {
		v = strings.TrimSpace(v)
		if v == "" || strings.EqualFold(v, "auto") {
			continue
		}
		if px, _, ok := parsePixels(v); ok {
			return px, true
		}
		lost = true
	}
	if lost {
		w.loss.sizes++
	}
	return 0, false
}

// attr returns the value of n's attribute key, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// tinyImage reports an image declared at most 2 pixels wide or high: a
// tracking pixel or a spacer.
func tinyImage(n *html.Node) bool {
	for _, key := range []string{"width", "height"} {
		v := strings.TrimSuffix(strings.TrimSpace(attr(n, key)), "px")
		if d, err := strconv.Atoi(v); err == nil && d <= 2 {
			return true
		}
	}
	return false
}

// insideLink reports whether n is inside an <a>.
func insideLink(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.DataAtom == atom.A {
			return true
		}
	}
	return false
}

// hostOf returns the host of an absolute URL.
func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Hostname()
	}
	return "image"
}

// imageAliases maps labels senders use for image types to the registered
// ones.
var imageAliases = map[string]string{
	"image/jpg":      "image/jpeg",
	"image/pjpeg":    "image/jpeg",
	"image/jpe":      "image/jpeg",
	"image/x-png":    "image/png",
	"image/svg":      "image/svg+xml",
	"image/x-ms-bmp": "image/bmp",
}

// decodeDataURL decodes a data: URL of an image, base64 or percent-encoded,
// in any letter case, with white space anywhere in its data. The media
// type is corrected (fixed is true) for the aliases of imageAliases and
// when the data is sniffed as another image type than the label says.
func decodeDataURL(src string) (contentType string, data []byte, fixed, ok bool) {
	meta, payload, found := strings.Cut(src[len("data:"):], ",")
	if !found {
		return "", nil, false, false
	}
	params := strings.Split(meta, ";")
	contentType = strings.ToLower(strings.TrimSpace(params[0]))
	if alias, ok := imageAliases[contentType]; ok {
		contentType, fixed = alias, true
	}
	data, ok = dataPayload(payload, strings.EqualFold(strings.TrimSpace(params[len(params)-1]), "base64"))
	if !ok {
		return "", nil, false, false
	}
	if sniffed := http.DetectContentType(data); strings.HasPrefix(sniffed, "image/") && sniffed != contentType && contentType != "image/svg+xml" {
		contentType, fixed = sniffed, true
	}
	if !strings.HasPrefix(contentType, "image/") {
		return "", nil, false, false
	}
	return contentType, data, fixed, true
}

// dataPayload decodes the data of a data: URL.
func dataPayload(payload string, isBase64 bool) ([]byte, bool) {
	if strings.Contains(payload, "%") {
		if p, err := url.PathUnescape(payload); err == nil {
			payload = p
		}
	}
	if !isBase64 {
		return []byte(payload), payload != ""
	}
	payload = strings.Join(strings.Fields(payload), "")
	data, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(payload, "="))
	}
	return data, err == nil && len(data) > 0
}
