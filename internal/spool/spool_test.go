package spool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	sizes := []int{0, 1, segmentSize - 1, segmentSize, segmentSize + 1, 2 * segmentSize, 3 << 20}
	for _, size := range sizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			body := randomBytes(t, size)
			put(t, b.spool, "m1", body)
			got, err := b.spool.ReadAll(context.Background(), "m1")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, body) {
				t.Fatalf("read %d bytes, want the %d written", len(got), len(body))
			}
		})
	}
}

func TestPlaintextNeverOnDisk(t *testing.T) {
	t.Parallel()
	b := setup(t)
	marker := []byte("MARKER-" + fmt.Sprint(time.Now().UnixNano()) + "-do-not-store-in-clear")
	body := bytes.Repeat(append(marker, '\n'), 5000) // spans several segments
	put(t, b.spool, "committed", body)
	w, err := b.spool.Create(context.Background(), "pending") // a temp file mid-write
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if _, err := w.Write(body); err != nil {
		t.Fatal(err)
	}
	seen := 0
	err = filepath.WalkDir(b.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if len(raw) > 0 { // pooled files are empty
			seen++
		}
		if bytes.Contains(raw, marker) || bytes.Contains(raw, []byte("MARKER-")) {
			t.Errorf("%s contains the plaintext marker", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != 2 {
		t.Fatalf("scanned %d non-empty files, want 2 (committed and temporary)", seen)
	}
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	put(t, b.spool, "m1", []byte("x"))
	for p, want := range map[string]os.FileMode{b.dir: 0o700, b.spool.path("m1"): 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", p, got, want)
		}
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w, err := b.spool.Create(context.Background(), "m1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(randomBytes(t, 3*segmentSize)); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	w.Abort() // idempotent
	if names := dirNames(t, b.dir); len(names) != 0 {
		t.Fatalf("after Abort the directory holds %q", names)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Fatal("Write after Abort succeeded")
	}
}

func TestAbortAfterCommitKeepsMessage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w, err := b.spool.Create(context.Background(), "m1")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("hello"))
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if got, err := b.spool.ReadAll(context.Background(), "m1"); err != nil || string(got) != "hello" {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
	if names := dirNames(t, b.dir); len(names) != 1 || names[0] != "m1.msg" {
		t.Fatalf("directory holds %q, want only m1.msg", names)
	}
}

func TestOpenRemovesCrashLeftovers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	put(t, b.spool, "kept", []byte("kept"))
	w, err := b.spool.Create(context.Background(), "crashed")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("half a message")) // never committed: the process "crashes"
	if _, err := openT(t, b.dir, b.keys, Options{}); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, b.dir); len(names) != 1 || names[0] != "kept.msg" {
		t.Fatalf("after reopening the directory holds %q, want only kept.msg", names)
	}
}

func TestDuplicateIDRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	w1, err := b.spool.Create(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	w2, err := b.spool.Create(ctx, "m1") // both started before either committed
	if err != nil {
		t.Fatal(err)
	}
	w1.Write([]byte("first"))
	w2.Write([]byte("second"))
	if err := w1.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := w2.Commit(); mailwiki.ErrorCode(err) != mailwiki.ECONFLICT {
		t.Fatalf("second Commit of the same id: %v, want ECONFLICT", err)
	}
	if _, err := b.spool.Create(ctx, "m1"); mailwiki.ErrorCode(err) != mailwiki.ECONFLICT {
		t.Fatalf("Create of an existing id: %v, want ECONFLICT", err)
	}
	if got, _ := b.spool.ReadAll(ctx, "m1"); string(got) != "first" {
		t.Fatalf("message = %q, want the first one kept", got)
	}
	if names := dirNames(t, b.dir); len(names) != 1 {
		t.Fatalf("directory holds %q", names)
	}
}

func TestInvalidIDs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	for _, id := range []string{"", "../x", "a/b", "..", ".", "a.b", "x\x00", strings.Repeat("a", 129), "a b"} {
		if _, err := b.spool.Create(ctx, id); mailwiki.ErrorCode(err) != mailwiki.EINVALID {
			t.Errorf("Create(%q) = %v, want EINVALID", id, err)
		}
		if _, err := b.spool.Reader(ctx, id); mailwiki.ErrorCode(err) != mailwiki.EINVALID {
			t.Errorf("Reader(%q) = %v, want EINVALID", id, err)
		}
		if err := b.spool.Delete(ctx, id); mailwiki.ErrorCode(err) != mailwiki.EINVALID {
			t.Errorf("Delete(%q) = %v, want EINVALID", id, err)
		}
	}
}

func TestDeleteAndNotFound(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	put(t, b.spool, "m1", []byte("x"))
	if err := b.spool.Delete(ctx, "m1"); err != nil {
		t.Fatal(err)
	}
	if err := b.spool.Delete(ctx, "m1"); err != nil {
		t.Fatalf("deleting a missing message: %v", err)
	}
	_, err := b.spool.ReadAll(ctx, "m1")
	if mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadAll after Delete: %v, want ENOTFOUND wrapping fs.ErrNotExist", err)
	}
}

func TestListUsesInjectedClock(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "spool")
	kr, _ := NewKeyring("k1", map[string][]byte{"k1": testKey(t)})
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := base
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, err := openT(t, dir, kr, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"new", "old", "mid"} {
		mu.Lock()
		now = base.Add(-time.Duration(i%2*48+i) * time.Hour)
		mu.Unlock()
		put(t, s, id, []byte(id))
	}
	w, _ := s.Create(context.Background(), "uncommitted")
	defer w.Abort()
	got, err := s.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range got {
		ids = append(ids, e.ID)
		if e.Size <= int64(fixedHeader) {
			t.Errorf("%s: size %d is not the file size", e.ID, e.Size)
		}
	}
	if want := "old mid new"; strings.Join(ids, " ") != want {
		t.Fatalf("List order %q, want %q", ids, want)
	}
	if !got[0].Created.Equal(base.Add(-49 * time.Hour)) {
		t.Fatalf("oldest created %v, want %v", got[0].Created, base.Add(-49*time.Hour))
	}
}

func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("m%02d", i)
			w, err := b.spool.Create(ctx, id)
			if err != nil {
				errs <- err
				return
			}
			defer w.Abort()
			for range 3 {
				w.Write(bytes.Repeat([]byte(id), segmentSize/3))
			}
			errs <- w.Commit()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		id := fmt.Sprintf("m%02d", i)
		got, err := b.spool.ReadAll(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := bytes.Repeat(bytes.Repeat([]byte(id), segmentSize/3), 3); !bytes.Equal(got, want) {
			t.Fatalf("%s: read %d bytes, not what was written", id, len(got))
		}
	}
}

func TestCanceledContext(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.spool.Create(ctx, "m1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Create with a canceled context: %v", err)
	}
}
