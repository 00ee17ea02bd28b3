package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestFoldersHoldPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, data := b.v2(t, v2Call{method: "POST", path: "/wiki/api/v2/folders", body: map[string]any{"spaceId": b.space.ID, "title": "Inbox"}, want: 200})
	var f v2Folder
	decode(t, data, &f)
	if f.Type != "folder" || f.Title != "Inbox" || f.Status != "current" || f.ID == "" {
		t.Fatalf("folder %s", data)
	}
	b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/folders/" + f.ID, want: 200})
	b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/folders/999999", want: 404})
	sub, err := b.sb.CreateFolder(DemoSpaceKey, "2025", f.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, data = b.v2(t, v2Call{method: "POST", path: "/wiki/api/v2/pages", body: map[string]any{"spaceId": b.space.ID, "status": "current",
		"title": "Mail", "parentId": sub, "body": map[string]string{"representation": "storage", "value": "<p>x</p>"}}, want: 200})
	var p v2Page
	decode(t, data, &p)
	if p.ParentID != sub || p.ParentType != "folder" {
		t.Fatalf("page under a folder: %s", data)
	}
	if p.ID <= sub {
		t.Fatalf("ids not shared: page %s after folder %s", p.ID, sub)
	}
	resp, html := b.call(t, request{method: "GET", path: "/wiki/spaces/" + DemoSpaceKey, auth: "-"})
	checkStatus(t, resp, html, 200)
	mustContain(t, string(html), `id="folder-`+f.ID+`"`)
	mustContain(t, string(html), `2025</span><ul><li><a href=`)
}

func TestBlogPosts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := map[string]any{"spaceId": b.space.ID, "status": "current", "title": "News",
		"body": map[string]string{"representation": "storage", "value": "<p>hello</p>"}}
	_, data := b.v2(t, v2Call{method: "POST", path: "/wiki/api/v2/blogposts", body: body, want: 200})
	var bp v2BlogPost
	decode(t, data, &bp)
	if bp.Title != "News" || bp.Body.Storage == nil || bp.Body.Storage.Value != "<p>hello</p>" {
		t.Fatalf("blog post %s", data)
	}
	body["body"] = map[string]string{"representation": "storage", "value": "<p>unclosed"}
	b.v2(t, v2Call{method: "POST", path: "/wiki/api/v2/blogposts", body: body, want: 400})
	b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/blogposts/" + bp.ID + "?body-format=storage", want: 200})
	_, data = b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/blogposts?space-id=" + b.space.ID + "&title=News", want: 200})
	mustContain(t, string(data), `"id":"`+bp.ID+`"`)
	_, data = b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/blogposts?title=New", want: 200})
	if strings.Contains(string(data), bp.ID) {
		t.Fatalf("title is not an exact match: %s", data)
	}
	b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/pages/" + bp.ID, want: 404})
	b.upload(t, "POST", bp.ID, []file{{"a.txt", "text/plain", "hi"}}, 200)
	resp, html := b.call(t, request{method: "GET", path: "/wiki" + bp.Links.WebUI, auth: "-"})
	checkStatus(t, resp, html, 200)
	mustContain(t, string(html), "hello")
	mustContain(t, string(html), "a.txt")
}

func TestCQLSearchSubset(t *testing.T) {
	t.Parallel()
	b := setup(t)
	folder, _ := b.sb.CreateFolder(DemoSpaceKey, "Mail archive", "")
	page := b.createV2Page(t, "Weekly mail", "")
	b.createV2Page(t, "Other", "")
	search := func(cql string, want int) tSearch {
		var out tSearch
		b.getJSON(t, "/wiki/rest/api/search?limit=10&cql="+url.QueryEscape(cql), want, &out)
		return out
	}
	got := search(`space = "DEMO" and type in (page, folder) AND title ~ "MAIL"`, 200)
	if got.Size != 2 || got.Results[0].Content.ID != folder || got.Results[1].Content.ID != page || got.Results[0].Content.Type != "folder" {
		t.Fatalf("search %+v", got)
	}
	if got := search(`type = page AND space = DEMO`, 200); got.Size != 2 {
		t.Fatalf("type = page: %+v", got)
	}
	for _, bad := range []string{`space = "DEMO"`, `space = "DEMO" OR type = page`, `text ~ "x" AND space = DEMO AND type = page`,
		`space = "DEMO" AND type = attachment`, `space = "DEMO AND type = page`} {
		resp, data := b.call(t, request{method: "GET", path: "/wiki/rest/api/search?cql=" + url.QueryEscape(bad)})
		checkStatus(t, resp, data, http.StatusBadRequest)
		mustContain(t, string(data), "not supported by the sandbox")
	}
}

type tSearch struct {
	Results []struct {
		Content struct{ ID, Type, Title, Status string }
		Title   string
		URL     string
	}
	Start, Limit, Size int
}
