package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Test-side views of v2 answers, written from Atlassian's document rather
// than shared with the code under test.
type (
	tSpace struct {
		ID, Key, Name, Type, Status string
		Links                       map[string]string `json:"_links"`
	}
	tPage struct {
		ID, Status, Title, SpaceID, ParentID, AuthorID, CreatedAt string
		Version                                                   struct {
			Number    int
			CreatedAt string
		}
		Body struct {
			Storage *struct{ Representation, Value string }
		}
		Links map[string]string `json:"_links"`
	}
	tList[T any] struct {
		Results []T
		Links   map[string]string `json:"_links"`
	}
)

func TestV2Spaces(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := b.sb.AddSpace("OPS", "Operations")
	if again := b.sb.AddSpace("OPS", "renamed"); again != other {
		t.Fatalf("AddSpace is not idempotent: %+v then %+v", other, again)
	}

	var list tList[tSpace]
	_, data := b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/spaces?keys=DEMO,OPS", want: 200})
	decode(t, data, &list)
	if len(list.Results) != 2 || list.Results[0].Key != "DEMO" || list.Results[1].ID != other.ID {
		t.Fatalf("spaces by keys: %s", data)
	}
	if list.Links["base"] != b.srv.URL+"/wiki" || list.Links["next"] != "" {
		t.Fatalf("links: %v", list.Links)
	}

	var byID, none tList[tSpace]
	_, data = b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/spaces?ids=" + other.ID, want: 200})
	decode(t, data, &byID)
	if len(byID.Results) != 1 || byID.Results[0].Name != "Operations" {
		t.Fatalf("spaces by id: %s", data)
	}

	_, data = b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/spaces?keys=NOPE", want: 200})
	decode(t, data, &none)
	if len(none.Results) != 0 {
		t.Fatalf("unknown key listed: %s", data)
	}

	var one tSpace
	_, data = b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/spaces/" + b.space.ID, want: 200})
	decode(t, data, &one)
	if one.Key != DemoSpaceKey || one.Name != DemoSpaceName || one.Links["webui"] != "/spaces/DEMO" || one.Links["base"] == "" {
		t.Fatalf("space: %s", data)
	}
}

func TestV2SpacesCursorPaging(t *testing.T) {
	t.Parallel()
	b := setup(t)
	want := []string{DemoSpaceKey}
	for _, k := range []string{"A1", "A2", "A3", "A4"} {
		b.sb.AddSpace(k, "Space "+k)
		want = append(want, k)
	}
	var got []string
	next := "/wiki/api/v2/spaces?limit=2"
	for calls := 0; next != ""; calls++ {
		if calls > 5 {
			t.Fatal("paging does not end")
		}
		var list tList[tSpace]
		resp, data := b.v2(t, v2Call{method: "GET", path: next, want: 200})
		decode(t, data, &list)
		for _, sp := range list.Results {
			got = append(got, sp.Key)
		}
		next = list.Links["next"]
		if next != "" && !strings.Contains(resp.Header.Get("Link"), `<`+next+`>; rel="next"`) {
			t.Fatalf("Link header %q does not carry next %q", resp.Header.Get("Link"), next)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("paged keys %v, want %v", got, want)
	}
}

func TestV2CreateAndGetPage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	storage := `<p>Hello&nbsp;<strong>world</strong></p><ac:image><ri:attachment ri:filename="a.png"/></ac:image>`
	var created tPage
	_, data := b.v2(t, v2Call{method: "POST", path: "/wiki/api/v2/pages", want: 200, body: map[string]any{
		"spaceId": b.space.ID, "status": "current", "title": "Weekly report",
		"body": map[string]string{"representation": "storage", "value": storage},
	}})
	decode(t, data, &created)
	if !numericID(created.ID) || created.Status != "current" || created.Title != "Weekly report" ||
		created.SpaceID != b.space.ID || created.AuthorID == "" || created.Version.Number != 1 {
		t.Fatalf("created page: %s", data)
	}
	if created.Body.Storage == nil || created.Body.Storage.Value != storage {
		t.Fatalf("created page body: %s", data)
	}
	if created.Links["webui"] != "/spaces/DEMO/pages/"+created.ID+"/Weekly+report" || created.Links["base"] != b.srv.URL+"/wiki" {
		t.Fatalf("created page links: %v", created.Links)
	}
	if !strings.HasPrefix(created.CreatedAt, "2025-03-14T09:26:53.") || !strings.HasSuffix(created.CreatedAt, "Z") {
		t.Fatalf("createdAt %q does not come from the injected clock in Confluence's format", created.CreatedAt)
	}

	var got tPage
	_, data = b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/pages/" + created.ID + "?body-format=storage", want: 200})
	decode(t, data, &got)
	if got.Body.Storage == nil || got.Body.Storage.Value != storage || got.Body.Storage.Representation != "storage" {
		t.Fatalf("page body: %s", data)
	}
	var bare tPage
	_, data = b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/pages/" + created.ID, want: 200})
	decode(t, data, &bare)
	if bare.ID != created.ID || bare.Body.Storage != nil {
		t.Fatalf("body returned without body-format: %s", data)
	}

	pages := b.sb.Pages(DemoSpaceKey)
	if len(pages) != 1 || pages[0].ID != created.ID || pages[0].Storage != storage || pages[0].Title != "Weekly report" {
		t.Fatalf("Pages() = %+v", pages)
	}
}

