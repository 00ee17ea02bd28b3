package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mailwiki/mailwiki/internal/store"
	"github.com/mailwiki/mailwiki/internal/store/sqlite"
	"github.com/mailwiki/mailwiki/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Deliveries {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestReopenKeepsData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SavePage(ctx, store.Delivery{QueueID: "Q", Route: "r", TenantID: "t", PageID: "7", PageURL: "u"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(ctx, path) // migrations run again: must be idempotent
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if d, ok, err := db.Delivery(ctx, "Q", "r"); err != nil || !ok || d.PageID != "7" {
		t.Fatalf("after reopen: %+v ok=%v err=%v", d, ok, err)
	}
}
