package sandbox

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespaces Confluence declares implicitly around every storage body, so
// that ac: and ri: elements and attributes need no declaration.
const (
	nsAC = "http://atlassian.com/content"
	nsRI = "http://atlassian.com/resource/identifier"
	nsAT = "http://atlassian.com/template"
)

// storageRoot is the element name the fragment is wrapped in. A body that
// closes it early and goes on is refused by fragment.check.
const storageRoot = "mailwiki-storage-root"

func storagePrefix() string {
	return `<` + storageRoot + ` xmlns:ac="` + nsAC + `" xmlns:ri="` + nsRI + `" xmlns:at="` + nsAT + `">`
}

// newStorageDecoder returns a strict decoder over the storage fragment
// wrapped in the root element, with HTML named entities (&nbsp; …) known.
func newStorageDecoder(value string) *xml.Decoder {
	r := io.MultiReader(strings.NewReader(storagePrefix()), strings.NewReader(value),
		strings.NewReader(`</`+storageRoot+`>`))
	d := xml.NewDecoder(r)
	d.Strict = true
	d.Entity = xml.HTMLEntity
	return d
}

// ValidateStorage reports whether value is a storage-format body Confluence
// accepts: a well-formed XHTML fragment (any number of top-level elements
// and text), HTML named entities allowed, ac:/ri:/at: prefixes usable
// without declarations. Processing instructions and DOCTYPEs are refused.
// The error text is safe to return to a client; it names the XML problem and
// its line.
func ValidateStorage(value string) error {
	d := newStorageDecoder(value)
	var f fragment
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line, _ := d.InputPos()
		if err != nil {
			return fmt.Errorf("line %d: %s", line, xmlProblem(err))
		}
		if err := f.check(tok); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
}

// fragment tracks where the decoder is relative to the wrapper element.
type fragment struct {
	depth    int
	rootSeen bool
}

// check refuses what a fragment may not contain, and anything outside the
// wrapper (a body that closed the wrapper itself and went on).
func (f *fragment) check(tok xml.Token) error {
	switch t := tok.(type) {
	case xml.StartElement:
		if f.depth == 0 && f.rootSeen {
			return errors.New("content after the end of the body")
		}
		f.rootSeen = true
		f.depth++
	case xml.EndElement:
		f.depth--
	case xml.ProcInst:
		return fmt.Errorf("processing instruction <?%s?> not allowed", t.Target)
	case xml.Directive:
		return errors.New("directive <!...> not allowed")
	default:
		if f.depth == 0 {
			return errors.New("content after the end of the body")
		}
	}
	return nil
}

// xmlProblem returns the decoder's message without its "XML syntax error on
// line N:" prefix, replacing the wrapper's name so clients see their input.
func xmlProblem(err error) string {
	var se *xml.SyntaxError
	msg := err.Error()
	if errors.As(err, &se) {
		msg = se.Msg
	}
	return strings.ReplaceAll(msg, storageRoot, "end of body")
}
