package mailwiki

import (
	"context"
	"io"
	"time"
)

// The ports: what the use cases (internal/pipeline) need from the outside
// world, in the root's vocabulary. Adapters implement them; internal/app
// wires the concrete types in.

// Space is a Confluence space. ID is what Cloud's REST v2 addresses it by;
// Key is what people type and what Data Center's REST v1 uses.
type Space struct {
	ID, Key, Name string
}

// Page is a Confluence page. WebURL is absolute. Storage is its body in
// storage format when the call returned it. CreatedAt is when Confluence
// created the page (zero when the answer did not say).
type Page struct {
	ID, Title, SpaceID string
	Version            int
	Storage            string
	WebURL             string
	CreatedAt          time.Time
}

// PageInput describes a page to create. Cloud needs SpaceID, Data Center
// SpaceKey; passing both (from a Space) works for either. ParentID is
// optional: without it the page goes under the space's home page; on Cloud
// it may name a page or a folder.
type PageInput struct {
	SpaceID, SpaceKey, Title, ParentID, Storage string
}

// Publisher is one tenant's Confluence, as the deliver use case sees it
// (REST v2 pages on Cloud, REST v1 content on Data Center; attachments
// through REST v1 on both), blog posts (Cloud) and labels. Comments and
// content properties join this interface when the issues that need them
// land.
//
// Errors carry a *Error: ENOTFOUND for a missing space, ECONFLICT for a
// title already taken in the space, EINVALID for a body
// Confluence rejects, EUNAUTHORIZED/EFORBIDDEN (temporary: the tenant's
// administrator can fix the credentials) and temporary EUNAVAILABLE /
// ERATELIMIT (with RetryAfter) for everything that may pass.
type Publisher interface {
	// SpaceByKey returns the space with the given key.
	SpaceByKey(ctx context.Context, key string) (Space, error)
	// CreatePage creates a published page. It is never retried by the
	// client after an unanswered request: the caller looks the page up.
	CreatePage(ctx context.Context, in PageInput) (Page, error)
	// FindPageByTitle returns the current page titled exactly title in the
	// space, or nil and no error when there is none.
	FindPageByTitle(ctx context.Context, space Space, title string) (*Page, error)
	// CreateBlogPost creates a published blog post (Cloud REST v2
	// /blogposts; ParentID is ignored); never retried after an unanswered
	// request, like CreatePage.
	CreateBlogPost(ctx context.Context, in PageInput) (Page, error)
	// FindBlogPostByTitle returns the current blog post titled exactly
	// title in the space, or nil and no error when there is none.
	FindBlogPostByTitle(ctx context.Context, space Space, title string) (*Page, error)
	// AttachmentNames lists the file names already attached to a page.
	AttachmentNames(ctx context.Context, pageID string) ([]string, error)
	// AttachFiles uploads files to a page, in as few requests as the
	// client's batch limits allow. A name the page already has is an error.
	AttachFiles(ctx context.Context, pageID string, files []Attachment) error
	// AddLabels puts global labels on a page or blog post (REST v1
	// POST /rest/api/content/{id}/label); a label it has already is fine.
	AddLabels(ctx context.Context, contentID string, labels []string) error
}

// MessageStore keeps accepted messages until they are published (the
// encrypted spool). Create's writer must be committed (durable) or aborted.
// ReadAll and Delete of a missing message return an ENOTFOUND *Error.
type MessageStore interface {
	// Create starts the message id. tenantID is the tenant all its
	// recipients route to ("" when they span several): an installed
	// tenant's own key then wraps its data key (so that uninstalling
	// crypto-shreds it); otherwise the master key does.
	Create(ctx context.Context, id, tenantID string) (MessageWriter, error)
	ReadAll(ctx context.Context, id string) ([]byte, error)
	// Reader streams a committed message (the door's message stage reads
	// it back); the caller closes it.
	Reader(ctx context.Context, id string) (io.ReadCloser, error)
	Delete(ctx context.Context, id string) error
}

// MessageWriter receives one message's bytes. Commit makes it durable
// (written and fsynced); Abort discards it. Exactly one of them is called.
type MessageWriter interface {
	io.Writer
	Commit() error
	Abort()
}
