package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// TestStatementCacheKeepsResultsRight: a cached query gives the right rows
// when reused, when the same query runs again while its first rows are still
// open (inside one transaction), and with different arguments each time.
func TestStatementCacheKeepsResultsRight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQL.ExecContext(ctx, `CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3)`); err != nil {
		t.Fatal(err)
	}
	const q = `SELECT n FROM t WHERE n >= ? ORDER BY n`
	for i := 0; i < 50; i++ {
		var n int
		if err := db.SQL.QueryRowContext(ctx, q, 2).Scan(&n); err != nil || n != 2 {
			t.Fatalf("run %d: n=%d err=%v", i, n, err)
		}
	}
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	outer, err := tx.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for outer.Next() {
		var n, inner int
		outer.Scan(&n)
		// The same query while the outer rows are open: must not disturb them.
		if err := tx.QueryRowContext(ctx, q, 3).Scan(&inner); err != nil || inner != 3 {
			t.Fatalf("nested: %d, %v", inner, err)
		}
		got = append(got, n)
	}
	outer.Close()
	tx.Rollback() // give the single connection back
	if len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("outer rows = %v, want [1 2 3]", got)
	}
	cc := cachedCount(t, db)
	if cc == 0 {
		t.Fatal("nothing was cached")
	}
}

func cachedCount(t *testing.T, db *DB) int {
	t.Helper()
	conn, err := db.SQL.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := 0
	conn.Raw(func(dc any) error {
		n = len(dc.(*cachingConn).stmts)
		return nil
	})
	return n
}
