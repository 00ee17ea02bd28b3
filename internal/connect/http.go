package connect

import (
	"net/http"
	"strconv"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/refusal"
)

// Limits of the refusal log (c.refusals): refusalLogBurst WARN lines at
// once, then one per refusalLogEvery; see package refusal.
const (
	refusalLogBurst = refusal.Burst
	refusalLogEvery = refusal.Every
)

// fail answers a refused or failed callback of ev with {"error": safe
// message} and the status of the error's code (and Retry-After when the
// error asks for a wait), and logs it: code and cause, never a token or the
// secret (neither is in any error this package makes). Refusals (401) are
// what anyone can provoke, so they go through c.refusals, which cannot
// flood the log; other failures come after the host's signature was
// verified and are logged at WARN.
func (c *Connect) fail(w http.ResponseWriter, r *http.Request, ev event, err error) {
	status := refusal.Status(err)
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
	refusal.WriteError(w, status, mailwiki.ErrorMessage(err))
}

// methodNotAllowed answers 405 with the Allow header allow and an error
// naming method, the one to use.
func methodNotAllowed(method, allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		refusal.WriteError(w, http.StatusMethodNotAllowed, "method not allowed: use "+method)
	}
}
