package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrations are the store's schema changes, named NNN_name.sql and applied
// in order, each in its own transaction, each once: mailwiki_migration
// records the versions applied.
//
//go:embed migration/*.sql
var migrations embed.FS

// migration is one embedded schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded files, sorted by version.
func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, path := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(path, "migration/"), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration file %s: want NNN_name.sql", path)
		}
		data, err := migrations.ReadFile(path)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies the migrations not applied yet.
func (s *DB) migrate(ctx context.Context) error {
	if _, err := s.SQL.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS mailwiki_migration (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrations table: %w", err)
	}
	all, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	for _, m := range all {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("sqlite: migration %03d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}

// apply runs m in one transaction unless it is recorded as applied.
func (s *DB) apply(ctx context.Context, m migration) error {
	tx, err := s.SQL.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM mailwiki_migration WHERE version = ?`, m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO mailwiki_migration (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, s.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		return err
	}
	return tx.Commit()
}

// Version returns the highest migration applied.
func (s *DB) Version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.SQL.QueryRowContext(ctx, `SELECT max(version) FROM mailwiki_migration`).Scan(&v)
	return int(v.Int64), err
}
