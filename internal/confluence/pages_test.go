package confluence

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

// created is the createdAt of pageV2JSON.
var created = time.Date(2024, 7, 1, 9, 30, 0, 0, time.UTC)

// Fixtures in the shapes Confluence sends. v2 shapes are checked against
// Atlassian's OpenAPI document in contract_test.go; v1 shapes follow the REST
// v1 reference.
const (
	spacesV2JSON = `{"results":[{"id":"98306","key":"DEMO","name":"Demo space","type":"global","status":"current",` +
		`"homepageId":"98310","_links":{"webui":"/spaces/DEMO"}}],"_links":{"base":"https://acme.atlassian.net/wiki"}}`
	pageV2JSON = `{"id":"123456","status":"current","title":"Quarterly report","spaceId":"98306","parentId":"98310",` +
		`"parentType":"page","authorId":"5b10ac8d82e05b22cc7d4ef5","createdAt":"2024-07-01T09:30:00.000Z",` +
		`"version":{"createdAt":"2024-07-01T09:30:00.000Z","message":"","number":1,"minorEdit":false,"authorId":"5b10ac8d82e05b22cc7d4ef5"},` +
		`"body":{"storage":{"representation":"storage","value":"<p>Hello</p>"}},` +
		`"_links":{"webui":"/spaces/DEMO/pages/123456/Quarterly+report","editui":"/pages/resumedraft.action?draftId=123456","tinyui":"/x/QAE","base":"https://acme.atlassian.net/wiki"}}`
	spaceV1JSON = `{"id":98306,"key":"DEMO","name":"Demo space","type":"global",` +
		`"_links":{"webui":"/display/DEMO","self":"https://confluence.corp.example/rest/api/space/DEMO"},"_expandable":{"homepage":"/rest/api/content/98310"}}`
	contentV1JSON = `{"id":"123456","type":"page","status":"current","title":"Quarterly report",` +
		`"space":{"id":98306,"key":"DEMO","name":"Demo space","type":"global"},` +
		`"version":{"by":{"type":"known","username":"admin"},"when":"2024-07-01T09:30:00.000Z","number":3,"minorEdit":false},` +
		`"body":{"storage":{"value":"<p>Hello</p>","representation":"storage"}},` +
		`"_links":{"webui":"/display/DEMO/Quarterly+report","tinyui":"/x/QAE","self":"https://confluence.corp.example/rest/api/content/123456",` +
		`"base":"https://confluence.corp.example","context":""}}`
)

func TestSpaceByKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		flavor    Flavor
		response  string
		wantPath  string
		wantQuery url.Values
		want      Space
	}{
		{"cloud", Cloud, spacesV2JSON, "/wiki/api/v2/spaces", url.Values{"keys": {"DEMO"}}, Space{ID: "98306", Key: "DEMO", Name: "Demo space"}},
		{"data center", DataCenter, spaceV1JSON, "/wiki/rest/api/space/DEMO", url.Values{}, Space{ID: "98306", Key: "DEMO", Name: "Demo space"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(200, tt.response))
			c, _ := newClient(t, f, Options{Flavor: tt.flavor})
			got, err := c.SpaceByKey(t.Context(), "DEMO")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("space %+v, want %+v", got, tt.want)
			}
			r := f.only(t)
			if r.Method != http.MethodGet || r.Path != tt.wantPath || !reflect.DeepEqual(r.Query, tt.wantQuery) {
				t.Errorf("request %s %s %v, want GET %s %v", r.Method, r.Path, r.Query, tt.wantPath, tt.wantQuery)
			}
		})
	}
}

