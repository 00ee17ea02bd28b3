package confluence

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

// part is one multipart part as the fake received it.
type part struct {
	FormName, FileName, ContentType string
	Data                            []byte
}

func parseParts(t *testing.T, r recorded) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("Content-Type %q is not multipart/form-data", r.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
	var parts []part
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		data, _ := io.ReadAll(p)
		parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), data})
	}
}

// attachmentsResponse answers an upload with one v1 attachment per file part,
// in Atlassian's v1 ContentArray shape.
func attachmentsResponse(t *testing.T, r recorded, firstID int) string {
	t.Helper()
	var results []string
	for _, p := range parseParts(t, r) {
		if p.FormName != "file" {
			continue
		}
		id := firstID + len(results)
		results = append(results, fmt.Sprintf(`{"id":"att%d","type":"attachment","status":"current","title":%q,`+
			`"metadata":{"mediaType":%q,"comment":""},"extensions":{"mediaType":%q,"fileSize":%d,"comment":""},`+
			`"_links":{"webui":"/pages/viewpageattachments.action?pageId=123456&preview=%%2F123456%%2F%d%%2F%s",`+
			`"download":"/download/attachments/123456/%s?version=1&modificationDate=1719826200000&api=v2",`+
			`"self":"https://acme.atlassian.net/wiki/rest/api/content/att%d"}}`,
			id, p.FileName, p.ContentType, p.ContentType, len(p.Data), id, url.PathEscape(p.FileName), url.PathEscape(p.FileName), id))
	}
	return `{"results":[` + strings.Join(results, ",") + `],"size":` + strconv.Itoa(len(results)) +
		`,"_links":{"base":"https://acme.atlassian.net/wiki","context":"/wiki"}}`
}

func TestUploadAttachments(t *testing.T) {
	t.Parallel()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00binary\xff")
	files := []File{
		{Name: "logo.png", ContentType: "image/png", Data: png},
		{Name: `Q3 "final" report.pdf`, ContentType: "application/pdf", Data: []byte("%PDF-1.7 …")},
		{Name: "notes.txt", ContentType: "", Data: []byte("plain")},
	}
	for _, flavor := range []Flavor{Cloud, DataCenter} {
		t.Run(string(flavor), func(t *testing.T) {
			t.Parallel()
			f := newFake(t, nil)
			f.respond = func(n int, r recorded) reply { return reply{body: attachmentsResponse(t, r, 100)} }
			c, _ := newClient(t, f, Options{Flavor: flavor})
			got, err := c.UploadAttachments(t.Context(), "123456", files)
			if err != nil {
				t.Fatal(err)
			}
			r := f.only(t)
			if r.Method != http.MethodPost || r.Path != "/wiki/rest/api/content/123456/child/attachment" {
				t.Errorf("request %s %s", r.Method, r.Path)
			}
			if h := r.Header.Get("X-Atlassian-Token"); h != "no-check" {
				t.Errorf("X-Atlassian-Token %q, want no-check", h)
			}
			wantParts := []part{
				{"file", "logo.png", "image/png", png},
				{"file", `Q3 "final" report.pdf`, "application/pdf", []byte("%PDF-1.7 …")},
				{"file", "notes.txt", "application/octet-stream", []byte("plain")},
				{"minorEdit", "", "", []byte("true")},
			}
			if parts := parseParts(t, r); !reflect.DeepEqual(parts, wantParts) {
				t.Errorf("parts\n got %q\nwant %q", parts, wantParts)
			}
			want := []Attachment{
				{ID: "att100", Title: "logo.png", MediaType: "image/png", Size: int64(len(png)),
					DownloadURL: "https://acme.atlassian.net/wiki/download/attachments/123456/logo.png?version=1&modificationDate=1719826200000&api=v2"},
			}
			if len(got) != 3 || got[0] != want[0] || got[2].MediaType != "application/octet-stream" {
				t.Errorf("attachments %+v", got)
			}
		})
	}
}

func TestUploadAttachmentsBatches(t *testing.T) {
	t.Parallel()
	mk := func(sizes ...int) []File {
		var fs []File
		for i, n := range sizes {
			fs = append(fs, File{Name: fmt.Sprintf("f%d.bin", i), ContentType: "application/octet-stream", Data: bytes.Repeat([]byte{'x'}, n)})
		}
		return fs
	}
	tests := []struct {
		name     string
		opts     Options
		files    []File
		wantSeqs [][]string // file names per request, in order
	}{
		{"byte budget", Options{MaxBatchBytes: 10}, mk(4, 4, 4, 12, 1),
			[][]string{{"f0.bin", "f1.bin"}, {"f2.bin"}, {"f3.bin"}, {"f4.bin"}}},
		{"file count", Options{MaxBatchFiles: 2}, mk(1, 1, 1, 1, 1),
			[][]string{{"f0.bin", "f1.bin"}, {"f2.bin", "f3.bin"}, {"f4.bin"}}},
		{"one batch by default", Options{}, mk(1000, 1000, 1000),
			[][]string{{"f0.bin", "f1.bin", "f2.bin"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, nil)
			f.respond = func(n int, r recorded) reply { return reply{body: attachmentsResponse(t, r, 10*n)} }
			c, _ := newClient(t, f, tt.opts)
			got, err := c.UploadAttachments(t.Context(), "123456", tt.files)
			if err != nil {
				t.Fatal(err)
			}
			var seqs [][]string
			for _, r := range f.requests() {
				var names []string
				for _, p := range parseParts(t, r) {
					if p.FormName == "file" {
						names = append(names, p.FileName)
					}
				}
				seqs = append(seqs, names)
			}
			if !reflect.DeepEqual(seqs, tt.wantSeqs) {
				t.Errorf("batches %v, want %v", seqs, tt.wantSeqs)
			}
			if len(got) != len(tt.files) {
				t.Errorf("%d attachments returned, want %d", len(got), len(tt.files))
			}
		})
	}
}

