package convert

import (
	"fmt"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// paint is the colour state of htmlWriter's walk at one element; the
// writer saves it before an element and restores it after, so each field
// holds what the element and its ancestors set. Colours are #rrggbb.
type paint struct {
	ink       string    // text colour, or "" for the page's
	highlight string    // text background set by an inline element, or ""
	ground    string    // background storage shows behind the text (a cell or a highlight); "" is the page's white
	tableBg   string    // background the cells of the current table inherit from it, a row or a row group
	cell      string    // background to write on this td or th, or ""
	written   spanPaint // colours given by the spans written around this point
}

// spanPaint is what a written span gives its text.
type spanPaint struct{ ink, highlight string }

// styleLoss counts the colours and sizes the writer could not keep.
type styleLoss struct {
	colours     int // colour values outside the grammar of parseColour
	backgrounds int // backgrounds of elements storage cannot colour (div, p, …)
	unreadable  int // text runs whose colour was dropped, unreadable on the background kept
	sizes       int // image sizes that are not whole pixels up to maxPixels
}

// warnings describes l as safe text (counts only).
func (l styleLoss) warnings() []string {
	var out []string
	if l.colours > 0 {
		out = append(out, fmt.Sprintf("%d colours dropped (not a plain CSS colour)", l.colours))
	}
	if l.backgrounds > 0 {
		out = append(out, fmt.Sprintf("%d background colours dropped (storage colours only table cells and text)", l.backgrounds))
	}
	if l.unreadable > 0 {
		out = append(out, fmt.Sprintf("%d runs of text lost their colour (unreadable on the background kept)", l.unreadable))
	}
	if l.sizes > 0 {
		out = append(out, fmt.Sprintf("%d image sizes dropped (not whole pixels up to %d)", l.sizes, maxPixels))
	}
	return out
}

// enterPaint updates w.paint with the colours element n sets: its text
// colour (style color, or a <font color>), and its background (style
// background-color or background, or bgcolor), which colours the cells of
// a table, the text of an inline element, and nothing else.
func (w *htmlWriter) enterPaint(n *html.Node) {
	w.paint.cell = ""
	if n.DataAtom == atom.Table {
		w.paint.tableBg = ""
	}
	decls := styleDecls(attr(n, "style"))
	ink, hasInk := decls["color"]
	parse := parseColour
	if !hasInk && n.DataAtom == atom.Font {
		ink, hasInk = attrValue(n, "color")
		parse = legacyColour
	}
	if c := w.colour(ink, hasInk, parse); c != "" {
		w.paint.ink = c
	}
	bg := w.background(n, decls)
	if bg == "" && n.DataAtom == atom.Mark {
		bg = "#ffff00" // a browser's default for <mark>
	}
	if bg != "" {
		w.setBackground(n, bg)
	}
	if n.DataAtom == atom.Td || n.DataAtom == atom.Th {
		w.enterCell()
	}
}

// background returns the background colour n declares, style first.
func (w *htmlWriter) background(n *html.Node, decls map[string]string) string {
	if v, ok := decls["background-color"]; ok {
		return w.colour(v, true, parseColour)
	}
	if v, ok := decls["background"]; ok {
		return w.colour(v, true, backgroundColour)
	}
	v, ok := attrValue(n, "bgcolor")
	return w.colour(v, ok, legacyColour)
}

// attrValue returns the value of n's attribute key and whether n has it.
func attrValue(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// colour parses a declared colour value, counting a malformed one.
func (w *htmlWriter) colour(v string, declared bool, parse func(string) (string, bool)) string {
	if !declared {
		return ""
	}
	c, ok := parse(v)
	if !ok {
		w.loss.colours++
	}
	return c
}

// setBackground applies background bg of element n.
func (w *htmlWriter) setBackground(n *html.Node, bg string) {
	switch n.DataAtom {
	case atom.Table, atom.Thead, atom.Tbody, atom.Tfoot, atom.Tr, atom.Td, atom.Th:
		w.paint.tableBg = bg
	case atom.Span, atom.Font, atom.A, atom.B, atom.Strong, atom.I, atom.Em, atom.U, atom.S,
		atom.Code, atom.Sub, atom.Sup, atom.Mark, atom.Small, atom.Big:
		if !sameGround(bg, w.paint.ground) {
			w.paint.highlight, w.paint.ground = bg, bg
		}
	default:
		w.loss.backgrounds++
	}
}

// enterCell decides the background written on a td or th: its own or the
// one it inherits from its table, unless the same shows behind it already.
func (w *htmlWriter) enterCell() {
	bg := w.paint.tableBg
	w.paint.highlight = ""
	if bg == "" || sameGround(bg, w.paint.ground) {
		return
	}
	w.paint.cell, w.paint.ground = bg, bg
}

// sameGround reports whether two backgrounds look the same; "" is the
// page's white.
func sameGround(a, b string) bool {
	if a == "" {
		a = "#ffffff"
	}
	if b == "" {
		b = "#ffffff"
	}
	return a == b
}

// wanted returns the colours text written here must show: the text
// colour unless it is unreadable on the background kept (counted when
// count is set), and the highlight. Black, which Outlook and Apple Mail
// set on every paragraph, is the page's own text colour unless a span
// written around gives another.
func (w *htmlWriter) wanted(count bool) spanPaint {
	ink := w.paint.ink
	if ink == "#000000" && w.paint.written.ink == "" {
		ink = ""
	}
	if ink != "" && !readable(ink, w.paint.ground) {
		if count {
			w.loss.unreadable++
		}
		ink = ""
	}
	return spanPaint{ink: ink, highlight: w.paint.highlight}
}

// newColours returns the colours of want that the written spans do not
// give yet, and the spanPaint once a span with them is written.
func (w *htmlWriter) newColours(want spanPaint) (add, after spanPaint) {
	after = w.paint.written
	if want.ink != "" && want.ink != after.ink {
		add.ink, after.ink = want.ink, want.ink
	}
	if want.highlight != "" && want.highlight != after.highlight {
		add.highlight, after.highlight = want.highlight, want.highlight
	}
	return add, after
}

// span writes a <span>, <font> or <mark>: a span with the colours its
// text needs that the spans around it do not give, a plain span, or for
// the others with no new colour only their children.
func (w *htmlWriter) span(n *html.Node) {
	add, after := w.newColours(w.wanted(false))
	style := spanStyle(add.ink, add.highlight)
	if style == "" && n.DataAtom != atom.Span {
		w.children(n)
		return
	}
	w.b.WriteString("<span")
	if style != "" {
		w.b.WriteString(` style="` + style + `"`)
		w.paint.written = after
	}
	w.b.WriteString(">")
	w.children(n)
	w.b.WriteString("</span>")
}

// paintedText writes visible text, in a span when it needs colours the
// spans around it do not give.
func (w *htmlWriter) paintedText(s string) {
	add, _ := w.newColours(w.wanted(true))
	if style := spanStyle(add.ink, add.highlight); style != "" {
		w.b.WriteString(`<span style="` + style + `">`)
		writeEscaped(&w.b, s, false)
		w.b.WriteString("</span>")
		return
	}
	writeEscaped(&w.b, s, false)
}

// cellAttrs returns the attributes of a cell's background, if any.
func (w *htmlWriter) cellAttrs() []html.Attribute {
	if w.paint.cell == "" {
		return nil
	}
	return []html.Attribute{
		{Key: "class", Val: "highlight-" + w.paint.cell},
		{Key: "data-highlight-colour", Val: w.paint.cell},
	}
}
