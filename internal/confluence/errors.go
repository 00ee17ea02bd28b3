package confluence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mailwiki/mailwiki"
)

// maxMessageLen bounds APIError.Message.
const maxMessageLen = 300

// APIError is a non-2xx answer from Confluence. Every error the client
// returns for such an answer also carries a *mailwiki.Error (code, safe
// message, Temporary) in its chain; the APIError holds the detail for logs.
type APIError struct {
	StatusCode int
	Method     string
	Path       string // relative to the base URL, without the query
	// Message is Confluence's own explanation, cut to about 300 characters.
	// It never holds request data beyond what Confluence echoes (such as a
	// page title) and never a credential.
	Message string
	// RetryAfter is the wait Confluence asked for (429, 503), zero if none.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// IsDuplicateTitle reports whether err is Confluence refusing a page because
// its space already has a page with that title (v2: "A page with this title
// already exists: A page already exists with the same TITLE in this space";
// v1: "… with the title X in the space with key Y").
func IsDuplicateTitle(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) || (ae.StatusCode != http.StatusBadRequest && ae.StatusCode != http.StatusConflict) {
		return false
	}
	m := strings.ToLower(ae.Message)
	return strings.Contains(m, "page with this title already exists") ||
		strings.Contains(m, "page already exists with the")
}

// classification is how one status maps onto mailwiki's vocabulary.
type classification struct {
	code      string
	temporary bool
	message   string // safe for any audience
}

// classify maps an HTTP status. Anything unexpected is temporary: nothing is
// given up on by mistake, and the 48 h limit bounds the retries.
func classify(status int) classification {
	switch {
	case status == http.StatusBadRequest:
		return classification{mailwiki.EINVALID, false, "Confluence rejected the request as invalid"}
	// Refused credentials or permissions are temporary: the site's
	// administrator can fix them, and the message waits (up to 48 h).
	case status == http.StatusUnauthorized:
		return classification{mailwiki.EUNAUTHORIZED, true, "Confluence refused the credentials"}
	case status == http.StatusForbidden:
		return classification{mailwiki.EFORBIDDEN, true, "Confluence denied permission"}
	case status == http.StatusNotFound:
		return classification{mailwiki.ENOTFOUND, false, "the Confluence space, page or attachment was not found"}
	case status == http.StatusConflict:
		return classification{mailwiki.ECONFLICT, false, "the request conflicts with existing Confluence content"}
	case status == http.StatusRequestEntityTooLarge:
		return classification{mailwiki.ETOOLARGE, false, "the content is too large for Confluence"}
	case status == http.StatusTooManyRequests:
		return classification{mailwiki.ERATELIMIT, true, "Confluence is rate limiting requests"}
	case status >= 500 || status == http.StatusRequestTimeout:
		return classification{mailwiki.EUNAVAILABLE, true, "Confluence is unavailable"}
	}
	return classification{mailwiki.EINTERNAL, true, "Confluence answered with an unexpected status"}
}

// statusError reads a failed response into an *APIError wrapped by its
// classified *mailwiki.Error.
func (c *Client) statusError(r *request, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
	ae := &APIError{
		StatusCode: resp.StatusCode,
		Method:     r.method,
		Path:       r.path,
		Message:    truncate(errorMessage(resp.Header.Get("Content-Type"), body), maxMessageLen),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.opts.Now()),
	}
	cl := classify(resp.StatusCode)
	if IsDuplicateTitle(ae) {
		cl = classification{mailwiki.ECONFLICT, false, "a page with this title already exists in the Confluence space"}
	}
	return &mailwiki.Error{Code: cl.code, Message: cl.message, Temporary: cl.temporary, RetryAfter: ae.RetryAfter, Err: ae}
}

// errorBody covers both error shapes: v2 {"errors":[{status,code,title,detail}]}
// and v1 {"statusCode","message","reason","data":{…}}, plus the gateway's
// {"code","message"}.
type errorBody struct {
	Errors []struct {
		Code   string `json:"code"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	} `json:"errors"`
	Message string `json:"message"`
	Reason  string `json:"reason"`
}

// errorMessage extracts Confluence's explanation. JSON bodies of either shape
// and short plain-text bodies are read; HTML and anything else is ignored.
func errorMessage(contentType string, body []byte) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		return eb.text()
	}
	if mt == "text/plain" && utf8.Valid(body) {
		return strings.Join(strings.Fields(string(body)), " ")
	}
	return ""
}

func (eb *errorBody) text() string {
	var parts []string
	for _, e := range eb.Errors {
		for _, s := range []string{e.Title, e.Detail} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		if e.Title == "" && e.Detail == "" && e.Code != "" {
			parts = append(parts, e.Code)
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, "; ")
	}
	if eb.Message != "" {
		return stripJavaException(eb.Message)
	}
	return eb.Reason
}

// javaException matches the exception class v1 puts before its message:
// "com.atlassian.confluence.api.service.exceptions.BadRequestException: ".
var javaException = regexp.MustCompile(`^(?:[a-z][a-z0-9_]*\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error): `)

func stripJavaException(s string) string {
	return javaException.ReplaceAllString(strings.TrimSpace(s), "")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// errNetwork marks a transport failure: no HTTP answer was received.
type errNetwork struct{ err error }

func (e *errNetwork) Error() string { return e.err.Error() }
func (e *errNetwork) Unwrap() error { return e.err }

// transportError classifies a failure of http.Client.Do.
func transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return canceledError(ctx.Err())
	}
	if errors.Is(err, errInsecureRedirect) {
		return &mailwiki.Error{Code: mailwiki.ECONFIG, Err: err,
			Message: "Confluence redirected to a plain-http URL; configure its https:// base URL"}
	}
	return &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Temporary: true,
		Message: "Confluence could not be reached", Err: &errNetwork{err: err}}
}

// canceledError reports a call abandoned because its context ended. It is
// temporary: the work was not refused, only interrupted.
func canceledError(err error) error {
	return &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Temporary: true,
		Message: "the Confluence call was interrupted", Err: err}
}

// errorKind is what a log line says about a transport error: the cause
// without the URL (whose query may hold a page title).
func errorKind(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
