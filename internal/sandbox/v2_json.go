package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// JSON shapes of REST v2, following the OpenAPI document's schemas
// (SpaceBulk/SpaceSingle, PageBulk/PageSingle, BlogPostBulk/BlogPostSingle,
// AttachmentBulk, Version, BodyType, MultiEntityLinks).

type v2List[T any] struct {
	Results []T     `json:"results"`
	Links   v2Links `json:"_links"`
}

type v2Links struct {
	Next string `json:"next,omitempty"`
	Base string `json:"base"`
}

type v2Space struct {
	ID        string       `json:"id"`
	Key       string       `json:"key"`
	Name      string       `json:"name"`
	Type      string       `json:"type"`
	Status    string       `json:"status"`
	CreatedAt string       `json:"createdAt"`
	Links     v2SpaceLinks `json:"_links"`
}

type v2SpaceLinks struct {
	WebUI string `json:"webui"`
	Base  string `json:"base,omitempty"` // single-space answers only
}

type v2Version struct {
	Number    int    `json:"number"`
	Message   string `json:"message"`
	MinorEdit bool   `json:"minorEdit"`
	AuthorID  string `json:"authorId"`
	CreatedAt string `json:"createdAt"`
}

// v2Page is PageSingle/PageBulk and v2BlogPost BlogPostSingle/BlogPostBulk.
// They share their first members (v2ContentHead) and their last
// (v2ContentTail); embedding keeps the members in the documents' order.
type (
	v2Page struct {
		v2ContentHead
		ParentID    string  `json:"parentId,omitempty"`
		ParentType  string  `json:"parentType,omitempty"`
		Position    *int    `json:"position"`
		AuthorID    string  `json:"authorId"`
		OwnerID     string  `json:"ownerId"`
		LastOwnerID *string `json:"lastOwnerId"`
		v2ContentTail
	}
	v2BlogPost struct {
		v2ContentHead
		AuthorID string `json:"authorId"`
		v2ContentTail
	}
	v2ContentHead struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Title   string `json:"title"`
		SpaceID string `json:"spaceId"`
	}
	v2ContentTail struct {
		CreatedAt string      `json:"createdAt"`
		Version   v2Version   `json:"version"`
		Body      v2Body      `json:"body"`
		Links     v2PageLinks `json:"_links"`
	}
)

// v2Body holds the representations asked for with body-format; empty ({})
// when none was.
type v2Body struct {
	Storage *v2BodyType `json:"storage,omitempty"`
}

type v2BodyType struct {
	Representation string `json:"representation"`
	Value          string `json:"value"`
}

type v2PageLinks struct {
	WebUI  string `json:"webui"`
	EditUI string `json:"editui"`
	TinyUI string `json:"tinyui"`
	Base   string `json:"base,omitempty"` // single-page answers only
}

type v2Attachment struct {
	ID           string        `json:"id"`
	Status       string        `json:"status"`
	Title        string        `json:"title"`
	CreatedAt    string        `json:"createdAt"`
	PageID       string        `json:"pageId"`
	MediaType    string        `json:"mediaType"`
	Comment      string        `json:"comment"`
	FileID       string        `json:"fileId"`
	FileSize     int64         `json:"fileSize"`
	WebUILink    string        `json:"webuiLink"`
	DownloadLink string        `json:"downloadLink"`
	Version      v2Version     `json:"version"`
	Links        v2AttachLinks `json:"_links"`
}

type v2AttachLinks struct {
	WebUI    string `json:"webui"`
	Download string `json:"download"`
}

func toV2Space(sp Space) v2Space {
	return v2Space{ID: sp.ID, Key: sp.Key, Name: sp.Name, Type: "global", Status: "current",
		CreatedAt: confluenceTime(sp.CreatedAt), Links: v2SpaceLinks{WebUI: spaceWebUI(sp.Key)}}
}

