package confluence

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Space, Page and PageInput are the root's types (see mailwiki.Publisher):
// Storage is filled by GetPage and FindPageByTitle (and by CreatePage when
// Confluence echoes it); WebURL is absolute.
type (
	Space     = mailwiki.Space
	Page      = mailwiki.Page
	PageInput = mailwiki.PageInput
)

var _ mailwiki.Publisher = (*Client)(nil)

// SpaceByKey returns the space with the given key. An unknown key is a
// permanent ENOTFOUND error.
func (c *Client) SpaceByKey(ctx context.Context, key string) (Space, error) {
	if strings.TrimSpace(key) == "" {
		return Space{}, invalidf("confluence: space key is empty")
	}
	var s Space
	var err error
	if c.flavor == DataCenter {
		s, err = c.spaceByKeyV1(ctx, key)
	} else {
		s, err = c.spaceByKeyV2(ctx, key)
	}
	if err != nil {
		return Space{}, fmt.Errorf("confluence: get space %q: %w", key, err)
	}
	return s, nil
}

// CreatePage creates a published page. It is a POST: never retried after a
// 5xx or a transport error, since Confluence may have created the page; the
// caller decides (FindPageByTitle tells whether it exists). A title already
// used in the space is an ECONFLICT error for which IsDuplicateTitle is true.
func (c *Client) CreatePage(ctx context.Context, in PageInput) (Page, error) {
	p, err := c.createPage(ctx, in)
	if err != nil {
		return Page{}, fmt.Errorf("confluence: create page in space %q: %w", inputSpace(in), err)
	}
	return p, nil
}

func (c *Client) createPage(ctx context.Context, in PageInput) (Page, error) {
	if strings.TrimSpace(in.Title) == "" {
		return Page{}, invalidf("page title is empty")
	}
	if c.flavor == DataCenter {
		if in.SpaceKey == "" {
			return Page{}, invalidf("space key is required on Data Center")
		}
		return c.createPageV1(ctx, in)
	}
	if in.SpaceID == "" {
		return Page{}, invalidf("space id is required on Confluence Cloud")
	}
	return c.createV2(ctx, pagesV2, in)
}

// GetPage returns the page with the given id, storage body included.
func (c *Client) GetPage(ctx context.Context, id string) (Page, error) {
	if strings.TrimSpace(id) == "" {
		return Page{}, invalidf("confluence: page id is empty")
	}
	var p Page
	var err error
	if c.flavor == DataCenter {
		p, err = c.getPageV1(ctx, id)
	} else {
		p, err = c.getPageV2(ctx, id)
	}
	if err != nil {
		return Page{}, fmt.Errorf("confluence: get page %q: %w", id, err)
	}
	return p, nil
}

// FindPageByTitle returns the current page titled exactly title in space,
// or nil and no error when there is none. Cloud uses space.ID, Data Center
// space.Key.
func (c *Client) FindPageByTitle(ctx context.Context, space Space, title string) (*Page, error) {
	p, err := c.findPageByTitle(ctx, space, title)
	if err != nil {
		return nil, fmt.Errorf("confluence: find page by title in space %q: %w", spaceName(space), err)
	}
	return p, nil
}

func (c *Client) findPageByTitle(ctx context.Context, space Space, title string) (*Page, error) {
	if title == "" {
		return nil, invalidf("page title is empty")
	}
	if c.flavor == DataCenter {
		if space.Key == "" {
			return nil, invalidf("space key is required on Data Center")
		}
		return c.findPageV1(ctx, space.Key, title)
	}
	if space.ID == "" {
		return nil, invalidf("space id is required on Confluence Cloud")
	}
	return c.findV2(ctx, pagesV2, space.ID, title)
}

// inputSpace names the space of a creation: its key, else its id.
func inputSpace(in PageInput) string {
	return spaceName(Space{ID: in.SpaceID, Key: in.SpaceKey})
}

func spaceName(s Space) string {
	if s.Key != "" {
		return s.Key
	}
	return s.ID
}

func invalidf(format string, args ...any) error {
	return mailwiki.Errorf(mailwiki.EINVALID, format, args...)
}

func notFoundf(format string, args ...any) error {
	return mailwiki.Errorf(mailwiki.ENOTFOUND, format, args...)
}

// pathID escapes an id for use as one path segment.
func pathID(id string) string { return url.PathEscape(id) }

// flexID decodes an id sent either as a JSON string (v2, most of v1) or as a
// JSON number (v1 space ids).
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	switch v := v.(type) {
	case string:
		*f = flexID(v)
	case json.Number:
		*f = flexID(v.String())
	case nil:
		*f = ""
	default:
		return fmt.Errorf("id is neither a string nor a number: %s", b)
	}
	return nil
}

// flexTime decodes an ISO 8601 date-time (Confluence's createdAt and
// version.when); a value it cannot read is the zero time, not an error: the
// dates only inform, they never decide whether a call worked.
type flexTime time.Time

func (f *flexTime) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, _ = time.Parse("2006-01-02T15:04:05.000-0700", s)
	}
	*f = flexTime(t)
	return nil
}

// links is the _links object common to v1 and v2 responses.
type links struct {
	Base     string `json:"base"`
	WebUI    string `json:"webui"`
	Next     string `json:"next"`
	Download string `json:"download"`
}

type bodyValue struct {
	Value          string `json:"value"`
	Representation string `json:"representation"`
}
