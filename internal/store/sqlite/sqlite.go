// Package sqlite is the embedded store: one SQLite file (modernc.org/sqlite,
// no cgo) holding mailwiki's own tables, next to River's queue tables (which
// the job package migrates and owns).
//
// SQLite allows one writer at a time; River's SQLite driver is documented to
// need a single connection, so the pool is capped at one connection and every
// statement, ours and River's, is serialised through it. The database runs in
// WAL mode with synchronous=FULL: a committed transaction survives a power
// loss, which is what lets a job commit stand behind a 250 reply.
//
// Schema changes are the embedded, versioned files in migration/ (see
// migrate.go).
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/mailwiki/mailwiki"
)

// DB is an open store.
type DB struct {
	SQL *sql.DB
	Now func() time.Time
}

var _ mailwiki.DeliveryStore = (*DB)(nil)

// Open opens (creating if needed) the database file at path and applies the
// store's migrations.
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

func (s *DB) now() string { return s.Now().UTC().Format(time.RFC3339Nano) }

// SaveDelivery records (or replaces) the progress of one route of a message.
func (s *DB) SaveDelivery(ctx context.Context, d mailwiki.Delivery) error {
	_, err := s.SQL.ExecContext(ctx, `INSERT INTO mailwiki_delivery
		(queue_id, route, tenant_id, state, title, claimed_at, page_id, page_url, fallback, error_code, reason, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(queue_id, route) DO UPDATE SET tenant_id = excluded.tenant_id, state = excluded.state,
			title = excluded.title, claimed_at = excluded.claimed_at, page_id = excluded.page_id,
			page_url = excluded.page_url, fallback = excluded.fallback, error_code = excluded.error_code,
			reason = excluded.reason, updated_at = excluded.updated_at`,
		d.QueueID, d.Route, d.TenantID, d.State, d.Title, formatTime(d.ClaimedAt), d.PageID, d.PageURL, d.Fallback,
		d.ErrorCode, d.Reason, s.now())
	if err != nil {
		return fmt.Errorf("sqlite: save delivery %s: %w", d.QueueID, err)
	}
	return nil
}

// Deliveries returns the recorded progress of every route of a message.
func (s *DB) Deliveries(ctx context.Context, queueID string) ([]mailwiki.Delivery, error) {
	rows, err := s.SQL.QueryContext(ctx, `SELECT route, tenant_id, state, title, claimed_at, page_id, page_url,
		fallback, error_code, reason, updated_at FROM mailwiki_delivery WHERE queue_id = ? ORDER BY route`, queueID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read deliveries %s: %w", queueID, err)
	}
	defer rows.Close()
	var out []mailwiki.Delivery
	for rows.Next() {
		d := mailwiki.Delivery{QueueID: queueID}
		var claimed, updated string
		if err := rows.Scan(&d.Route, &d.TenantID, &d.State, &d.Title, &claimed, &d.PageID, &d.PageURL,
			&d.Fallback, &d.ErrorCode, &d.Reason, &updated); err != nil {
			return nil, fmt.Errorf("sqlite: read deliveries %s: %w", queueID, err)
		}
		d.ClaimedAt, d.UpdatedAt = parseTime(claimed), parseTime(updated)
		out = append(out, d)
	}
	return out, rows.Err()
}

// ClaimTitle reserves title in route for queueID (see mailwiki.DeliveryStore).
func (s *DB) ClaimTitle(ctx context.Context, route, title, queueID string) (bool, error) {
	var owner string
	err := s.SQL.QueryRowContext(ctx, `INSERT INTO mailwiki_title_claim (route, title, queue_id, claimed_at)
		VALUES (?, ?, ?, ?) ON CONFLICT(route, title) DO UPDATE SET route = route RETURNING queue_id`,
		route, title, queueID, s.now()).Scan(&owner)
	if err != nil {
		return false, fmt.Errorf("sqlite: claim title for %s: %w", queueID, err)
	}
	return owner == queueID, nil
}

// DeleteDeliveries forgets a message's progress and title claims.
func (s *DB) DeleteDeliveries(ctx context.Context, queueID string) error {
	for _, table := range []string{"mailwiki_delivery", "mailwiki_title_claim"} {
		if _, err := s.SQL.ExecContext(ctx, `DELETE FROM `+table+` WHERE queue_id = ?`, queueID); err != nil {
			return fmt.Errorf("sqlite: delete deliveries %s: %w", queueID, err)
		}
	}
	return nil
}

// DeleteDeliveriesExcept forgets every message whose queue id is not in keep.
func (s *DB) DeleteDeliveriesExcept(ctx context.Context, keep map[string]bool) (int, error) {
	rows, err := s.SQL.QueryContext(ctx, `SELECT queue_id FROM mailwiki_delivery UNION SELECT queue_id FROM mailwiki_title_claim`)
	if err != nil {
		return 0, fmt.Errorf("sqlite: list deliveries: %w", err)
	}
	var gone []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlite: list deliveries: %w", err)
		}
		if !keep[id] {
			gone = append(gone, id)
		}
	}
	rows.Close()
	for _, id := range gone {
		if err := s.DeleteDeliveries(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(gone), rows.Err()
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
