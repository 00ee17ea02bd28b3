package sandbox

import (
	"net/http"
	"strconv"
	"strings"
)

// JSON shapes of REST v1 (Atlassian's v1 reference: Content, Space,
// attachment Content with metadata and extensions, paged lists).

type v1List[T any] struct {
	Results []T         `json:"results"`
	Start   int         `json:"start"`
	Limit   int         `json:"limit"`
	Size    int         `json:"size"`
	Links   v1ListLinks `json:"_links"`
}

type v1ListLinks struct {
	Next    string `json:"next,omitempty"`
	Self    string `json:"self"`
	Base    string `json:"base"`
	Context string `json:"context"`
}

type v1Space struct {
	ID     int64        `json:"id"`
	Key    string       `json:"key"`
	Name   string       `json:"name"`
	Type   string       `json:"type"`
	Status string       `json:"status"`
	Links  v1SpaceLinks `json:"_links"`
}

type v1SpaceLinks struct {
	WebUI   string `json:"webui"`
	Self    string `json:"self"`
	Base    string `json:"base,omitempty"`
	Context string `json:"context,omitempty"`
}

type v1User struct {
	Type      string `json:"type"`
	AccountID string `json:"accountId"`
}

type v1Version struct {
	By        v1User `json:"by"`
	When      string `json:"when"`
	Message   string `json:"message"`
	Number    int    `json:"number"`
	MinorEdit bool   `json:"minorEdit"`
}

type v1Content struct {
	ID         string            `json:"id"`
	Type       string            `json:"type"`
	Status     string            `json:"status"`
	Title      string            `json:"title"`
	Space      *v1Space          `json:"space,omitempty"`
	Version    *v1Version        `json:"version,omitempty"`
	Body       *v1Body           `json:"body,omitempty"`
	Links      v1ContentLinks    `json:"_links"`
	Expandable map[string]string `json:"_expandable"`
}

type v1Body struct {
	Storage v1Storage `json:"storage"`
}

type v1Storage struct {
	Value          string `json:"value"`
	Representation string `json:"representation"`
}

type v1ContentLinks struct {
	WebUI   string `json:"webui"`
	Edit    string `json:"edit"`
	TinyUI  string `json:"tinyui"`
	Self    string `json:"self"`
	Base    string `json:"base,omitempty"`
	Context string `json:"context,omitempty"`
}

type v1Attachment struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Status     string         `json:"status"`
	Title      string         `json:"title"`
	Version    v1Version      `json:"version"`
	Container  v1Container    `json:"container"`
	Metadata   v1AttMeta      `json:"metadata"`
	Extensions v1AttExt       `json:"extensions"`
	Links      v1AttLinks     `json:"_links"`
	Expandable map[string]any `json:"_expandable"`
}

type v1Container struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type v1AttMeta struct {
	MediaType string `json:"mediaType"`
	Comment   string `json:"comment,omitempty"`
}

type v1AttExt struct {
	MediaType string `json:"mediaType"`
	FileSize  int64  `json:"fileSize"`
	Comment   string `json:"comment,omitempty"`
	FileID    string `json:"fileId"`
}

type v1AttLinks struct {
	WebUI    string `json:"webui"`
	Download string `json:"download"`
	Self     string `json:"self"`
}

// expansions is the parsed "expand" parameter.
type expansions map[string]bool

func parseExpand(r *http.Request) expansions {
	e := expansions{}
	for _, item := range listParam(r.URL.Query(), "expand") {
		e[item] = true
	}
	return e
}

func toV1Space(sp Space, base string) v1Space {
	id, _ := strconv.ParseInt(sp.ID, 10, 64)
	return v1Space{ID: id, Key: sp.Key, Name: sp.Name, Type: "global", Status: "current",
		Links: v1SpaceLinks{WebUI: spaceWebUI(sp.Key), Self: base + "/rest/api/space/" + sp.Key}}
}

// toV1Content renders a page with the expansions asked for (body.storage,
// version, space); the others are listed in _expandable as Confluence does.
func toV1Content(p pageView, sp Space, exp expansions, base string) v1Content {
	out := v1Content{ID: p.ID, Type: "page", Status: p.Status, Title: p.Title,
		Links: v1ContentLinks{WebUI: pageWebUI(p.SpaceKey, p.ID, p.Title), Edit: pageEditUI(p.ID),
			TinyUI: pageTinyUI(p.ID), Self: base + "/rest/api/content/" + p.ID},
		Expandable: map[string]string{}}
	if exp["space"] {
		v := toV1Space(sp, base)
		out.Space = &v
	} else {
		out.Expandable["space"] = "/rest/api/space/" + p.SpaceKey
	}
	if exp["version"] {
		out.Version = &v1Version{By: v1User{Type: "known", AccountID: p.AuthorID},
			When: confluenceTime(p.CreatedAt), Number: p.Version}
	} else {
		out.Expandable["version"] = ""
	}
	if exp["body.storage"] {
		out.Body = &v1Body{Storage: v1Storage{Value: p.Storage, Representation: "storage"}}
	} else {
		out.Expandable["body"] = ""
	}
	return out
}

func toV1Attachment(a *attachment, base string) v1Attachment {
	v := a.current()
	return v1Attachment{
		ID: a.ID, Type: "attachment", Status: "current", Title: a.Filename,
		Version: v1Version{By: v1User{Type: "known", AccountID: a.AuthorID},
			When: confluenceTime(v.CreatedAt), Message: v.Comment, Number: v.Number, MinorEdit: v.MinorEdit},
		Container:  v1Container{ID: a.PageID, Type: "page"},
		Metadata:   v1AttMeta{MediaType: v.MediaType, Comment: v.Comment},
		Extensions: v1AttExt{MediaType: v.MediaType, FileSize: int64(len(v.Data)), Comment: v.Comment, FileID: a.FileID},
		Links: v1AttLinks{WebUI: attachmentWebUI(a), Download: downloadLink(a),
			Self: base + "/rest/api/content/" + a.ID},
		Expandable: map[string]any{"space": "", "history": "", "ancestors": ""},
	}
}

// v1PageCreate is the body of POST /wiki/rest/api/content.
type v1PageCreate struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status string `json:"status"`
	Space  struct {
		Key string `json:"key"`
	} `json:"space"`
	Body struct {
		Storage *v1Storage `json:"storage"`
	} `json:"body"`
	Ancestors []struct {
		ID flexID `json:"id"`
	} `json:"ancestors"`
}

// storage returns the storage value, refusing other representations.
func (c v1PageCreate) storage() (string, error) {
	st := c.Body.Storage
	if st == nil {
		return "", nil
	}
	if st.Representation != "" && !strings.EqualFold(st.Representation, "storage") {
		return "", invalid("Unsupported body representation %q: the sandbox accepts storage", st.Representation)
	}
	return st.Value, nil
}

// parent is the nearest ancestor given, or "".
func (c v1PageCreate) parent() string {
	if len(c.Ancestors) == 0 {
		return ""
	}
	return string(c.Ancestors[len(c.Ancestors)-1].ID)
}
