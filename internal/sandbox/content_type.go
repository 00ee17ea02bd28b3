package sandbox

import "fmt"

// contentType is what differs between the two kinds of content stored as
// Page: pages (in a tree, with titles unique in a space) and blog posts (no
// parent, in their own list). One piece of code creates, looks up, lists
// and renders both; they share the id counter. The values below are never
// modified.
type contentType struct {
	noun     string   // "page" or "blog post": in errors, logs and HTML
	logKey   string   // the key of the content's id in log records
	htmlName string   // its name on the HTML 404 page
	statuses []string // the status filter when a list asks for none
	parents  bool     // whether a v2 creation reads parentId
	items    func(st *state) *[]*Page
	write    func(w stateTx, p *Page) error
	place    func(st *state, in newPage) error // checks against the state; the caller holds s.mu
	v2       func(p pageView, withStorage bool, base string) any
}

var (
	pageType = &contentType{
		noun: "page", logKey: "page", htmlName: "Page",
		statuses: []string{"current", "archived"}, // as Confluence
		parents:  true,
		items:    func(st *state) *[]*Page { return &st.Pages },
		write:    stateTx.page,
		place:    (*state).checkPlacement,
		v2:       func(p pageView, withStorage bool, base string) any { return toV2Page(p, withStorage, base) },
	}
	blogPostType = &contentType{
		noun: "blog post", logKey: "blogpost", htmlName: "Blog post",
		statuses: []string{"current"}, // as the OpenAPI document says
		items:    func(st *state) *[]*Page { return &st.BlogPosts },
		write:    stateTx.blogPost,
		place:    (*state).checkSpace,
		v2:       func(p pageView, withStorage bool, base string) any { return toV2BlogPost(p, withStorage, base) },
	}
)

// createContent validates and stores a page or blog post, durably when
// there is a state file. The storage body is checked the same way for
// both; t.place checks the space (and a page's parent and title).
func (s *Sandbox) createContent(t *contentType, in newPage) (pageView, error) {
	if err := in.check(); err != nil {
		return pageView{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := t.place(&s.st, in); err != nil {
		return pageView{}, err
	}
	p := &Page{
		ID: s.st.newID(), SpaceID: in.SpaceID, ParentID: in.ParentID, Title: in.Title,
		Status: in.Status, Storage: in.Storage, AuthorID: in.AuthorID, Version: 1,
		CreatedAt: s.now().UTC(),
	}
	items := t.items(&s.st)
	*items = append(*items, p)
	if err := s.save(func(w stateTx) error { return t.write(w, p) }); err != nil {
		*items = (*items)[:len(*items)-1]
		return pageView{}, fmt.Errorf("sandbox: create %s in space %s: %w", t.noun, in.SpaceID, err)
	}
	s.log.Info("sandbox: "+t.noun+" created", t.logKey, p.ID, "space", p.SpaceID, "bytes", len(p.Storage))
	return s.st.view(p), nil
}

// getContent returns a page or blog post with its space key, or a 404.
func (s *Sandbox) getContent(t *contentType, id string) (pageView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := pageByID(*t.items(&s.st), id)
	if p == nil {
		return pageView{}, notFound("No content found with id: ContentId{id=%s}", id)
	}
	return s.st.view(p), nil
}

// findContent returns the pages or blog posts matching f, in id order,
// with their space keys. Statuses default to t.statuses.
func (s *Sandbox) findContent(t *contentType, f pageFilter) []pageView {
	if len(f.Statuses) == 0 {
		f.Statuses = t.statuses
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []pageView
	for _, p := range *t.items(&s.st) {
		if f.match(p) {
			out = append(out, s.st.view(p))
		}
	}
	return out
}

// createPage, getPage and findPages are createContent, getContent and
// findContent for pages.
func (s *Sandbox) createPage(in newPage) (pageView, error) { return s.createContent(pageType, in) }
func (s *Sandbox) getPage(id string) (pageView, error)     { return s.getContent(pageType, id) }
func (s *Sandbox) findPages(f pageFilter) []pageView       { return s.findContent(pageType, f) }

// view is p with its space key and parent type. The caller holds s.mu.
func (st *state) view(p *Page) pageView {
	return pageView{Page: *p, SpaceKey: st.spaceByID(p.SpaceID).Key, ParentType: st.parentType(p.ParentID)}
}

// pageByID returns the page or blog post of items with that id, or nil.
func pageByID(items []*Page, id string) *Page {
	for _, p := range items {
		if p.ID == id {
			return p
		}
	}
	return nil
}
