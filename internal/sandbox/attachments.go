package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"path"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// upload is one file of an attachment request.
type upload struct {
	Filename  string
	MediaType string
	Comment   string
	MinorEdit bool
	Data      []byte
}

// attachMode says what a file name the page already has means.
type attachMode int

const (
	createOnly     attachMode = iota // POST: a known name is a 400
	createOrUpdate                   // PUT: a known name gets a new version
)

// attach stores the uploads on a page, all or nothing (in memory and in the
// state file), and returns a snapshot of each attachment touched, in
// request order.
func (s *Sandbox) attach(pageID, author string, ups []upload, mode attachMode) ([]attachment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.st.hasContent(pageID) { // a page or a blog post
		return nil, notFound("No content found with id: ContentId{id=%s}", pageID)
	}
	if err := s.checkUploads(pageID, ups, mode); err != nil {
		return nil, err
	}
	var undo []func()
	out := make([]attachment, 0, len(ups))
	for _, up := range ups {
		a, u := s.storeUpload(pageID, author, up)
		undo = append(undo, u)
		out = append(out, a)
	}
	if err := s.save(func(w stateTx) error { return w.attachments(out) }); err != nil {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
		return nil, fmt.Errorf("sandbox: attach %d files to page %s: %w", len(ups), pageID, err)
	}
	s.log.Info("sandbox: attachments stored", "page", pageID, "files", len(ups))
	return out, nil
}

// checkUploads refuses empty names, a name twice in one request and, in
// createOnly mode, a name the page already has. The caller holds s.mu.
func (s *Sandbox) checkUploads(pageID string, ups []upload, mode attachMode) error {
	seen := map[string]bool{}
	for _, up := range ups {
		if up.Filename == "" {
			return invalid("An attachment needs a file name")
		}
		known := s.st.attachmentNamed(pageID, up.Filename) != nil
		if seen[up.Filename] || (known && mode == createOnly) {
			return &mailwiki.Error{Code: mailwiki.ECONFLICT, Message: "Cannot add a new attachment with same file name as an existing attachment: " + up.Filename}
		}
		seen[up.Filename] = true
	}
	return nil
}

// storeUpload adds a new attachment or a new version of the one with that
// name. It returns a snapshot and a function undoing the change. The caller
// holds s.mu.
func (s *Sandbox) storeUpload(pageID, author string, up upload) (attachment, func()) {
	now := s.now().UTC()
	v := attVersion{Number: 1, MediaType: up.MediaType, Comment: up.Comment,
		MinorEdit: up.MinorEdit, Data: up.Data, CreatedAt: now}
	if a := s.st.attachmentNamed(pageID, up.Filename); a != nil {
		old := a.Versions
		v.Number = a.current().Number + 1
		a.Versions = append(append([]attVersion(nil), old...), v)
		return a.snapshot(), func() { a.Versions = old }
	}
	id := s.st.newID()
	a := &attachment{ID: "att" + id, PageID: pageID, Filename: up.Filename,
		FileID: fileID(pageID, id), AuthorID: author, CreatedAt: now, Versions: []attVersion{v}}
	s.st.Attachments = append(s.st.Attachments, a)
	n := len(s.st.Attachments) - 1
	return a.snapshot(), func() { s.st.Attachments = s.st.Attachments[:n] }
}

// snapshot is a copy safe to read without the lock.
func (a *attachment) snapshot() attachment {
	c := *a
	c.Versions = append([]attVersion(nil), a.Versions...)
	return c
}

// fileID is a UUID-shaped media file id, stable for an attachment.
func fileID(pageID, id string) string {
	h := sha256.Sum256([]byte(pageID + "/" + id))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// listAttachments returns snapshots of a page's attachments, filtered by
// file name and media type when those are set; 404 for an unknown page.
func (s *Sandbox) listAttachments(pageID, filename, mediaType string) ([]attachment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.st.hasContent(pageID) { // a page or a blog post
		return nil, notFound("No content found with id: ContentId{id=%s}", pageID)
	}
	var out []attachment
	for _, a := range s.st.attachmentsOf(pageID) {
		if (filename == "" || a.Filename == filename) &&
			(mediaType == "" || a.current().MediaType == mediaType) {
			out = append(out, a.snapshot())
		}
	}
	return out, nil
}

// mediaTypeOf is the media type stored for an uploaded part: the part's own
// type without parameters, or one guessed from the file name when the part
// says nothing more specific than application/octet-stream.
func mediaTypeOf(partType, filename string) string {
	mt, _, err := mime.ParseMediaType(partType)
	if err == nil && mt != "" && mt != "application/octet-stream" {
		return mt
	}
	if guess := mime.TypeByExtension(strings.ToLower(path.Ext(filename))); guess != "" {
		mt, _, _ = mime.ParseMediaType(guess)
		return mt
	}
	return "application/octet-stream"
}
