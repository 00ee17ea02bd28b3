package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// fakeResolver knows one attachment and one page.
type fakeResolver struct{}

func (fakeResolver) attachmentURL(name string) (string, bool) {
	if name == "a b.png" {
		return "/wiki/download/attachments/1/a%20b.png?version=1", true
	}
	return "", false
}

func (fakeResolver) pageURL(title string) (string, bool) {
	return "/wiki/spaces/DEMO/pages/2/Other", title == "Other"
}

func TestRenderStorage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, storage string
		want          []string // substrings of the HTML
		not           []string // must not appear
	}{
		{"paragraph and entity", "<p>a&nbsp;&amp;&lt;b</p>", []string{"<p>a\u00a0&amp;&lt;b</p>"}, nil},
		{"attachment image", `<ac:image ac:alt="chart"><ri:attachment ri:filename="a b.png"/></ac:image>`,
			[]string{`<img src="/wiki/download/attachments/1/a%20b.png?version=1" alt="chart"/>`}, nil},
		{"missing attachment image", `<ac:image><ri:attachment ri:filename="gone.png"/></ac:image>`,
			[]string{"image not found: gone.png"}, []string{"<img"}},
		{"url image", `<ac:image><ri:url ri:value="https://example.com/x.png"/></ac:image>`,
			[]string{`<img src="https://example.com/x.png"`}, nil},
		{"javascript url image", `<ac:image><ri:url ri:value="javascript:alert(1)"/></ac:image>`,
			nil, []string{"<img", "javascript:alert(1)\""}},
		{"attachment link", `<ac:link><ri:attachment ri:filename="a b.png"/><ac:plain-text-link-body><![CDATA[the <chart>]]></ac:plain-text-link-body></ac:link>`,
			[]string{`<a href="/wiki/download/attachments/1/a%20b.png?version=1">the &lt;chart&gt;</a>`}, nil},
		{"page link", `<ac:link><ri:page ri:content-title="Other"/></ac:link>`,
			[]string{`<a href="/wiki/spaces/DEMO/pages/2/Other">Other</a>`}, nil},
		{"macro box", `<ac:structured-macro ac:name="info"><ac:parameter ac:name="title">T</ac:parameter><ac:rich-text-body><p>inside</p></ac:rich-text-body></ac:structured-macro>`,
			[]string{`class="macro"`, "macro: info · title=T", "<p>inside</p>"}, nil},
		{"code macro", `<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[<script>x</script>]]></ac:plain-text-body></ac:structured-macro>`,
			[]string{"<pre>&lt;script&gt;x&lt;/script&gt;</pre>"}, []string{"<script>"}},
		{"unknown ac element", `<ac:emoticon ac:name="smile"/>`, []string{"ac:emoticon"}, nil},
		{"script dropped", `<p>a</p><script>alert(1)</script>`, []string{"<p>a</p>"}, []string{"alert"}},
		{"event attribute dropped", `<p onclick="alert(1)">x</p>`, []string{"<p>x</p>"}, []string{"onclick"}},
		{"javascript href dropped", `<a href="javascript:alert(1)">x</a>`, []string{"<a>x</a>"}, []string{"javascript"}},
		{"safe href kept", `<a href="https://example.com/?a=1&amp;b=2">x</a>`, []string{`href="https://example.com/?a=1&amp;b=2"`}, nil},
		{"unknown element unwrapped", `<blink>x</blink>`, []string{"x"}, []string{"blink"}},
		{"table", `<table><tbody><tr><td colspan="2">c</td></tr></tbody></table>`, []string{`<td colspan="2">c</td>`}, nil},
		{"task list", `<ac:task-list><ac:task><ac:task-status>complete</ac:task-status><ac:task-body>done</ac:task-body></ac:task></ac:task-list>`,
			[]string{"☑ done"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := renderStorage(tc.storage, fakeResolver{})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("render(%q) = %q, want it to contain %q", tc.storage, got, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("render(%q) = %q, must not contain %q", tc.storage, got, n)
				}
			}
		})
	}
}

