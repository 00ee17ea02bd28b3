package sandbox

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

func TestV2CreatePageAcceptsNumericSpaceID(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp, data := b.call(t, request{method: "POST", path: "/wiki/api/v2/pages", contentType: "application/json",
		body: strings.NewReader(`{"spaceId":` + b.space.ID + `,"status":"current","title":"Numeric"}`)})
	checkStatus(t, resp, data, 200)
	mustContain(t, string(data), `"spaceId":"`+b.space.ID+`"`)
}

func TestV2CreatePageTooLarge(t *testing.T) {
	t.Parallel()
	b := setup(t)
	big := `{"spaceId":"` + b.space.ID + `","title":"Big","body":{"representation":"storage","value":"<p>` +
		strings.Repeat("x", maxJSONBody) + `</p>"}}`
	_, data := b.v2(t, v2Call{method: "POST", path: "/wiki/api/v2/pages", body: jsonRaw(big), want: http.StatusRequestEntityTooLarge})
	if e := v2ErrorOf(t, data); e.Status != 413 {
		t.Fatalf("413 body %s", data)
	}
}

// jsonRaw is a request body that is already JSON.
type jsonRaw string

func (j jsonRaw) MarshalJSON() ([]byte, error) { return []byte(j), nil }

func TestV2CreatePageInvalidJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp, data := b.call(t, request{method: "POST", path: "/wiki/api/v2/pages", contentType: "application/json",
		body: bytes.NewReader([]byte(`{"spaceId":`))})
	checkStatus(t, resp, data, 400)
	if e := v2ErrorOf(t, data); e.Code != "BAD_REQUEST" {
		t.Fatalf("invalid JSON answered %s", data)
	}
}

func TestAttachmentPreviewRedirectsToPage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	page := b.createV2Page(t, "Preview", "")
	up := b.upload(t, "POST", page, []file{{"p.txt", "text/plain", "p"}}, 200)
	resp, data := b.call(t, request{method: "GET", path: "/wiki" + up.Results[0].Links["webui"], auth: "-"})
	checkStatus(t, resp, data, 200)
	mustContain(t, string(data), "<h1>Preview</h1>")
}

func TestHumanSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0 B", 1023: "1023 B", 1024: "1.0 kB", 1536: "1.5 kB", 5 << 20: "5.0 MB"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestMediaTypeOf(t *testing.T) {
	t.Parallel()
	cases := []struct{ part, name, want string }{
		{"image/png", "x.bin", "image/png"},
		{"text/plain; charset=utf-8", "x", "text/plain"},
		{"application/octet-stream", "doc.pdf", "application/pdf"},
		{"", "photo.JPG", "image/jpeg"},
		{"", "noext", "application/octet-stream"},
	}
	for _, tc := range cases {
		if got := mediaTypeOf(tc.part, tc.name); got != tc.want {
			t.Errorf("mediaTypeOf(%q, %q) = %q, want %q", tc.part, tc.name, got, tc.want)
		}
	}
}