func TestV2CreatePageNestedBodyAndParent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	parent := b.createV2Page(t, "Parent", "<p>p</p>")
	var child tPage
	_, data := b.v2(t, v2Call{method: "POST", path: "/wiki/api/v2/pages", want: 200, body: map[string]any{
		"spaceId": b.space.ID, "status": "current", "title": "Child", "parentId": parent,
		"body": map[string]any{"storage": map[string]string{"representation": "storage", "value": "<p>c</p>"}},
	}})
	decode(t, data, &child)
	if child.ParentID != parent || child.Body.Storage == nil || child.Body.Storage.Value != "<p>c</p>" {
		t.Fatalf("child page: %s", data)
	}
}

func TestV2CreatePageErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createV2Page(t, "Taken", "<p>x</p>")
	page := func(mod func(map[string]any)) map[string]any {
		m := map[string]any{"spaceId": b.space.ID, "status": "current", "title": "New page",
			"body": map[string]string{"representation": "storage", "value": "<p>ok</p>"}}
		mod(m)
		return m
	}
	cases := []struct {
		name   string
		body   map[string]any
		status int
		code   string
		title  string
	}{
		{"unknown space", page(func(m map[string]any) { m["spaceId"] = "999999" }), 404, "NOT_FOUND", "999999"},
		{"duplicate title", page(func(m map[string]any) { m["title"] = "Taken" }), 400, "BAD_REQUEST", duplicateTitleMessage},
		{"duplicate title other case", page(func(m map[string]any) { m["title"] = "TAKEN" }), 400, "BAD_REQUEST", "already exists"},
		{"missing title", page(func(m map[string]any) { delete(m, "title") }), 400, "BAD_REQUEST", "Title"},
		{"malformed storage", page(func(m map[string]any) {
			m["body"] = map[string]string{"representation": "storage", "value": "<p>unclosed"}
		}), 400, "BAD_REQUEST", "Error parsing xhtml"},
		{"unknown parent", page(func(m map[string]any) { m["parentId"] = "424242" }), 404, "NOT_FOUND", "424242"},
		{"wiki representation", page(func(m map[string]any) {
			m["body"] = map[string]string{"representation": "wiki", "value": "h1. x"}
		}), 400, "BAD_REQUEST", "representation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, data := b.v2(t, v2Call{method: "POST", path: "/wiki/api/v2/pages", body: tc.body, want: tc.status})
			e := v2ErrorOf(t, data)
			if e.Status != tc.status || e.Code != tc.code || !strings.Contains(e.Title, tc.title) {
				t.Fatalf("error %+v, want status %d code %s title containing %q", e, tc.status, tc.code, tc.title)
			}
			if !strings.Contains(string(data), `"detail":null`) {
				t.Fatalf("v2 error without detail: %s", data)
			}
		})
	}
	if n := len(b.sb.Pages(DemoSpaceKey)); n != 1 {
		t.Fatalf("refused requests stored pages: %d pages", n)
	}
}

