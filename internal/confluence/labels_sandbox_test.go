package confluence

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

// sandboxSite is a local Confluence (the sandbox) with the demo site and a
// client for it.
type sandboxSite struct {
	sb    *sandbox.Sandbox
	srv   *httptest.Server
	c     *Client
	space Space
}

func newSandboxSite(t *testing.T) *sandboxSite {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	sb.SeedDemo()
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	hc := &http.Client{Transport: basicAuth(sandbox.DemoUser, sandbox.DemoToken, srv.Client().Transport)}
	c, err := New(srv.URL+"/wiki", hc, Options{AllowInsecureHTTP: true, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	sp := sb.AddSpace(sandbox.DemoSpaceKey, sandbox.DemoSpaceName)
	return &sandboxSite{sb: sb, srv: srv, c: c, space: Space{ID: sp.ID, Key: sp.Key, Name: sp.Name}}
}

// v2Labels reads a content's label names through REST v2.
func (s *sandboxSite) v2Labels(t *testing.T, kind, id string) []string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.srv.URL+"/wiki/api/v2/"+kind+"/"+id+"/labels", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(sandbox.DemoUser, sandbox.DemoToken)
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Results []struct{ ID, Name, Prefix string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s labels: %d, %v", id, resp.StatusCode, err)
	}
	var names []string
	for _, l := range out.Results {
		names = append(names, l.Prefix+":"+l.Name)
	}
	return names
}

func TestAddLabelsAgainstTheSandbox(t *testing.T) {
	t.Parallel()
	s := newSandboxSite(t)
	page, err := s.c.CreatePage(t.Context(), PageInput{SpaceID: s.space.ID, Title: "Suspicious mail", Storage: "<p>x</p>"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second time changes nothing
		if err := s.c.AddLabels(t.Context(), page.ID, []string{"probable-spam", "unscanned"}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"global:probable-spam", "global:unscanned"}
	if got := s.v2Labels(t, "pages", page.ID); !reflect.DeepEqual(got, want) {
		t.Fatalf("v2 labels %v, want %v", got, want)
	}
	if got := s.sb.Labels(page.ID); !reflect.DeepEqual(got, []string{"probable-spam", "unscanned"}) {
		t.Fatalf("sandbox labels %v", got)
	}
}

func TestAddLabelsToABlogPostAgainstTheSandbox(t *testing.T) {
	t.Parallel()
	s := newSandboxSite(t)
	post, err := s.c.CreateBlogPost(t.Context(), PageInput{SpaceID: s.space.ID, Title: "Digest", Storage: "<p>x</p>"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.c.AddLabels(t.Context(), post.ID, []string{"unscanned"}); err != nil {
		t.Fatal(err)
	}
	if got := s.v2Labels(t, "blogposts", post.ID); !reflect.DeepEqual(got, []string{"global:unscanned"}) {
		t.Fatalf("v2 labels %v", got)
	}
}

func TestAddLabelsRefusedAgainstTheSandbox(t *testing.T) {
	t.Parallel()
	s := newSandboxSite(t)
	wantCode(t, s.c.AddLabels(t.Context(), "999999", []string{"unscanned"}), mailwiki.ENOTFOUND, false)
	page, err := s.c.CreatePage(t.Context(), PageInput{SpaceID: s.space.ID, Title: "P", Storage: ""})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.c.AddLabels(t.Context(), page.ID, []string{"probable spam"}), mailwiki.EINVALID, false)
	if got := s.sb.Labels(page.ID); got != nil {
		t.Fatalf("labels after a refusal: %v", got)
	}
}