func TestSpaceByKeyNotFound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		flavor Flavor
		status int
		body   string
	}{
		{"cloud: empty result", Cloud, 200, `{"results":[],"_links":{}}`},
		{"data center: 404", DataCenter, 404, `{"statusCode":404,"data":{"authorized":false,"valid":true,"errors":[],"successful":false},"message":"No space with key : NOPE","reason":"Not Found"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(tt.status, tt.body))
			c, _ := newClient(t, f, Options{Flavor: tt.flavor})
			_, err := c.SpaceByKey(t.Context(), "NOPE")
			wantCode(t, err, mailwiki.ENOTFOUND, false)
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests; not-found must not be retried", n)
			}
		})
	}
}

func TestCreatePage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		flavor   Flavor
		in       PageInput
		response string
		wantPath string
		wantBody string
		want     Page
	}{
		{"cloud with parent", Cloud,
			PageInput{SpaceID: "98306", SpaceKey: "DEMO", Title: "Quarterly report", ParentID: "98310", Storage: "<p>Hello</p>"},
			pageV2JSON, "/wiki/api/v2/pages",
			`{"spaceId":"98306","status":"current","title":"Quarterly report","parentId":"98310","body":{"representation":"storage","value":"<p>Hello</p>"}}`,
			Page{ID: "123456", Title: "Quarterly report", SpaceID: "98306", Version: 1, Storage: "<p>Hello</p>",
				WebURL: "https://acme.atlassian.net/wiki/spaces/DEMO/pages/123456/Quarterly+report", CreatedAt: created}},
		{"cloud without parent", Cloud,
			PageInput{SpaceID: "98306", Title: "Quarterly report", Storage: "<p>Hello</p>"},
			pageV2JSON, "/wiki/api/v2/pages",
			`{"spaceId":"98306","status":"current","title":"Quarterly report","body":{"representation":"storage","value":"<p>Hello</p>"}}`,
			Page{ID: "123456", Title: "Quarterly report", SpaceID: "98306", Version: 1, Storage: "<p>Hello</p>",
				WebURL: "https://acme.atlassian.net/wiki/spaces/DEMO/pages/123456/Quarterly+report", CreatedAt: created}},
		{"data center with parent", DataCenter,
			PageInput{SpaceKey: "DEMO", Title: "Quarterly report", ParentID: "98310", Storage: "<p>Hello</p>"},
			contentV1JSON, "/wiki/rest/api/content",
			`{"type":"page","title":"Quarterly report","space":{"key":"DEMO"},"body":{"storage":{"value":"<p>Hello</p>","representation":"storage"}},"ancestors":[{"id":"98310"}]}`,
			Page{ID: "123456", Title: "Quarterly report", SpaceID: "98306", Version: 3, Storage: "<p>Hello</p>",
				WebURL: "https://confluence.corp.example/display/DEMO/Quarterly+report"}},
		{"data center without parent", DataCenter,
			PageInput{SpaceKey: "DEMO", Title: "Quarterly report", Storage: "<p>Hello</p>"},
			contentV1JSON, "/wiki/rest/api/content",
			`{"type":"page","title":"Quarterly report","space":{"key":"DEMO"},"body":{"storage":{"value":"<p>Hello</p>","representation":"storage"}}}`,
			Page{ID: "123456", Title: "Quarterly report", SpaceID: "98306", Version: 3, Storage: "<p>Hello</p>",
				WebURL: "https://confluence.corp.example/display/DEMO/Quarterly+report"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(200, tt.response))
			c, _ := newClient(t, f, Options{Flavor: tt.flavor})
			got, err := c.CreatePage(t.Context(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("page\n got %+v\nwant %+v", got, tt.want)
			}
			r := f.only(t)
			if r.Method != http.MethodPost || r.Path != tt.wantPath {
				t.Errorf("request %s %s, want POST %s", r.Method, r.Path, tt.wantPath)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			wantJSONEqual(t, r.Body, tt.wantBody)
		})
	}
}

func TestCreatePageRefusesIncompleteInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		flavor Flavor
		in     PageInput
	}{
		{"no title", Cloud, PageInput{SpaceID: "1", Storage: "<p/>"}},
		{"cloud without space id", Cloud, PageInput{SpaceKey: "DEMO", Title: "T"}},
		{"data center without space key", DataCenter, PageInput{SpaceID: "1", Title: "T"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(200, pageV2JSON))
			c, _ := newClient(t, f, Options{Flavor: tt.flavor})
			_, err := c.CreatePage(t.Context(), tt.in)
			wantCode(t, err, mailwiki.EINVALID, false)
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent for invalid input", n)
			}
		})
	}
}

func TestGetPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		flavor    Flavor
		response  string
		wantPath  string
		wantQuery url.Values
		want      Page
	}{
		{"cloud", Cloud, pageV2JSON, "/wiki/api/v2/pages/123456", url.Values{"body-format": {"storage"}},
			Page{ID: "123456", Title: "Quarterly report", SpaceID: "98306", Version: 1, Storage: "<p>Hello</p>",
				WebURL: "https://acme.atlassian.net/wiki/spaces/DEMO/pages/123456/Quarterly+report", CreatedAt: created}},
		{"data center", DataCenter, contentV1JSON, "/wiki/rest/api/content/123456", url.Values{"expand": {"body.storage,version,space"}},
			Page{ID: "123456", Title: "Quarterly report", SpaceID: "98306", Version: 3, Storage: "<p>Hello</p>",
				WebURL: "https://confluence.corp.example/display/DEMO/Quarterly+report"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(200, tt.response))
			c, _ := newClient(t, f, Options{Flavor: tt.flavor})
			got, err := c.GetPage(t.Context(), "123456")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("page\n got %+v\nwant %+v", got, tt.want)
			}
			r := f.only(t)
			if r.Method != http.MethodGet || r.Path != tt.wantPath || !reflect.DeepEqual(r.Query, tt.wantQuery) {
				t.Errorf("request %s %s %v, want GET %s %v", r.Method, r.Path, r.Query, tt.wantPath, tt.wantQuery)
			}
		})
	}
}

func TestGetPageWebURLFallsBackToBaseURL(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(200, `{"id":"5","title":"T","spaceId":"1","_links":{"webui":"/spaces/DEMO/pages/5/T"}}`))
	c, _ := newClient(t, f, Options{})
	got, err := c.GetPage(t.Context(), "5")
	if err != nil {
		t.Fatal(err)
	}
	if want := f.srv.URL + "/wiki/spaces/DEMO/pages/5/T"; got.WebURL != want {
		t.Errorf("WebURL %q, want %q", got.WebURL, want)
	}
}

func TestFindPageByTitle(t *testing.T) {
	t.Parallel()
	space := Space{ID: "98306", Key: "DEMO"}
	tests := []struct {
		name      string
		flavor    Flavor
		response  string
		wantPath  string
		wantQuery url.Values
		want      *Page
	}{
		{"cloud found", Cloud, `{"results":[` + pageV2JSON + `],"_links":{"base":"https://acme.atlassian.net/wiki"}}`,
			"/wiki/api/v2/pages",
			url.Values{"space-id": {"98306"}, "title": {"Quarterly report"}, "status": {"current"}, "body-format": {"storage"}},
			&Page{ID: "123456", Title: "Quarterly report", SpaceID: "98306", Version: 1, Storage: "<p>Hello</p>",
				WebURL: "https://acme.atlassian.net/wiki/spaces/DEMO/pages/123456/Quarterly+report", CreatedAt: created}},
		{"cloud none", Cloud, `{"results":[],"_links":{"base":"https://acme.atlassian.net/wiki"}}`,
			"/wiki/api/v2/pages",
			url.Values{"space-id": {"98306"}, "title": {"Quarterly report"}, "status": {"current"}, "body-format": {"storage"}},
			nil},
		{"data center found", DataCenter, `{"results":[` + contentV1JSON + `],"start":0,"limit":25,"size":1,"_links":{"base":"https://confluence.corp.example","context":""}}`,
			"/wiki/rest/api/content",
			url.Values{"spaceKey": {"DEMO"}, "title": {"Quarterly report"}, "type": {"page"}, "expand": {"body.storage,version,space"}},
			&Page{ID: "123456", Title: "Quarterly report", SpaceID: "98306", Version: 3, Storage: "<p>Hello</p>",
				WebURL: "https://confluence.corp.example/display/DEMO/Quarterly+report"}},
		{"data center none", DataCenter, `{"results":[],"start":0,"limit":25,"size":0,"_links":{}}`,
			"/wiki/rest/api/content",
			url.Values{"spaceKey": {"DEMO"}, "title": {"Quarterly report"}, "type": {"page"}, "expand": {"body.storage,version,space"}},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(200, tt.response))
			c, _ := newClient(t, f, Options{Flavor: tt.flavor})
			got, err := c.FindPageByTitle(t.Context(), space, "Quarterly report")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("page\n got %+v\nwant %+v", got, tt.want)
			}
			r := f.only(t)
			if r.Method != http.MethodGet || r.Path != tt.wantPath || !reflect.DeepEqual(r.Query, tt.wantQuery) {
				t.Errorf("request %s %s %v, want GET %s %v", r.Method, r.Path, r.Query, tt.wantPath, tt.wantQuery)
			}
		})
	}
}

func wantJSONEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %q: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON body\n got %s\nwant %s", got, want)
	}
}
