package confluence

import (
	"fmt"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"
	"unicode"
	"unicode/utf8"
)

// multipartBody encodes files as v1's attachment form: one "file" part per
// file, with the file's name and media type, then minorEdit=true so that
// watchers are not notified once per file. The body is returned as slices
// to send in order, without joining them: the parts' framing, and each
// file's Data itself (shared with the caller, never written to), so an
// upload does not hold a second copy of its files. Its bytes are exactly
// what a multipart.Writer fed the files' data would produce.
func multipartBody(files []File) ([][]byte, string, error) {
	var body segments
	w := multipart.NewWriter(&body)
	for _, f := range files {
		if err := writeFilePart(w, &body, f); err != nil {
			return nil, "", err
		}
	}
	if err := w.WriteField("minorEdit", "true"); err != nil {
		return nil, "", fmt.Errorf("encode multipart: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("encode multipart: %w", err)
	}
	return body.parts, w.FormDataContentType(), nil
}

// writeFilePart writes f's part header through w and puts f.Data into body
// after it, where the part writer would have written it.
func writeFilePart(w *multipart.Writer, body *segments, f File) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+quoteEscaper.Replace(f.Name)+`"`)
	h.Set("Content-Type", partContentType(f.ContentType))
	if _, err := w.CreatePart(h); err != nil {
		return fmt.Errorf("encode multipart: %w", err)
	}
	body.share(f.Data)
	return nil
}

// segments is a body under construction: written bytes go into a slice of
// their own, shared ones are appended as they are.
type segments struct {
	parts [][]byte
	open  bool // the last part is ours to append to
}

func (s *segments) Write(p []byte) (int, error) {
	if !s.open {
		s.parts, s.open = append(s.parts, nil), true
	}
	s.parts[len(s.parts)-1] = append(s.parts[len(s.parts)-1], p...)
	return len(p), nil
}

// share appends data as a part of its own; it is never appended to.
func (s *segments) share(data []byte) {
	if len(data) > 0 {
		s.parts, s.open = append(s.parts, data), false
	}
}

// quoteEscaper escapes a quoted-string the way mime/multipart does for
// CreateFormFile; names are sent as UTF-8, as browsers do.
var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// partContentType returns ct normalised, or application/octet-stream when
// it is empty or not a valid media type (so nothing can break the header).
func partContentType(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") {
		return "application/octet-stream"
	}
	return mime.FormatMediaType(mt, params)
}

// checkFileName refuses names Confluence cannot store as given: empty,
// invalid UTF-8 or holding control characters. Names are never altered, since
// the page body refers to them exactly.
func checkFileName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return invalidf("attachment file name is empty")
	case !utf8.ValidString(name):
		return invalidf("attachment file name is not valid UTF-8")
	case strings.ContainsFunc(name, unicode.IsControl):
		return invalidf("attachment file name contains control characters")
	case strings.ContainsAny(name, `/\`):
		return invalidf("attachment file name contains a path separator")
	}
	return nil
}
