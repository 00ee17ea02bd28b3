package connect

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/mailwiki/mailwiki"
)

// fail answers a refused or failed callback of ev with {"error": safe
// message} and the status of the error's code (and Retry-After when the
// error asks for a wait), and logs it: code and cause, never a token or the
// secret (neither is in any error this package makes). Refusals (401) are
// what anyone can provoke, so they go through c.refusals, which cannot
// flood the log; other failures come after the host's signature was
// verified and are logged at WARN.
func (c *Connect) fail(w http.ResponseWriter, r *http.Request, ev event, err error) {
	status := statusOf(err)
	msg := "connect: " + string(ev) + " refused"
	args := []any{"status", status, "code", mailwiki.ErrorCode(err), "err", err.Error()}
	if status == http.StatusUnauthorized {
		c.refusals.Log(r.Context(), msg, args...)
	} else {
		c.log.WarnContext(r.Context(), msg, args...)
	}
	if d := mailwiki.RetryAfter(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
	}
	writeError(w, status, mailwiki.ErrorMessage(err))
}

// writeError answers status with the JSON body {"error": message}; message
// must be safe to show.
func writeError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": message})
}

// methodNotAllowed answers 405 with the Allow header allow and an error
// naming method, the one to use.
func methodNotAllowed(method, allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed: use "+method)
	}
}

// statusOf maps an error's code to an HTTP status.
func statusOf(err error) int {
	switch mailwiki.ErrorCode(err) {
	case mailwiki.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case mailwiki.EINVALID:
		return http.StatusBadRequest
	case mailwiki.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case mailwiki.EFORBIDDEN:
		return http.StatusForbidden
	case mailwiki.EUNAVAILABLE, mailwiki.ERATELIMIT:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// Limits of the refusal log: refusalLogBurst WARN lines at once, then one
// per refusalLogEvery.
const (
	refusalLogBurst = 10
	refusalLogEvery = time.Minute
)

// refusalLog logs refused callbacks so that a flood of them (forged
// callbacks, random key ids) cannot flood the log: at WARN within its rate
// limit (refusalLogBurst, refusalLogEvery, at the injected clock's time), at
// DEBUG beyond. The next WARN line then carries "suppressed", the number of
// refusals logged only at DEBUG since the previous WARN line. It is safe
// for concurrent use.
type refusalLog struct {
	log        *slog.Logger
	now        func() time.Time
	limit      *rate.Limiter
	suppressed atomic.Int64
}

func newRefusalLog(log *slog.Logger, now func() time.Time) *refusalLog {
	return &refusalLog{log: log, now: now, limit: rate.NewLimiter(rate.Every(refusalLogEvery), refusalLogBurst)}
}

// Log logs one refusal with msg and args (slog key-value pairs).
func (l *refusalLog) Log(ctx context.Context, msg string, args ...any) {
	if !l.limit.AllowN(l.now(), 1) {
		l.suppressed.Add(1)
		l.log.DebugContext(ctx, msg, args...)
		return
	}
	if n := l.suppressed.Swap(0); n > 0 {
		args = append(args, "suppressed", n)
	}
	l.log.WarnContext(ctx, msg, args...)
}
