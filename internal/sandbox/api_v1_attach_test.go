package sandbox

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
)

// file is one part of an attachment upload.
type file struct {
	name, contentType, data string
}

// multipartBody builds a body with one "file" part per file, then the
// comments, as Atlassian's curl examples do.
func multipartBody(t *testing.T, files []file, comments ...string) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, f.name))
		if f.contentType != "" {
			h.Set("Content-Type", f.contentType)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(f.data))
	}
	for _, c := range comments {
		_ = mw.WriteField("comment", c)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// tAttachment is the test's view of a v1 attachment, from Atlassian's v1
// reference.
type tAttachment struct {
	ID, Type, Status, Title string
	Version                 struct{ Number int }
	Metadata                struct{ MediaType, Comment string }
	Extensions              struct {
		MediaType string
		FileSize  int64
		Comment   string
	}
	Links map[string]string `json:"_links"`
}

type tV1List[T any] struct {
	Results            []T
	Start, Limit, Size int
	Links              map[string]string `json:"_links"`
}

func (b *bundle) upload(t *testing.T, method, pageID string, files []file, want int, comments ...string) tV1List[tAttachment] {
	t.Helper()
	body, ct := multipartBody(t, files, comments...)
	resp, data := b.call(t, request{method: method, path: "/wiki/rest/api/content/" + pageID + "/child/attachment",
		body: body, contentType: ct, header: map[string]string{"X-Atlassian-Token": "no-check"}})
	checkStatus(t, resp, data, want)
	var out tV1List[tAttachment]
	if want == http.StatusOK {
		decode(t, data, &out)
	}
	return out
}

func TestV1AttachmentCreate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	page := b.createV2Page(t, "With files", "<p>x</p>")
	png := "\x89PNG\r\n\x1a\n\x00binary\xff"
	out := b.upload(t, "POST", page, []file{{"chart.png", "image/png", png}, {"notes.txt", "", "hello"}}, 200, "the chart", "the notes")
	if out.Size != 2 || len(out.Results) != 2 || out.Start != 0 {
		t.Fatalf("answer: %+v", out)
	}
	a := out.Results[0]
	if !strings.HasPrefix(a.ID, "att") || !numericID(strings.TrimPrefix(a.ID, "att")) || a.Type != "attachment" ||
		a.Status != "current" || a.Title != "chart.png" || a.Version.Number != 1 {
		t.Fatalf("attachment: %+v", a)
	}
	if a.Metadata.MediaType != "image/png" || a.Extensions.MediaType != "image/png" || a.Extensions.FileSize != int64(len(png)) ||
		a.Metadata.Comment != "the chart" || a.Extensions.Comment != "the chart" {
		t.Fatalf("attachment metadata: %+v", a)
	}
	if want := "/download/attachments/" + page + "/chart.png?"; !strings.HasPrefix(a.Links["download"], want) ||
		!strings.Contains(a.Links["download"], "version=1") || !strings.Contains(a.Links["download"], "api=v2") {
		t.Fatalf("download link %q, want prefix %q", a.Links["download"], want)
	}
	if out.Results[1].Metadata.MediaType != "text/plain" || out.Results[1].Metadata.Comment != "the notes" {
		t.Fatalf("media type guessed from the name: %+v", out.Results[1])
	}

	stored := b.sb.Attachments(page)
	if len(stored) != 2 || string(stored[0].Data) != png || stored[0].MediaType != "image/png" || stored[0].Filename != "chart.png" {
		t.Fatalf("Attachments() = %+v", stored)
	}

	resp, data := b.call(t, request{method: "GET", path: "/wiki" + a.Links["download"], auth: "-"})
	checkStatus(t, resp, data, 200)
	if string(data) != png || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("download: %q as %s", data, resp.Header.Get("Content-Type"))
	}
}

func TestV1AttachmentRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	page := b.createV2Page(t, "Refusals", "")
	b.upload(t, "POST", page, []file{{"a.txt", "text/plain", "one"}}, 200)

	body, ct := multipartBody(t, []file{{"b.txt", "text/plain", "x"}})
	resp, data := b.call(t, request{method: "POST", path: "/wiki/rest/api/content/" + page + "/child/attachment", body: body, contentType: ct})
	checkStatus(t, resp, data, http.StatusForbidden)
	mustContain(t, string(data), "XSRF check failed")

	body, ct = multipartBody(t, []file{{"a.txt", "text/plain", "two"}})
	resp, data = b.call(t, request{method: "POST", path: "/wiki/rest/api/content/" + page + "/child/attachment", body: body,
		contentType: ct, header: map[string]string{"X-Atlassian-Token": "nocheck"}})
	checkStatus(t, resp, data, http.StatusBadRequest)
	var v1 struct {
		StatusCode int
		Message    string
	}
	decode(t, data, &v1)
	if v1.StatusCode != 400 || v1.Message != "Cannot add a new attachment with same file name as an existing attachment: a.txt" {
		t.Fatalf("duplicate answer: %s", data)
	}

	b.upload(t, "POST", "999999", []file{{"c.txt", "", "x"}}, http.StatusNotFound)
	b.upload(t, "POST", page, nil, http.StatusBadRequest)
	if got := b.sb.Attachments(page); len(got) != 1 || string(got[0].Data) != "one" {
		t.Fatalf("refused uploads changed the page: %+v", got)
	}
}

