package convert

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Confluence storage namespaces, declared on the wrapper CheckStorage parses.
const (
	nsAC = "http://atlassian.com/content"
	nsRI = "http://atlassian.com/resource/identifier"
)

// CheckStorage reports whether s is a well-formed storage XHTML fragment that
// uses only the converter's allowlisted elements and attributes: it parses s
// strictly with encoding/xml inside a root element declaring the ac and ri
// namespaces, rejects comments, processing instructions, directives, unknown
// entities, unknown elements or attributes, and links or image URLs whose
// scheme is not allowed. The error names the first problem found.
func CheckStorage(s string) error {
	d := xml.NewDecoder(strings.NewReader(
		`<root xmlns:ac="` + nsAC + `" xmlns:ri="` + nsRI + `">` + s + `</root>`))
	d.Strict = true
	if _, err := d.Token(); err != nil {
		return fmt.Errorf("convert: check storage: %w", err)
	}
	depth := 1
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return errors.New("convert: check storage: unexpected end of fragment")
		}
		if err != nil {
			return fmt.Errorf("convert: check storage: %w", err)
		}
		if depth == 0 {
			return errors.New("convert: check storage: content after the fragment closed")
		}
		if depth, err = checkToken(tok, depth); err != nil {
			return fmt.Errorf("convert: check storage: %w", err)
		}
		if depth == 0 {
			if _, err := d.Token(); !errors.Is(err, io.EOF) {
				return errors.New("convert: check storage: fragment closes its wrapper")
			}
			return nil
		}
	}
}

// checkToken checks one token and returns the element depth after it.
func checkToken(tok xml.Token, depth int) (int, error) {
	switch t := tok.(type) {
	case xml.StartElement:
		return depth + 1, checkStart(t)
	case xml.EndElement:
		return depth - 1, nil
	case xml.CharData:
		return depth, nil
	case xml.Comment:
		return depth, errors.New("comment not allowed")
	case xml.ProcInst:
		return depth, errors.New("processing instruction not allowed")
	case xml.Directive:
		return depth, errors.New("directive not allowed")
	}
	return depth, fmt.Errorf("unexpected token %T", tok)
}

// checkStart checks an element's name and attributes against the allowlist.
func checkStart(t xml.StartElement) error {
	name, ok := prefixed(t.Name)
	if !ok {
		return fmt.Errorf("element in unknown namespace %q", t.Name.Space)
	}
	rule, ok := lookupRule(name)
	if !ok {
		return fmt.Errorf("element <%s> not allowed", name)
	}
	for _, a := range t.Attr {
		an, ok := prefixed(a.Name)
		if !ok || (!rule.allowsAttr(an) && !rule.builds(an)) {
			return fmt.Errorf("attribute %s on <%s> not allowed", a.Name.Local, name)
		}
		if err := checkAttrValue(an, a.Value); err != nil {
			return fmt.Errorf("<%s %s>: %w", name, an, err)
		}
	}
	return nil
}

// checkAttrValue checks values that carry URLs or names.
func checkAttrValue(name, value string) error {
	switch name {
	case "href":
		if _, ok := safeHref(value); !ok {
			return errors.New("link scheme not allowed")
		}
	case "style":
		if !builtStyle(value) {
			return errors.New("style not built by the converter")
		}
	case "data-highlight-colour":
		if !hexColourValue(value) {
			return errors.New("not a #rrggbb colour")
		}
	case "class":
		if c, ok := strings.CutPrefix(value, "highlight-"); !ok || !hexColourValue(c) {
			return errors.New("class other than a cell highlight")
		}
	case "ac:width", "ac:height":
		if _, pct, ok := parsePixels(value); !ok || pct || strings.Trim(value, "0123456789") != "" {
			return errors.New("not a size in pixels")
		}
	case "ac:align":
		if value != "left" && value != "right" && value != "center" {
			return errors.New("not an alignment")
		}
	case "ri:filename":
		if value == "" {
			return errors.New("empty file name")
		}
	}
	return nil
}

// prefixed returns the name as the converter writes it: "ac:image",
// "ri:filename", or the bare local name for HTML.
func prefixed(n xml.Name) (string, bool) {
	switch n.Space {
	case "":
		return n.Local, true
	case nsAC:
		return "ac:" + n.Local, true
	case nsRI:
		return "ri:" + n.Local, true
	}
	return "", false
}

// hexColourValue reports whether v is a colour as the converter writes
// it: # and six lower-case hex digits.
func hexColourValue(v string) bool {
	c, ok := hexColour(strings.TrimPrefix(v, "#"))
	return ok && strings.HasPrefix(v, "#") && c == v
}

// builtStyle reports whether v is a style the converter writes (spanStyle):
// "color: #rrggbb;", "background-color: #rrggbb;" or both in that order.
func builtStyle(v string) bool {
	var colour, background string
	rest := v
	if c, ok := strings.CutPrefix(rest, "color: "); ok {
		colour, rest, _ = strings.Cut(c, ";")
		rest = strings.TrimPrefix(rest, " ")
	}
	if b, ok := strings.CutPrefix(rest, "background-color: "); ok {
		background, rest, _ = strings.Cut(b, ";")
	}
	return rest == "" && (colour != "" || background != "") &&
		(colour == "" || hexColourValue(colour)) &&
		(background == "" || hexColourValue(background)) &&
		spanStyle(colour, background) == v
}
