package msgauth

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxHeaderBytes bounds the header section Message holds in memory; a
// longer header makes Message fail with ErrHeaderTooLarge.
const MaxHeaderBytes = 1 << 20

// ErrHeaderTooLarge is returned (wrapped) by Message when the header
// section exceeds MaxHeaderBytes: such a message is refused, not checked.
var ErrHeaderTooLarge = errors.New("msgauth: header section too large")

// Result is the authentication of one message: the SPF result given to
// Message, its DKIM signatures and DMARC for its From address.
type Result struct {
	// SPF is the result Message was given, found at MAIL FROM.
	SPF SPFResult
	// DKIM has one entry per DKIM-Signature field, in header order; nil
	// for an unsigned message.
	DKIM []DKIMResult
	// DMARC is the DMARC evaluation of HeaderFrom's domain.
	DMARC DMARCResult
	// HeaderFrom is the one RFC 5322.From mailbox address, its domain
	// lower-cased; "" when the header has no From field, several From
	// fields or a From with no or several mailboxes (RFC 7489 §6.6.1).
	HeaderFrom string
	// Authenticated reports that HeaderFrom is authenticated and aligned:
	// DMARC passes; or, when its domain publishes no DMARC record, an SPF
	// pass or a DKIM pass for a domain aligned with it (relaxed: the same
	// organizational domain, RFC 7489 §3.2). When the DMARC record cannot
	// be had (temperror) or is malformed (permerror) only a pass for the
	// From domain itself counts. A From of another domain than the passing
	// ones never is authenticated.
	Authenticated bool
	// Temporary reports that a DNS failure (temperror of the DMARC lookup,
	// or of SPF or a DKIM signature whose domain is aligned) left
	// Authenticated undecided: callers answer 4xx rather than treating
	// the sender as unauthenticated. It is false when Authenticated is
	// true.
	Temporary bool
}

// Message verifies the DKIM signatures of msg and evaluates DMARC for its
// From, given the SPF result found at MAIL FROM. msg is the whole RFC 5322
// message with CRLF line endings, as received after DATA; it is streamed
// and read to EOF, and only its header section (at most MaxHeaderBytes) is
// held in memory. All DNS work shares the Checker's Timeout.
//
// Authentication failures are results, not errors: the error is non-nil
// only when msg cannot be read (the reader's error, wrapped) or its header
// is too large (ErrHeaderTooLarge, wrapped); the Result is then zero.
func (c *Checker) Message(ctx context.Context, spf SPFResult, msg io.Reader) (Result, error) {
	return c.MessageThen(ctx, func() SPFResult { return spf }, msg)
}

// MessageThen is Message with the SPF result asked for only once msg has
// been read: the caller can run SPF (DNS) while the message streams in.
// spf is called once, after the DKIM signatures are verified.
func (c *Checker) MessageThen(ctx context.Context, spf func() SPFResult, msg io.Reader) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	src := &readErrRecorder{r: msg}
	body := bufio.NewReaderSize(src, 64<<10)
	header, err := readHeader(body)
	if err != nil {
		return Result{}, fmt.Errorf("msgauth: read message header: %w", err)
	}
	fields := parseFields(header)
	dkims := c.verifyDKIM(ctx, io.MultiReader(bytes.NewReader(header), body), fields)
	_, _ = io.Copy(io.Discard, body) // reads to EOF: src turns errors into it
	if src.err != nil {
		return Result{}, fmt.Errorf("msgauth: read message: %w", src.err)
	}
	res := Result{SPF: spf(), DKIM: dkims, HeaderFrom: headerFrom(fields)}
	c.evaluateDMARC(ctx, &res)
	return res, nil
}

// readErrRecorder passes reads through, but keeps the first error other
// than io.EOF and reports io.EOF in its place: go-msgauth may swallow a
// read error, and with several signatures it returns on one without
// closing the pipes of its verifying goroutines, which then never end.
// At EOF they all finish; Message reports the kept error afterwards.
type readErrRecorder struct {
	r   io.Reader
	err error
}

func (e *readErrRecorder) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, io.EOF
	}
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
		err = io.EOF
	}
	return n, err
}

// readHeader returns the raw header section of r up to and including the
// empty line that ends it, leaving r at the body. A message that ends
// without that line (no body) gets one added, so that it still parses.
func readHeader(r *bufio.Reader) ([]byte, error) {
	var header []byte
	lineStart := 0
	for {
		chunk, err := r.ReadSlice('\n')
		header = append(header, chunk...)
		if len(header) > MaxHeaderBytes {
			return nil, ErrHeaderTooLarge
		}
		switch {
		case err == nil:
			if line := header[lineStart:]; string(line) == "\r\n" || string(line) == "\n" {
				return header, nil
			}
			lineStart = len(header)
		case errors.Is(err, bufio.ErrBufferFull):
			// the line goes on
		case err == io.EOF:
			if lineStart < len(header) {
				header = append(header, "\r\n"...)
			}
			return append(header, "\r\n"...), nil
		default:
			return nil, err
		}
	}
}

// field is one header field: its name and its value unfolded (CRLFs of
// continuation lines removed), leading and trailing white space trimmed.
type field struct {
	name, value string
}

// parseFields splits a raw header section into fields in order. A line
// without a colon counts as a field with that line as its name and no
// value, so that indexes match go-msgauth's own split.
func parseFields(header []byte) []field {
	var fields []field
	var cur strings.Builder
	flush := func() {
		if cur.Len() == 0 {
			return
		}
		name, value, _ := strings.Cut(cur.String(), ":")
		fields = append(fields, field{strings.TrimSpace(name), strings.TrimSpace(value)})
		cur.Reset()
	}
	for line := range strings.Lines(string(header)) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		if line[0] != ' ' && line[0] != '\t' {
			flush()
		}
		cur.WriteString(line)
	}
	flush()
	return fields
}
