package sandbox

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// maxUpload bounds one attachment request, all files together.
const maxUpload = 100 << 20

// v1DefaultAttachmentLimit is the default page size of the attachment list.
const v1DefaultAttachmentLimit = 50

// xsrfOK reports whether the request carries the XSRF opt-out header that
// Confluence requires on multipart requests. Atlassian documents "no-check";
// older documentation and clients send "nocheck", which is accepted too.
func xsrfOK(r *http.Request) bool {
	v := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Atlassian-Token")))
	return v == "no-check" || v == "nocheck"
}

// v1CreateAttachments serves POST …/content/{id}/child/attachment: adds
// files, refusing a name the page already has (400).
func (s *Sandbox) v1CreateAttachments(w http.ResponseWriter, r *http.Request) error {
	return s.v1Attach(w, r, createOnly)
}

// v1PutAttachments serves PUT …/content/{id}/child/attachment: adds files
// or a new version of those whose name the page already has.
func (s *Sandbox) v1PutAttachments(w http.ResponseWriter, r *http.Request) error {
	return s.v1Attach(w, r, createOrUpdate)
}

func (s *Sandbox) v1Attach(w http.ResponseWriter, r *http.Request, mode attachMode) error {
	if !xsrfOK(r) {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "XSRF check failed")
		return nil
	}
	ups, err := readUploads(w, r)
	if err != nil {
		return err
	}
	atts, err := s.attach(r.PathValue("id"), accountOf(r.Context()), ups, mode)
	if err != nil {
		return err
	}
	writeV1Attachments(w, r, atts, window{start: 0, limit: max(len(atts), 1)}, false)
	return nil
}

// v1ListAttachments serves GET …/content/{id}/child/attachment (start,
// limit, filename, mediaType).
func (s *Sandbox) v1ListAttachments(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	win, err := v1Window(q, v1DefaultAttachmentLimit)
	if err != nil {
		return err
	}
	atts, err := s.listAttachments(r.PathValue("id"), q.Get("filename"), q.Get("mediaType"))
	if err != nil {
		return err
	}
	page, more := cut(atts, win)
	writeV1Attachments(w, r, page, win, more)
	return nil
}

func writeV1Attachments(w http.ResponseWriter, r *http.Request, atts []attachment, win window, more bool) {
	base := siteBase(r)
	results := make([]v1Attachment, 0, len(atts))
	for i := range atts {
		results = append(results, toV1Attachment(&atts[i], base))
	}
	writeJSON(w, http.StatusOK, v1List[v1Attachment]{Results: results, Start: win.start, Limit: win.limit,
		Size: len(results), Links: v1ListLinks{Next: v1NextLink(r, win, more),
			Self: base + strings.TrimPrefix(r.URL.Path, "/wiki"), Base: base, Context: "/wiki"}})
}

// readUploads reads the multipart body: "file" parts (one per file), and
// optional "comment" and "minorEdit" parts; the n-th comment belongs to the
// n-th file, as Atlassian documents.
func readUploads(w http.ResponseWriter, r *http.Request) ([]upload, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, invalid("The request must be multipart/form-data")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, invalid("Invalid multipart body: %v", err)
	}
	form, err := readParts(mr)
	if err != nil {
		return nil, err
	}
	return form.uploads()
}

// uploadForm collects the parts of an attachment request.
type uploadForm struct {
	files     []upload
	comments  []string
	minorEdit bool
}

func readParts(mr *multipart.Reader) (uploadForm, error) {
	var f uploadForm
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return f, partError(err)
		}
		if err := f.add(part); err != nil {
			return f, err
		}
	}
}

func (f *uploadForm) add(part *multipart.Part) error {
	defer part.Close()
	data, err := io.ReadAll(part)
	if err != nil {
		return partError(err)
	}
	switch part.FormName() {
	case "file":
		f.files = append(f.files, upload{Filename: part.FileName(), Data: data,
			MediaType: mediaTypeOf(part.Header.Get("Content-Type"), part.FileName())})
	case "comment":
		f.comments = append(f.comments, string(data))
	case "minorEdit":
		f.minorEdit, _ = strconv.ParseBool(strings.TrimSpace(string(data)))
	}
	return nil
}

// uploads returns the files with their comments and minor-edit flag.
func (f uploadForm) uploads() ([]upload, error) {
	if len(f.files) == 0 {
		return nil, invalid("No file part named \"file\" in the request")
	}
	if len(f.comments) > len(f.files) {
		return nil, invalid("%d comments for %d files: give at most one comment per file, in file order", len(f.comments), len(f.files))
	}
	for i := range f.files {
		if i < len(f.comments) {
			f.files[i].Comment = f.comments[i]
		}
		f.files[i].MinorEdit = f.minorEdit
	}
	return f.files, nil
}

func partError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge("Attachments over %d MB in one request", maxUpload>>20)
	}
	return invalid("Invalid multipart body: %v", fmt.Errorf("read part: %w", err))
}
