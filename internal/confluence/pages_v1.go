package confluence

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Confluence REST v1 (/rest/api) wire types and calls, used for pages on Data
// Center, which has no v2.

type spaceV1 struct {
	ID   flexID `json:"id"`
	Key  string `json:"key"`
	Name string `json:"name"`
}

type contentV1 struct {
	ID      flexID  `json:"id"`
	Type    string  `json:"type"`
	Title   string  `json:"title"`
	Space   spaceV1 `json:"space"`
	Version struct {
		Number int      `json:"number"`
		When   flexTime `json:"when"`
	} `json:"version"`
	Body struct {
		Storage bodyValue `json:"storage"`
	} `json:"body"`
	Links links `json:"_links"`
}

type listV1[T any] struct {
	Results []T   `json:"results"`
	Start   int   `json:"start"`
	Limit   int   `json:"limit"`
	Size    int   `json:"size"`
	Links   links `json:"_links"`
}

type createContentV1 struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	Space struct {
		Key string `json:"key"`
	} `json:"space"`
	Body struct {
		Storage bodyValue `json:"storage"`
	} `json:"body"`
	Ancestors []ancestorV1 `json:"ancestors,omitempty"`
}

type ancestorV1 struct {
	ID string `json:"id"`
}

// pageExpandV1 asks v1 for what Page holds.
const pageExpandV1 = "body.storage,version,space"

func (c *Client) spaceByKeyV1(ctx context.Context, key string) (Space, error) {
	var out spaceV1
	r := &request{method: http.MethodGet, path: "/rest/api/space/" + pathID(key)}
	if err := c.do(ctx, r, &out); err != nil {
		return Space{}, err
	}
	return Space{ID: string(out.ID), Key: out.Key, Name: out.Name}, nil
}

func (c *Client) createPageV1(ctx context.Context, in PageInput) (Page, error) {
	body := createContentV1{Type: "page", Title: in.Title}
	body.Space.Key = in.SpaceKey
	body.Body.Storage = bodyValue{Value: in.Storage, Representation: "storage"}
	if in.ParentID != "" {
		body.Ancestors = []ancestorV1{{ID: in.ParentID}}
	}
	r, err := jsonRequest(http.MethodPost, "/rest/api/content", nil, body)
	if err != nil {
		return Page{}, err
	}
	var out contentV1
	if err := c.do(ctx, r, &out); err != nil {
		return Page{}, err
	}
	return c.pageFromV1(out, ""), nil
}

func (c *Client) getPageV1(ctx context.Context, id string) (Page, error) {
	var out contentV1
	r := &request{method: http.MethodGet, path: "/rest/api/content/" + pathID(id),
		query: url.Values{"expand": {pageExpandV1}}}
	if err := c.do(ctx, r, &out); err != nil {
		return Page{}, err
	}
	return c.pageFromV1(out, ""), nil
}

func (c *Client) findPageV1(ctx context.Context, spaceKey, title string) (*Page, error) {
	var out listV1[contentV1]
	q := url.Values{"spaceKey": {spaceKey}, "title": {title}, "type": {"page"}, "expand": {pageExpandV1}}
	r := &request{method: http.MethodGet, path: "/rest/api/content", query: q}
	if err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	for _, p := range out.Results {
		if p.Title == title {
			page := c.pageFromV1(p, out.Links.Base)
			return &page, nil
		}
	}
	return nil, nil
}

func (c *Client) pageFromV1(p contentV1, listBase string) Page {
	base := p.Links.Base
	if base == "" {
		base = listBase
	}
	page := Page{ID: string(p.ID), Title: p.Title, SpaceID: string(p.Space.ID), Version: p.Version.Number,
		Storage: p.Body.Storage.Value, WebURL: c.absolute(base, p.Links.WebUI)}
	if p.Version.Number == 1 {
		page.CreatedAt = time.Time(p.Version.When) // the first version's date is the page's creation
	}
	return page
}
