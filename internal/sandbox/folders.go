package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Folder is a Confluence folder: a node of a space's content tree that
// holds pages and folders but has no body. Its id comes from the same
// counter as pages.
type Folder struct {
	ID        string    `json:"id"`
	SpaceID   string    `json:"space_id"`
	ParentID  string    `json:"parent_id,omitempty"` // a page or a folder
	Title     string    `json:"title"`
	Status    string    `json:"status"` // "current"
	AuthorID  string    `json:"author_id"`
	CreatedAt time.Time `json:"created_at"`
}

func (st *state) folder(id string) *Folder {
	for _, f := range st.Folders {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// parentType is the v2 parentType of a parent id: "folder" or "page"
// ("" without a parent).
func (st *state) parentType(id string) string {
	switch {
	case id == "":
		return ""
	case st.folder(id) != nil:
		return "folder"
	}
	return "page"
}

// treeParentIn reports whether id is a page or folder of the space: a
// place where a page or a folder may be created. The caller holds s.mu.
func (st *state) treeParentIn(spaceID, id string) bool {
	if p := st.page(id); p != nil {
		return p.SpaceID == spaceID
	}
	if f := st.folder(id); f != nil {
		return f.SpaceID == spaceID
	}
	return false
}

// folderView is a folder with its space key and parent type, read under
// the lock.
type folderView struct {
	Folder
	SpaceKey   string
	ParentType string
}

// CreateFolder creates a folder in the space with that key, under a page
// or folder of the space when parentID is set, and returns its id.
func (s *Sandbox) CreateFolder(spaceKey, title, parentID string) (string, error) {
	sp, err := s.spaceByKey(spaceKey)
	if err != nil {
		return "", err
	}
	f, err := s.createFolder(sp.ID, title, parentID, accountID("user:"+strings.ToLower(DemoUser)))
	return f.ID, err
}

// createFolder validates and stores a folder: the space must exist (404),
// the parent must be a page or folder of the space (404), the title must
// be set and at most 255 characters (400). Folder titles, unlike page
// titles, need not be unique.
func (s *Sandbox) createFolder(spaceID, title, parentID, author string) (folderView, error) {
	if strings.TrimSpace(title) == "" {
		return folderView{}, invalid("Title is required for a folder")
	}
	if utf8.RuneCountInString(title) > maxTitleRunes {
		return folderView{}, invalid("Title cannot be longer than %d characters", maxTitleRunes)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.st.spaceByID(spaceID)
	if sp == nil {
		return folderView{}, notFound("No space with id %s", spaceID)
	}
	if parentID != "" && !s.st.treeParentIn(spaceID, parentID) {
		return folderView{}, notFound("No parent page or folder with id %s in this space", parentID)
	}
	f := &Folder{ID: s.st.newID(), SpaceID: spaceID, ParentID: parentID, Title: title,
		Status: "current", AuthorID: author, CreatedAt: s.now().UTC()}
	s.st.Folders = append(s.st.Folders, f)
	if err := s.save(func(w stateTx) error { return w.folder(f) }); err != nil {
		s.st.Folders = s.st.Folders[:len(s.st.Folders)-1]
		return folderView{}, fmt.Errorf("sandbox: create folder in space %s: %w", spaceID, err)
	}
	s.log.Info("sandbox: folder created", "folder", f.ID, "space", spaceID)
	return folderView{Folder: *f, SpaceKey: sp.Key, ParentType: s.st.parentType(parentID)}, nil
}

// getFolder returns a folder, or a 404.
func (s *Sandbox) getFolder(id string) (folderView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.st.folder(id)
	if f == nil {
		return folderView{}, notFound("No folder found with id %s", id)
	}
	return folderView{Folder: *f, SpaceKey: s.st.spaceByID(f.SpaceID).Key, ParentType: s.st.parentType(f.ParentID)}, nil
}

// foldersIn returns copies of the folders of a space, in creation order.
func (s *Sandbox) foldersIn(spaceID string) []Folder {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Folder
	for _, f := range s.st.Folders {
		if f.SpaceID == spaceID {
			out = append(out, *f)
		}
	}
	return out
}

// v2Folder is FolderSingle of the OpenAPI document.
type v2Folder struct {
	ID         string        `json:"id"`
	Type       string        `json:"type"`
	Status     string        `json:"status"`
	Title      string        `json:"title"`
	ParentID   string        `json:"parentId,omitempty"`
	ParentType string        `json:"parentType,omitempty"`
	Position   *int          `json:"position"`
	AuthorID   string        `json:"authorId"`
	OwnerID    string        `json:"ownerId"`
	CreatedAt  string        `json:"createdAt"`
	Version    v2Version     `json:"version"`
	Links      v2FolderLinks `json:"_links"`
}

type v2FolderLinks struct {
	WebUI string `json:"webui"`
	Base  string `json:"base,omitempty"`
}

func toV2Folder(f folderView, base string) v2Folder {
	return v2Folder{ID: f.ID, Type: "folder", Status: f.Status, Title: f.Title, ParentID: f.ParentID,
		ParentType: f.ParentType, AuthorID: f.AuthorID, OwnerID: f.AuthorID, CreatedAt: confluenceTime(f.CreatedAt),
		Version: v2Version{Number: 1, AuthorID: f.AuthorID, CreatedAt: confluenceTime(f.CreatedAt)},
		Links:   v2FolderLinks{WebUI: folderWebUI(f.SpaceKey, f.ID), Base: base}}
}

// folderWebUI is a folder's human URL; the sandbox shows it in the space
// page's tree.
func folderWebUI(spaceKey, id string) string {
	return spaceWebUI(spaceKey) + "/folder/" + id
}

// v2CreateFolder serves POST /wiki/api/v2/folders. Success is 200 with the
// folder, as the OpenAPI document says.
func (s *Sandbox) v2CreateFolder(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		SpaceID  flexID `json:"spaceId"`
		Title    string `json:"title"`
		ParentID flexID `json:"parentId"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.SpaceID == "" {
		return invalid("spaceId is required")
	}
	f, err := s.createFolder(string(req.SpaceID), req.Title, string(req.ParentID), accountOf(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toV2Folder(f, siteBase(r)))
	return nil
}

// v2GetFolder serves GET /wiki/api/v2/folders/{id}.
func (s *Sandbox) v2GetFolder(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := checkIDs("id", []string{id}); err != nil {
		return err
	}
	f, err := s.getFolder(id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toV2Folder(f, siteBase(r)))
	return nil
}

// htmlFolder serves a folder's webui by sending the reader to the space
// page, where the folder is shown in the tree.
func (s *Sandbox) htmlFolder(w http.ResponseWriter, r *http.Request) {
	f, err := s.getFolder(r.PathValue("id"))
	if err != nil || f.SpaceKey != r.PathValue("key") {
		s.htmlNotFound(w, "Folder")
		return
	}
	http.Redirect(w, r, "/wiki"+spaceWebUI(f.SpaceKey)+"#folder-"+f.ID, http.StatusFound)
}
