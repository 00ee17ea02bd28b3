package sandbox

import (
	"errors"
	"net/http"
	"net/url"
)

// Default page sizes of REST v2, from the OpenAPI document.
const (
	v2DefaultLimit           = 25
	v2DefaultAttachmentLimit = 50
)

// v2ListSpaces serves GET /wiki/api/v2/spaces (keys, ids, type, status,
// limit, cursor). Every sandbox space is global and current.
func (s *Sandbox) v2ListSpaces(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	win, err := v2Window(q, v2DefaultLimit)
	if err != nil {
		return err
	}
	ids := listParam(q, "ids")
	if err := checkIDs("ids", ids); err != nil {
		return err
	}
	var all []v2Space
	for _, sp := range s.spaces() {
		if matchSpace(q, sp, ids) {
			all = append(all, toV2Space(sp))
		}
	}
	results, more := cut(all, win)
	next := v2NextLink(w, r, win, more)
	writeJSON(w, http.StatusOK, v2List[v2Space]{Results: results, Links: v2Links{Next: next, Base: siteBase(r)}})
	return nil
}

func matchSpace(q url.Values, sp Space, ids []string) bool {
	keys := listParam(q, "keys")
	return (len(keys) == 0 || contains(keys, sp.Key)) &&
		(len(ids) == 0 || contains(ids, sp.ID)) &&
		(q.Get("type") == "" || q.Get("type") == "global") &&
		(q.Get("status") == "" || q.Get("status") == "current")
}

// checkIDs refuses a list of ids that are not all numeric, as Confluence
// refuses them (400).
func checkIDs(name string, ids []string) error {
	for _, id := range ids {
		if !numericID(id) {
			return invalidParam("Provided value for '%s' is not the correct type. Expected type is Long.", name)
		}
	}
	return nil
}

// spaces returns copies of all spaces in id order.
func (s *Sandbox) spaces() []Space {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Space, 0, len(s.st.Spaces))
	for _, sp := range s.st.Spaces {
		out = append(out, *sp)
	}
	return out
}

// v2GetSpace serves GET /wiki/api/v2/spaces/{id}.
func (s *Sandbox) v2GetSpace(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := checkIDs("id", []string{id}); err != nil {
		return err
	}
	for _, sp := range s.spaces() {
		if sp.ID == id {
			out := toV2Space(sp)
			out.Links.Base = siteBase(r)
			writeJSON(w, http.StatusOK, out)
			return nil
		}
	}
	return notFound("No space with id %s", id)
}

// v2CreateContent serves POST /wiki/api/v2/pages and /blogposts. Success
// is 200, as the OpenAPI document says (not 201), with the content and its
// storage body. A blog post has no parent: parentId is ignored.
func (s *Sandbox) v2CreateContent(t *contentType) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := decodeV2Create(w, r)
		if err != nil {
			return err
		}
		if !t.parents {
			in.ParentID = ""
		}
		p, err := s.createContent(t, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, t.v2(p, true, siteBase(r)))
		return nil
	}
}

// decodeV2Create reads a v2 creation request: spaceId is required.
func decodeV2Create(w http.ResponseWriter, r *http.Request) (newPage, error) {
	var req v2PageCreate
	if err := decodeJSON(w, r, &req); err != nil {
		return newPage{}, err
	}
	if req.SpaceID == "" {
		return newPage{}, invalid("spaceId is required")
	}
	storage, err := v2Storage(req.Body)
	if err != nil {
		return newPage{}, err
	}
	return newPage{SpaceID: string(req.SpaceID), ParentID: string(req.ParentID), Title: req.Title,
		Status: req.Status, Storage: storage, AuthorID: accountOf(r.Context())}, nil
}

// v2GetContent serves GET /wiki/api/v2/pages/{id} and /blogposts/{id};
// body-format=storage adds the storage body, other formats are not
// produced by the sandbox.
func (s *Sandbox) v2GetContent(t *contentType) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		if err := checkIDs("id", []string{id}); err != nil {
			return err
		}
		p, err := s.getContent(t, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, t.v2(p, r.URL.Query().Get("body-format") == "storage", siteBase(r)))
		return nil
	}
}

// v2ListContent serves GET /wiki/api/v2/pages and /blogposts (space-id,
// id, title, status, body-format, limit, cursor), in id order.
func (s *Sandbox) v2ListContent(t *contentType) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		win, err := v2Window(q, v2DefaultLimit)
		if err != nil {
			return err
		}
		f := pageFilter{SpaceIDs: listParam(q, "space-id"), IDs: listParam(q, "id"),
			Title: q.Get("title"), Statuses: listParam(q, "status")}
		if err := errors.Join(checkIDs("space-id", f.SpaceIDs), checkIDs("id", f.IDs)); err != nil {
			return err
		}
		withStorage := q.Get("body-format") == "storage"
		var all []any
		for _, p := range s.findContent(t, f) {
			all = append(all, t.v2(p, withStorage, ""))
		}
		results, more := cut(all, win)
		next := v2NextLink(w, r, win, more)
		writeJSON(w, http.StatusOK, v2List[any]{Results: results, Links: v2Links{Next: next, Base: siteBase(r)}})
		return nil
	}
}

// v2ListAttachments serves GET /wiki/api/v2/pages/{id}/attachments
// (filename, mediaType, limit, cursor).
func (s *Sandbox) v2ListAttachments(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	q := r.URL.Query()
	win, err := v2Window(q, v2DefaultAttachmentLimit)
	if err != nil {
		return err
	}
	if err := checkIDs("id", []string{id}); err != nil {
		return err
	}
	atts, err := s.listAttachments(id, q.Get("filename"), q.Get("mediaType"))
	if err != nil {
		return err
	}
	all := make([]v2Attachment, 0, len(atts))
	for i := range atts {
		all = append(all, toV2Attachment(&atts[i]))
	}
	results, more := cut(all, win)
	next := v2NextLink(w, r, win, more)
	writeJSON(w, http.StatusOK, v2List[v2Attachment]{Results: results, Links: v2Links{Next: next, Base: siteBase(r)}})
	return nil
}
