package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/mailwiki/mailwiki"
)

// flavour selects the error body shape of a route family.
type flavour int

const (
	v2    flavour = iota + 1 // {"errors":[{"status","code","title","detail"}]}
	v1                       // {"statusCode","data","message","reason"}
	plain                    // text/plain (downloads)
)

// errInvalidParam marks a 400 caused by a query parameter; the v2 body then
// carries the code INVALID_REQUEST_PARAMETER instead of BAD_REQUEST.
var errInvalidParam = errors.New("invalid request parameter")

func invalid(format string, args ...any) error {
	return mailwiki.Errorf(mailwiki.EINVALID, format, args...)
}

func notFound(format string, args ...any) error {
	return mailwiki.Errorf(mailwiki.ENOTFOUND, format, args...)
}

func invalidParam(format string, args ...any) error {
	e := mailwiki.Errorf(mailwiki.EINVALID, format, args...)
	e.Err = errInvalidParam
	return e
}

func tooLarge(format string, args ...any) error {
	return mailwiki.Errorf(mailwiki.ETOOLARGE, format, args...)
}

// httpStatus translates an error's code into the status Confluence answers.
// A title conflict is a 400 in Confluence, not a 409.
func httpStatus(err error) int {
	switch mailwiki.ErrorCode(err) {
	case mailwiki.EINVALID, mailwiki.ECONFLICT:
		return http.StatusBadRequest
	case mailwiki.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case mailwiki.EFORBIDDEN:
		return http.StatusForbidden
	case mailwiki.ENOTFOUND:
		return http.StatusNotFound
	case mailwiki.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case mailwiki.ERATELIMIT:
		return http.StatusTooManyRequests
	case mailwiki.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// v2Code is the "code" member of a v2 error for a status.
func v2Code(status int, err error) string {
	if errors.Is(err, errInvalidParam) {
		return "INVALID_REQUEST_PARAMETER"
	}
	codes := map[int]string{
		400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
		413: "REQUEST_ENTITY_TOO_LARGE", 429: "TOO_MANY_REQUESTS",
		500: "INTERNAL_SERVER_ERROR", 502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE",
		504: "GATEWAY_TIMEOUT",
	}
	if c, ok := codes[status]; ok {
		return c
	}
	return "ERROR"
}

// writeError answers err in the route family's shape. Only the safe message
// of a *mailwiki.Error reaches the client; anything else is a logged 500.
func (s *Sandbox) writeError(w http.ResponseWriter, f flavour, err error) {
	status := httpStatus(err)
	if status == http.StatusInternalServerError {
		s.log.Error("sandbox: request failed", "err", err)
	}
	writeStatus(w, f, status, mailwiki.ErrorMessage(err), err)
}

// writeStatus writes an error body of the given status and message.
func writeStatus(w http.ResponseWriter, f flavour, status int, msg string, err error) {
	switch f {
	case v2:
		writeJSON(w, status, v2ErrorBody{Errors: []v2Error{{
			Status: status, Code: v2Code(status, err), Title: msg,
		}}})
	case v1:
		writeJSON(w, status, v1ErrorBody{
			StatusCode: status, Message: msg, Reason: http.StatusText(status),
			Data: v1ErrorData{Authorized: status != http.StatusUnauthorized,
				Valid: status != http.StatusBadRequest, Errors: []any{}},
		})
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(msg + "\n"))
	}
}

type v2ErrorBody struct {
	Errors []v2Error `json:"errors"`
}

type v2Error struct {
	Status int     `json:"status"`
	Code   string  `json:"code"`
	Title  string  `json:"title"`
	Detail *string `json:"detail"` // always null here, as in most Confluence answers
}

type v1ErrorBody struct {
	StatusCode int         `json:"statusCode"`
	Data       v1ErrorData `json:"data"`
	Message    string      `json:"message"`
	Reason     string      `json:"reason"`
}

type v1ErrorData struct {
	Authorized bool  `json:"authorized"`
	Valid      bool  `json:"valid"`
	Errors     []any `json:"errors"`
	Successful bool  `json:"successful"`
}

// writeJSON writes v as the JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
