package mailparse

import "strings"

// firstID returns the first message id of a Message-ID or In-Reply-To value
// without angle brackets. Values without brackets (seen from broken
// clients) are returned trimmed; comments and phrases around a bracketed id
// are ignored.
func firstID(v string) string {
	ids := idList(v)
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// idList returns the message ids of a References-like value in order, without
// angle brackets. When the value has no bracketed ids at all, its
// white-space-separated words are taken as ids.
func idList(v string) []string {
	var ids []string
	rest := v
	for {
		start := strings.IndexByte(rest, '<')
		if start < 0 {
			break
		}
		end := strings.IndexByte(rest[start:], '>')
		if end < 0 {
			break
		}
		if id := strings.TrimSpace(rest[start+1 : start+end]); id != "" {
			ids = append(ids, id)
		}
		rest = rest[start+end+1:]
	}
	if len(ids) > 0 || strings.ContainsAny(v, "<>") {
		return ids
	}
	return strings.Fields(v)
}
