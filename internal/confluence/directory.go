package confluence

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// The directory: what the admin page's pickers list (spaces, then the pages
// and folders of one space) and the check that a chosen parent exists.

// Directory limits.
const (
	// MaxSpaces bounds Spaces: a site with more lists only the first ones.
	MaxSpaces = 1000
	// MaxParents bounds one Parents answer.
	MaxParents = 50

	spacesPageV2 = 250 // the largest page REST v2 serves
	spacesPageV1 = 100
)

// Parent is the root's type (a page or folder content goes under).
type Parent = mailwiki.Parent

// Spaces lists the current spaces the client's credentials can see, at most
// MaxSpaces, sorted by name on Cloud (REST v2 GET /spaces, following its
// cursor) and in Confluence's order on Data Center (v1 GET /rest/api/space,
// following start and limit).
func (c *Client) Spaces(ctx context.Context) ([]Space, error) {
	var spaces []Space
	var err error
	if c.flavor == DataCenter {
		spaces, err = c.spacesV1(ctx)
	} else {
		spaces, err = c.spacesV2(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("confluence: list spaces: %w", err)
	}
	return spaces, nil
}

func (c *Client) spacesV2(ctx context.Context) ([]Space, error) {
	var spaces []Space
	q := url.Values{"limit": {strconv.Itoa(spacesPageV2)}, "status": {"current"}, "sort": {"name"}}
	seen := map[string]bool{}
	for len(spaces) < MaxSpaces {
		var out listV2[spaceV2]
		if err := c.do(ctx, &request{method: http.MethodGet, path: "/api/v2/spaces", query: q}, &out); err != nil {
			return nil, err
		}
		for _, s := range out.Results {
			spaces = append(spaces, Space{ID: string(s.ID), Key: s.Key, Name: s.Name})
		}
		cursor := nextCursor(out.Links.Next)
		if cursor == "" || seen[cursor] {
			break
		}
		seen[cursor] = true
		q = url.Values{"limit": q["limit"], "status": q["status"], "sort": q["sort"], "cursor": {cursor}}
	}
	return spaces[:min(len(spaces), MaxSpaces)], nil
}

// nextCursor reads the cursor of a v2 _links.next ("/wiki/api/v2/spaces?
// cursor=…&limit=…"); the path is not followed, only the cursor, so that a
// link relative to another base cannot send the client elsewhere.
func nextCursor(next string) string {
	if next == "" {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil {
		return ""
	}
	return u.Query().Get("cursor")
}

func (c *Client) spacesV1(ctx context.Context) ([]Space, error) {
	var spaces []Space
	for start := 0; len(spaces) < MaxSpaces; {
		var out listV1[spaceV1]
		q := url.Values{"start": {strconv.Itoa(start)}, "limit": {strconv.Itoa(spacesPageV1)}}
		if err := c.do(ctx, &request{method: http.MethodGet, path: "/rest/api/space", query: q}, &out); err != nil {
			return nil, err
		}
		for _, s := range out.Results {
			spaces = append(spaces, Space{ID: string(s.ID), Key: s.Key, Name: s.Name})
		}
		if len(out.Results) == 0 || out.Links.Next == "" {
			break
		}
		start += len(out.Results)
	}
	return spaces[:min(len(spaces), MaxSpaces)], nil
}

// searchResultV1 is one result of v1 GET /rest/api/search.
type searchResultV1 struct {
	Content struct {
		ID    flexID `json:"id"`
		Type  string `json:"type"`
		Title string `json:"title"`
	} `json:"content"`
}

// Parents lists the pages and folders of the space whose title matches
// query (CQL's title ~ text search; every one when query is empty), at most
// MaxParents, through v1 CQL search. Data Center has no folders: it lists
// pages only.
func (c *Client) Parents(ctx context.Context, spaceKey, query string) ([]Parent, error) {
	if strings.TrimSpace(spaceKey) == "" {
		return nil, fmt.Errorf("confluence: search parents: %w", invalidf("space key is empty"))
	}
	var out listV1[searchResultV1]
	q := url.Values{"cql": {c.parentsCQL(spaceKey, query)}, "limit": {strconv.Itoa(MaxParents)}}
	if err := c.do(ctx, &request{method: http.MethodGet, path: "/rest/api/search", query: q}, &out); err != nil {
		return nil, fmt.Errorf("confluence: search parents in space %q: %w", spaceKey, err)
	}
	parents := make([]Parent, 0, len(out.Results))
	for _, r := range out.Results {
		if t := parentType(r.Content.Type); t != "" && r.Content.ID != "" {
			parents = append(parents, Parent{ID: string(r.Content.ID), Title: r.Content.Title, Type: t})
		}
	}
	return parents[:min(len(parents), MaxParents)], nil
}

// parentsCQL is the CQL of Parents: space = "KEY" AND type IN (page, folder)
// AND title ~ "query", without the title clause for an empty query.
func (c *Client) parentsCQL(spaceKey, query string) string {
	types := "type IN (page, folder)"
	if c.flavor == DataCenter {
		types = "type = page"
	}
	cql := "space = " + cqlString(spaceKey) + " AND " + types
	if q := strings.TrimSpace(query); q != "" {
		cql += " AND title ~ " + cqlString(q)
	}
	return cql
}

// cqlString quotes s as a CQL string literal: double quotes, with backslashes
// and double quotes escaped by a backslash. Control characters (which no
// title holds) become spaces.
func cqlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func parentType(contentType string) string {
	switch contentType {
	case "page":
		return mailwiki.ParentPage
	case "folder":
		return mailwiki.ParentFolder
	}
	return ""
}

// folderV2 is a REST v2 folder.
type folderV2 struct {
	ID    flexID `json:"id"`
	Title string `json:"title"`
}

// PageOrFolder returns the page or folder with the given id, so that a
// parent chosen for an address can be checked. Cloud asks v2 for a page and,
// on 404, for a folder; Data Center (no folders) asks v1 for the content and
// accepts pages only. Neither is a permanent ENOTFOUND error. A Cloud
// page's SpaceID is filled in (REST v2 folders do not carry their space).
func (c *Client) PageOrFolder(ctx context.Context, id string) (Parent, error) {
	if strings.TrimSpace(id) == "" {
		return Parent{}, fmt.Errorf("confluence: get page or folder: %w", invalidf("the id is empty"))
	}
	p, err := c.pageOrFolder(ctx, id)
	if err != nil {
		return Parent{}, fmt.Errorf("confluence: get page or folder %q: %w", id, err)
	}
	return p, nil
}

func (c *Client) pageOrFolder(ctx context.Context, id string) (Parent, error) {
	if c.flavor == DataCenter {
		var out contentV1
		if err := c.do(ctx, &request{method: http.MethodGet, path: "/rest/api/content/" + pathID(id)}, &out); err != nil {
			return Parent{}, err
		}
		if out.Type != "page" {
			return Parent{}, notFoundf("no page or folder with id %s", id)
		}
		return Parent{ID: string(out.ID), Title: out.Title, Type: mailwiki.ParentPage}, nil
	}
	var page pageV2
	err := c.do(ctx, &request{method: http.MethodGet, path: "/api/v2/pages/" + pathID(id)}, &page)
	if err == nil {
		return Parent{ID: string(page.ID), Title: page.Title, Type: mailwiki.ParentPage, SpaceID: string(page.SpaceID)}, nil
	}
	if !isStatus(err, http.StatusNotFound) {
		return Parent{}, err
	}
	var folder folderV2
	err = c.do(ctx, &request{method: http.MethodGet, path: "/api/v2/folders/" + pathID(id)}, &folder)
	if isStatus(err, http.StatusNotFound) {
		return Parent{}, &mailwiki.Error{Code: mailwiki.ENOTFOUND, Message: fmt.Sprintf("no page or folder with id %s", id), Err: err}
	}
	if err != nil {
		return Parent{}, err
	}
	return Parent{ID: string(folder.ID), Title: folder.Title, Type: mailwiki.ParentFolder}, nil
}

// isStatus reports whether err is Confluence answering status.
func isStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == status
}
