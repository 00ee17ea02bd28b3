package spool

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/mailwiki/mailwiki"
)

func freeFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := readDirNames(filepath.Join(dir, freeDir))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestDeleteRecyclesAnEmptiedFile: Delete leaves no message and no data: the
// file goes back to the pool with zero bytes.
func TestDeleteRecyclesAnEmptiedFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "spool")
	kr, _ := NewKeyring("k", map[string][]byte{"k": bytes.Repeat([]byte{7}, KeySize)})
	s, err := openT(t, dir, kr, Options{PoolSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, "m1", bytes.Repeat([]byte("secret "), 10000))
	if err := s.Delete(context.Background(), "m1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadAll(context.Background(), "m1"); mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
		t.Fatalf("read after delete: %v, want not found", err)
	}
	for _, n := range freeFiles(t, dir) {
		if fi, err := os.Stat(filepath.Join(dir, freeDir, n)); err == nil && fi.Size() != 0 {
			t.Fatalf("pooled file %s holds %d bytes", n, fi.Size())
		}
	}
}

// TestOpenKeepsAMessageLeftLinkedInThePool: a crash between a commit's link
// and its removal of the pooled name leaves the message under two names;
// Open must drop the pooled name, not truncate the message.
func TestOpenKeepsAMessageLeftLinkedInThePool(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "spool")
	kr, _ := NewKeyring("k", map[string][]byte{"k": bytes.Repeat([]byte{7}, KeySize)})
	s, err := openT(t, dir, kr, Options{PoolSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("committed before the crash")
	put(t, s, "m1", body)
	s.Close()
	stale := filepath.Join(dir, freeDir, freePrefix+"stale")
	if err := os.Link(s.path("m1"), stale); err != nil {
		t.Fatal(err)
	}
	leftover := filepath.Join(dir, freeDir, freePrefix+"partial")
	os.WriteFile(leftover, []byte("ciphertext of an interrupted write"), 0o600)

	s2, err := openT(t, dir, kr, Options{PoolSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s2.ReadAll(context.Background(), "m1"); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("message after reopening: %q, %v", got, err)
	}
	if _, err := os.Lstat(stale); !os.IsNotExist(err) {
		t.Fatalf("the stale pooled name survived: %v", err)
	}
	if fi, err := os.Stat(leftover); err == nil && fi.Size() != 0 {
		t.Fatalf("an interrupted write's file kept %d bytes in the pool", fi.Size())
	}
}

// TestWritersUsePooledFiles: with a full pool, a commit creates no file:
// the message is written into one of the pooled files.
func TestWritersUsePooledFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "spool")
	kr, _ := NewKeyring("k", map[string][]byte{"k": bytes.Repeat([]byte{7}, KeySize)})
	s, err := openT(t, dir, kr, Options{PoolSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	for len(s.pool) < 3 {
		runtime.Gosched()
	}
	var before []os.FileInfo
	for _, n := range freeFiles(t, dir) {
		if fi, err := os.Stat(filepath.Join(dir, freeDir, n)); err == nil {
			before = append(before, fi)
		}
	}
	put(t, s, "m1", []byte("hello"))
	final, err := os.Stat(s.path("m1"))
	if err != nil {
		t.Fatal(err)
	}
	reused := false
	for _, fi := range before {
		reused = reused || os.SameFile(fi, final)
	}
	if !reused {
		t.Fatal("the message was written to a new file, not a pooled one")
	}
	if got, err := s.ReadAll(context.Background(), "m1"); err != nil || string(got) != "hello" {
		t.Fatalf("read: %q, %v", got, err)
	}
}