func TestUploadAttachmentsStopsAtFailedBatch(t *testing.T) {
	t.Parallel()
	f := newFake(t, nil)
	f.respond = func(n int, r recorded) reply {
		if n == 1 {
			return reply{status: 500, body: `{"statusCode":500,"message":"Internal server error"}`}
		}
		return reply{body: attachmentsResponse(t, r, 1)}
	}
	c, _ := newClient(t, f, Options{MaxBatchFiles: 1})
	files := []File{{Name: "a", Data: []byte("a")}, {Name: "b", Data: []byte("b")}, {Name: "c", Data: []byte("c")}}
	got, err := c.UploadAttachments(t.Context(), "123456", files)
	wantCode(t, err, mailwiki.EUNAVAILABLE, true)
	if len(got) != 1 || got[0].Title != "a" {
		t.Errorf("attachments %+v, want the first batch's", got)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests, want 2 (no retry of the POST, no third batch)", n)
	}
	if !strings.Contains(err.Error(), "batch 2 of 3") {
		t.Errorf("error %q does not say which batch failed", err)
	}
}

func TestUploadAttachmentsRefusesBadNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "a\r\nContent-Type: text/html", "dir/x.png", "bad\xffname"} {
		f := newFake(t, always(200, `{"results":[]}`))
		c, _ := newClient(t, f, Options{})
		_, err := c.UploadAttachments(t.Context(), "1", []File{{Name: name, Data: []byte("x")}})
		wantCode(t, err, mailwiki.EINVALID, false)
		if n := len(f.requests()); n != 0 {
			t.Errorf("name %q: %d requests sent", name, n)
		}
	}
}

func TestUploadNothingSendsNothing(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(500, ``))
	c, _ := newClient(t, f, Options{})
	got, err := c.UploadAttachments(t.Context(), "1", nil)
	if err != nil || len(got) != 0 || len(f.requests()) != 0 {
		t.Errorf("got %v, %v with %d requests", got, err, len(f.requests()))
	}
}

func TestListAttachmentsPages(t *testing.T) {
	t.Parallel()
	item := func(i int) string {
		return fmt.Sprintf(`{"id":"att%d","type":"attachment","title":"f%d.png","metadata":{"mediaType":"image/png"},`+
			`"extensions":{"mediaType":"image/png","fileSize":%d},"_links":{"download":"/download/attachments/7/f%d.png?version=1&api=v2"}}`, i, i, 1000+i, i)
	}
	page := func(start, n int, next bool) string {
		var items []string
		for i := start; i < start+n; i++ {
			items = append(items, item(i))
		}
		links := `"base":"https://confluence.corp.example/confluence","context":"/confluence"`
		if next {
			links += fmt.Sprintf(`,"next":"/rest/api/content/7/child/attachment?limit=50&start=%d"`, start+n)
		}
		return fmt.Sprintf(`{"results":[%s],"start":%d,"limit":50,"size":%d,"_links":{%s}}`, strings.Join(items, ","), start, n, links)
	}
	tests := []struct {
		name       string
		pages      []string
		wantStarts []string
		wantCount  int
	}{
		{"next links", []string{page(0, 50, true), page(50, 50, true), page(100, 3, false)}, []string{"0", "50", "100"}, 103},
		{"full page without next", []string{page(0, 50, false), page(50, 0, false)}, []string{"0", "50"}, 50},
		{"short page", []string{page(0, 2, false)}, []string{"0"}, 2},
		{"empty page with next", []string{page(0, 0, true)}, []string{"0"}, 0},
	}
	for _, tt := range tests {
		for _, flavor := range []Flavor{Cloud, DataCenter} {
			t.Run(tt.name+"/"+string(flavor), func(t *testing.T) {
				t.Parallel()
				f := newFake(t, func(n int, r recorded) reply {
					if n >= len(tt.pages) {
						return reply{status: 500}
					}
					return reply{body: tt.pages[n]}
				})
				c, _ := newClient(t, f, Options{Flavor: flavor})
				got, err := c.ListAttachments(t.Context(), "7")
				if err != nil {
					t.Fatal(err)
				}
				var starts []string
				for _, r := range f.requests() {
					if r.Method != http.MethodGet || r.Path != "/wiki/rest/api/content/7/child/attachment" || r.Query.Get("limit") != "50" {
						t.Errorf("request %s %s %v", r.Method, r.Path, r.Query)
					}
					starts = append(starts, r.Query.Get("start"))
				}
				if !reflect.DeepEqual(starts, tt.wantStarts) {
					t.Errorf("starts %v, want %v", starts, tt.wantStarts)
				}
				if len(got) != tt.wantCount {
					t.Fatalf("%d attachments, want %d", len(got), tt.wantCount)
				}
				if tt.wantCount > 0 {
					want := Attachment{ID: "att0", Title: "f0.png", MediaType: "image/png", Size: 1000,
						DownloadURL: "https://confluence.corp.example/confluence/download/attachments/7/f0.png?version=1&api=v2"}
					if got[0] != want {
						t.Errorf("first attachment %+v, want %+v", got[0], want)
					}
				}
			})
		}
	}
}
