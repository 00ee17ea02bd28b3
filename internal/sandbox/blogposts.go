package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// Blog posts are stored as pages without a parent, in their own list: they
// are not pages for the page routes, and they share the id counter.

func (st *state) blogPost(id string) *Page {
	for _, p := range st.BlogPosts {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// hasContent reports whether id is a page or a blog post: content that
// may hold attachments. The caller holds s.mu.
func (st *state) hasContent(id string) bool {
	return st.page(id) != nil || st.blogPost(id) != nil
}

// createBlogPost validates and stores a blog post, durably when there is a
// state file. The space must exist (404); the storage body is checked as a
// page's.
func (s *Sandbox) createBlogPost(in newPage) (pageView, error) {
	if err := in.check(); err != nil {
		return pageView{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.st.spaceByID(in.SpaceID)
	if sp == nil {
		return pageView{}, notFound("No space with id %s", in.SpaceID)
	}
	p := &Page{ID: s.st.newID(), SpaceID: in.SpaceID, Title: in.Title, Status: in.Status,
		Storage: in.Storage, AuthorID: in.AuthorID, Version: 1, CreatedAt: s.now().UTC()}
	s.st.BlogPosts = append(s.st.BlogPosts, p)
	if err := s.save(func(w stateTx) error { return w.blogPost(p) }); err != nil {
		s.st.BlogPosts = s.st.BlogPosts[:len(s.st.BlogPosts)-1]
		return pageView{}, fmt.Errorf("sandbox: create blog post in space %s: %w", in.SpaceID, err)
	}
	s.log.Info("sandbox: blog post created", "blogpost", p.ID, "space", p.SpaceID, "bytes", len(p.Storage))
	return pageView{Page: *p, SpaceKey: sp.Key}, nil
}

// getBlogPost returns a blog post and its space key, or a 404.
func (s *Sandbox) getBlogPost(id string) (pageView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.blogPost(id)
	if p == nil {
		return pageView{}, notFound("No content found with id: ContentId{id=%s}", id)
	}
	return pageView{Page: *p, SpaceKey: s.st.spaceByID(p.SpaceID).Key}, nil
}

// findBlogPosts returns the blog posts matching f (title: exact match), in
// id order. Statuses default to current, as the OpenAPI document says.
func (s *Sandbox) findBlogPosts(f pageFilter) []pageView {
	if len(f.Statuses) == 0 {
		f.Statuses = []string{"current"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []pageView
	for _, p := range s.st.BlogPosts {
		if f.match(p) {
			out = append(out, pageView{Page: *p, SpaceKey: s.st.spaceByID(p.SpaceID).Key})
		}
	}
	return out
}

// blogWebUI is a blog post's human URL, as Confluence builds it:
// /spaces/KEY/blog/YYYY/MM/DD/ID/Title.
func blogWebUI(p pageView) string {
	d := p.CreatedAt.UTC()
	return spaceWebUI(p.SpaceKey) + "/blog/" + d.Format("2006/01/02") + "/" + p.ID + "/" + url.QueryEscape(p.Title)
}

// v2BlogPost is BlogPostSingle/BlogPostBulk of the OpenAPI document.
type v2BlogPost struct {
	ID        string      `json:"id"`
	Status    string      `json:"status"`
	Title     string      `json:"title"`
	SpaceID   string      `json:"spaceId"`
	AuthorID  string      `json:"authorId"`
	CreatedAt string      `json:"createdAt"`
	Version   v2Version   `json:"version"`
	Body      v2Body      `json:"body"`
	Links     v2PageLinks `json:"_links"`
}

func toV2BlogPost(p pageView, withStorage bool) v2BlogPost {
	out := v2BlogPost{ID: p.ID, Status: p.Status, Title: p.Title, SpaceID: p.SpaceID, AuthorID: p.AuthorID,
		CreatedAt: confluenceTime(p.CreatedAt),
		Version:   v2Version{Number: p.Version, AuthorID: p.AuthorID, CreatedAt: confluenceTime(p.CreatedAt)},
		Links:     v2PageLinks{WebUI: blogWebUI(p), EditUI: pageEditUI(p.ID), TinyUI: pageTinyUI(p.ID)}}
	if withStorage {
		out.Body.Storage = &v2BodyType{Representation: "storage", Value: p.Storage}
	}
	return out
}

// v2CreateBlogPost serves POST /wiki/api/v2/blogposts: 200 with the blog
// post and its storage body.
func (s *Sandbox) v2CreateBlogPost(w http.ResponseWriter, r *http.Request) error {
	var req v2PageCreate // the same members, parentId aside
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.SpaceID == "" {
		return invalid("spaceId is required")
	}
	storage, err := v2Storage(req.Body)
	if err != nil {
		return err
	}
	p, err := s.createBlogPost(newPage{SpaceID: string(req.SpaceID), Title: req.Title, Status: req.Status,
		Storage: storage, AuthorID: accountOf(r.Context())})
	if err != nil {
		return err
	}
	out := toV2BlogPost(p, true)
	out.Links.Base = siteBase(r)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// v2GetBlogPost serves GET /wiki/api/v2/blogposts/{id} (body-format=storage).
func (s *Sandbox) v2GetBlogPost(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := checkIDs("id", []string{id}); err != nil {
		return err
	}
	p, err := s.getBlogPost(id)
	if err != nil {
		return err
	}
	out := toV2BlogPost(p, r.URL.Query().Get("body-format") == "storage")
	out.Links.Base = siteBase(r)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// v2ListBlogPosts serves GET /wiki/api/v2/blogposts (id, space-id, title,
// status, body-format, limit, cursor), in id order.
func (s *Sandbox) v2ListBlogPosts(w http.ResponseWriter, r *http.Request) error {
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
	var all []v2BlogPost
	for _, p := range s.findBlogPosts(f) {
		all = append(all, toV2BlogPost(p, withStorage))
	}
	results, more := cut(all, win)
	next := v2NextLink(w, r, win, more)
	writeJSON(w, http.StatusOK, v2List[v2BlogPost]{Results: results, Links: v2Links{Next: next, Base: siteBase(r)}})
	return nil
}

// htmlBlogPost serves a blog post's webui: its body rendered, then its
// attachments.
func (s *Sandbox) htmlBlogPost(w http.ResponseWriter, r *http.Request) {
	p, err := s.getBlogPost(r.PathValue("id"))
	if err != nil || p.SpaceKey != r.PathValue("key") {
		s.htmlNotFound(w, "Blog post")
		return
	}
	s.renderContent(w, p, "blog post")
}
