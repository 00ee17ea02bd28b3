package convert

import (
	"slices"
	"sync"

	"github.com/microcosm-cc/bluemonday"
)

// elementRule allows one HTML element in storage output.
type elementRule struct {
	Name  string
	Attrs []string // attributes kept on the element
	Built []string // attributes the writer builds from parsed values, never copied from mail
	Void  bool     // written self-closed: <br/>
	Block bool     // a newline follows its end tag, for readable output and diffs
}

// htmlRules is the allowlist of HTML elements and attributes, as data. An
// element not listed is unwrapped (its children are kept) unless it is in
// droppedElements. href values are further limited to http, https and mailto
// (safeHref); img is handled separately (it becomes ac:image).
func htmlRules() []elementRule {
	return []elementRule{
		{Name: "h1", Block: true}, {Name: "h2", Block: true}, {Name: "h3", Block: true},
		{Name: "h4", Block: true}, {Name: "h5", Block: true}, {Name: "h6", Block: true},
		{Name: "p", Block: true}, {Name: "div", Block: true},
		{Name: "blockquote", Block: true}, {Name: "pre", Block: true},
		{Name: "ul", Block: true}, {Name: "ol", Block: true}, {Name: "li", Block: true},
		{Name: "table", Block: true}, {Name: "thead", Block: true}, {Name: "tbody", Block: true},
		{Name: "tr", Block: true},
		{Name: "td", Attrs: []string{"colspan", "rowspan"}, Built: cellColourAttrs()},
		{Name: "th", Attrs: []string{"colspan", "rowspan"}, Built: cellColourAttrs()},
		{Name: "b"}, {Name: "strong"}, {Name: "i"}, {Name: "em"}, {Name: "u"}, {Name: "s"},
		{Name: "code"}, {Name: "span", Built: []string{"style"}}, {Name: "sub"}, {Name: "sup"},
		{Name: "a", Attrs: []string{"href"}},
		{Name: "br", Void: true}, {Name: "hr", Void: true, Block: true},
	}
}

// cellColourAttrs are the attributes storage gives a table cell's
// background colour, as Confluence's editor writes them:
// class="highlight-#rrggbb" data-highlight-colour="#rrggbb".
func cellColourAttrs() []string { return []string{"class", "data-highlight-colour"} }

// readRules are elements and attributes the sanitizer keeps only for the
// writer to read: a colour, a size or a caption, which it writes in
// storage's own terms (span style, cell highlight, ac:image size, a
// paragraph before the table). None is ever copied to storage.
func readRules() []elementRule {
	bg := []string{"bgcolor"}
	return []elementRule{
		{Name: "font", Attrs: []string{"color"}},
		{Name: "caption"}, {Name: "tfoot", Attrs: bg},
		{Name: "table", Attrs: bg}, {Name: "thead", Attrs: bg}, {Name: "tbody", Attrs: bg},
		{Name: "tr", Attrs: bg}, {Name: "td", Attrs: bg}, {Name: "th", Attrs: bg},
		{Name: "img", Attrs: []string{"src", "alt", "width", "height", "align"}},
		// Unwrapped by the writer, kept so that their colours are read.
		{Name: "center"}, {Name: "mark"}, {Name: "small"}, {Name: "big"}, {Name: "strike"},
		{Name: "del"}, {Name: "ins"}, {Name: "tt"}, {Name: "abbr"}, {Name: "cite"},
		{Name: "q"}, {Name: "kbd"}, {Name: "samp"}, {Name: "var"}, {Name: "dfn"}, {Name: "label"},
	}
}

// droppedElements are removed together with everything inside them: active
// content, metadata and form controls. Forms themselves are unwrapped so
// that text laid out inside a <form> survives.
func droppedElements() []string {
	return append(droppedContainers(), droppedVoids()...)
}

// droppedContainers are the dropped elements that have content. Only these
// go to bluemonday's SkipElementsContent: given a void element, it would skip
// everything up to a closing tag that never comes.
func droppedContainers() []string {
	return []string{
		"script", "style", "head", "title", "template",
		"noscript", "noembed", "noframes", "iframe", "frameset",
		"object", "applet", "svg", "math", "canvas", "audio", "video", "map",
		"button", "select", "option", "optgroup", "textarea", "datalist",
	}
}

// droppedVoids are the dropped elements that never have content.
func droppedVoids() []string {
	return []string{"meta", "link", "base", "param", "embed", "frame", "source", "track", "area", "input"}
}

// storageRules are the Confluence elements the converter writes besides
// HTML; CheckStorage accepts them too. Names carry their namespace prefix.
// There is no ri:url: remote images are never embedded (image.go).
func storageRules() []elementRule {
	return []elementRule{
		{Name: "ac:image", Attrs: []string{"ac:alt", "ac:width", "ac:height", "ac:align"}},
		{Name: "ac:link"},
		{Name: "ri:attachment", Attrs: []string{"ri:filename"}, Void: true},
	}
}

// ruleIndex maps element names to their rules; built once, read-only.
var ruleIndex = sync.OnceValue(func() map[string]elementRule {
	idx := make(map[string]elementRule)
	for _, r := range append(htmlRules(), storageRules()...) {
		idx[r.Name] = r
	}
	return idx
})

// droppedIndex is droppedElements as a set; built once, read-only.
var droppedIndex = sync.OnceValue(func() map[string]bool {
	idx := make(map[string]bool)
	for _, n := range droppedElements() {
		idx[n] = true
	}
	return idx
})

// droppedContainerIndex is droppedContainers as a set, without <head>,
// whose end tag is often missing (its metadata children are dropped
// themselves); built once, read-only.
var droppedContainerIndex = sync.OnceValue(func() map[string]bool {
	idx := make(map[string]bool)
	for _, n := range droppedContainers() {
		idx[n] = n != "head"
	}
	return idx
})

// droppedContainer reports whether name is a dropped element with content.
func droppedContainer(name string) bool { return droppedContainerIndex()[name] }

// lookupRule returns the rule for an element name (with prefix for ac:/ri:).
func lookupRule(name string) (elementRule, bool) {
	r, ok := ruleIndex()[name]
	return r, ok
}

// allowsAttr reports whether rule r keeps attribute name.
func (r elementRule) allowsAttr(name string) bool {
	return slices.Contains(r.Attrs, name)
}

// builds reports whether the writer may write attribute name, built from
// parsed values, on r's element.
func (r elementRule) builds(name string) bool {
	return slices.Contains(r.Built, name)
}

// sanitizer is the bluemonday policy built from htmlRules: the first of the
// two allowlist layers. bluemonday policies are safe for concurrent use once
// built; this one is built once and never changed.
var sanitizer = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	for _, r := range htmlRules() {
		p.AllowElements(r.Name)
		if len(r.Attrs) > 0 {
			p.AllowAttrs(r.Attrs...).OnElements(r.Name)
		}
	}
	for _, r := range readRules() {
		p.AllowElements(r.Name)
		p.AllowAttrs(r.Attrs...).OnElements(r.Name)
	}
	// Kept for cleanTree, which drops hidden elements, and for the colours
	// and sizes the writer reads (style.go); never written out as is.
	p.AllowAttrs("style", "hidden").Globally()
	// URLs are left as written: the writer checks each href (safeHref)
	// and resolves each img src itself (image.go), which bluemonday's URL
	// rules would cut short: relative Content-Location references,
	// data: URLs in upper case, with white space or labelled image/jpg.
	p.RequireParseableURLs(false)
	p.SkipElementsContent(droppedContainers()...)
	return p
})
