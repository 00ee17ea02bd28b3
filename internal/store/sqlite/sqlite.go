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
	// secure_delete: deleted rows are overwritten, so that what uninstall
	// or retention removes is not left readable in free pages.
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(ON)", "secure_delete(ON)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Close closes the database.
func (s *DB) Close() error { return s.SQL.Close() }

// timeLayout is how times are stored: fixed width, so that stored times
// compare as strings (RFC3339Nano drops trailing zeros); parseTime reads
// it, and older rows, with time.RFC3339Nano.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func (s *DB) now() string { return s.Now().UTC().Format(timeLayout) }

// SaveDelivery records (or replaces) the progress of one route of a message.
func (s *DB) SaveDelivery(ctx context.Context, d mailwiki.Delivery) error {
	return s.saveDelivery(ctx, s.SQL, d)
}

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *DB) saveDelivery(ctx context.Context, db execer, d mailwiki.Delivery) error {
	_, err := db.ExecContext(ctx, `INSERT INTO mailwiki_delivery
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

// ClaimTitle reserves d.Title in d.Route for d.QueueID and saves d when
// the title is the message's (see mailwiki.DeliveryStore).
func (s *DB) ClaimTitle(ctx context.Context, d mailwiki.Delivery) (bool, error) {
	tx, err := s.SQL.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: claim title for %s: %w", d.QueueID, err)
	}
	defer tx.Rollback()
	var owner string
	err = tx.QueryRowContext(ctx, `INSERT INTO mailwiki_title_claim (route, title, queue_id, claimed_at)
		VALUES (?, ?, ?, ?) ON CONFLICT(route, title) DO UPDATE SET route = route RETURNING queue_id`,
		d.Route, d.Title, d.QueueID, s.now()).Scan(&owner)
	if err != nil {
		return false, fmt.Errorf("sqlite: claim title for %s: %w", d.QueueID, err)
	}
	if owner != d.QueueID {
		return false, nil
	}
	if err := s.saveDelivery(ctx, tx, d); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: claim title for %s: %w", d.QueueID, err)
	}
	return true, nil
}

// DeleteDeliveries forgets a message's progress and title claims.
func (s *DB) DeleteDeliveries(ctx context.Context, queueID string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return deleteMessage(ctx, tx, queueID) })
}

func deleteMessage(ctx context.Context, tx *sql.Tx, queueID string) error {
	for _, table := range []string{"mailwiki_delivery", "mailwiki_title_claim"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE queue_id = ?`, queueID); err != nil {
			return fmt.Errorf("sqlite: delete deliveries %s: %w", queueID, err)
		}
	}
	return nil
}

// PurgeDeliveries forgets, in one transaction, the finished messages'
// progress and old claims (see mailwiki.DeliveryStore).
func (s *DB) PurgeDeliveries(ctx context.Context, keep map[string]bool, since, claimsBefore time.Time) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		gone, err := staleMessages(ctx, tx, keep, formatTime(since))
		if err != nil {
			return err
		}
		now := s.now()
		for _, id := range gone {
			if _, err := tx.ExecContext(ctx, `DELETE FROM mailwiki_delivery WHERE queue_id = ?`, id); err != nil {
				return fmt.Errorf("sqlite: purge deliveries: %w", err)
			}
			// Its claims are kept from now on (claimed_at becomes the
			// release time): see mailwiki.ClaimRetention.
			if _, err := tx.ExecContext(ctx, `UPDATE mailwiki_title_claim SET claimed_at = ? WHERE queue_id = ?`, now, id); err != nil {
				return fmt.Errorf("sqlite: purge deliveries: %w", err)
			}
		}
		n = len(gone)
		return purgeClaims(ctx, tx, keep, formatTime(claimsBefore))
	})
	return n, err
}

// purgeClaims deletes the claims of messages not in keep whose progress
// is forgotten, released (or made) before before.
func purgeClaims(ctx context.Context, tx *sql.Tx, keep map[string]bool, before string) error {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT queue_id FROM mailwiki_title_claim c WHERE claimed_at < ?
		AND NOT EXISTS (SELECT 1 FROM mailwiki_delivery d WHERE d.queue_id = c.queue_id)`, before)
	if err != nil {
		return fmt.Errorf("sqlite: purge claims: %w", err)
	}
	var gone []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: purge claims: %w", err)
		}
		if !keep[id] {
			gone = append(gone, id)
		}
	}
	rows.Close()
	for _, id := range gone {
		if _, err := tx.ExecContext(ctx, `DELETE FROM mailwiki_title_claim WHERE queue_id = ? AND claimed_at < ?`, id, before); err != nil {
			return fmt.Errorf("sqlite: purge claims: %w", err)
		}
	}
	return rows.Err()
}

// staleMessages lists the queue ids not in keep whose progress rows all
// predate since.
func staleMessages(ctx context.Context, tx *sql.Tx, keep map[string]bool, since string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT queue_id, max(updated_at) FROM mailwiki_delivery GROUP BY queue_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list deliveries: %w", err)
	}
	defer rows.Close()
	var gone []string
	for rows.Next() {
		var id, last string
		if err := rows.Scan(&id, &last); err != nil {
			return nil, fmt.Errorf("sqlite: list deliveries: %w", err)
		}
		if !keep[id] && last < since {
			gone = append(gone, id)
		}
	}
	return gone, rows.Err()
}

func (s *DB) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
