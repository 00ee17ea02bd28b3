package job_test

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/job"
)

// finisher calls finish, then looks at the job's row before returning, as a
// process killed right after finishing would leave it.
type finisher struct {
	db    *sql.DB
	state chan string
	runs  chan int
}

func (f *finisher) Deliver(ctx context.Context, env *mailwiki.Envelope, attempt int, finish func(context.Context) error) error {
	f.runs <- attempt
	if err := finish(ctx); err != nil {
		return err
	}
	var s string
	f.db.QueryRowContext(ctx, `SELECT state FROM river_job WHERE json_extract(args, '$.envelope.ID') = ?`, env.ID).Scan(&s)
	f.state <- s
	return nil
}

// TestFinishCompletesTheJobAtOnce: after finish returns, the job is
// completed in the database, not later in River's batch: a crash right
// after finishing cannot run the delivery again.
func TestFinishCompletesTheJobAtOnce(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	defer db.Close()
	f := &finisher{db: db.SQL, state: make(chan string, 1), runs: make(chan int, 10)}
	q, err := job.New(riversqlite.New(db.SQL), f, job.Config{Workers: 1, JobTimeout: time.Minute, MaxBackoff: time.Second,
		PollInterval: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	if err := q.Enqueue(context.Background(), &mailwiki.Envelope{ID: "F1"}); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-f.state:
		if s != "completed" {
			t.Fatalf("job state right after finish = %q, want completed", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("job never ran")
	}
}

// TestRescueOrphansAndQueuedIDs: a job left running by a dead process is
// made available again, and QueuedIDs names every unfinished message.
func TestRescueOrphansAndQueuedIDs(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	defer db.Close()
	q, err := job.New(riversqlite.New(db.SQL), &recorder{calls: map[string]int{}}, job.Config{Workers: 1, JobTimeout: time.Minute, MaxBackoff: time.Second, PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, id := range []string{"A", "B"} {
		if err := q.Enqueue(ctx, &mailwiki.Envelope{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	db.SQL.Exec(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = datetime('now') WHERE json_extract(args, '$.envelope.ID') = 'A'`)
	db.SQL.Exec(`UPDATE river_job SET state = 'completed', finalized_at = datetime('now') WHERE json_extract(args, '$.envelope.ID') = 'B'`)
	n, err := q.RescueOrphans(ctx)
	if err != nil || n != 1 {
		t.Fatalf("RescueOrphans = %d, %v; want 1", n, err)
	}
	var state string
	db.SQL.QueryRow(`SELECT state FROM river_job WHERE json_extract(args, '$.envelope.ID') = 'A'`).Scan(&state)
	if state != "available" {
		t.Fatalf("rescued job is %q, want available", state)
	}
	ids, err := q.QueuedIDs(ctx)
	if err != nil || len(ids) != 1 || !ids["A"] {
		t.Fatalf("QueuedIDs = %v, %v; want only A", ids, err)
	}
	if p, err := q.Pending(ctx); err != nil || p != 1 {
		t.Fatalf("Pending = %d, %v; want 1", p, err)
	}
	q.Stop(ctx)
}
