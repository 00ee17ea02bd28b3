package convert

import (
	"encoding/base64"
	"strings"

	"golang.org/x/net/html"
)

// image writes an <img> as an ac:image: cid: references become attachment
// images, http(s) URLs become url images, base64 data: images become new
// attachments. Anything else is replaced by its alt text, if any.
func (w *htmlWriter) image(n *html.Node) {
	src, alt := attr(n, "src"), strings.TrimSpace(attr(n, "alt"))
	src = strings.TrimSpace(src)
	lower := strings.ToLower(src)
	switch {
	case strings.HasPrefix(lower, "cid:"):
		name, ok := w.files.showCID(src[len("cid:"):])
		if !ok {
			w.warnings = append(w.warnings, "inline image reference without a matching part")
			break
		}
		w.writeImage(alt, `<ri:attachment ri:filename="`+escapeAttr(name)+`"/>`)
		return
	case strings.HasPrefix(lower, "data:"):
		if len(w.files.files) >= w.maxFiles {
			w.err = tooManyFiles(w.maxFiles)
			return
		}
		ctype, data, ok := decodeDataURL(src)
		if !ok {
			w.warnings = append(w.warnings, "data: image could not be decoded")
			break
		}
		w.writeImage(alt, `<ri:attachment ri:filename="`+escapeAttr(w.files.showData(ctype, data))+`"/>`)
		return
	default:
		if u, ok := safeImageURL(src); ok {
			w.writeImage(alt, `<ri:url ri:value="`+escapeAttr(u)+`"/>`)
			return
		}
	}
	if alt != "" {
		w.visible += len(alt)
		writeEscaped(&w.b, "["+alt+"]", false)
	}
}

// writeImage writes an ac:image around the given resource element.
func (w *htmlWriter) writeImage(alt, resource string) {
	w.visible++
	w.b.WriteString("<ac:image")
	if alt != "" {
		w.b.WriteString(` ac:alt="` + escapeAttr(alt) + `"`)
	}
	w.b.WriteString(">" + resource + "</ac:image>")
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

// decodeDataURL decodes a base64 data: URL of an image type.
func decodeDataURL(src string) (contentType string, data []byte, ok bool) {
	meta, payload, found := strings.Cut(src[len("data:"):], ",")
	if !found {
		return "", nil, false
	}
	params := strings.Split(meta, ";")
	contentType = strings.ToLower(strings.TrimSpace(params[0]))
	if !strings.HasPrefix(contentType, "image/") || !strings.EqualFold(strings.TrimSpace(params[len(params)-1]), "base64") {
		return "", nil, false
	}
	payload = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, payload)
	data, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(payload, "="))
	}
	if err != nil || len(data) == 0 {
		return "", nil, false
	}
	return contentType, data, true
}
