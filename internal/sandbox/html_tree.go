package sandbox

import (
	"fmt"
	"html/template"
	"net/http"
)

// contentTree returns the space's current pages and its folders as a tree,
// in creation order at each level. Content whose parent is not shown (a
// draft page) is shown at the top level.
func (s *Sandbox) contentTree(sp Space) []htmlPageLink {
	type node struct {
		link   htmlPageLink
		parent string
	}
	var order []string
	nodes := map[string]*node{}
	for _, f := range s.foldersIn(sp.ID) {
		nodes[f.ID] = &node{htmlPageLink{Title: f.Title, ID: f.ID, Folder: true}, f.ParentID}
		order = append(order, f.ID)
	}
	for _, p := range s.findPages(pageFilter{SpaceIDs: []string{sp.ID}, Statuses: []string{"current"}}) {
		nodes[p.ID] = &node{htmlPageLink{Title: p.Title, ID: p.ID, Link: pageWebUI(sp.Key, p.ID, p.Title)}, p.ParentID}
		order = append(order, p.ID)
	}
	sortIDs(order)
	children := map[string][]string{}
	for _, id := range order {
		parent := nodes[id].parent
		if nodes[parent] == nil {
			parent = ""
		}
		children[parent] = append(children[parent], id)
	}
	var build func(parent string, depth int) []htmlPageLink
	build = func(parent string, depth int) []htmlPageLink {
		var out []htmlPageLink
		for _, id := range children[parent] {
			l := nodes[id].link
			if depth < 64 { // parents precede children: no cycle, but stay bounded
				l.Children = build(id, depth+1)
			}
			out = append(out, l)
		}
		return out
	}
	return build("", 0)
}

// sortIDs sorts numeric ids in creation (numeric) order.
func sortIDs(ids []string) {
	less := func(a, b string) bool { return len(a) < len(b) || len(a) == len(b) && a < b }
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && less(ids[j], ids[j-1]); j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
}

// renderContent writes a page or blog post's HTML: its storage body
// rendered, then its attachments.
func (s *Sandbox) renderContent(w http.ResponseWriter, p pageView, what string) {
	atts, _ := s.listAttachments(p.ID, "", "")
	body, err := renderStorage(p.Storage, s.newSiteResolver(p, atts))
	if err != nil {
		s.log.Error("sandbox: stored "+what+" does not parse", "id", p.ID, "err", err)
		body = "<p>(this " + what + "'s body could not be rendered)</p>"
	}
	sp := htmlSpace{Key: p.SpaceKey, Name: s.spaceByID(p.SpaceID).Name, Link: spaceWebUI(p.SpaceKey)}
	v := htmlView{Title: p.Title, Space: &sp, Body: template.HTML(body), //nolint:gosec // built by html.Render from allowlisted nodes
		Meta: fmt.Sprintf("Created %s · version %d · %s id %s", p.CreatedAt.UTC().Format("2006-01-02 15:04 MST"), p.Version, what, p.ID)}
	for i := range atts {
		v.Attachments = append(v.Attachments, htmlAttachmentOf(&atts[i]))
	}
	v.Labels = s.Labels(p.ID)
	s.writeHTML(w, http.StatusOK, v)
}