// toV2Page renders a page; withStorage adds body.storage, base
// _links.base (single-page answers only).
func toV2Page(p pageView, withStorage bool, base string) v2Page {
	out := v2Page{
		v2ContentHead: toV2Head(p), ParentID: p.ParentID, AuthorID: p.AuthorID, OwnerID: p.AuthorID,
		v2ContentTail: toV2Tail(p, pageWebUI(p.SpaceKey, p.ID, p.Title), withStorage, base),
	}
	if p.ParentID != "" {
		out.ParentType = "page"
		if p.ParentType != "" {
			out.ParentType = p.ParentType
		}
	}
	return out
}

// toV2BlogPost renders a blog post as toV2Page renders a page.
func toV2BlogPost(p pageView, withStorage bool, base string) v2BlogPost {
	return v2BlogPost{v2ContentHead: toV2Head(p), AuthorID: p.AuthorID,
		v2ContentTail: toV2Tail(p, blogWebUI(p), withStorage, base)}
}

func toV2Head(p pageView) v2ContentHead {
	return v2ContentHead{ID: p.ID, Status: p.Status, Title: p.Title, SpaceID: p.SpaceID}
}

func toV2Tail(p pageView, webUI string, withStorage bool, base string) v2ContentTail {
	out := v2ContentTail{CreatedAt: confluenceTime(p.CreatedAt),
		Version: v2Version{Number: p.Version, AuthorID: p.AuthorID, CreatedAt: confluenceTime(p.CreatedAt)},
		Links:   v2PageLinks{WebUI: webUI, EditUI: pageEditUI(p.ID), TinyUI: pageTinyUI(p.ID), Base: base}}
	if withStorage {
		out.Body.Storage = &v2BodyType{Representation: "storage", Value: p.Storage}
	}
	return out
}

func toV2Attachment(a *attachment) v2Attachment {
	v := a.current()
	return v2Attachment{
		ID: a.ID, Status: "current", Title: a.Filename, CreatedAt: confluenceTime(a.CreatedAt),
		PageID: a.PageID, MediaType: v.MediaType, Comment: v.Comment, FileID: a.FileID,
		FileSize: int64(len(v.Data)), WebUILink: attachmentWebUI(a), DownloadLink: downloadLink(a),
		Version: v2Version{Number: v.Number, MinorEdit: v.MinorEdit, AuthorID: a.AuthorID,
			CreatedAt: confluenceTime(v.CreatedAt)},
		Links: v2AttachLinks{WebUI: attachmentWebUI(a), Download: downloadLink(a)},
	}
}

// v2PageCreate is the body of POST /wiki/api/v2/pages and, parentId aside,
// of POST /wiki/api/v2/blogposts.
type v2PageCreate struct {
	SpaceID  flexID          `json:"spaceId"`
	Status   string          `json:"status"`
	Title    string          `json:"title"`
	ParentID flexID          `json:"parentId"`
	Body     json.RawMessage `json:"body"`
}

// flexID accepts an id as a JSON string or number, as Confluence does.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*f = flexID(n.String())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("an id must be a string or a number")
	}
	*f = flexID(s)
	return nil
}

// v2Storage extracts the storage value from either documented body form:
// {"representation":"storage","value":…} or {"storage":{…}}.
func v2Storage(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	var flat struct {
		v2BodyType
		Storage *v2BodyType `json:"storage"`
	}
	if err := json.Unmarshal(raw, &flat); err != nil {
		return "", invalid("Invalid body: %v", err)
	}
	b := flat.v2BodyType
	if flat.Storage != nil {
		b = *flat.Storage
	}
	if b.Representation != "storage" {
		return "", invalid("Unsupported body representation %q: the sandbox accepts storage", b.Representation)
	}
	return b.Value, nil
}

// maxJSONBody is the largest request body Confluence accepts (5 MB).
const maxJSONBody = 5 << 20

// decodeJSON decodes a request body of at most maxJSONBody bytes.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody)).Decode(v)
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooBig):
		return tooLarge("Request body too large (over 5 MB)")
	default:
		return invalid("Invalid JSON in the request body: %v", err)
	}
}
