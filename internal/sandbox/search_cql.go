package sandbox

import (
	"net/http"
	"strings"
	"unicode"
)

// The CQL subset of GET /wiki/rest/api/search: clauses joined by AND, each
// at most once, space and type required:
//
//	space = "KEY"
//	type = page | type IN (page, folder, blogpost)
//	title ~ "text"          (case-insensitive substring, standing in for
//	                         Confluence's full-text match)
//
// Keywords are case-insensitive; values may be quoted ("…" or '…', with \
// escapes) or bare words. Anything else is answered 400.

type cqlQuery struct {
	space string
	types []string
	title string
	has   map[string]bool
}

func errCQL(cql string) error {
	return invalid("The CQL query %q is not supported by the sandbox, which understands only: space = \"KEY\" AND type IN (page, folder, blogpost) [AND title ~ \"text\"]", cql)
}

// parseCQL parses the subset above.
func parseCQL(cql string) (cqlQuery, error) {
	toks, ok := cqlTokens(cql)
	if !ok {
		return cqlQuery{}, errCQL(cql)
	}
	q := cqlQuery{has: map[string]bool{}}
	for i := 0; ; {
		n, ok := q.clause(toks[i:])
		if !ok {
			return cqlQuery{}, errCQL(cql)
		}
		i += n
		if i == len(toks) {
			break
		}
		if !strings.EqualFold(toks[i].text, "and") || toks[i].quoted {
			return cqlQuery{}, errCQL(cql)
		}
		i++
	}
	if !q.has["space"] || !q.has["type"] {
		return cqlQuery{}, errCQL(cql)
	}
	return q, nil
}

type cqlToken struct {
	text   string
	quoted bool
}

// clause parses one clause at the start of toks and returns its length.
func (q *cqlQuery) clause(toks []cqlToken) (int, bool) {
	if len(toks) < 3 || toks[0].quoted {
		return 0, false
	}
	field, op := strings.ToLower(toks[0].text), toks[1]
	if q.has[field] || op.quoted {
		return 0, false
	}
	q.has[field] = true
	switch {
	case field == "space" && op.text == "=" && word(toks[2]):
		q.space = toks[2].text
		return 3, true
	case field == "title" && op.text == "~" && word(toks[2]):
		q.title = toks[2].text
		return 3, true
	case field == "type" && op.text == "=" && word(toks[2]):
		q.types = []string{strings.ToLower(toks[2].text)}
		return 3, validTypes(q.types)
	case field == "type" && strings.EqualFold(op.text, "in"):
		return q.typeList(toks)
	}
	return 0, false
}

// typeList parses "type IN ( v {, v} )".
func (q *cqlQuery) typeList(toks []cqlToken) (int, bool) {
	if toks[2].text != "(" || toks[2].quoted {
		return 0, false
	}
	for i := 3; i+1 < len(toks); i += 2 {
		if !word(toks[i]) {
			return 0, false
		}
		q.types = append(q.types, strings.ToLower(toks[i].text))
		switch sep := toks[i+1]; {
		case sep.quoted:
			return 0, false
		case sep.text == ")":
			return i + 2, validTypes(q.types)
		case sep.text != ",":
			return 0, false
		}
	}
	return 0, false
}

func word(t cqlToken) bool {
	return t.quoted || (t.text != "" && !strings.ContainsAny(t.text, "=~(),"))
}

func validTypes(types []string) bool {
	for _, t := range types {
		if t != "page" && t != "folder" && t != "blogpost" {
			return false
		}
	}
	return len(types) > 0
}

// cqlTokens splits CQL into words, quoted strings and the symbols = ~ ( ) ,.
func cqlTokens(s string) ([]cqlToken, bool) {
	var out []cqlToken
	rs := []rune(s)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case strings.ContainsRune("=~(),", c):
			out = append(out, cqlToken{text: string(c)})
			i++
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(rs) && rs[j] != c; j++ {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
				}
				b.WriteRune(rs[j])
			}
			if j == len(rs) {
				return nil, false
			}
			out = append(out, cqlToken{text: b.String(), quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !strings.ContainsRune("=~(),\"'", rs[j]) {
				j++
			}
			out = append(out, cqlToken{text: string(rs[i:j])})
			i = j
		}
	}
	return out, len(out) > 0
}

// cqlResult is one v1 search result.
type cqlResult struct {
	Content cqlContent `json:"content"`
	Title   string     `json:"title"`
	Excerpt string     `json:"excerpt"`
	URL     string     `json:"url"`
}

type cqlContent struct {
	ID     string            `json:"id"`
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status string            `json:"status"`
	Space  map[string]string `json:"space,omitempty"`
}

// v1Search serves GET /wiki/rest/api/search?cql=…&start=&limit=, results
// in id order.
func (s *Sandbox) v1Search(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	win, err := v1Window(q, v1DefaultLimit)
	if err != nil {
		return err
	}
	cql, err := parseCQL(q.Get("cql"))
	if err != nil {
		return err
	}
	sp, err := s.spaceByKey(cql.space)
	if err != nil {
		return err
	}
	all := s.searchSpace(sp, cql)
	results, more := cut(all, win)
	links := map[string]string{"base": siteBase(r), "context": "/wiki", "self": siteBase(r) + "/rest/api/search"}
	if next := v1NextLink(r, win, more); next != "" {
		links["next"] = next
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": append([]cqlResult{}, results...),
		"start": win.start, "limit": win.limit, "size": len(results), "totalSize": len(all), "_links": links})
	return nil
}

// searchSpace lists the space's current content of the query's types whose
// title contains the query's title, ignoring case.
func (s *Sandbox) searchSpace(sp Space, q cqlQuery) []cqlResult {
	space := map[string]string{"key": sp.Key, "name": sp.Name}
	match := func(title string) bool {
		return strings.Contains(strings.ToLower(title), strings.ToLower(q.title))
	}
	var out []cqlResult
	add := func(id, typ, title, link string) {
		out = append(out, cqlResult{Content: cqlContent{ID: id, Type: typ, Title: title, Status: "current", Space: space},
			Title: title, URL: link})
	}
	if contains(q.types, "page") {
		for _, p := range s.findPages(pageFilter{SpaceIDs: []string{sp.ID}, Statuses: []string{"current"}}) {
			if match(p.Title) {
				add(p.ID, "page", p.Title, pageWebUI(sp.Key, p.ID, p.Title))
			}
		}
	}
	if contains(q.types, "folder") {
		for _, f := range s.foldersIn(sp.ID) {
			if match(f.Title) {
				add(f.ID, "folder", f.Title, folderWebUI(sp.Key, f.ID))
			}
		}
	}
	if contains(q.types, "blogpost") {
		for _, p := range s.findContent(blogPostType, pageFilter{SpaceIDs: []string{sp.ID}}) {
			if match(p.Title) {
				add(p.ID, "blogpost", p.Title, blogWebUI(p))
			}
		}
	}
	sortResults(out)
	return out
}

func sortResults(rs []cqlResult) {
	less := func(a, b string) bool { return len(a) < len(b) || len(a) == len(b) && a < b }
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && less(rs[j].Content.ID, rs[j-1].Content.ID); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}
