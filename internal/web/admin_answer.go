package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/mailwiki/mailwiki"
)

// The admin API's answers: reading a request body, and mapping a service
// error to its HTTP status and a sentence the page shows.

// decodeJSON reads one JSON object of at most MaxAdminBody bytes into v,
// refusing unknown fields. It returns 0, or the status and safe sentence
// to answer with.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) (int, string) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxAdminBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// Anything after the object: a token (err nil) or an error.
		if _, err = dec.Token(); err == nil {
			return http.StatusBadRequest, "The request must be one JSON object, with nothing after it."
		} else if err == io.EOF {
			err = nil
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return 0, ""
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, "The configuration is larger than 1 MiB, more than this service accepts; remove some addresses or senders."
	case unknownField.MatchString(err.Error()):
		return http.StatusBadRequest, fmt.Sprintf("The request has an unknown field %q; reload the page to get the current version.", unknownField.FindStringSubmatch(err.Error())[1])
	case errors.Is(err, io.EOF):
		return http.StatusBadRequest, "The request has no configuration."
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return http.StatusBadRequest, "The request is JSON but not a JSON object; send the configuration as one object."
	case errors.As(err, &typeErr):
		return http.StatusBadRequest, fmt.Sprintf("The request's field %q has the wrong type.", typeErr.Field)
	}
	return http.StatusBadRequest, "The request is not valid JSON."
}

// fail answers a service error: the *mailwiki.Error's code decides the
// status, its safe message is shown, and the fields of a
// *mailwiki.ValidationError anywhere in the chain go with it. Details of
// unexpected errors are logged, never sent.
func (a *admin) fail(w http.ResponseWriter, route, tenantID string, err error, saving bool) {
	status, msg := errorStatus(err, saving)
	body := errorBody{Error: msg}
	var ve *mailwiki.ValidationError
	if errors.As(err, &ve) {
		body.Fields = ve.Fields
		// The fields say where; the sentence need not name a JSON path.
		switch n := len(ve.Fields); {
		case n > 0 && status == http.StatusBadRequest:
			body.Error = problemsSentence(n)
		case n > 0 && status == http.StatusConflict:
			body.Error = takenSentence(n)
		}
	}
	if d := mailwiki.RetryAfter(err); d > 0 && status >= 500 {
		w.Header().Set("Retry-After", strconv.Itoa(int(d.Seconds()+0.999)))
	}
	attrs := []any{"route", route, "tenant", tenantID, "status", status, "code", mailwiki.ErrorCode(err)}
	if status >= 500 {
		a.log.Error("admin: request failed", append(attrs, "err", err)...)
	} else {
		a.log.Info("admin: request refused", attrs...)
	}
	writeJSON(w, status, body)
}

// errorStatus maps an error to its HTTP status and the sentence shown.
func errorStatus(err error, saving bool) (int, string) {
	var e *mailwiki.Error
	if !errors.As(err, &e) {
		return http.StatusInternalServerError, internalSentence(saving)
	}
	safe := func(def string) string {
		if e.Message != "" {
			return e.Message
		}
		return def
	}
	switch e.Code {
	case mailwiki.EINVALID:
		return http.StatusBadRequest, safe("The configuration is not valid.")
	case mailwiki.ECONFLICT:
		return http.StatusConflict, safe("An address is already used by another site.")
	case mailwiki.EUNAUTHORIZED:
		return http.StatusUnauthorized, safe(sessionRefused)
	case mailwiki.EFORBIDDEN:
		return http.StatusForbidden, safe("You are not allowed to change these settings.")
	case mailwiki.ENOTFOUND:
		return http.StatusNotFound, safe("What the request names was not found.")
	case mailwiki.ETOOLARGE:
		return http.StatusRequestEntityTooLarge, safe("The configuration is too large.")
	case mailwiki.EUNAVAILABLE, mailwiki.ERATELIMIT:
		return http.StatusBadGateway, unavailableSentence(saving)
	}
	if e.Temporary {
		return http.StatusBadGateway, unavailableSentence(saving)
	}
	return http.StatusInternalServerError, internalSentence(saving)
}

func problemsSentence(n int) string {
	if n == 1 {
		return "The configuration has a problem, shown next to its field; nothing was saved."
	}
	return fmt.Sprintf("The configuration has %d problems, shown next to their fields; nothing was saved.", n)
}

func takenSentence(n int) string {
	if n == 1 {
		return "An address is already taken, as shown next to it; nothing was saved."
	}
	return fmt.Sprintf("%d addresses are already taken, as shown next to them; nothing was saved.", n)
}

func unavailableSentence(saving bool) string {
	if saving {
		return "Confluence could not be reached; nothing was saved, try again."
	}
	return "Confluence could not be reached; try again in a moment."
}

func internalSentence(saving bool) string {
	if saving {
		return "Something went wrong on mailwiki's side; nothing was saved. Try again later."
	}
	return "Something went wrong on mailwiki's side. Try again later."
}

// writeJSON answers v as JSON, never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
