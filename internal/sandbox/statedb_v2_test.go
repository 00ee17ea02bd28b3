package sandbox

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestMigratesSchema1 opens a state file of schema 1: it gains the tables
// of schema 2 and a client key, and keeps its content.
func TestMigratesSchema1(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", stateDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(stateSchema + "INSERT INTO spaces (id, key, name, created_at) VALUES ('70000', 'OLD', 'Old', '2024-01-01T00:00:00Z'); PRAGMA user_version = 1;"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	b := setupWith(t, Options{StatePath: path})
	if _, err := b.sb.spaceByKey("OLD"); err != nil || b.sb.ClientKey() == "" {
		t.Fatalf("after migration: %v, client key %q", err, b.sb.ClientKey())
	}
	if _, err := b.sb.CreateFolder("OLD", "New folder", ""); err != nil {
		t.Fatal(err)
	}
	var version int
	if err := b.sb.db.db.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != stateSchemaVersion {
		t.Fatalf("user_version %d (%v)", version, err)
	}
}
