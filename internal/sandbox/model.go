package sandbox

import (
	"strconv"
	"time"
)

// Space is a Confluence space. ID is a numeric string, as Confluence's.
type Space struct {
	ID        string    `json:"id"`
	Key       string    `json:"key"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Page is a Confluence page with its storage-format body.
type Page struct {
	ID        string    `json:"id"`
	SpaceID   string    `json:"space_id"`
	ParentID  string    `json:"parent_id,omitempty"`
	Title     string    `json:"title"`
	Status    string    `json:"status"` // "current" or "draft"
	Storage   string    `json:"storage"`
	AuthorID  string    `json:"author_id"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
}

// Attachment is the current version of a file attached to a page, with its
// stored bytes.
type Attachment struct {
	ID        string // "att" followed by digits
	PageID    string
	Filename  string // the attachment's title
	MediaType string
	Comment   string
	Version   int
	Data      []byte
	CreatedAt time.Time // when version 1 was created
}

// attachment is the stored form: every version is kept so that downloads of
// an older ?version= keep working, as in Confluence.
type attachment struct {
	ID        string       `json:"id"`
	PageID    string       `json:"page_id"`
	Filename  string       `json:"filename"`
	FileID    string       `json:"file_id"`
	AuthorID  string       `json:"author_id"`
	CreatedAt time.Time    `json:"created_at"`
	Versions  []attVersion `json:"versions"` // oldest first; never empty
}

type attVersion struct {
	Number    int       `json:"number"`
	MediaType string    `json:"media_type"`
	Comment   string    `json:"comment,omitempty"`
	MinorEdit bool      `json:"minor_edit,omitempty"`
	Data      []byte    `json:"data"`
	CreatedAt time.Time `json:"created_at"`
}

// current returns the newest version.
func (a *attachment) current() attVersion { return a.Versions[len(a.Versions)-1] }

// version returns version n, or the newest when n is 0.
func (a *attachment) version(n int) (attVersion, bool) {
	if n == 0 {
		return a.current(), true
	}
	for _, v := range a.Versions {
		if v.Number == n {
			return v, true
		}
	}
	return attVersion{}, false
}

// export returns the public view of the newest version; Data is a copy.
func (a *attachment) export() Attachment {
	v := a.current()
	return Attachment{
		ID: a.ID, PageID: a.PageID, Filename: a.Filename, MediaType: v.MediaType,
		Comment: v.Comment, Version: v.Number, Data: append([]byte(nil), v.Data...),
		CreatedAt: a.CreatedAt,
	}
}

// state is everything persisted. Slices are in creation order, so ids
// increase along them. Guarded by Sandbox.mu.
type state struct {
	NextID      int64         `json:"next_id"`
	Spaces      []*Space      `json:"spaces"`
	Pages       []*Page       `json:"pages"`
	Attachments []*attachment `json:"attachments"`
	Folders     []*Folder     `json:"folders,omitempty"`
	BlogPosts   []*Page       `json:"blogposts,omitempty"`
	// Labels of pages and blog posts, in the order they were added.
	Labels []*contentLabel `json:"labels,omitempty"`
}

// firstID is where ids start: numeric and plausible, like Confluence's.
const firstID = 65537

func newState() state { return state{NextID: firstID} }

// newID returns the next numeric id as a string.
func (st *state) newID() string {
	id := st.NextID
	st.NextID++
	return strconv.FormatInt(id, 10)
}

func (st *state) spaceByID(id string) *Space {
	for _, sp := range st.Spaces {
		if sp.ID == id {
			return sp
		}
	}
	return nil
}

func (st *state) spaceByKey(key string) *Space {
	for _, sp := range st.Spaces {
		if sp.Key == key {
			return sp
		}
	}
	return nil
}

func (st *state) page(id string) *Page { return pageByID(st.Pages, id) }

// pagesIn returns the pages of a space in creation order.
func (st *state) pagesIn(spaceID string) []*Page {
	var out []*Page
	for _, p := range st.Pages {
		if p.SpaceID == spaceID {
			out = append(out, p)
		}
	}
	return out
}

// attachmentsOf returns a page's attachments in creation order.
func (st *state) attachmentsOf(pageID string) []*attachment {
	var out []*attachment
	for _, a := range st.Attachments {
		if a.PageID == pageID {
			out = append(out, a)
		}
	}
	return out
}

// attachmentNamed returns the page's attachment with that file name.
func (st *state) attachmentNamed(pageID, filename string) *attachment {
	for _, a := range st.Attachments {
		if a.PageID == pageID && a.Filename == filename {
			return a
		}
	}
	return nil
}
