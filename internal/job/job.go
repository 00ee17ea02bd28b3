// Package job runs deliveries on River (riverqueue/river) over the store's
// database. One job kind, mailwiki.deliver, carries a message's envelope
// (never its content: that stays in the encrypted spool).
//
// Retry semantics: a temporary failure is retried with exponential backoff
// (1 s, 2 s, 4 s, … capped at MaxBackoff, with ±20 % jitter) for as long as
// the message is younger than its retention limit; a Retry-After from
// Confluence that the client could not honour itself snoozes the job for
// that long instead. A permanent failure cancels the job. The delivery use
// case itself deletes the message when it gives up, so no attempt limit is
// needed to keep the 48-hour promise; River's attempt limit is set high
// only as a backstop.
package job

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/confluence"
)

// DeliverArgs is the job's payload.
type DeliverArgs struct {
	Envelope mailwiki.Envelope `json:"envelope"`
}

// Kind is River's job kind.
func (DeliverArgs) Kind() string { return "mailwiki.deliver" }

// InsertOpts sets the backstop attempt limit.
func (DeliverArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 100000} }

// Deliverer is the use case a job runs (pipeline.Deliverer).
type Deliverer interface {
	Deliver(ctx context.Context, env *mailwiki.Envelope, attempt int) error
}

// Config configures the queue.
type Config struct {
	Workers      int
	JobTimeout   time.Duration
	MaxBackoff   time.Duration
	PollInterval time.Duration
	Logger       *slog.Logger
	Throttle     *Throttle // nil: deliveries never yield to receiving
}

// Queue owns the River client and the group committer of new jobs.
type Queue struct {
	client        *river.Client[*sql.Tx]
	requests      chan enqueueRequest
	closed        chan struct{}
	committerDone chan struct{}
}

// New builds a River client on db (a SQLite database already migrated).
func New(db *sql.DB, d Deliverer, cfg Config) (*Queue, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker{d: d, timeout: cfg.JobTimeout, maxBackoff: cfg.MaxBackoff, throttle: cfg.Throttle})
	client, err := river.NewClient(riversqlite.New(db), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:           workers,
		Logger:            cfg.Logger,
		FetchCooldown:     50 * time.Millisecond,
		FetchPollInterval: cfg.PollInterval,
		JobTimeout:        cfg.JobTimeout,
		// Completed jobs hold only envelopes; keep them briefly for diagnosis.
		CompletedJobRetentionPeriod: time.Hour,
		CancelledJobRetentionPeriod: 24 * time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("job: river client: %w", err)
	}
	q := &Queue{client: client, requests: make(chan enqueueRequest), closed: make(chan struct{}), committerDone: make(chan struct{})}
	go q.commitLoop()
	return q, nil
}

// Start starts working jobs; it returns once the workers run.
func (q *Queue) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop refuses new jobs, lets running jobs finish until ctx ends, then
// cancels them (they are retried at the next start). Call it after the SMTP
// server has stopped.
func (q *Queue) Stop(ctx context.Context) error {
	close(q.closed)
	<-q.committerDone
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return q.client.StopAndCancel(context.Background())
	}
	return err
}

// Pending counts jobs not yet finished (available, scheduled, retryable, running).
func Pending(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available','scheduled','retryable','running','pending')`).Scan(&n)
	return n, err
}

type worker struct {
	river.WorkerDefaults[DeliverArgs]
	d          Deliverer
	timeout    time.Duration
	maxBackoff time.Duration
	throttle   *Throttle
}

func (w *worker) Timeout(*river.Job[DeliverArgs]) time.Duration { return w.timeout }

// Work runs one attempt and translates its outcome for River.
func (w *worker) Work(ctx context.Context, j *river.Job[DeliverArgs]) error {
	if err := w.throttle.enter(ctx); err != nil {
		return river.JobSnooze(0) // stopping: run it again at the next start, no attempt spent
	}
	defer w.throttle.leave()
	err := w.d.Deliver(ctx, &j.Args.Envelope, j.Attempt)
	switch {
	case err == nil:
		return nil
	case !mailwiki.IsTemporary(err):
		return river.JobCancel(err)
	}
	if d := confluence.RetryAfter(err); d > 0 {
		return river.JobSnooze(d)
	}
	return err
}

// NextRetry is exponential backoff with jitter, capped at maxBackoff.
func (w *worker) NextRetry(j *river.Job[DeliverArgs]) time.Time {
	return time.Now().Add(backoff(j.Attempt, w.maxBackoff))
}

func backoff(attempt int, max time.Duration) time.Duration {
	d := time.Second << min(attempt-1, 20)
	if d > max || d <= 0 {
		d = max
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

var _ rivertype.JobArgs = DeliverArgs{}

// RescueOrphans makes jobs left "running" by a process that died (a crash,
// SIGKILL, power loss) available again. River's own rescuer would only
// retry them after its stuck-job threshold (an hour by default); for the
// embedded SQLite store, where the caller holds the data directory's lock and
// so is the only process using the database, every running job at start-up
// is an orphan. It must be called before Start. It is not for a shared
// PostgreSQL database, where other nodes' jobs are running.
func RescueOrphans(ctx context.Context, db *sql.DB) (int64, error) {
	res, err := db.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
	if err != nil {
		return 0, fmt.Errorf("job: rescue orphaned jobs: %w", err)
	}
	return res.RowsAffected()
}

// QueuedIDs returns the queue ids of every message whose delivery job is not
// finished. At start-up, before the SMTP server runs, a spool object whose id
// is not among them was written by a process that died before committing its
// job: its sender never got a 250, and it must go.
func QueuedIDs(ctx context.Context, db *sql.DB) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, `SELECT json_extract(args, '$.envelope.ID') FROM river_job
		WHERE kind = 'mailwiki.deliver' AND state NOT IN ('completed', 'cancelled', 'discarded')`)
	if err != nil {
		return nil, fmt.Errorf("job: queued ids: %w", err)
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id sql.NullString
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("job: queued ids: %w", err)
		}
		ids[id.String] = true
	}
	return ids, rows.Err()
}
