package convert

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/mailwiki/mailwiki/internal/convert/htmlshape"
)

// ctxCheckNodes is how many nodes htmlWriter writes between two looks at
// its context.
const ctxCheckNodes = 1024

// htmlWriter writes sanitised HTML as storage XHTML. It is not safe for
// concurrent use.
type htmlWriter struct {
	ctx      context.Context
	b        strings.Builder
	files    *fileSet
	maxFiles int
	pre      int // depth of <pre> elements: white space is kept verbatim inside
	visible  int // non-space characters and images written
	nodes    int
	paint    paint     // colours at the current element (paint.go)
	loss     styleLoss // colours and sizes not kept, for warnings
	links    int       // link targets not kept (not absolute http, https or mailto)
	warnings []string
	err      error // set once: the walk stops
}

// styleBlock finds <style> elements with content: their CSS rules are not
// applied (storage has no stylesheet), which a warning says.
var styleBlock = regexp.MustCompile(`(?is)<style\b[^>]*>\s*[^<\s]`)

// htmlBody converts an HTML mail body to storage XHTML. It returns the body
// and whether it shows anything (text or images), or a limit error when
// the HTML exceeds lim (checked before parsing) or the files exceed
// lim.MaxFiles, or the context's error.
func htmlBody(ctx context.Context, src string, files *fileSet, lim Limits) (string, bool, []string, error) {
	if what := htmlshape.Check(src, lim.HTML); what != "" {
		return "", false, nil, htmlLimitError(what)
	}
	styleBlocks := len(styleBlock.FindAllStringIndex(src, 100))
	clean := sanitizer().Sanitize(src)
	doc, err := html.Parse(strings.NewReader(clean))
	if err != nil {
		// A strings.Reader has no read errors: html.Parse refused the
		// nesting, which htmlshape.Check should have caught.
		return "", false, nil, htmlLimitError("HTML body nested deeper than 512 elements")
	}
	w := &htmlWriter{ctx: ctx, files: files, maxFiles: lim.MaxFiles, warnings: cleanTree(doc)}
	w.children(doc)
	warnings := append(w.warnings, w.loss.warnings()...)
	if styleBlocks > 0 {
		warnings = append(warnings, fmt.Sprintf("%d <style> block(s) not applied: colours, sizes and hiding set by CSS classes are lost (inline styles are kept)", styleBlocks))
	}
	if w.links > 0 {
		warnings = append(warnings, fmt.Sprintf("%d link target(s) not kept: only absolute http, https and mailto links are (the link text stays)", w.links))
	}
	return w.b.String(), w.visible > 0, warnings, w.err
}

// node writes one node and its subtree, unless the walk was stopped.
func (w *htmlWriter) node(n *html.Node) {
	if w.stopped() {
		return
	}
	switch n.Type {
	case html.TextNode:
		w.text(n)
	case html.ElementNode:
		w.element(n)
	case html.DocumentNode:
		w.children(n)
	}
	// Comments, doctypes and raw nodes are dropped.
}

// stopped counts a node and reports whether the walk must stop: after an
// error, or once the context is done.
func (w *htmlWriter) stopped() bool {
	w.nodes++
	if w.err == nil && w.nodes%ctxCheckNodes == 0 && w.ctx.Err() != nil {
		w.err = interrupted(w.ctx)
	}
	return w.err != nil
}

func (w *htmlWriter) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
}

// text writes a text node escaped; white space between table or list
// structure elements is dropped.
func (w *htmlWriter) text(n *html.Node) {
	if strings.TrimSpace(n.Data) == "" && w.pre == 0 {
		if n.Parent != nil && structural(n.Parent.DataAtom) {
			return
		}
	}
	visible := len(strings.TrimSpace(n.Data))
	w.visible += visible
	if visible == 0 {
		writeEscaped(&w.b, n.Data, false)
		return
	}
	w.paintedText(n.Data)
}

// structural reports elements whose direct text children are only layout.
func structural(a atom.Atom) bool {
	switch a {
	case atom.Table, atom.Thead, atom.Tbody, atom.Tfoot, atom.Tr, atom.Ul, atom.Ol, atom.Html, atom.Head:
		return true
	}
	return false
}