func TestV1AttachmentPutUpdates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	page := b.createV2Page(t, "Versions", "")
	first := b.upload(t, "PUT", page, []file{{"r.csv", "text/csv", "v1"}}, 200).Results[0]
	second := b.upload(t, "PUT", page, []file{{"r.csv", "text/csv", "version two"}, {"new.txt", "", "n"}}, 200)
	up := second.Results[0]
	if up.ID != first.ID || up.Version.Number != 2 || up.Extensions.FileSize != int64(len("version two")) {
		t.Fatalf("update: %+v (first %+v)", up, first)
	}
	if second.Results[1].Version.Number != 1 {
		t.Fatalf("PUT of a new name: %+v", second.Results[1])
	}
	got := b.sb.Attachments(page)
	if len(got) != 2 || string(got[0].Data) != "version two" || got[0].Version != 2 {
		t.Fatalf("Attachments() = %+v", got)
	}
	for link, want := range map[string]string{first.Links["download"]: "v1", up.Links["download"]: "version two"} {
		resp, data := b.call(t, request{method: "GET", path: "/wiki" + link})
		checkStatus(t, resp, data, 200)
		if string(data) != want {
			t.Fatalf("%s served %q, want %q", link, data, want)
		}
	}
}

func TestV1AttachmentListPaging(t *testing.T) {
	t.Parallel()
	b := setup(t)
	page := b.createV2Page(t, "Many", "")
	var files []file
	for i := range 5 {
		files = append(files, file{fmt.Sprintf("f%d.txt", i), "text/plain", "x"})
	}
	b.upload(t, "POST", page, files, 200)
	var got []string
	path := "/wiki/rest/api/content/" + page + "/child/attachment?limit=2"
	for calls := 0; path != ""; calls++ {
		if calls > 5 {
			t.Fatal("paging does not end")
		}
		var list tV1List[tAttachment]
		b.getJSON(t, path, 200, &list)
		if list.Limit != 2 || list.Size != len(list.Results) {
			t.Fatalf("list header: %+v", list)
		}
		for _, a := range list.Results {
			got = append(got, a.Title)
		}
		path = ""
		if next := list.Links["next"]; next != "" {
			path = "/wiki" + next // v1 links are relative to the base
		}
	}
	if strings.Join(got, ",") != "f0.txt,f1.txt,f2.txt,f3.txt,f4.txt" {
		t.Fatalf("paged titles %v", got)
	}
	var one tV1List[tAttachment]
	b.getJSON(t, "/wiki/rest/api/content/"+page+"/child/attachment?filename=f3.txt", 200, &one)
	if one.Size != 1 || one.Results[0].Title != "f3.txt" {
		t.Fatalf("by file name: %+v", one)
	}
}

func TestV2PageAttachments(t *testing.T) {
	t.Parallel()
	b := setup(t)
	page := b.createV2Page(t, "V2 files", "")
	b.upload(t, "POST", page, []file{{"a.png", "image/png", "aaaa"}, {"b.pdf", "application/pdf", "bb"}, {"c.png", "image/png", "c"}}, 200, "first")
	var list struct {
		Results []struct {
			ID, Title, PageID, MediaType, Comment, DownloadLink string
			FileSize                                            int64
		}
		Links map[string]string `json:"_links"`
	}
	_, data := b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/pages/" + page + "/attachments?limit=2", want: 200})
	decode(t, data, &list)
	if len(list.Results) != 2 || list.Results[0].Title != "a.png" || list.Results[0].FileSize != 4 ||
		list.Results[0].PageID != page || list.Results[0].Comment != "first" || list.Links["next"] == "" {
		t.Fatalf("v2 attachments: %s", data)
	}
	_, data = b.v2(t, v2Call{method: "GET", path: list.Links["next"], want: 200})
	if !strings.Contains(string(data), `"title":"c.png"`) {
		t.Fatalf("second page: %s", data)
	}
	_, data = b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/pages/" + page + "/attachments?mediaType=application/pdf", want: 200})
	if strings.Count(string(data), `"pageId"`) != 1 || !strings.Contains(string(data), "b.pdf") {
		t.Fatalf("by media type: %s", data)
	}
}

func TestDownloadAuthAndMisses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	page := b.createV2Page(t, "Dl", "")
	up := b.upload(t, "POST", page, []file{{"with space é.txt", "text/plain", "data"}}, 200)
	path := "/wiki" + up.Results[0].Links["download"]
	mustContain(t, path, "/with%20space%20%C3%A9.txt?")
	cases := []struct {
		name, path, auth string
		want             int
	}{
		{"anonymous", path, "-", 200},
		{"authenticated", path, "", 200},
		{"bad credentials", path, "Bearer nope", 401},
		{"unknown file", "/wiki/download/attachments/" + page + "/nope.txt", "-", 404},
		{"unknown version", strings.Replace(path, "version=1", "version=7", 1), "-", 404},
	}
	for _, tc := range cases {
		resp, data := b.call(t, request{method: "GET", path: tc.path, auth: tc.auth})
		checkStatus(t, resp, data, tc.want)
		if tc.want == 200 && (string(data) != "data" || resp.Header.Get("X-Content-Type-Options") != "nosniff") {
			t.Fatalf("%s: %q %v", tc.name, data, resp.Header)
		}
	}
}
