package confluence

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// File is one attachment to upload. Name is the exact file name the page's
// storage body refers to; ContentType is its media type
// (application/octet-stream when empty or malformed).
type File struct {
	Name, ContentType string
	Data              []byte
}

// Attachment is a file attached to a page. DownloadURL is absolute.
type Attachment struct {
	ID, Title, MediaType string
	Size                 int64
	DownloadURL          string
}

// listAttachmentsLimit is the page size asked of v1; maxListPages bounds the
// paging loop against a server that never stops.
const (
	listAttachmentsLimit = 50
	maxListPages         = 1000
)

type attachmentV1 struct {
	ID       flexID `json:"id"`
	Title    string `json:"title"`
	Metadata struct {
		MediaType string `json:"mediaType"`
	} `json:"metadata"`
	Extensions struct {
		MediaType string `json:"mediaType"`
		FileSize  int64  `json:"fileSize"`
	} `json:"extensions"`
	Links links `json:"_links"`
}

// UploadAttachments adds files to a page through v1
// POST /rest/api/content/{id}/child/attachment (both flavors), several files
// per multipart request, batches bounded by Options.MaxBatchBytes and
// MaxBatchFiles (a file larger than the byte budget travels alone). Batches
// are sent in order; on failure the attachments already created are returned
// with the error. Like every POST it is not retried after a 5xx or a
// transport error: Confluence refuses a second file of the same name, so
// callers make a retry idempotent by skipping the names ListAttachments
// returns.
func (c *Client) UploadAttachments(ctx context.Context, pageID string, files []File) ([]Attachment, error) {
	if err := checkUpload(pageID, files); err != nil {
		return nil, fmt.Errorf("confluence: upload attachments to page %q: %w", pageID, err)
	}
	batches := splitBatches(files, c.opts.MaxBatchBytes, c.opts.MaxBatchFiles)
	var done []Attachment
	for i, b := range batches {
		got, err := c.uploadBatch(ctx, pageID, b)
		done = append(done, got...)
		if err != nil {
			return done, fmt.Errorf("confluence: upload attachments to page %q (batch %d of %d, %d files): %w",
				pageID, i+1, len(batches), len(b), err)
		}
	}
	return done, nil
}

func checkUpload(pageID string, files []File) error {
	if strings.TrimSpace(pageID) == "" {
		return invalidf("page id is empty")
	}
	for i, f := range files {
		if err := checkFileName(f.Name); err != nil {
			return fmt.Errorf("file %d: %w", i, err)
		}
	}
	return nil
}

// splitBatches groups files in order: a batch closes when adding the next
// file would exceed maxBytes or maxFiles. No batch is empty.
func splitBatches(files []File, maxBytes int64, maxFiles int) [][]File {
	var out [][]File
	var cur []File
	var size int64
	for _, f := range files {
		n := int64(len(f.Data))
		if len(cur) > 0 && (size+n > maxBytes || len(cur) >= maxFiles) {
			out, cur, size = append(out, cur), nil, 0
		}
		cur, size = append(cur, f), size+n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func (c *Client) uploadBatch(ctx context.Context, pageID string, files []File) ([]Attachment, error) {
	body, ctype, err := multipartBody(files)
	if err != nil {
		return nil, err
	}
	r := &request{
		method:      http.MethodPost,
		path:        attachmentsPath(pageID),
		body:        body,
		contentType: ctype,
		header:      http.Header{"X-Atlassian-Token": {"no-check"}},
	}
	var out listV1[attachmentV1]
	if err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return c.attachmentsFromV1(out), nil
}

// ListAttachments returns every current attachment of a page (v1
// GET /rest/api/content/{id}/child/attachment, paged by start/limit until no
// _links.next is given and a short page arrives).
func (c *Client) ListAttachments(ctx context.Context, pageID string) ([]Attachment, error) {
	if strings.TrimSpace(pageID) == "" {
		return nil, invalidf("confluence: page id is empty")
	}
	all, err := c.listAttachments(ctx, pageID)
	if err != nil {
		return nil, fmt.Errorf("confluence: list attachments of page %q: %w", pageID, err)
	}
	return all, nil
}

func (c *Client) listAttachments(ctx context.Context, pageID string) ([]Attachment, error) {
	var all []Attachment
	start := 0
	for range maxListPages {
		q := url.Values{"start": {strconv.Itoa(start)}, "limit": {strconv.Itoa(listAttachmentsLimit)}}
		var out listV1[attachmentV1]
		if err := c.do(ctx, &request{method: http.MethodGet, path: attachmentsPath(pageID), query: q}, &out); err != nil {
			return nil, err
		}
		all = append(all, c.attachmentsFromV1(out)...)
		next, more := nextStart(out.Links.Next, start, len(out.Results))
		if !more {
			return all, nil
		}
		start = next
	}
	return nil, mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "Confluence listed more than %d pages of attachments", maxListPages)
}

// nextStart says where the next page of a v1 list begins: the start of the
// _links.next link when given, else start+n when the page was full. A page
// that brings nothing ends the listing whatever the links say.
func nextStart(next string, start, n int) (int, bool) {
	if n == 0 {
		return 0, false
	}
	if next == "" {
		return start + n, n >= listAttachmentsLimit
	}
	if u, err := url.Parse(next); err == nil {
		if s, err := strconv.Atoi(u.Query().Get("start")); err == nil && s > start {
			return s, true
		}
	}
	return start + n, true
}

func attachmentsPath(pageID string) string {
	return "/rest/api/content/" + pathID(pageID) + "/child/attachment"
}

func (c *Client) attachmentsFromV1(list listV1[attachmentV1]) []Attachment {
	out := make([]Attachment, 0, len(list.Results))
	for _, a := range list.Results {
		mt := a.Extensions.MediaType
		if mt == "" {
			mt = a.Metadata.MediaType
		}
		base := a.Links.Base
		if base == "" {
			base = list.Links.Base
		}
		out = append(out, Attachment{ID: string(a.ID), Title: a.Title, MediaType: mt,
			Size: a.Extensions.FileSize, DownloadURL: c.absolute(base, a.Links.Download)})
	}
	return out
}

// AttachmentNames returns the file names attached to a page (every page of
// v1's list), for a retry that must skip the files already uploaded.
func (c *Client) AttachmentNames(ctx context.Context, pageID string) ([]string, error) {
	list, err := c.ListAttachments(ctx, pageID)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(list))
	for i, a := range list {
		names[i] = a.Title
	}
	return names, nil
}

// AttachFiles uploads a draft's files to a page (see UploadAttachments).
func (c *Client) AttachFiles(ctx context.Context, pageID string, files []mailwiki.Attachment) error {
	in := make([]File, len(files))
	for i, f := range files {
		in[i] = File{Name: f.Filename, ContentType: f.ContentType, Data: f.Data}
	}
	_, err := c.UploadAttachments(ctx, pageID, in)
	return err
}
