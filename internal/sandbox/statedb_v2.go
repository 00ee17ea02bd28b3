package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// stateSchemaV2 adds, to schema 1, folders, blog posts and the Connect host
// (site settings such as the client key, installed apps, app properties).
// Like schema 1 it is idempotent: migrate runs both on every open and
// records version 2, so a version 1 file gains the new, empty tables.
const stateSchemaV2 = `
CREATE TABLE IF NOT EXISTS folders (
	seq        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	space_id   TEXT NOT NULL,
	parent_id  TEXT NOT NULL,
	title      TEXT NOT NULL,
	status     TEXT NOT NULL,
	author_id  TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS blogposts (
	seq        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	space_id   TEXT NOT NULL,
	title      TEXT NOT NULL,
	status     TEXT NOT NULL,
	storage    TEXT NOT NULL,
	author_id  TEXT NOT NULL,
	version    INTEGER NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS connect_apps (
	key    TEXT PRIMARY KEY,
	record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS connect_app_properties (
	app_key TEXT NOT NULL,
	key     TEXT NOT NULL,
	value   TEXT NOT NULL,
	PRIMARY KEY (app_key, key)
);`

func (w stateTx) folder(f *Folder) error {
	return w.exec("INSERT INTO folders (id, space_id, parent_id, title, status, author_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		f.ID, f.SpaceID, f.ParentID, f.Title, f.Status, f.AuthorID, formatTime(f.CreatedAt))
}

func (w stateTx) blogPost(p *Page) error {
	return w.exec(`INSERT INTO blogposts (id, space_id, title, status, storage, author_id, version, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.SpaceID, p.Title, p.Status, p.Storage, p.AuthorID, p.Version, formatTime(p.CreatedAt))
}

func (w stateTx) setting(name, value string) error {
	return w.exec("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", name, value)
}

// connectApp writes an installed app, replacing an earlier installation.
func (w stateTx) connectApp(a *connectApp) error {
	rec, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return w.exec("INSERT INTO connect_apps (key, record) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET record = excluded.record", a.Key, string(rec))
}

// forgetApp deletes an app and all its properties.
func (w stateTx) forgetApp(key string) error {
	if err := w.exec("DELETE FROM connect_app_properties WHERE app_key = ?", key); err != nil {
		return err
	}
	return w.exec("DELETE FROM connect_apps WHERE key = ?", key)
}

func (w stateTx) appProperty(appKey, key, value string) error {
	return w.exec(`INSERT INTO connect_app_properties (app_key, key, value) VALUES (?, ?, ?)
		ON CONFLICT (app_key, key) DO UPDATE SET value = excluded.value`, appKey, key, value)
}

func (w stateTx) deleteAppProperty(appKey, key string) error {
	return w.exec("DELETE FROM connect_app_properties WHERE app_key = ? AND key = ?", appKey, key)
}

func (s *stateDB) loadFolders(ctx context.Context, st *state) error {
	const q = "SELECT id, space_id, parent_id, title, status, author_id, created_at FROM folders ORDER BY seq"
	return s.each(ctx, q, func(r *sql.Rows) error {
		var f Folder
		var created string
		if err := r.Scan(&f.ID, &f.SpaceID, &f.ParentID, &f.Title, &f.Status, &f.AuthorID, &created); err != nil {
			return err
		}
		var err error
		f.CreatedAt, err = parseTime(created)
		st.Folders = append(st.Folders, &f)
		return err
	})
}

// loadBlogPosts reads the blog posts, which have no parent.
func (s *stateDB) loadBlogPosts(ctx context.Context, st *state) error {
	const q = "SELECT id, space_id, '', title, status, storage, author_id, version, created_at FROM blogposts ORDER BY seq"
	return s.loadContent(ctx, q, &st.BlogPosts)
}

// loadConnect reads the client key, the installed apps and their properties.
func (s *stateDB) loadConnect(ctx context.Context, c *connectState) error {
	err := s.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = 'client_key'").Scan(&c.clientKey)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("read the client key: %w", err)
	}
	err = s.each(ctx, "SELECT record FROM connect_apps ORDER BY key", func(r *sql.Rows) error {
		var rec string
		var a connectApp
		if err := r.Scan(&rec); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(rec), &a); err != nil {
			return err
		}
		c.apps[a.Key] = &a
		return nil
	})
	if err != nil {
		return fmt.Errorf("read Connect apps: %w", err)
	}
	err = s.each(ctx, "SELECT app_key, key, value FROM connect_app_properties", func(r *sql.Rows) error {
		var app, key, value string
		if err := r.Scan(&app, &key, &value); err != nil {
			return err
		}
		if c.props[app] == nil {
			c.props[app] = map[string]string{}
		}
		c.props[app][key] = value
		return nil
	})
	if err != nil {
		return fmt.Errorf("read app properties: %w", err)
	}
	return nil
}
