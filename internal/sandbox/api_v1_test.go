package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// tContent is the test's view of v1 page content.
type tContent struct {
	ID, Type, Status, Title string
	Space                   *struct{ Key string }
	Version                 *struct{ Number int }
	Body                    *struct {
		Storage struct{ Value, Representation string }
	}
	Links map[string]string `json:"_links"`
}

func TestV1SpaceByKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var sp struct {
		ID              int64
		Key, Name, Type string
		Links           map[string]string `json:"_links"`
	}
	b.getJSON(t, "/wiki/rest/api/space/DEMO", 200, &sp)
	if fmt.Sprint(sp.ID) != b.space.ID || sp.Key != "DEMO" || sp.Name != "Demo" || sp.Links["webui"] != "/spaces/DEMO" {
		t.Fatalf("space: %+v", sp)
	}
	resp, data := b.call(t, request{method: "GET", path: "/wiki/rest/api/space/NOPE"})
	checkStatus(t, resp, data, 404)
	mustContain(t, string(data), `"statusCode":404`)
	mustContain(t, string(data), "No space with key : NOPE")
}

func TestV1ContentByTitle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createV2Page(t, "Find me", "<p>found</p>")
	b.createV2Page(t, "Other", "<p>o</p>")
	var list tV1List[tContent]
	b.getJSON(t, "/wiki/rest/api/content?spaceKey=DEMO&title=Find+me&expand=body.storage,version", 200, &list)
	if list.Size != 1 || len(list.Results) != 1 {
		t.Fatalf("by title: %+v", list)
	}
	c := list.Results[0]
	if c.ID != id || c.Type != "page" || c.Status != "current" || c.Body == nil || c.Body.Storage.Value != "<p>found</p>" ||
		c.Body.Storage.Representation != "storage" || c.Version == nil || c.Version.Number != 1 {
		t.Fatalf("content: %+v", c)
	}
	if c.Links["webui"] != "/spaces/DEMO/pages/"+id+"/Find+me" || list.Links["base"] != b.srv.URL+"/wiki" || list.Links["context"] != "/wiki" {
		t.Fatalf("links %v / %v", c.Links, list.Links)
	}

	var none tV1List[tContent]
	b.getJSON(t, "/wiki/rest/api/content?spaceKey=DEMO&title=Nope", 200, &none)
	if none.Size != 0 || len(none.Results) != 0 {
		t.Fatalf("unknown title: %+v", none)
	}
	var bare tV1List[tContent]
	b.getJSON(t, "/wiki/rest/api/content?spaceKey=DEMO&title=Other", 200, &bare)
	if bare.Results[0].Body != nil || bare.Results[0].Version != nil {
		t.Fatalf("expanded without expand: %+v", bare.Results[0])
	}
	resp, data := b.call(t, request{method: "GET", path: "/wiki/rest/api/content?spaceKey=NOPE&title=x"})
	checkStatus(t, resp, data, 404)
}

func TestV1ContentPaging(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var want []string
	for i := range 30 {
		want = append(want, b.createV2Page(t, fmt.Sprintf("Page %02d", i), ""))
	}
	var first tV1List[tContent]
	b.getJSON(t, "/wiki/rest/api/content?spaceKey=DEMO", 200, &first)
	if first.Limit != 25 || first.Size != 25 || first.Start != 0 || first.Links["next"] == "" {
		t.Fatalf("default page: start %d limit %d size %d links %v", first.Start, first.Limit, first.Size, first.Links)
	}
	mustContain(t, first.Links["next"], "start=25")
	var got []string
	path := "/wiki/rest/api/content?spaceKey=DEMO&limit=7"
	for calls := 0; path != ""; calls++ {
		if calls > 10 {
			t.Fatal("paging does not end")
		}
		var list tV1List[tContent]
		b.getJSON(t, path, 200, &list)
		for _, c := range list.Results {
			got = append(got, c.ID)
		}
		path = ""
		if n := list.Links["next"]; n != "" {
			if !strings.HasPrefix(n, "/rest/api/content?") {
				t.Fatalf("v1 next %q is not relative to the base", n)
			}
			path = "/wiki" + n
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("paged %d ids, want %d in order", len(got), len(want))
	}
}

func TestV1GetContent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createV2Page(t, "By id", "<p>b</p>")
	var c tContent
	b.getJSON(t, "/wiki/rest/api/content/"+id+"?expand=body.storage", 200, &c)
	if c.Title != "By id" || c.Body == nil || c.Body.Storage.Value != "<p>b</p>" {
		t.Fatalf("content: %+v", c)
	}
	resp, data := b.call(t, request{method: "GET", path: "/wiki/rest/api/content/777777"})
	checkStatus(t, resp, data, 404)
	mustContain(t, string(data), `"statusCode":404`)
}

func TestV1CreatePage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := func(title, storage string, ancestors ...string) map[string]any {
		m := map[string]any{"type": "page", "title": title, "space": map[string]string{"key": "DEMO"},
			"body": map[string]any{"storage": map[string]string{"value": storage, "representation": "storage"}}}
		var anc []map[string]string
		for _, a := range ancestors {
			anc = append(anc, map[string]string{"id": a})
		}
		if anc != nil {
			m["ancestors"] = anc
		}
		return m
	}
	var parent, child tContent
	b.sendJSON(t, http.MethodPost, "/wiki/rest/api/content", body("DC parent", "<p>dc</p>"), 200, &parent)
	if !numericID(parent.ID) || parent.Space == nil || parent.Space.Key != "DEMO" || parent.Body == nil || parent.Body.Storage.Value != "<p>dc</p>" {
		t.Fatalf("v1 create: %+v", parent)
	}
	b.sendJSON(t, http.MethodPost, "/wiki/rest/api/content", body("DC child", "", parent.ID), 200, &child)
	pages := b.sb.Pages("DEMO")
	if len(pages) != 2 || pages[1].ParentID != parent.ID {
		t.Fatalf("Pages() = %+v", pages)
	}

	cases := []struct {
		name string
		body map[string]any
		want int
		msg  string
	}{
		{"duplicate title", body("DC parent", ""), 400, duplicateTitleMessage},
		{"malformed storage", body("Bad", "<p><b>x</p>"), 400, "Error parsing xhtml"},
		{"unknown space", func() map[string]any { m := body("X", ""); m["space"] = map[string]string{"key": "NOPE"}; return m }(), 404, "No space with key : NOPE"},
		{"blog post", func() map[string]any { m := body("X", ""); m["type"] = "blogpost"; return m }(), 400, "blogpost"},
		{"missing title", body("", "<p/>"), 400, "Title"},
	}
	for _, tc := range cases {
		var e struct {
			StatusCode int
			Message    string
			Data       map[string]any
		}
		b.sendJSON(t, http.MethodPost, "/wiki/rest/api/content", tc.body, tc.want, &e)
		if e.StatusCode != tc.want || !strings.Contains(e.Message, tc.msg) || e.Data == nil {
			t.Fatalf("%s: %+v", tc.name, e)
		}
	}
}

func TestUnknownAPIRouteIs404AfterAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp, data := b.call(t, request{method: "GET", path: "/wiki/rest/api/nothing/here", auth: "-"})
	checkStatus(t, resp, data, 401)
	resp, data = b.call(t, request{method: "GET", path: "/wiki/rest/api/nothing/here"})
	checkStatus(t, resp, data, 404)
	mustContain(t, string(data), `"statusCode":404`)
}
