package sandbox

import (
	"net/http"
	"strings"
)

// v1DefaultLimit is the default page size of the v1 content list.
const v1DefaultLimit = 25

// spaceByKey returns a copy of the space with that key, or a 404 with
// Confluence's v1 message.
func (s *Sandbox) spaceByKey(key string) (Space, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.st.spaceByKey(key)
	if sp == nil {
		return Space{}, notFound("No space with key : %s", key)
	}
	return *sp, nil
}

// spaceByID returns a copy of the space with that id (zero if none).
func (s *Sandbox) spaceByID(id string) Space {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp := s.st.spaceByID(id); sp != nil {
		return *sp
	}
	return Space{}
}

// v1GetSpace serves GET /wiki/rest/api/space/{key}.
func (s *Sandbox) v1GetSpace(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.spaceByKey(r.PathValue("key"))
	if err != nil {
		return err
	}
	base := siteBase(r)
	out := toV1Space(sp, base)
	out.Links.Base, out.Links.Context = base, "/wiki"
	writeJSON(w, http.StatusOK, out)
	return nil
}

// v1ListContent serves GET /wiki/rest/api/content (spaceKey, title, type,
// status, expand, start, limit). Only pages exist in the sandbox, so
// type=blogpost lists nothing.
func (s *Sandbox) v1ListContent(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	win, err := v1Window(q, v1DefaultLimit)
	if err != nil {
		return err
	}
	f := pageFilter{Title: q.Get("title"), Statuses: listParam(q, "status")}
	if key := q.Get("spaceKey"); key != "" {
		sp, err := s.spaceByKey(key)
		if err != nil {
			return err
		}
		f.SpaceIDs = []string{sp.ID}
	}
	if len(f.Statuses) == 0 {
		f.Statuses = []string{"current"}
	}
	var found []pageView
	if t := q.Get("type"); t == "" || t == "page" {
		found = s.findPages(f)
	}
	page, more := cut(found, win)
	base, exp := siteBase(r), parseExpand(r)
	results := make([]v1Content, 0, len(page))
	for _, p := range page {
		results = append(results, toV1Content(p, s.spaceByID(p.SpaceID), exp, base))
	}
	writeJSON(w, http.StatusOK, v1List[v1Content]{Results: results, Start: win.start, Limit: win.limit,
		Size: len(results), Links: v1ListLinks{Next: v1NextLink(r, win, more),
			Self: base + strings.TrimPrefix(r.URL.Path, "/wiki"), Base: base, Context: "/wiki"}})
	return nil
}

// v1GetContent serves GET /wiki/rest/api/content/{id} (expand).
func (s *Sandbox) v1GetContent(w http.ResponseWriter, r *http.Request) error {
	p, err := s.getPage(r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeV1Content(w, r, p, parseExpand(r))
	return nil
}

func (s *Sandbox) writeV1Content(w http.ResponseWriter, r *http.Request, p pageView, exp expansions) {
	base := siteBase(r)
	out := toV1Content(p, s.spaceByID(p.SpaceID), exp, base)
	out.Links.Base, out.Links.Context = base, "/wiki"
	writeJSON(w, http.StatusOK, out)
}

// v1CreatePage serves POST /wiki/rest/api/content for pages, with the same
// rules as v2 (404 unknown space, 400 duplicate title or bad storage). The
// answer is 200 with body.storage, version and space expanded.
func (s *Sandbox) v1CreatePage(w http.ResponseWriter, r *http.Request) error {
	var req v1PageCreate
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Type != "page" {
		return invalid("Unsupported content type %q: the sandbox creates pages", req.Type)
	}
	sp, err := s.spaceByKey(req.Space.Key)
	if err != nil {
		return err
	}
	storage, err := req.storage()
	if err != nil {
		return err
	}
	p, err := s.createPage(newPage{SpaceID: sp.ID, ParentID: req.parent(), Title: req.Title,
		Status: req.Status, Storage: storage, AuthorID: accountOf(r.Context())})
	if err != nil {
		return err
	}
	exp := expansions{"body.storage": true, "version": true, "space": true}
	s.writeV1Content(w, r, p, exp)
	return nil
}
