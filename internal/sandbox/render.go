package sandbox

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// xnode is a parsed storage-format node: an element (Name set) or text.
type xnode struct {
	Name     xml.Name
	Attr     []xml.Attr
	Children []*xnode
	Text     string
}

// parseStorage parses a storage body into a tree under a synthetic root.
// Comments, processing instructions and directives are dropped.
func parseStorage(value string) (*xnode, error) {
	d := newStorageDecoder(value)
	root := &xnode{}
	stack := []*xnode{root}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xnode{Name: t.Name, Attr: t.Attr}
			top.Children = append(top.Children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top.Children = append(top.Children, &xnode{Text: string(t)})
		}
	}
}

// attr returns the value of the attribute with that namespace and name.
func (n *xnode) attr(space, local string) string {
	for _, a := range n.Attr {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// child returns the first child element with that namespace and name.
func (n *xnode) child(space, local string) *xnode {
	for _, c := range n.Children {
		if c.Name.Space == space && c.Name.Local == local {
			return c
		}
	}
	return nil
}

// text returns the concatenated text below n.
func (n *xnode) text() string {
	if n.Name.Local == "" {
		return n.Text
	}
	var b strings.Builder
	for _, c := range n.Children {
		b.WriteString(c.text())
	}
	return b.String()
}

// resolver answers the questions rendering asks about the site: where a
// page's attachment downloads from and where a page with a title lives.
// URLs are absolute paths (/wiki/…) or http(s) URLs.
type resolver interface {
	attachmentURL(filename string) (string, bool)
	pageURL(title string) (string, bool)
}

// renderStorage renders a storage body as safe HTML: the storage tree is
// transformed into an HTML tree of allowlisted elements and attributes and
// serialized by the html package, which escapes all text and attributes.
func renderStorage(value string, res resolver) (string, error) {
	root, err := parseStorage(value)
	if err != nil {
		return "", err
	}
	wrapper := root.Children[0] // the synthetic root element
	var buf bytes.Buffer
	for _, n := range (&converter{res: res}).children(wrapper) {
		if err := html.Render(&buf, n); err != nil {
			return "", err
		}
	}
	return buf.String(), nil
}

// converter turns storage nodes into HTML nodes.
type converter struct {
	res resolver
}

func (c *converter) children(n *xnode) []*html.Node {
	var out []*html.Node
	for _, ch := range n.Children {
		out = append(out, c.node(ch)...)
	}
	return out
}

// node converts one storage node, dispatching on its namespace.
func (c *converter) node(n *xnode) []*html.Node {
	switch n.Name.Space {
	case "":
		if n.Name.Local == "" {
			return []*html.Node{textNode(n.Text)}
		}
		return c.htmlElement(n)
	case nsAC:
		return c.acElement(n)
	case nsRI:
		return nil // resource identifiers only mean something inside ac: elements
	default:
		return c.children(n) // at: template markup and unknown prefixes: content only
	}
}

// elem builds an HTML element with the given attributes (name, value pairs)
// and children.
func elem(tag string, attrs []html.Attribute, children ...*html.Node) *html.Node {
	n := &html.Node{Type: html.ElementNode, Data: tag, DataAtom: atom.Lookup([]byte(tag)), Attr: attrs}
	for _, ch := range children {
		if ch != nil {
			n.AppendChild(ch)
		}
	}
	return n
}

func textNode(s string) *html.Node {
	return &html.Node{Type: html.TextNode, Data: s}
}

func attrs(kv ...string) []html.Attribute {
	var out []html.Attribute
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, html.Attribute{Key: kv[i], Val: kv[i+1]})
	}
	return out
}

// safeURL reports whether a link or image URL may appear in the page: http,
// https, mailto, fragment and site-relative URLs only.
func safeURL(u string) bool {
	l := strings.ToLower(strings.TrimSpace(u))
	for _, p := range []string{"http://", "https://", "mailto:", "#"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "//")
}
