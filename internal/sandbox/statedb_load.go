package sandbox

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// load reads the whole state, every slice in creation order. NextID is the
// one recorded, raised if needed above every id found, so that no id is
// handed out twice.
func (s *stateDB) load(ctx context.Context) (state, error) {
	st := newState()
	if err := s.db.QueryRowContext(ctx, "SELECT value FROM meta WHERE name = 'next_id'").Scan(&st.NextID); err != nil && err != sql.ErrNoRows {
		return state{}, fmt.Errorf("read next id: %w", err)
	}
	steps := []struct {
		what string
		load func(context.Context, *state) error
	}{
		{"spaces", s.loadSpaces}, {"pages", s.loadPages}, {"attachments", s.loadAttachments}, {"attachment versions", s.loadVersions},
		{"folders", s.loadFolders}, {"blog posts", s.loadBlogPosts}, {"labels", s.loadLabels},
	}
	for _, step := range steps {
		if err := step.load(ctx, &st); err != nil {
			return state{}, fmt.Errorf("read %s: %w", step.what, err)
		}
	}
	st.NextID = max(st.NextID, firstID, maxID(&st)+1)
	return st, st.check()
}

// each runs query and calls scan for every row.
func (s *stateDB) each(ctx context.Context, query string, scan func(*sql.Rows) error) error {
	rows, err := s.db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *stateDB) loadSpaces(ctx context.Context, st *state) error {
	return s.each(ctx, "SELECT id, key, name, created_at FROM spaces ORDER BY seq", func(r *sql.Rows) error {
		var sp Space
		var created string
		if err := r.Scan(&sp.ID, &sp.Key, &sp.Name, &created); err != nil {
			return err
		}
		var err error
		sp.CreatedAt, err = parseTime(created)
		st.Spaces = append(st.Spaces, &sp)
		return err
	})
}

func (s *stateDB) loadPages(ctx context.Context, st *state) error {
	const q = "SELECT id, space_id, parent_id, title, status, storage, author_id, version, created_at FROM pages ORDER BY seq"
	return s.loadContent(ctx, q, &st.Pages)
}

// loadContent appends to into the pages or blog posts that query selects:
// id, space_id, parent_id, title, status, storage, author_id, version and
// created_at, in that order.
func (s *stateDB) loadContent(ctx context.Context, query string, into *[]*Page) error {
	return s.each(ctx, query, func(r *sql.Rows) error {
		var p Page
		var created string
		if err := r.Scan(&p.ID, &p.SpaceID, &p.ParentID, &p.Title, &p.Status, &p.Storage, &p.AuthorID, &p.Version, &created); err != nil {
			return err
		}
		var err error
		p.CreatedAt, err = parseTime(created)
		*into = append(*into, &p)
		return err
	})
}

func (s *stateDB) loadAttachments(ctx context.Context, st *state) error {
	const q = "SELECT id, page_id, filename, file_id, author_id, created_at FROM attachments ORDER BY seq"
	return s.each(ctx, q, func(r *sql.Rows) error {
		var a attachment
		var created string
		if err := r.Scan(&a.ID, &a.PageID, &a.Filename, &a.FileID, &a.AuthorID, &created); err != nil {
			return err
		}
		var err error
		a.CreatedAt, err = parseTime(created)
		st.Attachments = append(st.Attachments, &a)
		return err
	})
}

// loadVersions adds each version, oldest first, to its attachment.
func (s *stateDB) loadVersions(ctx context.Context, st *state) error {
	byID := make(map[string]*attachment, len(st.Attachments))
	for _, a := range st.Attachments {
		byID[a.ID] = a
	}
	const q = "SELECT attachment_id, number, media_type, comment, minor_edit, data, created_at FROM attachment_versions ORDER BY attachment_id, number"
	return s.each(ctx, q, func(r *sql.Rows) error {
		var id, created string
		var v attVersion
		if err := r.Scan(&id, &v.Number, &v.MediaType, &v.Comment, &v.MinorEdit, &v.Data, &created); err != nil {
			return err
		}
		a := byID[id]
		if a == nil {
			return fmt.Errorf("version %d of unknown attachment %s", v.Number, id)
		}
		if v.Data == nil {
			v.Data = []byte{}
		}
		var err error
		v.CreatedAt, err = parseTime(created)
		a.Versions = append(a.Versions, v)
		return err
	})
}

// check refuses a state the Sandbox cannot serve.
func (st *state) check() error {
	for _, a := range st.Attachments {
		if len(a.Versions) == 0 {
			return fmt.Errorf("attachment %s has no version", a.ID)
		}
	}
	return nil
}

// maxID is the largest numeric id in the state (0 if none).
func maxID(st *state) int64 {
	var ids []string
	for _, sp := range st.Spaces {
		ids = append(ids, sp.ID)
	}
	for _, p := range st.Pages {
		ids = append(ids, p.ID)
	}
	for _, a := range st.Attachments {
		ids = append(ids, strings.TrimPrefix(a.ID, "att"))
	}
	for _, f := range st.Folders {
		ids = append(ids, f.ID)
	}
	for _, p := range st.BlogPosts {
		ids = append(ids, p.ID)
	}
	for _, l := range st.Labels {
		ids = append(ids, l.ID)
	}
	var top int64
	for _, id := range ids {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > top {
			top = n
		}
	}
	return top
}
