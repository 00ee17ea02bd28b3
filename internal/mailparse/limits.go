package mailparse

import (
	"context"
	"errors"
	"fmt"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/convert/htmlshape"
)

// ErrLimit is in the chain of ParseContext's error when the message exceeds
// one of its Limits; test for it with errors.Is.
var ErrLimit = errors.New("message over a parsing limit")

// Limits bound the work ParseContext does on one message, so that its time
// and memory grow linearly with the message's size whatever its shape. A
// zero field takes the value of DefaultLimits. The time limit is the
// caller's: the deadline of the context.
type Limits struct {
	// MaxDepth is the deepest nesting of multipart containers (RFC 2046
	// section 5.1), the top-level one counting as 1.
	MaxDepth int
	// MaxParts is the number of MIME parts below the top level, containers
	// included (enmime's MaxMIMEParts counts the same way).
	MaxParts int
	// MaxHeaderBytes is the size of one header block (the message's or a
	// part's, RFC 5322 section 2.2), folding included.
	MaxHeaderBytes int
	// MaxNestedBytes bounds the cost of nesting: enmime reads every byte
	// once more for each multipart level around it, so the sum over the
	// lines of the message of len(line) × (depth − 1) must stay below it,
	// or below twice the message's size if that is larger (the cost then
	// stays linear: three reads per byte).
	MaxNestedBytes int
	// MaxJoinedText bounds the cost of joining the text/plain parts of a
	// multipart/mixed message (enmime appends them one by one): the number
	// of such parts times their total size in bytes.
	MaxJoinedText int
	// MaxDetectBytes bounds enmime's statistical charset detection (about
	// 0.1 s of CPU per MB), run on text parts without a charset parameter:
	// beyond that many bytes of such parts, none is detected (their bytes
	// are read as UTF-8) and a warning says so.
	MaxDetectBytes int
	// HTML bounds the HTML body that enmime turns into text.
	HTML htmlshape.Limits
}

// Fixed limits on one Content-Type or Content-Disposition field: enmime's
// repair of malformed parameters takes time growing with their number
// times the field's length.
const (
	maxMediaTypeBytes  = 8 << 10
	maxMediaTypeParams = 100
)

// DefaultLimits returns limits generous for real mail (the largest seen in
// the corpora are far below) that keep a 30 MB message's parse under about
// a second of CPU.
func DefaultLimits() Limits {
	return Limits{
		MaxDepth:       50,
		MaxParts:       1000,
		MaxHeaderBytes: 1 << 20,
		MaxNestedBytes: 64 << 20,
		MaxJoinedText:  512 << 20,
		MaxDetectBytes: 4 << 20,
		HTML:           htmlshape.Default(),
	}
}

// withDefaults returns l with every zero field set from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	pick := func(v, def int) int {
		if v <= 0 {
			return def
		}
		return v
	}
	l.MaxDepth = pick(l.MaxDepth, d.MaxDepth)
	l.MaxParts = pick(l.MaxParts, d.MaxParts)
	l.MaxHeaderBytes = pick(l.MaxHeaderBytes, d.MaxHeaderBytes)
	l.MaxNestedBytes = pick(l.MaxNestedBytes, d.MaxNestedBytes)
	l.MaxJoinedText = pick(l.MaxJoinedText, d.MaxJoinedText)
	l.MaxDetectBytes = pick(l.MaxDetectBytes, d.MaxDetectBytes)
	return l
}

// limitError returns the permanent ETOOLARGE error for a limit exceeded;
// what names the limit and its value, never content.
func limitError(format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	return &mailwiki.Error{
		Code:    mailwiki.ETOOLARGE,
		Message: "mailparse: " + what,
		Err:     fmt.Errorf("%w: %s", ErrLimit, what),
	}
}

// interrupted returns the temporary error for a context that is done: the
// caller's cancellation or deadline, context.Cause in the chain.
func interrupted(ctx context.Context) error {
	return &mailwiki.Error{
		Code:      mailwiki.EUNAVAILABLE,
		Message:   "mailparse: parsing interrupted",
		Temporary: true,
		Err:       context.Cause(ctx),
	}
}
