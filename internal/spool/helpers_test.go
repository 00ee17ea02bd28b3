package spool

import (
	"bytes"
	"context"
	"crypto/rand"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

type bundle struct {
	dir   string
	keys  *Keyring
	spool *Spool
}

func testKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func setup(t *testing.T) *bundle {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "spool")
	kr, err := NewKeyring("k1", map[string][]byte{"k1": testKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := openT(t, dir, kr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{dir: dir, keys: kr, spool: s}
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// put writes and commits a message, writing in uneven chunks to exercise
// segment boundaries.
func put(t *testing.T, s *Spool, id string, body []byte) {
	t.Helper()
	w, err := s.Create(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	for rest := body; len(rest) > 0; {
		n := min(len(rest), 7919)
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// mutateFile rewrites the spool file of id with f applied to its bytes.
func mutateFile(t *testing.T, b *bundle, id string, f func([]byte) []byte) {
	t.Helper()
	p := b.spool.path(id)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, f(bytes.Clone(raw)), 0o600); err != nil {
		t.Fatal(err)
	}
}

// dirNames lists the base names of the files under dir, sub-directories
// included, except the pool of empty files.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == freeDir {
			return filepath.SkipDir // the pool of empty files
		}
		if err == nil && !d.IsDir() {
			names = append(names, d.Name())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// openT opens a spool that is closed when the test ends.
func openT(t testing.TB, dir string, kr *Keyring, o Options) (*Spool, error) {
	s, err := Open(dir, kr, o)
	if err == nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, err
}
