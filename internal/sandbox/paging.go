package sandbox

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxLimit is the largest page size Confluence accepts (v2 documents 250).
const maxLimit = 250

// window is a slice of a result list: items [start, start+limit).
type window struct {
	start, limit int
}

// cut returns the window's part of items and whether more follow.
func cut[T any](items []T, w window) ([]T, bool) {
	if w.start >= len(items) {
		return []T{}, false
	}
	end := min(w.start+w.limit, len(items))
	return items[w.start:end], end < len(items)
}

// parseLimit reads "limit": def when absent, an error outside 1..maxLimit.
func parseLimit(q url.Values, def int) (int, error) {
	raw := q.Get("limit")
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxLimit {
		return 0, invalidParam("Provided value for 'limit' is not valid: it must be an integer between 1 and %d.", maxLimit)
	}
	return n, nil
}

// v2Window reads v2 paging: "limit" and the opaque "cursor" that
// v2NextLink issued.
func v2Window(q url.Values, def int) (window, error) {
	limit, err := parseLimit(q, def)
	if err != nil {
		return window{}, err
	}
	start := 0
	if c := q.Get("cursor"); c != "" {
		if start, err = decodeCursor(c); err != nil {
			return window{}, err
		}
	}
	return window{start: start, limit: limit}, nil
}

const cursorPrefix = "sandbox-offset:"

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	rest, ok := strings.CutPrefix(string(raw), cursorPrefix)
	n, convErr := strconv.Atoi(rest)
	if err != nil || !ok || convErr != nil || n < 0 {
		return 0, invalidParam("Provided value for 'cursor' is not the correct type. Expected type is Cursor.")
	}
	return n, nil
}

// v2NextLink returns the host-relative URL of the next page (as Confluence's
// _links.next: /wiki/api/v2/…?cursor=…) and sets the Link header with it and
// the base.
func v2NextLink(w http.ResponseWriter, r *http.Request, win window, more bool) string {
	base := "<" + siteBase(r) + `>; rel="base"`
	if !more {
		w.Header().Set("Link", base)
		return ""
	}
	q := r.URL.Query()
	q.Set("cursor", encodeCursor(win.start+win.limit))
	q.Set("limit", strconv.Itoa(win.limit))
	next := r.URL.Path + "?" + q.Encode()
	w.Header().Set("Link", "<"+next+`>; rel="next", `+base)
	return next
}

// v1Window reads v1 paging: "start" (default 0) and "limit" (default def).
func v1Window(q url.Values, def int) (window, error) {
	limit, err := parseLimit(q, def)
	if err != nil {
		return window{}, err
	}
	start := 0
	if raw := q.Get("start"); raw != "" {
		if start, err = strconv.Atoi(raw); err != nil || start < 0 {
			return window{}, invalidParam("start must be a non-negative integer")
		}
	}
	return window{start: start, limit: limit}, nil
}

// v1NextLink returns the base-relative URL of the next page (as v1's
// _links.next: /rest/api/…?start=…), or "" when there is none.
func v1NextLink(r *http.Request, win window, more bool) string {
	if !more {
		return ""
	}
	q := r.URL.Query()
	q.Set("start", strconv.Itoa(win.start+win.limit))
	q.Set("limit", strconv.Itoa(win.limit))
	return strings.TrimPrefix(r.URL.Path, "/wiki") + "?" + q.Encode()
}

// listParam reads a list parameter given comma-separated, repeated, or both.
func listParam(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// numericID reports whether id is a positive decimal integer, the shape of
// every page and space id.
func numericID(id string) bool {
	n, err := strconv.ParseInt(id, 10, 64)
	return err == nil && n > 0
}
