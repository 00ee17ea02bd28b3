package confluence

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

// spacesPage is a v2 GET /spaces answer of n spaces from first, with a next
// link when next is not empty.
func spacesPage(first, n int, next string) string {
	var rs []string
	for i := first; i < first+n; i++ {
		rs = append(rs, fmt.Sprintf(`{"id":"%d","key":"S%d","name":"Space %d","type":"global","status":"current"}`, 1000+i, i, i))
	}
	links := `{"base":"https://acme.atlassian.net/wiki"}`
	if next != "" {
		links = `{"next":"/wiki/api/v2/spaces?cursor=` + next + `&limit=250","base":"https://acme.atlassian.net/wiki"}`
	}
	return `{"results":[` + strings.Join(rs, ",") + `],"_links":` + links + `}`
}

func TestSpacesCloudPaging(t *testing.T) {
	t.Parallel()
	pages := []string{spacesPage(0, 2, "c1"), spacesPage(2, 2, "c2"), spacesPage(4, 1, "")}
	f := newFake(t, func(n int, _ recorded) reply { return reply{body: pages[n]} })
	c, _ := newClient(t, f, Options{})
	got, err := c.Spaces(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || got[0] != (Space{ID: "1000", Key: "S0", Name: "Space 0"}) || got[4].Key != "S4" {
		t.Errorf("spaces %+v", got)
	}
	base := url.Values{"limit": {"250"}, "status": {"current"}, "sort": {"name"}}
	for i, r := range f.requests() {
		want := url.Values{}
		for k, v := range base {
			want[k] = v
		}
		if i > 0 {
			want.Set("cursor", fmt.Sprintf("c%d", i))
		}
		if r.Path != "/wiki/api/v2/spaces" || !reflect.DeepEqual(r.Query, want) {
			t.Errorf("request %d: %s %v, want %v", i, r.Path, r.Query, want)
		}
	}
}

func TestSpacesCapped(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(n int, _ recorded) reply { return reply{body: spacesPage(n*250, 250, fmt.Sprintf("c%d", n+1))} })
	c, _ := newClient(t, f, Options{})
	got, err := c.Spaces(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != MaxSpaces || len(f.requests()) != MaxSpaces/250 {
		t.Errorf("%d spaces in %d requests, want %d in %d", len(got), len(f.requests()), MaxSpaces, MaxSpaces/250)
	}
}

func TestSpacesRepeatedCursorStops(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(200, spacesPage(0, 1, "same")))
	c, _ := newClient(t, f, Options{})
	if _, err := c.Spaces(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests, want 2 (the repeated cursor is not followed)", n)
	}
}

func TestSpacesDataCenterPaging(t *testing.T) {
	t.Parallel()
	page := func(first, n int, more bool) string {
		var rs []string
		for i := first; i < first+n; i++ {
			rs = append(rs, fmt.Sprintf(`{"id":%d,"key":"S%d","name":"Space %d","type":"global"}`, 1000+i, i, i))
		}
		links := `{"base":"https://confluence.corp.example","context":""}`
		if more {
			links = `{"next":"/rest/api/space?limit=100&start=` + fmt.Sprint(first+n) + `","base":"https://confluence.corp.example"}`
		}
		return fmt.Sprintf(`{"results":[%s],"start":%d,"limit":100,"size":%d,"_links":%s}`, strings.Join(rs, ","), first, n, links)
	}
	pages := []string{page(0, 100, true), page(100, 3, false)}
	f := newFake(t, func(n int, _ recorded) reply { return reply{body: pages[n]} })
	c, _ := newClient(t, f, Options{Flavor: DataCenter})
	got, err := c.Spaces(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 103 || got[0] != (Space{ID: "1000", Key: "S0", Name: "Space 0"}) {
		t.Errorf("%d spaces, first %+v", len(got), got[0])
	}
	for i, r := range f.requests() {
		want := url.Values{"start": {fmt.Sprint(i * 100)}, "limit": {"100"}}
		if r.Path != "/wiki/rest/api/space" || !reflect.DeepEqual(r.Query, want) {
			t.Errorf("request %d: %s %v, want %v", i, r.Path, r.Query, want)
		}
	}
}

const searchV1JSON = `{"results":[` +
	`{"content":{"id":"98310","type":"page","status":"current","title":"Meeting notes"},"title":"@@@hl@@@Meeting@@@endhl@@@ notes","entityType":"content"},` +
	`{"content":{"id":"98400","type":"folder","status":"current","title":"Mail archive"},"title":"Mail archive","entityType":"content"},` +
	`{"content":{"id":"98500","type":"blogpost","status":"current","title":"News"},"title":"News","entityType":"content"}],` +
	`"start":0,"limit":50,"size":3,"totalSize":3,"cqlQuery":"…","_links":{"base":"https://acme.atlassian.net/wiki"}}`

func TestParents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key, query string
		flavor           Flavor
		cql              string
	}{
		{"all", "DOCS", "", Cloud, `space = "DOCS" AND type IN (page, folder)`},
		{"blank query", "DOCS", "  ", Cloud, `space = "DOCS" AND type IN (page, folder)`},
		{"title", "DOCS", "meeting notes", Cloud, `space = "DOCS" AND type IN (page, folder) AND title ~ "meeting notes"`},
		{"quotes and backslashes", "DOCS", `say "hi" \ bye\`, Cloud, `space = "DOCS" AND type IN (page, folder) AND title ~ "say \"hi\" \\ bye\\"`},
		{"injection stays in the literal", "DOCS", `x" OR space = "HR`, Cloud, `space = "DOCS" AND type IN (page, folder) AND title ~ "x\" OR space = \"HR"`},
		{"control characters", "DOCS", "a\nb", Cloud, `space = "DOCS" AND type IN (page, folder) AND title ~ "a b"`},
		{"personal space key", "~jdoe", "", Cloud, `space = "~jdoe" AND type IN (page, folder)`},
		{"data center: pages only", "DOCS", "notes", DataCenter, `space = "DOCS" AND type = page AND title ~ "notes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(200, searchV1JSON))
			c, _ := newClient(t, f, Options{Flavor: tt.flavor})
			got, err := c.Parents(t.Context(), tt.key, tt.query)
			if err != nil {
				t.Fatal(err)
			}
			r := f.only(t)
			if r.Path != "/wiki/rest/api/search" || r.Query.Get("cql") != tt.cql || r.Query.Get("limit") != "50" {
				t.Errorf("request %s cql %s limit %s\nwant cql %s", r.Path, r.Query.Get("cql"), r.Query.Get("limit"), tt.cql)
			}
			want := []Parent{{ID: "98310", Title: "Meeting notes", Type: mailwiki.ParentPage}, {ID: "98400", Title: "Mail archive", Type: mailwiki.ParentFolder}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("parents %+v, want %+v", got, want)
			}
		})
	}
}

