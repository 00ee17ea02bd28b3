// Package builtin is the check that runs when no scanner is configured:
// it finds the EICAR anti-virus test file (in any MIME part, after its
// transfer encoding, in attached messages and in ZIP archives), the GTUBE
// spam test string, and header fields that break the counts of RFC 5322
// section 3.6. It knows no real malware or spam; it lets an installation
// without rspamd or ClamAV show that refusal works, and refuses messages
// whose header no mail system should accept.
//
// Scan reads the message once, as a stream (mime/multipart): it holds at
// most one decoded part in memory, and only when the part is a ZIP
// archive (archive/zip needs random access), with up to MaxZipDepth
// nested archives. Everything it reads is bounded by Limits; what lies
// beyond a bound is not inspected, and Result.Uninspected says so.
package builtin

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Defaults for Limits' zero fields.
const (
	DefaultMaxPartBytes  = 32 << 20  // decoded bytes of one part or archive entry
	DefaultMaxTotalBytes = 128 << 20 // bytes read from the message plus bytes decompressed
	DefaultMaxZipEntries = 1000      // archive entries, over all archives
	DefaultMaxZipDepth   = 3         // archives in archives: 3 is a zip in a zip in a zip
	DefaultMaxNesting    = 32        // multiparts and attached messages, one in another
)

// maxHeaderBytes bounds the header of the message or of a part.
const maxHeaderBytes = 1 << 20

// Limits bound what Scan reads. A zero field means its default.
type Limits struct {
	// MaxPartBytes is the most decoded bytes Scan reads of one MIME part
	// or one archive entry, in bytes. A larger archive is not opened.
	MaxPartBytes int64
	// MaxTotalBytes is the most bytes Scan reads from the message and
	// decompresses from archives together, in bytes.
	MaxTotalBytes int64
	// MaxZipEntries is the most archive entries inspected, over all
	// archives of the message.
	MaxZipEntries int
	// MaxZipDepth is the most archives one in another that are opened.
	MaxZipDepth int
	// MaxNesting is the most multiparts and attached messages one in
	// another that are followed.
	MaxNesting int
}

func (l Limits) withDefaults() Limits {
	if l.MaxPartBytes <= 0 {
		l.MaxPartBytes = DefaultMaxPartBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if l.MaxZipEntries <= 0 {
		l.MaxZipEntries = DefaultMaxZipEntries
	}
	if l.MaxZipDepth <= 0 {
		l.MaxZipDepth = DefaultMaxZipDepth
	}
	if l.MaxNesting <= 0 {
		l.MaxNesting = DefaultMaxNesting
	}
	return l
}

// Result is what Scan found. The zero Result is a clean message that was
// inspected whole.
type Result struct {
	// Malware names the test file found, "Eicar-Test-Signature", or is
	// empty.
	Malware string
	// Spam is "GTUBE" when the GTUBE string is in a text part, or empty.
	Spam string
	// HeaderProblem is one sentence, for a person, naming the first rule
	// of RFC 5322 the message's header breaks; empty when none.
	HeaderProblem string
	// Uninspected is one sentence saying what was not inspected (a part
	// beyond a limit, an archive that could not be read, MIME structure
	// that could not be followed), for a warning; empty when everything
	// was. It is no finding.
	Uninspected string
}

// Names of findings.
const (
	EICAR = "Eicar-Test-Signature"
	GTUBE = "GTUBE"
)

// Scan reads the message r (an RFC 5322 message, header and body, with
// CRLF or LF line ends) to its end or to a limit and returns what it
// found. Malformed or hostile content is a Result, not an error: the
// error is only a failure to read r.
func Scan(r io.Reader, limits Limits) (Result, error) {
	s := &scanner{lim: limits.withDefaults()}
	s.src = &source{r: r, left: s.lim.MaxTotalBytes}
	br := bufio.NewReaderSize(s.src, 64<<10)
	h, err := readHeader(br)
	if err == nil {
		s.res.HeaderProblem = h.problem()
		err = s.entity(br, h.mime(), 0, "text/plain")
	} else {
		err = s.stopOr(fmt.Errorf("the header of the message: %w", err))
	}
	switch {
	case s.src.err != nil:
		return Result{}, fmt.Errorf("builtin: reading the message: %w", s.src.err)
	case errors.Is(err, errStop):
		s.uninspected("the message and what its archives decompress to are larger than %d bytes; the rest was not inspected", s.lim.MaxTotalBytes)
	case err != nil:
		s.uninspected("%v", err)
	}
	return s.res, nil
}

// scanner is the state of one Scan.
type scanner struct {
	lim        Limits
	src        *source
	res        Result
	zipEntries int
}

// uninspected keeps the first reason something was not inspected.
func (s *scanner) uninspected(format string, args ...any) {
	if s.res.Uninspected == "" {
		s.res.Uninspected = fmt.Sprintf(format, args...)
	}
}

// errStop ends the walk: the total budget is spent.
var errStop = errors.New("the total budget is spent")

// spend takes n decompressed bytes from the total budget.
func (s *scanner) spend(n int64) bool {
	s.src.left -= n
	return s.src.left >= 0
}

// source counts the bytes read from the message against the total budget
// and keeps the first read error of the message's reader.
type source struct {
	r    io.Reader
	left int64 // of Limits.MaxTotalBytes
	err  error
	over bool
}

var errBudget = errors.New("the message is larger than the bytes inspected")

func (s *source) Read(p []byte) (int, error) {
	if s.left <= 0 {
		s.over = true
		return 0, errBudget
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		s.err = err
	}
	return n, err
}
