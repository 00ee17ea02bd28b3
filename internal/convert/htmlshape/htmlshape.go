// Package htmlshape measures how costly an HTML document is to parse into a
// tree, in linear time and without building one.
//
// golang.org/x/net/html, which the converter and enmime's HTML-to-text both
// use, walks its stack of open elements for most tags (the "has an element
// in scope" steps of the HTML standard's tree construction), so its time
// grows with the number of tags times their depth; it refuses documents
// nested deeper than 512 elements. Check tokenizes the document once,
// tracking an estimate of that stack, and reports the first limit a
// document exceeds. Mail callers check before they parse.
package htmlshape

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Limits bound an HTML document. A zero field takes the value of Default.
type Limits struct {
	// MaxElements is the number of start tags.
	MaxElements int
	// MaxDepth is the deepest nesting of open elements. It must stay below
	// x/net/html's own limit of 512, which counts <html> and <body> too.
	MaxDepth int
	// MaxDepthSum bounds the parser's stack walks: the sum, over every start
	// and end tag, of the number of elements open at that point.
	MaxDepthSum int
}

// Default returns the limits used when a field is zero: generous for mail
// (a 100,000-cell table, a long thread of quoted replies), small enough
// that parsing stays well under a second.
func Default() Limits {
	return Limits{MaxElements: 200_000, MaxDepth: 500, MaxDepthSum: 20_000_000}
}

// withDefaults returns l with zero fields set from Default.
func (l Limits) withDefaults() Limits {
	d := Default()
	if l.MaxElements <= 0 {
		l.MaxElements = d.MaxElements
	}
	if l.MaxDepth <= 0 || l.MaxDepth > d.MaxDepth {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxDepthSum <= 0 {
		l.MaxDepthSum = d.MaxDepthSum
	}
	return l
}

// Check reports the first limit src exceeds, as a short sentence naming
// the limit and its value (never content), or "" when src is within l.
// It runs in time linear in len(src) and allocates O(depth).
func Check(src string, l Limits) string {
	l = l.withDefaults()
	s := &stack{}
	z := html.NewTokenizer(strings.NewReader(src))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			s.start(z, false)
		case html.SelfClosingTagToken:
			s.start(z, true)
		case html.EndTagToken:
			s.end(z)
		}
		if msg := s.exceeds(l); msg != "" {
			return msg
		}
	}
}

// stack estimates x/net/html's stack of open elements from tokens.
type stack struct {
	open             []atom.Atom
	foreign          int // open <svg> and <math> elements: self-closing tags close there
	elements, depths int
}

// start handles a start tag: void elements, and self-closing ones inside
// <svg> or <math>, do not stay open; elements that the standard closes
// when this one starts (an open <p> before a <div>, a cell before the next
// cell) are closed first.
func (s *stack) start(z *html.Tokenizer, selfClosing bool) {
	name, _ := z.TagName()
	a := atom.Lookup(name)
	s.elements++
	s.depths += len(s.open)
	if void(a) || (s.foreign > 0 && selfClosing) {
		return
	}
	for n := len(s.open); n > 0 && closes(a, s.open[n-1]); n-- {
		s.pop(n - 1)
	}
	if a == atom.Svg || a == atom.Math {
		s.foreign++
	}
	s.open = append(s.open, a)
}

// end handles an end tag: it closes the innermost open element of that
// name and everything opened inside it; an end tag that matches nothing is
// ignored, as the parser ignores it, after the same walk.
func (s *stack) end(z *html.Tokenizer) {
	name, _ := z.TagName()
	a := atom.Lookup(name)
	for i := len(s.open) - 1; i >= 0; i-- {
		s.depths++
		if s.open[i] == a {
			s.pop(i)
			return
		}
	}
}

// pop closes the elements from index i up.
func (s *stack) pop(i int) {
	for _, a := range s.open[i:] {
		if a == atom.Svg || a == atom.Math {
			s.foreign--
		}
	}
	s.open = s.open[:i]
}

// exceeds names the first limit the document so far exceeds.
func (s *stack) exceeds(l Limits) string {
	switch {
	case s.elements > l.MaxElements:
		return fmt.Sprintf("HTML body has more than %d elements", l.MaxElements)
	case len(s.open) > l.MaxDepth:
		return fmt.Sprintf(tooDeepPrefix+"%d elements", l.MaxDepth)
	case s.depths > l.MaxDepthSum:
		return fmt.Sprintf("HTML body too deeply nested for its size (depth sum over %d)", l.MaxDepthSum)
	}
	return ""
}

// tooDeepPrefix begins the message of the depth limit.
const tooDeepPrefix = "HTML body nested deeper than "

// TooDeep reports whether what, a message of Check (or one that begins
// like it), names the depth limit: past it x/net/html refuses to build a
// tree, but the document's text can still be read with its tokenizer.
func TooDeep(what string) bool {
	return strings.HasPrefix(what, tooDeepPrefix)
}

// void reports the HTML elements that never have content.
func void(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// closes reports whether the start of element start closes the open
// element open (the HTML standard's implied end tags, for the common cases).
func closes(start, open atom.Atom) bool {
	switch {
	case open == atom.P:
		return closesP(start)
	case open == atom.Li:
		return start == atom.Li
	case open == atom.Dt || open == atom.Dd:
		return start == atom.Dt || start == atom.Dd
	case open == atom.Td || open == atom.Th:
		return start == atom.Td || start == atom.Th || start == atom.Tr
	case open == atom.Tr:
		return start == atom.Tr
	case open == atom.Option:
		return start == atom.Option
	}
	return false
}

// closesP reports the elements whose start closes an open paragraph.
func closesP(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Center, atom.Details,
		atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Fieldset, atom.Figcaption, atom.Figure,
		atom.Footer, atom.Form, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Header,
		atom.Hgroup, atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P, atom.Pre, atom.Section,
		atom.Summary, atom.Table, atom.Ul:
		return true
	}
	return false
}