// TestHTMLPageShowsAttachedImage follows what a person does: open the
// webui link of a page, find its <img>, download the image.
func TestHTMLPageShowsAttachedImage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	png := "\x89PNG\r\n\x1a\nsome image bytes \x00\xff"
	var created tPage
	b.sendJSON(t, http.MethodPost, "/wiki/api/v2/pages", map[string]any{
		"spaceId": b.space.ID, "title": "Photo <report> & more",
		"body": map[string]string{"representation": "storage",
			"value": `<p>See:</p><ac:image><ri:attachment ri:filename="photo 1.png"/></ac:image>`},
	}, 200, &created)
	b.upload(t, "POST", created.ID, []file{{"photo 1.png", "image/png", png}}, 200)

	resp, data := b.call(t, request{method: "GET", path: "/wiki" + created.Links["webui"], auth: "-"})
	checkStatus(t, resp, data, 200)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("CSP %q", csp)
	}
	page := string(data)
	mustContain(t, page, "Photo &lt;report&gt; &amp; more")
	mustContain(t, page, "photo 1.png")
	mustContain(t, page, "image/png")

	src := imgSrc(t, strings.NewReader(page))
	resp, img := b.call(t, request{method: "GET", path: src, auth: "-"})
	checkStatus(t, resp, img, 200)
	if string(img) != png || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("image %q served as %q", img, resp.Header.Get("Content-Type"))
	}
}

// hrefs returns the href of every <a> in an HTML document.
func hrefs(t *testing.T, data []byte) []string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for n := range doc.Descendants() {
		for _, a := range n.Attr {
			if n.Data == "a" && a.Key == "href" {
				out = append(out, a.Val)
			}
		}
	}
	return out
}

// checkStyleHash checks the CSP allows the page's inline stylesheet, so a
// browser applies it.
func checkStyleHash(t *testing.T, csp, page string) {
	t.Helper()
	_, rest, _ := strings.Cut(page, "<style>")
	css, _, _ := strings.Cut(rest, "</style>")
	sum := sha256.Sum256([]byte(css))
	mustContain(t, csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
}

// imgSrc returns the src of the first <img> in an HTML document.
func imgSrc(t *testing.T, r io.Reader) string {
	t.Helper()
	doc, err := html.Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "img" {
			for _, a := range n.Attr {
				if a.Key == "src" {
					return a.Val
				}
			}
		}
	}
	t.Fatal("no <img src> in the page")
	return ""
}

func TestHTMLNavigation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var created tPage
	b.sendJSON(t, http.MethodPost, "/wiki/api/v2/pages", map[string]any{"spaceId": b.space.ID, "title": "Nav page"}, 200, &created)

	resp, data := b.call(t, request{method: "GET", path: "/wiki/", auth: "-"})
	checkStatus(t, resp, data, 200)
	if links := hrefs(t, data); !contains(links, "/wiki"+created.Links["webui"]) {
		t.Fatalf("index links %v lack the page's webui %s", links, created.Links["webui"])
	}
	mustContain(t, string(data), "Demo")
	checkStyleHash(t, resp.Header.Get("Content-Security-Policy"), string(data))

	resp, data = b.call(t, request{method: "GET", path: "/wiki/spaces/DEMO", auth: "-"})
	checkStatus(t, resp, data, 200)
	mustContain(t, string(data), "Nav page")

	resp, data = b.call(t, request{method: "GET", path: "/wiki/spaces/DEMO/pages/" + created.ID, auth: "-"})
	checkStatus(t, resp, data, 200)
	mustContain(t, string(data), "<h1>Nav page</h1>")

	resp, data = b.call(t, request{method: "GET", path: "/wiki" + created.Links["tinyui"], auth: "-"})
	checkStatus(t, resp, data, 200) // the client followed the redirect to the page
	mustContain(t, string(data), "<h1>Nav page</h1>")

	for _, path := range []string{"/wiki/spaces/NOPE", "/wiki/spaces/DEMO/pages/999999", "/wiki/spaces/OTHER/pages/" + created.ID, "/wiki/x/!!"} {
		resp, data := b.call(t, request{method: "GET", path: path, auth: "-"})
		checkStatus(t, resp, data, 404)
	}
}

func TestTinyCodeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, id := range []uint64{1, 255, 256, 65537, 1 << 40, 98765432101} {
		got, ok := parseTinyCode(tinyCode(id))
		if !ok || got != id {
			t.Fatalf("tiny code of %d (%q) decodes to %d, %v", id, tinyCode(id), got, ok)
		}
	}
}
