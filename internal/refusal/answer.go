package refusal

import (
	"encoding/json"
	"net/http"

	"github.com/mailwiki/mailwiki"
)

// WriteError answers status with the JSON body {"error": message}; message
// must be safe to show.
func WriteError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": message})
}

// Status maps an error's code to an HTTP status.
func Status(err error) int {
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
