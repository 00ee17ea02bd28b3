package smtpd

import (
	"context"
	"crypto/rand"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/spool"
)

// testSpool is a Deliver implementation over a real encrypted spool, as the
// production handler does it: stream, and commit only a complete body.
type testSpool struct {
	dir string
	sp  *spool.Spool
}

func newTestSpool(t *testing.T) *testSpool {
	t.Helper()
	key := make([]byte, spool.KeySize)
	rand.Read(key)
	kr, err := spool.NewKeyring("k", map[string][]byte{"k": key})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "spool")
	sp, err := spool.Open(dir, kr, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	return &testSpool{dir: dir, sp: sp}
}

func (s *testSpool) deliver(ctx context.Context, env *mailwiki.Envelope, body io.Reader) error {
	w, err := s.sp.Create(ctx, env.ID)
	if err != nil {
		return err
	}
	defer w.Abort()
	if _, err := io.Copy(w, body); err != nil {
		return err
	}
	return w.Commit()
}

// files counts the messages and temporary files under the spool directory
// (the pool of empty files aside).
func (s *testSpool) files(t *testing.T) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Type().IsRegular() && strings.HasSuffix(d.Name(), ".msg") {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
