package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// Label routes: REST v1 "Content labels" (POST and GET
// /wiki/rest/api/content/{id}/label, pages and blog posts alike) and REST v2
// "Label" (GET /wiki/api/v2/pages/{id}/labels, /blogposts/{id}/labels).

// v1LabelLimit is the default page size of the v1 label list (Atlassian's
// example: ?prefix=global&start=0&limit=200).
const v1LabelLimit = 200

// v2LabelLimit is the default page size of the v2 label lists (the OpenAPI
// document: default 25, at most 250).
const v2LabelLimit = 25

// v1Label is a label of REST v1: {"prefix","name","id","label"}.
type v1Label struct {
	Prefix string `json:"prefix"`
	Name   string `json:"name"`
	ID     string `json:"id"`
	Label  string `json:"label"`
}

// v2Label is the document's Label: {"id","name","prefix"}.
type v2Label struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Prefix string `json:"prefix"`
}

// labelRoutes adds the label routes to m.
func (s *Sandbox) labelRoutes(m *http.ServeMux) {
	m.Handle("POST /wiki/rest/api/content/{id}/label", s.api(v1, s.v1AddLabels))
	m.Handle("GET /wiki/rest/api/content/{id}/label", s.api(v1, s.v1ListLabels))
	m.Handle("GET /wiki/api/v2/pages/{id}/labels", s.api(v2, s.v2ListLabels(pageType)))
	m.Handle("GET /wiki/api/v2/blogposts/{id}/labels", s.api(v2, s.v2ListLabels(blogPostType)))
}

// v1AddLabels serves POST /wiki/rest/api/content/{id}/label. The body is
// an array of LabelCreate {"prefix","name"} or a single one (the reference's
// oneOf); names are lower-cased, labels the content has are left as they
// are. The answer is 200 with every label of the content, as a v1 list.
// Unknown content is a 404; an invalid label or body a 400, v1 error body.
func (s *Sandbox) v1AddLabels(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeLabels(w, r)
	if err != nil {
		return err
	}
	labels, err := s.addLabels(r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeV1Labels(w, r, labels, window{start: 0, limit: v1LabelLimit}, false)
	return nil
}

// decodeLabels reads an array of labels or a single label.
func decodeLabels(w http.ResponseWriter, r *http.Request) ([]labelInput, error) {
	var raw json.RawMessage
	if err := decodeJSON(w, r, &raw); err != nil {
		return nil, err
	}
	var in []labelInput
	if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] == '{' {
		raw = json.RawMessage("[" + string(trimmed) + "]")
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, invalid("Invalid labels: the body is an array of {\"prefix\",\"name\"} or one such object")
	}
	if len(in) == 0 {
		return nil, invalid("No labels to add")
	}
	return in, nil
}

// v1ListLabels serves GET /wiki/rest/api/content/{id}/label (prefix, start,
// limit): the labels of a page or blog post in the order they were added.
func (s *Sandbox) v1ListLabels(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	win, err := v1Window(q, v1LabelLimit)
	if err != nil {
		return err
	}
	all, err := s.contentLabels(nil, r.PathValue("id"), listParam(q, "prefix"))
	if err != nil {
		return err
	}
	page, more := cut(all, win)
	writeV1Labels(w, r, page, win, more)
	return nil
}

func writeV1Labels(w http.ResponseWriter, r *http.Request, labels []contentLabel, win window, more bool) {
	results := make([]v1Label, 0, len(labels))
	for _, l := range labels {
		results = append(results, v1Label{Prefix: l.Prefix, Name: l.Name, ID: l.ID, Label: l.Name})
	}
	base := siteBase(r)
	writeJSON(w, http.StatusOK, v1List[v1Label]{Results: results, Start: win.start, Limit: win.limit,
		Size: len(results), Links: v1ListLinks{Next: v1NextLink(r, win, more),
			Self: base + strings.TrimPrefix(r.URL.Path, "/wiki"), Base: base, Context: "/wiki"}})
}

// v2LabelPrefixes is the document's enum of the prefix filter.
var v2LabelPrefixes = []string{"my", "team", "global", "system"}

// v2ListLabels serves GET /wiki/api/v2/pages/{id}/labels and
// /blogposts/{id}/labels (prefix, limit, cursor; sort is accepted and the
// order is always the order added): MultiEntityResult<Label>, with
// _links.next and the Link header when more follow. 404 when the id is not
// a page (or blog post); 400 for a non-numeric id or an unknown prefix.
func (s *Sandbox) v2ListLabels(t *contentType) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, q := r.PathValue("id"), r.URL.Query()
		win, err := v2Window(q, v2LabelLimit)
		if err != nil {
			return err
		}
		if err := checkIDs("id", []string{id}); err != nil {
			return err
		}
		var prefixes []string
		if p := q.Get("prefix"); p != "" {
			if !contains(v2LabelPrefixes, p) {
				return invalidParam("Provided value for 'prefix' is not valid: use one of my, team, global, system.")
			}
			prefixes = []string{p}
		}
		all, err := s.contentLabels(t, id, prefixes)
		if err != nil {
			return err
		}
		page, more := cut(all, win)
		results := make([]v2Label, 0, len(page))
		for _, l := range page {
			results = append(results, v2Label{ID: l.ID, Name: l.Name, Prefix: l.Prefix})
		}
		next := v2NextLink(w, r, win, more)
		writeJSON(w, http.StatusOK, v2List[v2Label]{Results: results, Links: v2Links{Next: next, Base: siteBase(r)}})
		return nil
	}
}
