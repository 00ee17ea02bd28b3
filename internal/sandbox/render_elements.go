package sandbox

import (
	"strings"

	"golang.org/x/net/html"
)

// htmlAllowed lists the XHTML elements rendered as themselves, with the
// attributes each keeps. Anything else is unwrapped (its content kept),
// except dropped elements, whose content goes too.
var htmlAllowed = map[string][]string{
	"p": nil, "br": nil, "hr": nil, "h1": nil, "h2": nil, "h3": nil, "h4": nil, "h5": nil, "h6": nil,
	"strong": nil, "b": nil, "em": nil, "i": nil, "u": nil, "s": nil, "del": nil, "ins": nil,
	"sub": nil, "sup": nil, "small": nil, "big": nil, "code": nil, "pre": nil, "blockquote": nil,
	"cite": nil, "q": nil, "abbr": {"title"}, "span": nil, "div": nil,
	"ul": nil, "ol": {"start"}, "li": nil, "dl": nil, "dt": nil, "dd": nil,
	"table": nil, "thead": nil, "tbody": nil, "tfoot": nil, "tr": nil, "caption": nil,
	"colgroup": nil, "col": {"span"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"},
	"a": {"href", "title"},
}

var htmlDropped = map[string]bool{
	"script": true, "style": true, "iframe": true, "object": true, "embed": true,
	"form": true, "input": true, "button": true, "textarea": true, "select": true,
}

// htmlElement renders an allowlisted element with its allowlisted
// attributes; href only when safeURL, numbers only where numbers go.
func (c *converter) htmlElement(n *xnode) []*html.Node {
	tag := strings.ToLower(n.Name.Local)
	if htmlDropped[tag] {
		return nil
	}
	allowed, ok := htmlAllowed[tag]
	if !ok {
		return c.children(n)
	}
	var kept []html.Attribute
	for _, a := range n.Attr {
		if a.Name.Space == "" && keepAttr(allowed, strings.ToLower(a.Name.Local), a.Value) {
			kept = append(kept, html.Attribute{Key: strings.ToLower(a.Name.Local), Val: a.Value})
		}
	}
	return []*html.Node{elem(tag, kept, c.children(n)...)}
}

func keepAttr(allowed []string, name, value string) bool {
	if !contains(allowed, name) {
		return false
	}
	switch name {
	case "href":
		return safeURL(value)
	case "start", "span", "colspan", "rowspan":
		return numericID(value)
	}
	return true
}

// acElement renders Confluence markup: images, links, task lists, layouts;
// any other ac: element (macros, emoticons, …) becomes a labelled box.
func (c *converter) acElement(n *xnode) []*html.Node {
	switch n.Name.Local {
	case "image":
		return []*html.Node{c.image(n)}
	case "link":
		return []*html.Node{c.link(n)}
	case "structured-macro", "macro":
		return []*html.Node{c.macro(n)}
	case "rich-text-body", "link-body", "layout-cell":
		return []*html.Node{elem("div", nil, c.children(n)...)}
	case "plain-text-body", "plain-text-link-body":
		return []*html.Node{elem("pre", nil, textNode(n.text()))}
	case "layout", "layout-section", "task-list-body":
		return c.children(n)
	case "task-list":
		return []*html.Node{elem("ul", attrs("class", "tasks"), c.tasks(n)...)}
	case "parameter", "task-id", "task-status", "placeholder":
		return nil
	}
	label := elem("div", attrs("class", "macro-label"), textNode("ac:"+n.Name.Local))
	return []*html.Node{elem("div", attrs("class", "macro"), append([]*html.Node{label}, c.children(n)...)...)}
}

// image renders <ac:image> with an <ri:attachment> (the page's file) or an
// <ri:url> (an http(s) image) as <img>; anything unresolvable as a note.
func (c *converter) image(n *xnode) *html.Node {
	src, name := "", "image"
	if a := n.child(nsRI, "attachment"); a != nil {
		name = a.attr(nsRI, "filename")
		src, _ = c.res.attachmentURL(name)
	} else if u := n.child(nsRI, "url"); u != nil {
		name = u.attr(nsRI, "value")
		if safeURL(name) {
			src = name
		}
	}
	if src == "" {
		return elem("span", attrs("class", "missing"), textNode("[image not found: "+name+"]"))
	}
	alt := n.attr(nsAC, "alt")
	if alt == "" {
		alt = name
	}
	kv := []string{"src", src, "alt", alt}
	if w := n.attr(nsAC, "width"); numericID(w) {
		kv = append(kv, "width", w)
	}
	return elem("img", attrs(kv...))
}

// link renders <ac:link> to an attachment, a page (by title) or a URL; the
// link text is the link body, or the target's name.
func (c *converter) link(n *xnode) *html.Node {
	href, name := "", ""
	switch {
	case n.child(nsRI, "attachment") != nil:
		name = n.child(nsRI, "attachment").attr(nsRI, "filename")
		href, _ = c.res.attachmentURL(name)
	case n.child(nsRI, "page") != nil:
		name = n.child(nsRI, "page").attr(nsRI, "content-title")
		href, _ = c.res.pageURL(name)
	case n.child(nsRI, "url") != nil:
		name = n.child(nsRI, "url").attr(nsRI, "value")
		if safeURL(name) {
			href = name
		}
	}
	body := c.linkBody(n, name)
	if href == "" {
		return elem("span", attrs("class", "missing"), body...)
	}
	return elem("a", attrs("href", href), body...)
}

func (c *converter) linkBody(n *xnode, fallback string) []*html.Node {
	if b := n.child(nsAC, "plain-text-link-body"); b != nil {
		return []*html.Node{textNode(b.text())}
	}
	if b := n.child(nsAC, "link-body"); b != nil {
		return c.children(b)
	}
	return []*html.Node{textNode(fallback)}
}

// macro renders a macro as a box labelled with its name and parameters,
// holding its body.
func (c *converter) macro(n *xnode) *html.Node {
	label := "macro: " + n.attr(nsAC, "name")
	for _, ch := range n.Children {
		if ch.Name.Space == nsAC && ch.Name.Local == "parameter" {
			label += " · " + ch.attr(nsAC, "name") + "=" + ch.text()
		}
	}
	box := elem("div", attrs("class", "macro"), elem("div", attrs("class", "macro-label"), textNode(label)))
	for _, ch := range n.Children {
		if ch.Name.Space == nsAC && ch.Name.Local != "parameter" {
			for _, h := range c.node(ch) {
				box.AppendChild(h)
			}
		}
	}
	return box
}

// tasks renders the <ac:task> items of a task list as list items with a
// check mark for complete ones.
func (c *converter) tasks(n *xnode) []*html.Node {
	var out []*html.Node
	for _, t := range n.Children {
		if t.Name.Space != nsAC || t.Name.Local != "task" {
			continue
		}
		mark := "☐ "
		if st := t.child(nsAC, "task-status"); st != nil && strings.TrimSpace(st.text()) == "complete" {
			mark = "☑ "
		}
		li := elem("li", nil, textNode(mark))
		if b := t.child(nsAC, "task-body"); b != nil {
			for _, h := range c.children(b) {
				li.AppendChild(h)
			}
		}
		out = append(out, li)
	}
	return out
}
