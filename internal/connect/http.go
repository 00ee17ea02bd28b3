package connect

import (
	"encoding/json"
	"net/http"

	"github.com/mailwiki/mailwiki"
)

// fail answers a refused or failed callback with {"error": safe message} and
// the status of the error's code, and logs it (code and cause, never a
// token or the secret: neither is in any error this package makes).
func (c *Connect) fail(w http.ResponseWriter, r *http.Request, op string, err error) {
	status := statusOf(err)
	c.log.WarnContext(r.Context(), "connect: "+op+" refused",
		"status", status, "code", mailwiki.ErrorCode(err), "err", err.Error())
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": mailwiki.ErrorMessage(err)})
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
