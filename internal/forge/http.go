package forge

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/mailwiki/mailwiki"
)

// refuse answers an invocation whose token was refused: 401 (which Forge
// reads as "the remote could not verify the invocation token") with
// {"error": safe message}. Anyone can provoke it, so it is logged through
// f.refusals, which cannot flood the log; the token is in no error this
// package makes.
func (f *Forge) refuse(w http.ResponseWriter, r *http.Request, endpoint string, err error) {
	f.refusals.Log(r.Context(), "forge: "+endpoint+" refused",
		"code", mailwiki.ErrorCode(err), "temporary", mailwiki.IsTemporary(err), "err", err.Error())
	writeError(w, http.StatusUnauthorized, mailwiki.ErrorMessage(err))
}

// fail answers a verified invocation that could not be served with the
// status of the error's code and {"error": safe message}, logged at WARN.
func (f *Forge) fail(w http.ResponseWriter, r *http.Request, endpoint string, err error) {
	status := statusOf(err)
	f.log.WarnContext(r.Context(), "forge: "+endpoint+" failed",
		"status", status, "code", mailwiki.ErrorCode(err), "err", err.Error())
	writeError(w, status, mailwiki.ErrorMessage(err))
}

// writeError answers status with the JSON body {"error": message}; message
// must be safe to show.
func writeError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": message})
}

// statusOf maps an error's code to an HTTP status. 401 is kept for token
// refusals: Forge reserves it for them.
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

// refusalLog logs refused invocations so that a flood of them (forged
// tokens, random key ids) cannot flood the log: at WARN within its rate
// limit (at the injected clock's time), at DEBUG beyond; the next WARN
// line carries "suppressed", the number logged only at DEBUG since. It is
// safe for concurrent use.
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