func TestV2ListPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var ids []string
	for _, title := range []string{"One", "Two", "Three", "Four", "Five"} {
		ids = append(ids, b.createV2Page(t, title, "<p>"+title+"</p>"))
	}
	other := b.sb.AddSpace("OTHER", "Other")
	b.sb.AddUser("x@y.test", "t") // unrelated user: no effect on listing
	q := url.Values{"space-id": {b.space.ID}, "limit": {"2"}, "body-format": {"storage"}}
	next := "/wiki/api/v2/pages?" + q.Encode()
	var got []string
	for calls := 0; next != ""; calls++ {
		if calls > 5 {
			t.Fatal("paging does not end")
		}
		var list tList[tPage]
		_, data := b.v2(t, v2Call{method: "GET", path: next, want: 200})
		decode(t, data, &list)
		for _, p := range list.Results {
			if p.Body.Storage == nil || p.Body.Storage.Value != "<p>"+p.Title+"</p>" {
				t.Fatalf("listed page without its storage body: %+v", p)
			}
			got = append(got, p.ID)
		}
		next = list.Links["next"]
	}
	if strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Fatalf("paged ids %v, want %v", got, ids)
	}

	var byTitle, inOther tList[tPage]
	_, data := b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/pages?space-id=" + b.space.ID + "&title=Three", want: 200})
	decode(t, data, &byTitle)
	if len(byTitle.Results) != 1 || byTitle.Results[0].ID != ids[2] || byTitle.Results[0].Body.Storage != nil {
		t.Fatalf("by title: %s", data)
	}
	_, data = b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/pages?space-id=" + other.ID, want: 200})
	decode(t, data, &inOther)
	if len(inOther.Results) != 0 {
		t.Fatalf("other space lists pages: %s", data)
	}
}

func TestV2BadCursor(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, data := b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/pages?cursor=garbage", want: 400})
	if e := v2ErrorOf(t, data); e.Code != "INVALID_REQUEST_PARAMETER" || !strings.Contains(e.Title, "cursor") {
		t.Fatalf("bad cursor answered %+v", e)
	}
}

func TestV2NotFound(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, path := range []string{"/wiki/api/v2/pages/123456", "/wiki/api/v2/spaces/123456", "/wiki/api/v2/pages/123456/attachments"} {
		_, data := b.v2(t, v2Call{method: "GET", path: path, want: 404})
		if e := v2ErrorOf(t, data); e.Status != 404 || e.Code != "NOT_FOUND" {
			t.Fatalf("%s: %+v", path, e)
		}
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.sb.AddPersonalAccessToken("dc-pat-1")
	basic := func(user, token string) string {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(user, token)
		return r.Header.Get("Authorization")
	}
	cases := []struct {
		name, auth string
		want       int
	}{
		{"no credentials", "-", 401},
		{"wrong token", basic(DemoUser, "wrong"), 401},
		{"unknown user", basic("nobody@demo.mailwiki.test", DemoToken), 401},
		{"empty token", basic(DemoUser, ""), 401},
		{"not base64", "Basic !!!", 401},
		{"wrong bearer", "Bearer nope", 401},
		{"right token, e-mail in other case", basic(strings.ToUpper(DemoUser), DemoToken), 200},
		{"personal access token", "Bearer dc-pat-1", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, data := b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/spaces", auth: tc.auth, want: tc.want})
			if tc.want == 401 {
				if e := v2ErrorOf(t, data); e.Code != "UNAUTHORIZED" {
					t.Fatalf("401 body %s", data)
				}
			}
			resp, data := b.call(t, request{method: "GET", path: "/wiki/rest/api/space/DEMO", auth: tc.auth})
			checkStatus(t, resp, data, tc.want)
			if tc.want == 401 {
				var v1 map[string]any
				decode(t, data, &v1)
				if v1["statusCode"] != float64(401) || v1["message"] == "" {
					t.Fatalf("v1 401 body %s", data)
				}
			}
		})
	}
}

// TestV2AuthorIsTheCaller checks authorId names the authenticated account:
// two users get two different, stable ids.
func TestV2AuthorIsTheCaller(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.sb.AddUser("second@demo.mailwiki.test", "tok2")
	first := b.createV2Page(t, "By admin", "")
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth("second@demo.mailwiki.test", "tok2")
	body, _ := json.Marshal(map[string]any{"spaceId": b.space.ID, "title": "By second"})
	resp, data := b.call(t, request{method: "POST", path: "/wiki/api/v2/pages", auth: r.Header.Get("Authorization"),
		body: strings.NewReader(string(body)), contentType: "application/json"})
	checkStatus(t, resp, data, 200)
	pages := b.sb.Pages(DemoSpaceKey)
	if pages[0].ID != first || pages[0].AuthorID == pages[1].AuthorID || pages[0].AuthorID == "" {
		t.Fatalf("author ids %q and %q", pages[0].AuthorID, pages[1].AuthorID)
	}
}
