package sandbox

import "net/url"

// Blog posts are stored as pages without a parent, in their own list: they
// are not pages for the page routes, and they share the id counter. The
// code that serves pages serves them too (see contentType).

// hasContent reports whether id is a page or a blog post: content that
// may hold attachments. The caller holds s.mu.
func (st *state) hasContent(id string) bool {
	return st.page(id) != nil || pageByID(st.BlogPosts, id) != nil
}

// blogWebUI is a blog post's human URL, as Confluence builds it:
// /spaces/KEY/blog/YYYY/MM/DD/ID/Title.
func blogWebUI(p pageView) string {
	d := p.CreatedAt.UTC()
	return spaceWebUI(p.SpaceKey) + "/blog/" + d.Format("2006/01/02") + "/" + p.ID + "/" + url.QueryEscape(p.Title)
}
