package sandbox

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// labelList is the v1 label list as a client reads it.
type labelList struct {
	Results []v1Label `json:"results"`
	Start   int       `json:"start"`
	Limit   int       `json:"limit"`
	Size    int       `json:"size"`
	Links   struct {
		Next, Self, Base string
	} `json:"_links"`
}

func labelsBody(names ...string) []map[string]string {
	out := make([]map[string]string, 0, len(names))
	for _, n := range names {
		out = append(out, map[string]string{"prefix": "global", "name": n})
	}
	return out
}

// addLabels POSTs labels to content over v1 and returns the answer.
func (b *bundle) addLabels(t *testing.T, id string, body any, want int) labelList {
	t.Helper()
	var out labelList
	b.sendJSON(t, http.MethodPost, "/wiki/rest/api/content/"+id+"/label", body, want, &out)
	return out
}

func labelNames(ls []v1Label) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Name)
	}
	return out
}

func TestLabelsAddedTwiceAreKeptOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createV2Page(t, "Labelled", "<p>x</p>")
	first := b.addLabels(t, id, labelsBody("probable-spam"), http.StatusOK)
	if first.Size != 1 || first.Results[0].Name != "probable-spam" || first.Results[0].Label != "probable-spam" ||
		first.Results[0].Prefix != "global" || first.Results[0].ID == "" {
		t.Fatalf("first add answered %+v", first)
	}
	again := b.addLabels(t, id, labelsBody("probable-spam", "Unscanned"), http.StatusOK)
	if got := labelNames(again.Results); !reflect.DeepEqual(got, []string{"probable-spam", "unscanned"}) || again.Size != 2 {
		t.Fatalf("second add answered %v (size %d): want both labels, the name lower-cased", got, again.Size)
	}
	if again.Results[0].ID != first.Results[0].ID {
		t.Fatalf("label id changed: %s → %s", first.Results[0].ID, again.Results[0].ID)
	}
	if got := b.sb.Labels(id); !reflect.DeepEqual(got, []string{"probable-spam", "unscanned"}) {
		t.Fatalf("Labels = %v", got)
	}
	var listed labelList
	b.getJSON(t, "/wiki/rest/api/content/"+id+"/label?prefix=global", http.StatusOK, &listed)
	if !reflect.DeepEqual(listed.Results, again.Results) || listed.Limit != v1LabelLimit {
		t.Fatalf("v1 list %+v, want %+v", listed, again)
	}
	_, data := b.v2(t, v2Call{method: http.MethodGet, path: "/wiki/api/v2/pages/" + id + "/labels", want: http.StatusOK})
	var v2out v2List[v2Label]
	decode(t, data, &v2out)
	if len(v2out.Results) != 2 || v2out.Results[1] != (v2Label{ID: again.Results[1].ID, Name: "unscanned", Prefix: "global"}) ||
		v2out.Links.Base == "" {
		t.Fatalf("v2 labels %s", data)
	}
	resp, html := b.call(t, request{method: http.MethodGet, path: "/wiki/spaces/DEMO/pages/" + id, auth: "-"})
	checkStatus(t, resp, html, http.StatusOK)
	mustContain(t, string(html), `<span class="label">unscanned</span>`)
}

// TestLabelIDIsSharedAcrossContent: one label name has one id, whatever
// content carries it, and a single LabelCreate object is a valid body.
func TestLabelIDIsSharedAcrossContent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	one, two := b.createV2Page(t, "One", ""), b.createV2Page(t, "Two", "")
	a := b.addLabels(t, one, labelsBody("shared"), http.StatusOK)
	c := b.addLabels(t, two, map[string]string{"prefix": "global", "name": "shared"}, http.StatusOK)
	if a.Results[0].ID != c.Results[0].ID {
		t.Fatalf("ids %s and %s for one label", a.Results[0].ID, c.Results[0].ID)
	}
}

func TestLabelsOnBlogPosts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := map[string]any{"spaceId": b.space.ID, "status": "current", "title": "News",
		"body": map[string]string{"representation": "storage", "value": "<p>hello</p>"}}
	_, data := b.v2(t, v2Call{method: http.MethodPost, path: "/wiki/api/v2/blogposts", body: body, want: http.StatusOK})
	var bp v2BlogPost
	decode(t, data, &bp)
	b.addLabels(t, bp.ID, labelsBody("unscanned"), http.StatusOK)
	_, data = b.v2(t, v2Call{method: http.MethodGet, path: "/wiki/api/v2/blogposts/" + bp.ID + "/labels?prefix=global", want: http.StatusOK})
	mustContain(t, string(data), `"name":"unscanned"`)
	b.v2(t, v2Call{method: http.MethodGet, path: "/wiki/api/v2/pages/" + bp.ID + "/labels", want: http.StatusNotFound})
	resp, html := b.call(t, request{method: http.MethodGet, path: "/wiki" + bp.Links.WebUI, auth: "-"})
	checkStatus(t, resp, html, http.StatusOK)
	mustContain(t, string(html), "unscanned")
}

