package job_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/job"
	"github.com/mailwiki/mailwiki/internal/spool"
	"github.com/mailwiki/mailwiki/internal/store/sqlite"
)

// gate is a Deliverer that records the envelopes it is given and blocks
// until released.
type gate struct {
	mu   sync.Mutex
	seen []mailwiki.Envelope
	hold chan struct{}
}

func (g *gate) Deliver(ctx context.Context, env *mailwiki.Envelope, _ int, _ func(context.Context) error) error {
	g.mu.Lock()
	g.seen = append(g.seen, *env)
	g.mu.Unlock()
	select {
	case <-g.hold:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// TestEnvelopesAreSealedInTheJobTable: the sender and the recipients are in
// no file of the database, the worker gets the whole envelope, Queued
// opens it, and Cancel removes a waiting job.
func TestEnvelopesAreSealedInTheJobTable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := job.Migrate(context.Background(), riversqlite.New(db.SQL)); err != nil {
		t.Fatal(err)
	}
	kr, _ := spool.NewKeyring("k", map[string][]byte{"k": bytes.Repeat([]byte{3}, spool.KeySize)})
	g := &gate{hold: make(chan struct{})}
	q, err := job.New(riversqlite.New(db.SQL), g, job.Config{Workers: 1, JobTimeout: time.Minute, MaxBackoff: time.Second,
		PollInterval: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler), Sealer: kr})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	envs := []mailwiki.Envelope{
		{ID: "Q1", From: "sender-marker@example.org", To: []string{"rcpt-marker-1@wiki.test"}, Received: time.Now().UTC()},
		{ID: "Q2", From: "sender-marker@example.org", To: []string{"rcpt-marker-2@wiki.test"}, Received: time.Now().UTC()},
	}
	for i := range envs {
		if err := q.Enqueue(ctx, &envs[i]); err != nil {
			t.Fatal(err)
		}
	}
	queued, err := q.Queued(ctx)
	if err != nil || len(queued) != 2 || queued[1].Envelope.To[0] != "rcpt-marker-2@wiki.test" {
		t.Fatalf("queued %+v, %v", queued, err)
	}
	for _, f := range mustGlob(t, filepath.Join(dir, "*")) {
		data, _ := os.ReadFile(f)
		for _, marker := range []string{"sender-marker", "rcpt-marker-1", "rcpt-marker-2"} {
			if bytes.Contains(data, []byte(marker)) {
				t.Errorf("%s holds %q in plaintext", filepath.Base(f), marker)
			}
		}
	}
	if err := q.Cancel(ctx, queued[1].JobID); err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		close(g.hold)
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(sctx)
		db.Close()
	})
	waitFor(t, "the first job", func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.seen) == 1 })
	g.mu.Lock()
	got := g.seen[0]
	g.mu.Unlock()
	if got.From != envs[0].From || got.To[0] != envs[0].To[0] || !got.Received.Equal(envs[0].Received) {
		t.Fatalf("worker got %+v, want %+v", got, envs[0])
	}
	if ids, _ := q.QueuedIDs(ctx); ids["Q2"] || !ids["Q1"] {
		t.Fatalf("queued ids after cancel: %v", ids)
	}
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) == 0 {
		t.Fatalf("glob %s: %v %v", pattern, m, err)
	}
	return m
}
