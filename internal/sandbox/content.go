package sandbox

import (
	"fmt"
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

// createPage validates and stores a page, durably when there is a state
// file. The space
// must exist (404), the parent must be a page of the same space (404), and
// a current page's title must be unused in the space, ignoring case (400).
func (s *Sandbox) createPage(in newPage) (Page, error) {
	if err := in.check(); err != nil {
		return Page{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkPlacement(in); err != nil {
		return Page{}, err
	}
	p := &Page{
		ID: s.st.newID(), SpaceID: in.SpaceID, ParentID: in.ParentID, Title: in.Title,
		Status: in.Status, Storage: in.Storage, AuthorID: in.AuthorID, Version: 1,
		CreatedAt: s.now().UTC(),
	}
	s.st.Pages = append(s.st.Pages, p)
	if err := s.save(func(w stateTx) error { return w.page(p) }); err != nil {
		s.st.Pages = s.st.Pages[:len(s.st.Pages)-1]
		return Page{}, fmt.Errorf("sandbox: create page in space %s: %w", in.SpaceID, err)
	}
	s.log.Info("sandbox: page created", "page", p.ID, "space", p.SpaceID, "bytes", len(p.Storage))
	return *p, nil
}

// checkPlacement checks the space, the parent and the title against the
// state. The caller holds s.mu.
func (s *Sandbox) checkPlacement(in newPage) error {
	if s.st.spaceByID(in.SpaceID) == nil {
		return notFound("No space with id %s", in.SpaceID)
	}
	if in.ParentID != "" && !s.st.treeParentIn(in.SpaceID, in.ParentID) {
		return notFound("No parent page or folder with id %s in this space", in.ParentID)
	}
	if in.Status != "current" {
		return nil
	}
	for _, p := range s.st.pagesIn(in.SpaceID) {
		if p.Status == "current" && strings.EqualFold(p.Title, in.Title) {
			return &mailwiki.Error{Code: mailwiki.ECONFLICT, Message: duplicateTitleMessage}
		}
	}
	return nil
}

// pageView is a page with its space, read under the lock.
type pageView struct {
	Page
	SpaceKey   string
	ParentType string // "page", "folder" or "" (no parent)
}

// getPage returns a page and its space key, or a 404.
func (s *Sandbox) getPage(id string) (pageView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.page(id)
	if p == nil {
		return pageView{}, notFound("No content found with id: ContentId{id=%s}", id)
	}
	return pageView{Page: *p, SpaceKey: s.st.spaceByID(p.SpaceID).Key, ParentType: s.st.parentType(p.ParentID)}, nil
}

// spaceKeyOf returns the key of the space with that id ("" if none).
func (s *Sandbox) spaceKeyOf(spaceID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp := s.st.spaceByID(spaceID); sp != nil {
		return sp.Key
	}
	return ""
}

// pageFilter selects pages for the list endpoints. Empty fields match all.
type pageFilter struct {
	SpaceIDs []string
	IDs      []string
	Title    string
	Statuses []string // default: current and archived, as Confluence
}

func (f pageFilter) match(p *Page) bool {
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []string{"current", "archived"}
	}
	return contains(statuses, p.Status) &&
		(len(f.SpaceIDs) == 0 || contains(f.SpaceIDs, p.SpaceID)) &&
		(len(f.IDs) == 0 || contains(f.IDs, p.ID)) &&
		(f.Title == "" || p.Title == f.Title)
}

// findPages returns the pages matching f, in id order, with their space keys.
func (s *Sandbox) findPages(f pageFilter) []pageView {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []pageView
	for _, p := range s.st.Pages {
		if f.match(p) {
			out = append(out, pageView{Page: *p, SpaceKey: s.st.spaceByID(p.SpaceID).Key, ParentType: s.st.parentType(p.ParentID)})
		}
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