func TestParentsNoSpaceKey(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(200, searchV1JSON))
	c, _ := newClient(t, f, Options{})
	_, err := c.Parents(t.Context(), " ", "x")
	wantCode(t, err, mailwiki.EINVALID, false)
}

const folderV2JSON = `{"id":"98400","type":"folder","status":"current","title":"Mail archive","parentId":"98310","parentType":"page",` +
	`"authorId":"5b10ac8d82e05b22cc7d4ef5","ownerId":"5b10ac8d82e05b22cc7d4ef5","createdAt":"2024-07-01T09:30:00.000Z",` +
	`"version":{"createdAt":"2024-07-01T09:30:00.000Z","message":"","number":1,"minorEdit":false,"authorId":"5b10ac8d82e05b22cc7d4ef5"},` +
	`"_links":{"base":"https://acme.atlassian.net/wiki"}}`

func TestPageOrFolder(t *testing.T) {
	t.Parallel()
	notFound := reply{status: 404, body: `{"errors":[{"status":404,"code":"NOT_FOUND","title":"Not Found"}]}`}
	tests := []struct {
		name    string
		flavor  Flavor
		replies map[string]reply // by path
		want    Parent
		code    string
		paths   []string
	}{
		{"page", Cloud, map[string]reply{"/wiki/api/v2/pages/98400": {body: pageV2JSON}},
			Parent{ID: "123456", Title: "Quarterly report", Type: mailwiki.ParentPage, SpaceID: "98306"}, "", []string{"/wiki/api/v2/pages/98400"}},
		{"folder", Cloud, map[string]reply{"/wiki/api/v2/pages/98400": notFound, "/wiki/api/v2/folders/98400": {body: folderV2JSON}},
			Parent{ID: "98400", Title: "Mail archive", Type: mailwiki.ParentFolder}, "", []string{"/wiki/api/v2/pages/98400", "/wiki/api/v2/folders/98400"}},
		{"neither", Cloud, map[string]reply{"/wiki/api/v2/pages/98400": notFound, "/wiki/api/v2/folders/98400": notFound},
			Parent{}, mailwiki.ENOTFOUND, []string{"/wiki/api/v2/pages/98400", "/wiki/api/v2/folders/98400"}},
		{"page refused", Cloud, map[string]reply{"/wiki/api/v2/pages/98400": {status: 403, body: `{}`}},
			Parent{}, mailwiki.EFORBIDDEN, []string{"/wiki/api/v2/pages/98400"}},
		{"data center page", DataCenter, map[string]reply{"/wiki/rest/api/content/98400": {body: contentV1JSON}},
			Parent{ID: "123456", Title: "Quarterly report", Type: mailwiki.ParentPage}, "", []string{"/wiki/rest/api/content/98400"}},
		{"data center blog post", DataCenter, map[string]reply{"/wiki/rest/api/content/98400": {body: `{"id":"98400","type":"blogpost","title":"News"}`}},
			Parent{}, mailwiki.ENOTFOUND, []string{"/wiki/rest/api/content/98400"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(_ int, r recorded) reply {
				if rep, ok := tt.replies[r.Path]; ok {
					return rep
				}
				return reply{status: 500}
			})
			c, _ := newClient(t, f, Options{Flavor: tt.flavor})
			got, err := c.PageOrFolder(t.Context(), "98400")
			if tt.code != "" {
				wantCode(t, err, tt.code, tt.code == mailwiki.EFORBIDDEN)
			} else if err != nil || got != tt.want {
				t.Errorf("PageOrFolder = %+v, %v; want %+v", got, err, tt.want)
			}
			var paths []string
			for _, r := range f.requests() {
				paths = append(paths, r.Path)
			}
			if !reflect.DeepEqual(paths, tt.paths) {
				t.Errorf("paths %v, want %v", paths, tt.paths)
			}
		})
	}
}

func TestCreatePageUnderFolder(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(200, pageV2JSON))
	c, _ := newClient(t, f, Options{})
	in := PageInput{SpaceID: "98306", SpaceKey: "DEMO", Title: "Filed mail", ParentID: "98400", Storage: "<p>x</p>"}
	if _, err := c.CreatePage(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(f.only(t).Body, &body); err != nil {
		t.Fatal(err)
	}
	if body["parentId"] != "98400" {
		t.Errorf("parentId %v, want the folder's id 98400", body["parentId"])
	}
}
