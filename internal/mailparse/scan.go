package mailparse

import (
	"bytes"
	"strings"

	"github.com/jhillyerd/enmime/v2/mediatype"
)

// scanner is a pre-pass over the raw message, in time linear in its size,
// that follows the multipart structure (RFC 2046 section 5.1) the way
// enmime will read it, and checks the structural Limits before enmime does
// work that grows faster than the message: enmime stacks one boundary
// reader per nesting level and reads every byte through all of them.
//
// The structure is an estimate: a line "--B" followed by white space or the
// end of the line starts a part of the open container with boundary B, and
// "--B--" ends that container; the outermost matching container wins, as
// in enmime, where an outer boundary reader sees the line first. A part is
// a container when its Content-Type has a boundary parameter and is not
// text/plain or text/html (the top level: when it is multipart/*).
type scanner struct {
	lim       Limits
	raw       []byte
	pos       int      // start of the next line
	open      [][]byte // boundaries of the open containers, outermost first
	parts     int      // parts started so far, containers included
	nested    int      // Σ len(line) × (depth − 1) over the lines read
	maxNested int      // max(lim.MaxNestedBytes, 2 × len(raw)): 3 reads a byte on average
	detect    int      // bytes of text parts without a declared charset
	detecting bool     // the current part is such a text part
}

var dashes = []byte("--")

// scan checks raw against the structural limits of lim (which has its
// defaults set). It returns a limit error (ErrLimit in the chain), or the
// number of bytes in text parts without a declared charset, whose charset
// enmime would detect statistically.
func scan(raw []byte, lim Limits) (detect int, err error) {
	s := &scanner{lim: lim, raw: raw, maxNested: max(lim.MaxNestedBytes, 2*len(raw))}
	ctype, err := s.header()
	if err != nil {
		return 0, err
	}
	if err := s.enter(ctype, true); err != nil {
		return 0, err
	}
	for s.pos < len(s.raw) {
		if err := s.bodyLine(); err != nil {
			return 0, err
		}
	}
	return s.detect, nil
}

// next returns the next line without its line end, consumes it and counts
// its cost of nesting.
func (s *scanner) next() []byte {
	rest := s.raw[s.pos:]
	n := bytes.IndexByte(rest, '\n') + 1
	if n == 0 {
		n = len(rest)
	}
	s.pos += n
	if d := len(s.open); d > 1 {
		s.nested += n * (d - 1)
	}
	return bytes.TrimSuffix(bytes.TrimSuffix(rest[:n], []byte("\n")), []byte("\r"))
}

// peek returns the next line without its line end and without consuming it.
func (s *scanner) peek() []byte {
	rest := s.raw[s.pos:]
	if n := bytes.IndexByte(rest, '\n'); n >= 0 {
		rest = rest[:n]
	}
	return bytes.TrimSuffix(rest, []byte("\r"))
}

// bodyLine reads one line of content: a boundary line closes the parts
// opened inside its container and starts the next part or ends the
// container.
func (s *scanner) bodyLine() error {
	line := s.next()
	if s.nested > s.maxNested {
		return limitError("too much content inside nested multiparts (over %d bytes × levels)", s.maxNested)
	}
	level, final := s.match(line)
	if level < 0 {
		if s.detecting {
			s.detect += len(line)
		}
		return nil
	}
	s.detecting = false
	s.open = s.open[:level+1]
	if final {
		s.open = s.open[:level]
		return nil
	}
	return s.part()
}

// part reads the header of a part that just started and enters it when it
// is a container.
func (s *scanner) part() error {
	s.parts++
	if s.parts > s.lim.MaxParts {
		return limitError("more than %d MIME parts", s.lim.MaxParts)
	}
	ctype, err := s.header()
	if err != nil {
		return err
	}
	return s.enter(ctype, false)
}

// enter opens a container for a part with Content-Type ctype, if it is
// one, and notes a text part without a declared charset.
func (s *scanner) enter(ctype string, top bool) error {
	b, detect, err := kind(ctype, top)
	s.detecting = detect
	if err != nil || b == "" {
		return err
	}
	s.open = append(s.open, []byte(b))
	if len(s.open) > s.lim.MaxDepth {
		return limitError("multipart nesting deeper than %d levels", s.lim.MaxDepth)
	}
	return nil
}

// header reads a header block up to and including its blank line, or up to
// a boundary line of an open container (left unread), and returns the
// unfolded value of its first Content-Type field.
func (s *scanner) header() (string, error) {
	start := s.pos
	var ctype []byte
	inCtype, found := false, false
	for s.pos < len(s.raw) {
		if l, _ := s.match(s.peek()); l >= 0 {
			break
		}
		line := s.next()
		if s.pos-start > s.lim.MaxHeaderBytes {
			return "", limitError("header block larger than %d bytes", s.lim.MaxHeaderBytes)
		}
		if len(line) == 0 {
			break
		}
		switch {
		case line[0] == ' ' || line[0] == '\t':
			if inCtype {
				ctype = append(ctype, line...)
			}
		case !found && isField(line, "content-type"):
			ctype = append(ctype, line[bytes.IndexByte(line, ':')+1:]...)
			inCtype, found = true, true
		default:
			inCtype = false
		}
	}
	return string(ctype), nil
}

// match reports which open container line is a boundary of (-1: none) and
// whether it is the closing boundary.
func (s *scanner) match(line []byte) (level int, final bool) {
	if len(s.open) == 0 || !bytes.HasPrefix(line, dashes) {
		return -1, false
	}
	rest := line[2:]
	for i, b := range s.open {
		if !bytes.HasPrefix(rest, b) {
			continue
		}
		after := rest[len(b):]
		if bytes.HasPrefix(after, dashes) {
			return i, true
		}
		if len(after) == 0 || after[0] == ' ' || after[0] == '\t' {
			return i, false
		}
	}
	return -1, false
}

// isField reports whether line starts the header field name (compared
// case-insensitively, white space allowed before the colon).
func isField(line []byte, name string) bool {
	colon := bytes.IndexByte(line, ':')
	return colon >= 0 && strings.EqualFold(strings.TrimSpace(string(line[:colon])), name)
}

// kind returns the boundary of a part with Content-Type ctype when enmime
// reads it as a container, else "", and whether enmime detects the charset
// of its content (a text part without a charset parameter).
func kind(ctype string, top bool) (boundary string, detect bool, err error) {
	if strings.TrimSpace(ctype) == "" {
		return "", false, nil
	}
	mtype, params, _, err := parseMediaType(ctype)
	switch {
	case err != nil:
		return "", false, limitOnly(err)
	case top && !strings.HasPrefix(mtype, "multipart/"), !top && (mtype == "text/plain" || mtype == "text/html"):
		return "", strings.HasPrefix(mtype, "text/") && params["charset"] == "", nil
	}
	b := params["boundary"]
	return b, b == "" && strings.HasPrefix(mtype, "text/") && params["charset"] == "", nil
}

// parseMediaType parses a Content-Type or Content-Disposition value as
// enmime does, after checking it against the fixed limits on such fields.
func parseMediaType(v string) (string, map[string]string, []string, error) {
	if len(v) > maxMediaTypeBytes || strings.Count(v, ";") > maxMediaTypeParams {
		return "", nil, nil, limitError("Content-Type or Content-Disposition field over %d bytes or %d parameters",
			maxMediaTypeBytes, maxMediaTypeParams)
	}
	return mediatype.ParseWithOptions(v, mediatype.ParseOptions{StripMediaTypeInvalidCharacters: true})
}
