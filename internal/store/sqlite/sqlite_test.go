package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/store/sqlite"
	"github.com/mailwiki/mailwiki/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) mailwiki.DeliveryStore {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestTenantConformance(t *testing.T) {
	t.Parallel()
	storetest.RunTenants(t, func(t *testing.T) storetest.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// TestMigratesADatabaseFromBeforeVersionedMigrations: a database made by
// the first release (its delivery table, no migrations table) is upgraded
// in place, its rows kept.
func TestMigratesADatabaseFromBeforeVersionedMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE mailwiki_delivery (queue_id TEXT NOT NULL, route TEXT NOT NULL, tenant_id TEXT NOT NULL, page_id TEXT NOT NULL,
			page_url TEXT NOT NULL, fallback INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, PRIMARY KEY (queue_id, route))`,
		`INSERT INTO mailwiki_delivery VALUES ('Q', 't/DOCS', 't', '7', 'u', 0, '2026-11-01T00:00:00Z')`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	for range 2 { // the second open finds everything applied
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Deliveries(ctx, "Q")
		if err != nil || len(got) != 1 || got[0].PageID != "7" || got[0].State != mailwiki.RouteCreated {
			t.Fatalf("after migration: %+v, %v", got, err)
		}
		if v, err := db.Version(ctx); err != nil || v != 5 {
			t.Fatalf("version %d, %v; want 5", v, err)
		}
		db.Close()
	}
}
