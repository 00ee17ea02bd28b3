package mailwiki

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. They are stable strings: they appear in logs, metrics labels and
// are translated into SMTP replies and HTTP statuses only at the edge.
const (
	EINVALID      = "invalid"      // the input is malformed
	ENOTFOUND     = "not_found"    // unknown recipient, space, page
	ECONFLICT     = "conflict"     // e.g. a title already used in a space
	ETOOLARGE     = "too_large"    // over a size limit
	EUNAUTHORIZED = "unauthorized" // credentials missing or refused
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed
	ERATELIMIT    = "rate_limited" // too many requests (429)
	EUNAVAILABLE  = "unavailable"  // a dependency is down (5xx, network)
	EINTERNAL     = "internal"     // a bug or an unexpected state
	ECONFIG       = "config"       // configuration is wrong
	EEXPIRED      = "expired"      // a message outlived its retention
)

// Error is mailwiki's error type. Code is for machines, Message is safe to show
// to a client (an SMTP peer, an HTTP caller) and never contains message
// content or secrets, Temporary decides whether the work is retried. Err is the
// internal cause, for logs only.
type Error struct {
	Code      string
	Message   string
	Temporary bool
	// RetryAfter is the wait a dependency asked for (an HTTP Retry-After on
	// a 429 or 503), zero if none. The queue snoozes the work that long.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Message != "":
		return e.Message + ": " + e.Err.Error()
	case e.Err != nil:
		return e.Err.Error()
	default:
		return e.Message
	}
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a permanent *Error with the given code and safe message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// TempErrorf returns a temporary *Error with the given code and safe message.
func TempErrorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Temporary: true}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of the first *Error in err's chain, or
// a generic sentence for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "internal error"
}

// IsTemporary reports whether err should be retried. A chain with an *Error
// follows its Temporary flag; anything unknown is temporary, so that nothing is
// given up on by mistake.
func IsTemporary(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary
	}
	return true
}

// RetryAfter returns the wait asked for by the first *Error in err's chain
// that has one, or zero.
func RetryAfter(err error) time.Duration {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return 0
		}
		if e.RetryAfter > 0 {
			return e.RetryAfter
		}
		err = e.Err
	}
	return 0
}
