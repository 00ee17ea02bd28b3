package job_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/job"
	"github.com/mailwiki/mailwiki/internal/store/sqlite"
)

// recorder is a fake Deliverer: it answers each call with the next scripted
// error (nil when the script is exhausted) and records the envelopes.
type recorder struct {
	mu     sync.Mutex
	script map[string][]error
	calls  map[string]int
}

func (r *recorder) Deliver(_ context.Context, env *mailwiki.Envelope, attempt int, _ func(context.Context) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[env.ID]++
	if s := r.script[env.ID]; len(s) > 0 {
		r.script[env.ID] = s[1:]
		return s[0]
	}
	return nil
}

func (r *recorder) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[id]
}

func setup(t *testing.T, script map[string][]error) (*job.Queue, *sql.DB, *recorder) {
	t.Helper()
	db := openDB(t)
	rec := &recorder{script: script, calls: map[string]int{}}
	q, err := job.New(riversqlite.New(db.SQL), rec, job.Config{Workers: 4, JobTimeout: time.Minute, MaxBackoff: time.Second, PollInterval: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
		db.Close()
	})
	return q, db.SQL, rec
}

func enqueue(t *testing.T, q *job.Queue, id string) {
	t.Helper()
	if err := q.Enqueue(context.Background(), &mailwiki.Envelope{ID: id, To: []string{"docs@x.test"}, Received: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func state(t *testing.T, db *sql.DB, id string) string {
	t.Helper()
	var s string
	err := db.QueryRow(`SELECT state FROM river_job WHERE json_extract(args, '$.envelope.ID') = ?`, id).Scan(&s)
	if err != nil {
		t.Fatalf("state of %s: %v", id, err)
	}
	return s
}

// TestConcurrentEnqueuesAreAllCommittedOnce: the group committer commits
// every job handed to it by concurrent sessions, each exactly once.
func TestConcurrentEnqueuesAreAllCommittedOnce(t *testing.T) {
	t.Parallel()
	q, db, rec := setup(t, nil)
	const n = 60
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			enqueue(t, q, fmt.Sprintf("M%03d", i))
		}(i)
	}
	wg.Wait()
	var rows int
	db.QueryRow(`SELECT count(*) FROM river_job`).Scan(&rows)
	if rows != n {
		t.Fatalf("%d job rows after %d enqueues", rows, n)
	}
	waitFor(t, "every job worked", func() bool {
		for i := 0; i < n; i++ {
			if rec.count(fmt.Sprintf("M%03d", i)) == 0 {
				return false
			}
		}
		return true
	})
	for i := 0; i < n; i++ {
		if c := rec.count(fmt.Sprintf("M%03d", i)); c != 1 {
			t.Errorf("M%03d delivered %d times", i, c)
		}
	}
}

func TestPermanentFailureCancelsTheJob(t *testing.T) {
	t.Parallel()
	q, db, rec := setup(t, map[string][]error{"P": {mailwiki.Errorf(mailwiki.ENOTFOUND, "no such space")}})
	enqueue(t, q, "P")
	waitFor(t, "the job cancelled", func() bool { return state(t, db, "P") == "cancelled" })
	time.Sleep(1500 * time.Millisecond) // longer than a backoff: no retry may come
	if c := rec.count("P"); c != 1 {
		t.Fatalf("a permanent failure was attempted %d times", c)
	}
}

func TestTemporaryFailureIsRetried(t *testing.T) {
	t.Parallel()
	q, db, rec := setup(t, map[string][]error{"T": {mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "down"), mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "down")}})
	enqueue(t, q, "T")
	waitFor(t, "the job completed", func() bool { return state(t, db, "T") == "completed" })
	if c := rec.count("T"); c != 3 {
		t.Fatalf("attempts = %d, want 3 (two temporary failures, then success)", c)
	}
}

func TestRetryAfterSnoozesWithoutSpendingAnAttempt(t *testing.T) {
	t.Parallel()
	limited := fmt.Errorf("create page: %w", &mailwiki.Error{Code: mailwiki.ERATELIMIT, Temporary: true, RetryAfter: 3 * time.Second})
	q, db, rec := setup(t, map[string][]error{"R": {limited}})
	enqueue(t, q, "R")
	waitFor(t, "the first attempt", func() bool { return rec.count("R") == 1 })
	first := time.Now()
	waitFor(t, "the job completed after the snooze", func() bool { return state(t, db, "R") == "completed" })
	if waited := time.Since(first); waited < 2500*time.Millisecond {
		t.Errorf("second attempt %v after the first, want at least the 3 s Confluence asked for", waited)
	}
	var attempt int
	db.QueryRow(`SELECT attempt FROM river_job WHERE json_extract(args, '$.envelope.ID') = 'R'`).Scan(&attempt)
	if attempt != 1 || rec.count("R") != 2 {
		t.Errorf("attempt = %d after %d runs, want 1 after 2 (a snooze is not an attempt)", attempt, rec.count("R"))
	}
}

func TestEnqueueAfterStopFails(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	defer db.Close()
	q, err := job.New(riversqlite.New(db.SQL), &recorder{calls: map[string]int{}}, job.Config{Workers: 1, JobTimeout: time.Minute, MaxBackoff: time.Second, PollInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	q.Start(context.Background())
	q.Stop(context.Background())
	if err := q.Enqueue(context.Background(), &mailwiki.Envelope{ID: "late"}); err == nil {
		t.Fatal("Enqueue after Stop succeeded: a 250 could be given with no worker to deliver")
	}
}

// openDB opens an embedded database with River's schema.
func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := job.Migrate(context.Background(), riversqlite.New(db.SQL)); err != nil {
		t.Fatal(err)
	}
	return db
}
