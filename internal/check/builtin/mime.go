package builtin

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
)

// headSize is how much of a part is read to recognise the EICAR file and
// a ZIP archive, in bytes.
const headSize = 512

// entity inspects r, the body of an entity with header h, whose type is
// defaultType when h names none (RFC 2045 section 5.2, RFC 2046 section
// 5.1.5). It returns errStop when the budget is spent, or an error that
// says why the rest of r could not be followed.
func (s *scanner) entity(r io.Reader, h textproto.MIMEHeader, depth int, defaultType string) error {
	mediatype, params := contentType(h, defaultType)
	switch {
	case strings.HasPrefix(mediatype, "multipart/") && params["boundary"] != "":
		return s.multipart(r, params["boundary"], mediatype, depth)
	case strings.HasPrefix(mediatype, "multipart/"):
		// Without a boundary its parts cannot be told apart (RFC 2046
		// section 5.1.1); other readers guess, so it is not inspected.
		s.uninspected("a %s has no boundary parameter: its parts were not inspected", mediatype)
		return s.leaf(decode(r, h), mediatype)
	case mediatype == "message/rfc822" || mediatype == "message/global":
		return s.attached(decode(r, h), depth)
	default:
		return s.leaf(decode(r, h), mediatype)
	}
}

// multipart inspects each part of a multipart body (RFC 2046 section 5.1).
// A part that cannot be followed is noted and the next one inspected.
func (s *scanner) multipart(r io.Reader, boundary, mediatype string, depth int) error {
	if depth >= s.lim.MaxNesting {
		s.uninspected("multiparts and attached messages nested more than %d deep were not inspected", s.lim.MaxNesting)
		return nil
	}
	childType := "text/plain"
	if mediatype == "multipart/digest" {
		childType = "message/rfc822"
	}
	mr := multipart.NewReader(r, boundary)
	for n := 1; ; n++ {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return s.stopOr(fmt.Errorf("part %d of a %s could not be read: %s", n, mediatype, unreadable(err)))
		}
		if err := s.entity(p, p.Header, depth+1, childType); err != nil {
			if err = s.stopOr(err); errors.Is(err, errStop) {
				return err
			}
			s.uninspected("%v", err)
		}
	}
}

// attached inspects an attached message (RFC 2046 section 5.2.1): its
// header names the type of its body. Its header is not checked.
func (s *scanner) attached(r io.Reader, depth int) error {
	if depth >= s.lim.MaxNesting {
		s.uninspected("multiparts and attached messages nested more than %d deep were not inspected", s.lim.MaxNesting)
		return nil
	}
	br := bufio.NewReader(r)
	h, err := readHeader(br)
	if err != nil {
		return s.stopOr(fmt.Errorf("the header of an attached message: %w", err))
	}
	return s.entity(br, h.mime(), depth+1, "text/plain")
}

// leaf inspects a decoded part that holds no other parts: EICAR at its
// start, a ZIP archive, GTUBE in text. Of other parts only the head is
// read.
func (s *scanner) leaf(r io.Reader, mediatype string) error {
	lr := &io.LimitedReader{R: r, N: s.lim.MaxPartBytes + 1}
	head := make([]byte, headSize)
	n, err := io.ReadFull(lr, head)
	head = head[:n]
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return s.stopOr(fmt.Errorf("a %s part could not be decoded: %w", mediatype, err))
	}
	if isEICAR(head) {
		s.res.Malware = EICAR
	}
	rest := io.MultiReader(bytes.NewReader(head), lr)
	switch {
	case isZip(head):
		data, err := io.ReadAll(rest)
		if err != nil {
			return s.stopOr(fmt.Errorf("an attached archive could not be decoded: %w", err))
		}
		if lr.N == 0 {
			s.uninspected("an attached archive is larger than %d bytes and was not opened", s.lim.MaxPartBytes)
			return nil
		}
		return s.zip(data, 1)
	case strings.HasPrefix(mediatype, "text/"):
		found, err := contains(rest, []byte(gtube))
		if found {
			s.res.Spam = GTUBE
		}
		if err != nil {
			return s.stopOr(fmt.Errorf("a %s part could not be decoded: %w", mediatype, err))
		}
		if lr.N == 0 {
			s.uninspected("a %s part is larger than %d bytes; the rest was not inspected", mediatype, s.lim.MaxPartBytes)
		}
	}
	return nil
}

// stopOr returns errStop when the budget is spent or the message's reader
// failed (Scan reports that), else err.
func (s *scanner) stopOr(err error) error {
	if s.src.over || s.src.left < 0 || s.src.err != nil {
		return errStop
	}
	return err
}

// unreadable names why the multipart reader gave up, without its error
// text: that quotes the offending header line, which is content, and
// Result.Uninspected is logged.
func unreadable(err error) string {
	var pe textproto.ProtocolError
	switch {
	case errors.As(err, &pe):
		return "a malformed header line"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the message ends inside it"
	}
	return "a broken MIME structure"
}

// contentType returns the media type of h, lower case, and its
// parameters; an absent or unparsable Content-Type is defaultType.
func contentType(h textproto.MIMEHeader, defaultType string) (string, map[string]string) {
	mediatype, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || !strings.Contains(mediatype, "/") {
		return defaultType, nil
	}
	return mediatype, params
}

// decode undoes the Content-Transfer-Encoding of h (RFC 2045 section 6):
// base64 (ignoring characters outside its alphabet, as RFC 2045 section
// 6.8 asks) and quoted-printable; anything else is read as it is.
func decode(r io.Reader, h textproto.MIMEHeader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &base64Alphabet{r: r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	default:
		return r
	}
}

// base64Alphabet drops the bytes outside the base64 alphabet and "=".
type base64Alphabet struct{ r io.Reader }

func (b *base64Alphabet) Read(p []byte) (int, error) {
	for {
		n, err := b.r.Read(p)
		kept := 0
		for _, c := range p[:n] {
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' {
				p[kept] = c
				kept++
			}
		}
		if kept > 0 || err != nil {
			return kept, err
		}
	}
}

// contains reports whether needle occurs in r, reading r in windows that
// overlap by len(needle)-1 bytes. It returns r's error, if any, with what
// it found before.
func contains(r io.Reader, needle []byte) (bool, error) {
	buf := make([]byte, 32<<10)
	keep := 0
	for {
		n, err := r.Read(buf[keep:])
		window := buf[:keep+n]
		if bytes.Contains(window, needle) {
			return true, nil
		}
		keep = len(window)
		if tail := len(needle) - 1; keep > tail {
			keep = copy(buf, window[keep-tail:])
		}
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}
