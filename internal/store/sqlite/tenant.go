package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mailwiki/mailwiki"
)

var _ mailwiki.TenantStore = (*DB)(nil)

const registrationColumns = `id, mode, base_url, flavor, allow_insecure_http, app_key, sealed_secret, state, installed_at, updated_at, cloud_id, secret_expires_at, sealed_data_key`

// SaveRegistration inserts or replaces a registration; its hashes stay.
func (s *DB) SaveRegistration(ctx context.Context, r mailwiki.StoredRegistration) error {
	_, err := s.SQL.ExecContext(ctx, `INSERT INTO mailwiki_tenant (`+registrationColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, base_url = excluded.base_url, flavor = excluded.flavor,
			allow_insecure_http = excluded.allow_insecure_http, app_key = excluded.app_key,
			sealed_secret = excluded.sealed_secret, state = excluded.state, updated_at = excluded.updated_at,
			cloud_id = excluded.cloud_id, secret_expires_at = excluded.secret_expires_at, sealed_data_key = excluded.sealed_data_key`,
		r.ID, r.Mode, r.BaseURL, r.Flavor, r.AllowInsecureHTTP, r.AppKey, r.SealedSecret, r.State,
		formatTime(r.InstalledAt), formatTime(r.UpdatedAt), r.CloudID, formatTime(r.SecretExpiresAt), nonNil(r.SealedDataKey))
	if err != nil {
		return fmt.Errorf("sqlite: save tenant %s: %w", r.ID, err)
	}
	return nil
}

// Registration returns one registration, or an ENOTFOUND *mailwiki.Error.
func (s *DB) Registration(ctx context.Context, id string) (mailwiki.StoredRegistration, error) {
	row := s.SQL.QueryRowContext(ctx, `SELECT `+registrationColumns+` FROM mailwiki_tenant WHERE id = ?`, id)
	r, err := scanRegistration(row)
	if errors.Is(err, sql.ErrNoRows) {
		return r, mailwiki.Errorf(mailwiki.ENOTFOUND, "unknown tenant")
	}
	return r, err
}

// Registrations lists every registration, ordered by id.
func (s *DB) Registrations(ctx context.Context) ([]mailwiki.StoredRegistration, error) {
	rows, err := s.SQL.QueryContext(ctx, `SELECT `+registrationColumns+` FROM mailwiki_tenant ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list tenants: %w", err)
	}
	defer rows.Close()
	var out []mailwiki.StoredRegistration
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanRegistration(row scanner) (mailwiki.StoredRegistration, error) {
	var r mailwiki.StoredRegistration
	var installed, updated, expires string
	err := row.Scan(&r.ID, &r.Mode, &r.BaseURL, &r.Flavor, &r.AllowInsecureHTTP, &r.AppKey, &r.SealedSecret, &r.State, &installed, &updated,
		&r.CloudID, &expires, &r.SealedDataKey)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return r, err
		}
		return r, fmt.Errorf("sqlite: read tenant: %w", err)
	}
	r.InstalledAt, r.UpdatedAt, r.SecretExpiresAt = parseTime(installed), parseTime(updated), parseTime(expires)
	return r, nil
}

// nonNil stores a missing blob as an empty one (the column is NOT NULL).
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// ReplaceHashes replaces the tenant's hashes of one kind in one
// transaction; an address hash another tenant owns is an ECONFLICT
// *mailwiki.Error naming its position ("#1" is the first).
func (s *DB) ReplaceHashes(ctx context.Context, tenantID, kind string, hashes []mailwiki.KeyedHash) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM mailwiki_tenant_hash WHERE tenant_id = ? AND kind = ?`, tenantID, kind); err != nil {
			return fmt.Errorf("sqlite: replace hashes: %w", err)
		}
		for i, h := range hashes {
			if kind == mailwiki.HashAddress {
				if owner, err := hashOwner(ctx, tx, kind, h); err != nil {
					return err
				} else if owner != "" && owner != tenantID {
					return mailwiki.Errorf(mailwiki.ECONFLICT, "#%d is already used by another Confluence site", i+1)
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO mailwiki_tenant_hash (tenant_id, kind, key_id, sum) VALUES (?, ?, ?, ?)
				ON CONFLICT DO NOTHING`, tenantID, kind, h.KeyID, h.Sum)
			if err != nil {
				return fmt.Errorf("sqlite: replace hashes: %w", err)
			}
		}
		return nil
	})
}

func hashOwner(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, kind string, h mailwiki.KeyedHash) (string, error) {
	var owner string
	err := q.QueryRowContext(ctx, `SELECT tenant_id FROM mailwiki_tenant_hash WHERE kind = ? AND key_id = ? AND sum = ? LIMIT 1`,
		kind, h.KeyID, h.Sum).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: look up hash: %w", err)
	}
	return owner, nil
}

// TenantByHash returns the tenant that owns one of sums.
func (s *DB) TenantByHash(ctx context.Context, kind string, sums []mailwiki.KeyedHash) (string, error) {
	for _, h := range sums {
		owner, err := hashOwner(ctx, s.SQL, kind, h)
		if err != nil || owner != "" {
			return owner, err
		}
	}
	return "", mailwiki.Errorf(mailwiki.ENOTFOUND, "no such mailbox here")
}

// HasHash reports whether the tenant owns one of sums.
func (s *DB) HasHash(ctx context.Context, tenantID, kind string, sums []mailwiki.KeyedHash) (bool, error) {
	if len(sums) == 0 {
		var n int
		err := s.SQL.QueryRowContext(ctx, `SELECT count(*) FROM mailwiki_tenant_hash WHERE tenant_id = ? AND kind = ?`, tenantID, kind).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("sqlite: look up hashes: %w", err)
		}
		return n > 0, nil
	}
	for _, h := range sums {
		var n int
		err := s.SQL.QueryRowContext(ctx, `SELECT count(*) FROM mailwiki_tenant_hash WHERE tenant_id = ? AND kind = ? AND key_id = ? AND sum = ?`,
			tenantID, kind, h.KeyID, h.Sum).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("sqlite: look up hash: %w", err)
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, nil
}

// HashKeyIDs lists the hash key ids the tenant's hashes use.
func (s *DB) HashKeyIDs(ctx context.Context, tenantID string) ([]string, error) {
	rows, err := s.SQL.QueryContext(ctx, `SELECT DISTINCT key_id FROM mailwiki_tenant_hash WHERE tenant_id = ? ORDER BY key_id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list hash keys: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: list hash keys: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// DeleteTenant removes the tenant's registration, hashes, delivery records
// and title claims (routes are "tenant/space") in one transaction, then
// checkpoints the WAL and truncates it, so that the deleted rows' old page
// images do not stay readable in the WAL file (free pages are zeroed by
// secure_delete).
func (s *DB) DeleteTenant(ctx context.Context, id string) error {
	prefix := id + "/"
	stmts := []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM mailwiki_tenant_hash WHERE tenant_id = ?`, []any{id}},
		{`DELETE FROM mailwiki_tenant WHERE id = ?`, []any{id}},
		{`DELETE FROM mailwiki_delivery WHERE tenant_id = ?`, []any{id}},
		{`DELETE FROM mailwiki_title_claim WHERE substr(route, 1, ?) = ?`, []any{len(prefix), prefix}},
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, st := range stmts {
			if _, err := tx.ExecContext(ctx, st.sql, st.args...); err != nil {
				return fmt.Errorf("sqlite: delete tenant: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if _, err := s.SQL.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("sqlite: checkpoint after deleting tenant %s: %w", id, err)
	}
	return nil
}