func TestLabelsV2Paging(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createV2Page(t, "Many", "")
	b.addLabels(t, id, labelsBody("a1", "b2", "c3"), http.StatusOK)
	resp, data := b.v2(t, v2Call{method: http.MethodGet, path: "/wiki/api/v2/pages/" + id + "/labels?limit=2", want: http.StatusOK})
	var first v2List[v2Label]
	decode(t, data, &first)
	if len(first.Results) != 2 || first.Links.Next == "" || !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
		t.Fatalf("first page %s (Link %q)", data, resp.Header.Get("Link"))
	}
	_, data = b.v2(t, v2Call{method: http.MethodGet, path: first.Links.Next, want: http.StatusOK})
	var second v2List[v2Label]
	decode(t, data, &second)
	if len(second.Results) != 1 || second.Results[0].Name != "c3" || second.Links.Next != "" {
		t.Fatalf("second page %s", data)
	}
}

func TestInvalidLabelsAreRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createV2Page(t, "Strict", "")
	tests := []struct {
		name string
		body any
	}{
		{"space", labelsBody("probable spam")},
		{"colon", labelsBody("a:b")},
		{"comma", labelsBody("a,b")},
		{"bang", labelsBody("wow!")},
		{"empty", labelsBody("")},
		{"too long", labelsBody(strings.Repeat("x", maxLabelNameRunes+1))},
		{"one bad among good", labelsBody("fine", "not fine")},
		{"unknown prefix", []map[string]string{{"prefix": "system", "name": "x"}}},
		{"no labels", []map[string]string{}},
		{"not labels", "probable-spam"},
	}
	for _, tt := range tests {
		resp, data := b.call(t, request{method: http.MethodPost, path: "/wiki/rest/api/content/" + id + "/label",
			body: strings.NewReader(mustJSON(t, tt.body)), contentType: "application/json"})
		checkStatus(t, resp, data, http.StatusBadRequest)
		var e v1ErrorBody
		decode(t, data, &e)
		if e.StatusCode != 400 || e.Reason != "Bad Request" || e.Message == "" || e.Data.Valid {
			t.Errorf("%s: error body %s", tt.name, data)
		}
	}
	resp, data := b.call(t, request{method: http.MethodPost, path: "/wiki/rest/api/content/" + id + "/label",
		body: strings.NewReader(mustJSON(t, labelsBody("probable spam"))), contentType: "application/json"})
	checkStatus(t, resp, data, http.StatusBadRequest)
	mustContain(t, string(data), "probable spam")
	if got := b.sb.Labels(id); got != nil {
		t.Fatalf("labels after refusals: %v", got)
	}
	b.addLabels(t, id, labelsBody("a/b", "ünïcode-ok_1"), http.StatusOK) // Confluence allows these
}

func TestLabelsOfUnknownContent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp, data := b.call(t, request{method: http.MethodPost, path: "/wiki/rest/api/content/999999/label",
		body: strings.NewReader(mustJSON(t, labelsBody("x"))), contentType: "application/json"})
	checkStatus(t, resp, data, http.StatusNotFound)
	mustContain(t, string(data), `"statusCode":404`)
	resp, data = b.call(t, request{method: http.MethodGet, path: "/wiki/rest/api/content/999999/label"})
	checkStatus(t, resp, data, http.StatusNotFound)
	b.v2(t, v2Call{method: http.MethodGet, path: "/wiki/api/v2/pages/999999/labels", want: http.StatusNotFound})
	b.v2(t, v2Call{method: http.MethodGet, path: "/wiki/api/v2/blogposts/999999/labels", want: http.StatusNotFound})
}

func TestLabelsPersistAcrossRestarts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "labels.db")
	b := setupWith(t, Options{StatePath: path})
	id := b.createV2Page(t, "Kept", "")
	added := b.addLabels(t, id, labelsBody("probable-spam", "unscanned"), http.StatusOK)
	b.close(t)
	again := setupWith(t, Options{StatePath: path})
	var listed labelList
	again.getJSON(t, "/wiki/rest/api/content/"+id+"/label", http.StatusOK, &listed)
	if !reflect.DeepEqual(listed.Results, added.Results) {
		t.Fatalf("labels after restart %+v, want %+v", listed.Results, added.Results)
	}
	other := again.createV2Page(t, "New", "")
	got := again.addLabels(t, other, labelsBody("fresh"), http.StatusOK).Results[0].ID
	if n, _ := strconv.Atoi(got); n <= mustAtoi(t, added.Results[1].ID) {
		t.Fatalf("label id %s handed out again after restart", got)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
