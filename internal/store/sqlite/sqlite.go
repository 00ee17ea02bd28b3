// Package sqlite is the embedded store: one SQLite file (modernc.org/sqlite,
// no cgo) holding mailwiki's own tables and River's queue tables.
//
// SQLite allows one writer at a time; River's SQLite driver is documented to
// need a single connection, so the pool is capped at one connection and every
// statement, ours and River's, is serialised through it. The database runs in
// WAL mode with synchronous=FULL: a committed transaction survives a power
// loss, which is what lets a job commit stand behind a 250 reply.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/mailwiki/mailwiki/internal/store"
)

// DB is an open store.
type DB struct {
	SQL *sql.DB
	Now func() time.Time
}

var _ store.Deliveries = (*DB)(nil)

// Open opens (creating if needed) the database file at path and migrates it,
// River's schema included.
func Open(ctx context.Context, path string) (*DB, error) {
	connector, err := newCachingConnector(dsn(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	s := &DB{SQL: db, Now: time.Now}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func dsn(path string) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Close closes the database.
func (s *DB) Close() error { return s.SQL.Close() }

const schema = `
CREATE TABLE IF NOT EXISTS mailwiki_delivery (
	queue_id   TEXT NOT NULL,
	route      TEXT NOT NULL,
	tenant_id  TEXT NOT NULL,
	page_id    TEXT NOT NULL,
	page_url   TEXT NOT NULL,
	fallback   INTEGER NOT NULL DEFAULT 0,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (queue_id, route)
);`

func (s *DB) migrate(ctx context.Context) error {
	m, err := rivermigrate.New(riversqlite.New(s.SQL), nil)
	if err != nil {
		return fmt.Errorf("sqlite: river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("sqlite: river migrations: %w", err)
	}
	if _, err := s.SQL.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("sqlite: mailwiki schema: %w", err)
	}
	return nil
}

// SavePage records (or replaces) the page made for a queued message.
func (s *DB) SavePage(ctx context.Context, d store.Delivery) error {
	_, err := s.SQL.ExecContext(ctx, `INSERT INTO mailwiki_delivery (queue_id, route, tenant_id, page_id, page_url, fallback, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(queue_id, route) DO UPDATE SET page_id = excluded.page_id, page_url = excluded.page_url,
			fallback = excluded.fallback, updated_at = excluded.updated_at`,
		d.QueueID, d.Route, d.TenantID, d.PageID, d.PageURL, d.Fallback, s.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("sqlite: save delivery %s: %w", d.QueueID, err)
	}
	return nil
}

// Delivery returns the recorded progress of a queued message.
func (s *DB) Delivery(ctx context.Context, queueID, route string) (store.Delivery, bool, error) {
	d := store.Delivery{QueueID: queueID, Route: route}
	var updated string
	err := s.SQL.QueryRowContext(ctx, `SELECT tenant_id, page_id, page_url, fallback, updated_at FROM mailwiki_delivery WHERE queue_id = ? AND route = ?`, queueID, route).
		Scan(&d.TenantID, &d.PageID, &d.PageURL, &d.Fallback, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Delivery{}, false, nil
	}
	if err != nil {
		return store.Delivery{}, false, fmt.Errorf("sqlite: read delivery %s: %w", queueID, err)
	}
	d.UpdatedAt, _ = time.Parse(time.RFC3339Nano, updated)
	return d, true, nil
}

// DeleteDeliveries forgets a queued message's progress on every route.
func (s *DB) DeleteDeliveries(ctx context.Context, queueID string) error {
	if _, err := s.SQL.ExecContext(ctx, `DELETE FROM mailwiki_delivery WHERE queue_id = ?`, queueID); err != nil {
		return fmt.Errorf("sqlite: delete delivery %s: %w", queueID, err)
	}
	return nil
}
