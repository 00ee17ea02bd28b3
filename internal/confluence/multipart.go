package confluence

import (
	"bytes"
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
// watchers are not notified once per file.
func multipartBody(files []File) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range files {
		if err := writeFilePart(w, f); err != nil {
			return nil, "", err
		}
	}
	if err := w.WriteField("minorEdit", "true"); err != nil {
		return nil, "", fmt.Errorf("encode multipart: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("encode multipart: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

func writeFilePart(w *multipart.Writer, f File) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+quoteEscaper.Replace(f.Name)+`"`)
	h.Set("Content-Type", partContentType(f.ContentType))
	pw, err := w.CreatePart(h)
	if err != nil {
		return fmt.Errorf("encode multipart: %w", err)
	}
	if _, err := pw.Write(f.Data); err != nil {
		return fmt.Errorf("encode multipart: %w", err)
	}
	return nil
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
