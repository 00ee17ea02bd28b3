package confluence

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"unsafe"
)

// encodeReference is the upload body as a multipart.Writer writes it when
// fed every file's data, with the given boundary.
func encodeReference(t *testing.T, files []File, boundary string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary(boundary); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		h := map[string][]string{
			"Content-Disposition": {`form-data; name="file"; filename="` + quoteEscaper.Replace(f.Name) + `"`},
			"Content-Type":        {partContentType(f.ContentType)},
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(f.Data)
	}
	w.WriteField("minorEdit", "true")
	w.Close()
	return buf.Bytes()
}

// TestMultipartBodySharesFileData: the body's bytes are a multipart.Writer's,
// and each file's data is in it as the caller's own slice, not a copy.
func TestMultipartBodySharesFileData(t *testing.T) {
	t.Parallel()
	files := []File{
		{Name: "logo.png", ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\n\x00binary")},
		{Name: "empty.txt", ContentType: "text/plain", Data: nil},
		{Name: `Q3 "final".pdf`, ContentType: "application/pdf", Data: bytes.Repeat([]byte("%PDF"), 5000)},
		{Name: "x", ContentType: "bad type", Data: []byte("y")},
	}
	parts, ctype, err := multipartBody(files)
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(ctype)
	if got, want := bytes.Join(parts, nil), encodeReference(t, files, params["boundary"]); !bytes.Equal(got, want) {
		t.Fatalf("body\n got %q\nwant %q", got, want)
	}
	shared := 0
	for _, p := range parts {
		for _, f := range files {
			if len(f.Data) > 0 && len(p) == len(f.Data) && unsafe.SliceData(p) == unsafe.SliceData(f.Data) {
				shared++
			}
		}
	}
	if shared != 3 {
		t.Fatalf("%d of the 3 non-empty files are shared into the body", shared)
	}
}

// TestUploadBodyHasContentLength: the upload is sent with its exact length,
// not chunked, as when it was one buffer.
func TestUploadBodyHasContentLength(t *testing.T) {
	t.Parallel()
	type got struct {
		length int64
		te     []string
		body   []byte
	}
	var mu sync.Mutex
	var seen []got
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, got{r.ContentLength, r.TransferEncoding, b})
		mu.Unlock()
		io.WriteString(w, `{"results":[]}`)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL+"/wiki", srv.Client(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte{0xAB}, 1<<20)
	if _, err := c.UploadAttachments(t.Context(), "1", []File{{Name: "big.bin", Data: data}}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].length != int64(len(seen[0].body)) || len(seen[0].te) != 0 {
		t.Fatalf("requests %d; Content-Length %d for a %d-byte body, Transfer-Encoding %v",
			len(seen), seen[0].length, len(seen[0].body), seen[0].te)
	}
	if !bytes.Contains(seen[0].body, data) {
		t.Fatal("the file is not in the body")
	}
}

// TestUploadRetriedAfterRateLimitSendsWholeBody: a 429 retry replays the
// whole multipart body, identical to the first attempt.
func TestUploadRetriedAfterRateLimitSendsWholeBody(t *testing.T) {
	t.Parallel()
	f := newFake(t, nil)
	f.respond = func(n int, r recorded) reply {
		if n == 0 {
			return reply{status: 429, header: map[string]string{"Retry-After": "1"}}
		}
		return reply{body: attachmentsResponse(t, r, 1)}
	}
	c, _ := newClient(t, f, Options{})
	files := []File{{Name: "a.bin", Data: bytes.Repeat([]byte("a"), 100000)}, {Name: "b.txt", ContentType: "text/plain", Data: []byte("b")}}
	got, err := c.UploadAttachments(t.Context(), "123456", files)
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || len(got) != 2 {
		t.Fatalf("%d requests, %d attachments; want 2 and 2", len(reqs), len(got))
	}
	if !bytes.Equal(reqs[1].Body, reqs[0].Body) {
		t.Fatal("the retried body differs from the first")
	}
	want := []part{{"file", "a.bin", "application/octet-stream", files[0].Data}, {"file", "b.txt", "text/plain", []byte("b")}, {"minorEdit", "", "", []byte("true")}}
	if parts := parseParts(t, reqs[1]); !reflect.DeepEqual(parts, want) {
		t.Fatalf("parts %q", parts)
	}
}