// element writes an allowlisted element, an image, or only the children of
// an element that is not allowed; dropped elements vanish with their content.
// The colours the element sets hold for its subtree (paint.go).
func (w *htmlWriter) element(n *html.Node) {
	if n.Namespace != "" || droppedIndex()[n.Data] {
		return
	}
	if n.DataAtom == atom.Img {
		w.image(n)
		return
	}
	saved := w.paint
	w.enterPaint(n)
	w.writeElement(n)
	w.paint = saved
}

// writeElement writes element n as its rule says, as a span with colours
// (span, font, mark), or only its children. A table's captions are written
// before it as bold paragraphs; tfoot becomes tbody.
func (w *htmlWriter) writeElement(n *html.Node) {
	name := n.Data
	switch n.DataAtom {
	case atom.Span, atom.Font, atom.Mark:
		w.span(n)
		return
	case atom.Caption:
		return // written by captions
	case atom.Tfoot:
		name = "tbody"
	}
	rule, ok := lookupRule(name)
	if !ok || strings.Contains(name, ":") {
		w.children(n)
		return
	}
	attrs, ok := w.attrs(n, rule)
	if !ok {
		w.children(n)
		return
	}
	if n.DataAtom == atom.Table {
		w.captions(n)
	}
	w.open(rule, attrs, n)
}

// captions writes the captions of a table as bold paragraphs: storage
// tables have no caption.
func (w *htmlWriter) captions(table *html.Node) {
	for c := table.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || c.DataAtom != atom.Caption {
			continue
		}
		saved := w.paint
		w.enterPaint(c)
		w.b.WriteString("<p><strong>")
		w.children(c)
		w.b.WriteString("</strong></p>\n")
		w.paint = saved
	}
}

// open writes the element with its attributes and children.
func (w *htmlWriter) open(rule elementRule, attrs []html.Attribute, n *html.Node) {
	w.b.WriteString("<" + rule.Name)
	for _, a := range attrs {
		w.b.WriteString(" " + a.Key + `="` + escapeAttr(a.Val) + `"`)
	}
	if rule.Void {
		w.b.WriteString("/>")
		w.blockBreak(rule)
		return
	}
	w.b.WriteString(">")
	if rule.Name == "pre" {
		w.pre++
	}
	if rule.Name == "table" {
		w.tableChildren(n)
	} else {
		w.children(n)
	}
	if rule.Name == "pre" {
		w.pre--
	}
	w.b.WriteString("</" + rule.Name + ">")
	w.blockBreak(rule)
}

// tableChildren writes a table's children with its footers last, where a
// browser shows them, whatever their place in the source.
func (w *htmlWriter) tableChildren(table *html.Node) {
	for c := table.FirstChild; c != nil; c = c.NextSibling {
		if c.DataAtom != atom.Tfoot {
			w.node(c)
		}
	}
	for c := table.FirstChild; c != nil; c = c.NextSibling {
		if c.DataAtom == atom.Tfoot {
			w.node(c)
		}
	}
}

// blockBreak writes a newline after block elements outside <pre>.
func (w *htmlWriter) blockBreak(rule elementRule) {
	if rule.Block && w.pre == 0 {
		w.b.WriteByte('\n')
	}
}

// attrs returns the allowlisted attributes of n with valid values. ok is
// false when the element is useless without a rejected attribute (a link
// without a safe href), so that it is unwrapped instead.
func (w *htmlWriter) attrs(n *html.Node, rule elementRule) ([]html.Attribute, bool) {
	var out []html.Attribute
	for _, a := range n.Attr {
		if a.Namespace != "" || !rule.allowsAttr(a.Key) {
			continue
		}
		switch a.Key {
		case "href":
			href, ok := safeHref(a.Val)
			if !ok {
				if strings.TrimSpace(a.Val) != "" {
					w.links++
				}
				continue
			}
			a.Val = href
		case "colspan", "rowspan":
			a.Val = strings.TrimSpace(a.Val)
			if !smallNumber(a.Val) {
				continue
			}
		}
		out = append(out, html.Attribute{Key: a.Key, Val: a.Val})
	}
	if rule.Name == "a" && len(out) == 0 {
		return nil, false
	}
	if rule.Name == "td" || rule.Name == "th" {
		out = append(out, w.cellAttrs()...)
	}
	return out, true
}

// smallNumber reports whether s is a decimal number from 1 to 999.
func smallNumber(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 3 || s[0] == '0' {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
