package confluence

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/mailwiki/mailwiki"
)

const blogPostV2JSON = `{"id":"654321","status":"current","title":"Weekly digest","spaceId":"98306",` +
	`"authorId":"5b10ac8d82e05b22cc7d4ef5","createdAt":"2024-07-01T09:30:00.000Z",` +
	`"version":{"createdAt":"2024-07-01T09:30:00.000Z","message":"","number":1,"minorEdit":false,"authorId":"5b10ac8d82e05b22cc7d4ef5"},` +
	`"body":{"storage":{"representation":"storage","value":"<p>Hello</p>"}},` +
	`"_links":{"webui":"/spaces/DEMO/blog/2024/07/01/654321/Weekly+digest","editui":"/pages/resumedraft.action?draftId=654321","tinyui":"/x/8Z4","base":"https://acme.atlassian.net/wiki"}}`

func TestCreateBlogPost(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(200, blogPostV2JSON))
	c, _ := newClient(t, f, Options{})
	in := PageInput{SpaceID: "98306", SpaceKey: "DEMO", Title: "Weekly digest", ParentID: "98310", Storage: "<p>Hello</p>"}
	got, err := c.CreateBlogPost(t.Context(), in) // the parent is ignored
	if err != nil {
		t.Fatal(err)
	}
	want := Page{ID: "654321", Title: "Weekly digest", SpaceID: "98306", Version: 1, Storage: "<p>Hello</p>", CreatedAt: created,
		WebURL: "https://acme.atlassian.net/wiki/spaces/DEMO/blog/2024/07/01/654321/Weekly+digest"}
	if got != want {
		t.Errorf("blog post %+v, want %+v", got, want)
	}
	r := f.only(t)
	var body map[string]any
	_ = json.Unmarshal(r.Body, &body)
	wantBody := map[string]any{"spaceId": "98306", "status": "current", "title": "Weekly digest",
		"body": map[string]any{"representation": "storage", "value": "<p>Hello</p>"}}
	if r.Method != http.MethodPost || r.Path != "/wiki/api/v2/blogposts" || !reflect.DeepEqual(body, wantBody) {
		t.Errorf("request %s %s %s", r.Method, r.Path, r.Body)
	}
}

func TestCreateBlogPostNotRetried(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(503, `{}`))
	c, _ := newClient(t, f, Options{})
	_, err := c.CreateBlogPost(t.Context(), PageInput{SpaceID: "98306", Title: "Weekly digest"})
	wantCode(t, err, mailwiki.EUNAVAILABLE, true)
	f.only(t)
}

func TestFindBlogPostByTitle(t *testing.T) {
	t.Parallel()
	other := `{"id":"1","status":"current","title":"Weekly digest (2)","spaceId":"98306"}`
	tests := []struct {
		name, response string
		found          bool
	}{
		{"exact", `{"results":[` + other + `,` + blogPostV2JSON + `],"_links":{}}`, true},
		{"only a similar title", `{"results":[` + other + `],"_links":{}}`, false},
		{"none", `{"results":[],"_links":{}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(200, tt.response))
			c, _ := newClient(t, f, Options{})
			got, err := c.FindBlogPostByTitle(t.Context(), Space{ID: "98306", Key: "DEMO"}, "Weekly digest")
			if err != nil {
				t.Fatal(err)
			}
			if (got != nil) != tt.found || (got != nil && got.ID != "654321") {
				t.Errorf("found %+v, want found %v", got, tt.found)
			}
			r := f.only(t)
			want := url.Values{"space-id": {"98306"}, "title": {"Weekly digest"}, "status": {"current"}, "body-format": {"storage"}}
			if r.Path != "/wiki/api/v2/blogposts" || !reflect.DeepEqual(r.Query, want) {
				t.Errorf("request %s %v", r.Path, r.Query)
			}
		})
	}
}

func TestBlogPostsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		flavor Flavor
		call   func(c *Client) error
	}{
		{"create on data center", DataCenter, func(c *Client) error {
			_, err := c.CreateBlogPost(t.Context(), PageInput{SpaceID: "1", SpaceKey: "DEMO", Title: "T"})
			return err
		}},
		{"find on data center", DataCenter, func(c *Client) error {
			_, err := c.FindBlogPostByTitle(t.Context(), Space{ID: "1", Key: "DEMO"}, "T")
			return err
		}},
		{"without a title", Cloud, func(c *Client) error {
			_, err := c.CreateBlogPost(t.Context(), PageInput{SpaceID: "1"})
			return err
		}},
		{"without a space id", Cloud, func(c *Client) error {
			_, err := c.FindBlogPostByTitle(t.Context(), Space{Key: "DEMO"}, "T")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(200, blogPostV2JSON))
			c, _ := newClient(t, f, Options{Flavor: tt.flavor})
			wantCode(t, tt.call(c), mailwiki.EINVALID, false)
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}
