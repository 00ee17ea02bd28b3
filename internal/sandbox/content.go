package sandbox

import (
	"strings"
	"unicode/utf8"

	"github.com/mailwiki/mailwiki"
)

// Confluence's message for a title already used in the space.
const duplicateTitleMessage = "A page with this title already exists: A page already exists with the same TITLE in this space"

// maxTitleRunes is Confluence's limit on a page title.
const maxTitleRunes = 255

// newPage is a page creation request, whichever REST version it came from.
type newPage struct {
	SpaceID  string
	ParentID string
	Title    string
	Status   string // "current" (default) or "draft"
	Storage  string
	AuthorID string
}

// check validates what needs no state: status, title, storage body.
func (in *newPage) check() error {
	if in.Status == "" {
		in.Status = "current"
	}
	if in.Status != "current" && in.Status != "draft" {
		return invalid("Invalid status %q: a new page is current or draft", in.Status)
	}
	if strings.TrimSpace(in.Title) == "" && in.Status == "current" {
		return invalid("Title is required for a published page")
	}
	if utf8.RuneCountInString(in.Title) > maxTitleRunes {
		return invalid("Title cannot be longer than %d characters", maxTitleRunes)
	}
	if err := ValidateStorage(in.Storage); err != nil {
		return invalid("Error parsing xhtml: %v", err)
	}
	return nil
}

// checkPlacement checks a page's space, parent and title against the
// state: the space must exist (404), the parent must be a page or folder of
// the same space (404), and a current page's title must be unused in the
// space, ignoring case (400). The caller holds s.mu.
func (st *state) checkPlacement(in newPage) error {
	if err := st.checkSpace(in); err != nil {
		return err
	}
	if in.ParentID != "" && !st.treeParentIn(in.SpaceID, in.ParentID) {
		return notFound("No parent page or folder with id %s in this space", in.ParentID)
	}
	if in.Status != "current" {
		return nil
	}
	for _, p := range st.pagesIn(in.SpaceID) {
		if p.Status == "current" && strings.EqualFold(p.Title, in.Title) {
			return &mailwiki.Error{Code: mailwiki.ECONFLICT, Message: duplicateTitleMessage}
		}
	}
	return nil
}

// checkSpace checks that the content's space exists (404). The caller
// holds s.mu.
func (st *state) checkSpace(in newPage) error {
	if st.spaceByID(in.SpaceID) == nil {
		return notFound("No space with id %s", in.SpaceID)
	}
	return nil
}

// pageView is a page with its space, read under the lock.
type pageView struct {
	Page
	SpaceKey   string
	ParentType string // "page", "folder" or "" (no parent)
}

// pageFilter selects pages for the list endpoints. Empty fields match all.
type pageFilter struct {
	SpaceIDs []string
	IDs      []string
	Title    string
	Statuses []string // default: the content type's (see findContent)
}

func (f pageFilter) match(p *Page) bool {
	return contains(f.Statuses, p.Status) &&
		(len(f.SpaceIDs) == 0 || contains(f.SpaceIDs, p.SpaceID)) &&
		(len(f.IDs) == 0 || contains(f.IDs, p.ID)) &&
		(f.Title == "" || p.Title == f.Title)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
