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
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/mailwiki/mailwiki"
)

// DeliverArgs is the job's payload: the queue id and the sealed envelope
// (see sealed.go), or the plain envelope without a Sealer.
type DeliverArgs struct {
	ID       string            `json:"id,omitempty"`
	Sealed   []byte            `json:"sealed,omitempty"`
	Envelope mailwiki.Envelope `json:"envelope,omitzero"`
}

// Kind is River's job kind.
func (DeliverArgs) Kind() string { return "mailwiki.deliver" }

// InsertOpts sets the backstop attempt limit.
func (DeliverArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 100000} }

// Deliverer is the use case a job runs (pipeline.Deliverer).
//
// finish ends the job durably: once it returns nil the job is completed in
// the database and will never run again, even if the process dies the next
// instant. The deliverer calls it after its last durable effect that must
// not be repeated (a page published, a sender notified) and before deleting
// the message, then returns nil. finish is nil outside a queue (tests).
type Deliverer interface {
	Deliver(ctx context.Context, env *mailwiki.Envelope, attempt int, finish func(context.Context) error) error
}

// Config configures the queue.
type Config struct {
	Workers      int
	JobTimeout   time.Duration
	MaxBackoff   time.Duration
	PollInterval time.Duration
	Logger       *slog.Logger
	Throttle     *Throttle // nil: deliveries never yield to receiving
	// Sealer seals envelopes in the job table; nil: stored in plaintext
	// (tests only).
	Sealer mailwiki.Sealer
}

// client is what the queue uses of River's generic *river.Client[TTx].
type client interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobCancel(ctx context.Context, jobID int64) (*rivertype.JobRow, error)
	JobDelete(ctx context.Context, jobID int64) (*rivertype.JobRow, error)
	JobGet(ctx context.Context, jobID int64) (*rivertype.JobRow, error)
}

// Queue owns the River client and the group committer of new jobs.
type Queue struct {
	client        client
	exec          riverdriver.Executor
	requests      chan enqueueRequest
	closed        chan struct{}
	committerDone chan struct{}
	sealer        mailwiki.Sealer
}

// Migrate brings River's schema up to date on driver's database
// (riversqlite.New(db) or riverpgxv5.New(pool)).
func Migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("job: river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("job: river migrations: %w", err)
	}
	return nil
}

// New builds a queue on driver, whose database Migrate has prepared. The
// driver decides the database (SQLite embedded, PostgreSQL when scaled
// out); nothing else here does.
func New[TTx any](driver riverdriver.Driver[TTx], d Deliverer, cfg Config) (*Queue, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker[TTx]{driver: driver, d: d, timeout: cfg.JobTimeout, maxBackoff: cfg.MaxBackoff, throttle: cfg.Throttle, sealer: cfg.Sealer})
	c, err := river.NewClient(driver, &river.Config{
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
	q := &Queue{client: c, exec: driver.GetExecutor(), requests: make(chan enqueueRequest), closed: make(chan struct{}), committerDone: make(chan struct{}), sealer: cfg.Sealer}
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

// Pending counts jobs not yet finished (available, scheduled, retryable,
// running, pending).
func (q *Queue) Pending(ctx context.Context) (int, error) {
	counts, err := q.exec.JobCountByAllStates(ctx, &riverdriver.JobCountByAllStatesParams{})
	if err != nil {
		return 0, fmt.Errorf("job: count jobs: %w", err)
	}
	n := 0
	for _, s := range unfinished {
		n += counts[s]
	}
	return n, nil
}

// unfinished are the states of a job that may still run.
var unfinished = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateScheduled,
	rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStatePending}

type worker[TTx any] struct {
	river.WorkerDefaults[DeliverArgs]
	driver     riverdriver.Driver[TTx]
	d          Deliverer
	timeout    time.Duration
	maxBackoff time.Duration
	throttle   *Throttle
	sealer     mailwiki.Sealer
}

func (w *worker[TTx]) Timeout(*river.Job[DeliverArgs]) time.Duration { return w.timeout }

// Work runs one attempt and translates its outcome for River.
func (w *worker[TTx]) Work(ctx context.Context, j *river.Job[DeliverArgs]) error {
	if err := w.throttle.enter(ctx); err != nil {
		return river.JobSnooze(0) // stopping: run it again at the next start, no attempt spent
	}
	defer w.throttle.leave()
	env, err := open(w.sealer, j.Args)
	if err != nil {
		return err
	}
	err = w.d.Deliver(ctx, &env, j.Attempt, func(ctx context.Context) error { return w.complete(ctx, j) })
	switch {
	case err == nil:
		return nil
	case !mailwiki.IsTemporary(err):
		return river.JobCancel(err)
	}
	if d := mailwiki.RetryAfter(err); d > 0 {
		return river.JobSnooze(d)
	}
	return err
}

// complete marks j completed in its own committed transaction. River's
// completer would otherwise record it later, in a batch: a process killed in
// between runs the job again after its work was done (the duplicates and
// false failure notices seen under SIGKILL).
func (w *worker[TTx]) complete(ctx context.Context, j *river.Job[DeliverArgs]) error {
	etx, err := w.driver.GetExecutor().Begin(ctx)
	if err != nil {
		return fmt.Errorf("job: complete %d: %w", j.ID, err)
	}
	defer etx.Rollback(context.WithoutCancel(ctx))
	if _, err := river.JobCompleteTx[riverdriver.Driver[TTx]](ctx, w.driver.UnwrapTx(etx), j); err != nil {
		return fmt.Errorf("job: complete %d: %w", j.ID, err)
	}
	if err := etx.Commit(ctx); err != nil {
		return fmt.Errorf("job: complete %d: %w", j.ID, err)
	}
	return nil
}

// NextRetry is exponential backoff with jitter, capped at maxBackoff.
func (w *worker[TTx]) NextRetry(j *river.Job[DeliverArgs]) time.Time {
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
func (q *Queue) RescueOrphans(ctx context.Context) (int, error) {
	// Every running job counts: the horizon is in the future.
	stuck, err := q.exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{Max: 100000, StuckHorizon: time.Now().Add(time.Hour)})
	if err != nil {
		return 0, fmt.Errorf("job: find orphaned jobs: %w", err)
	}
	if len(stuck) == 0 {
		return 0, nil
	}
	now := time.Now()
	p := &riverdriver.JobRescueManyParams{StuckHorizon: now.Add(time.Hour)}
	for _, j := range stuck {
		attemptErr, err := json.Marshal(rivertype.AttemptError{At: now.UTC(), Attempt: j.Attempt, Error: "orphaned by a process that stopped"})
		if err != nil {
			return 0, fmt.Errorf("job: rescue orphaned jobs: %w", err)
		}
		p.ID = append(p.ID, j.ID)
		p.Error = append(p.Error, attemptErr)
		p.FinalizedAt = append(p.FinalizedAt, nil)
		p.ScheduledAt = append(p.ScheduledAt, now)
		p.State = append(p.State, string(rivertype.JobStateAvailable))
	}
	if _, err := q.exec.JobRescueMany(ctx, p); err != nil {
		return 0, fmt.Errorf("job: rescue orphaned jobs: %w", err)
	}
	return len(stuck), nil
}

// QueuedIDs returns the queue ids of every message whose delivery job is not
// finished. At start-up, before the SMTP server runs, a spool object whose id
// is not among them was written by a process that died before committing its
// job (its sender never got a 250) or after finishing it: it must go.
func (q *Queue) QueuedIDs(ctx context.Context) (map[string]bool, error) {
	ids := map[string]bool{}
	err := q.eachJob(ctx, unfinished, func(_ int64, a DeliverArgs) error { ids[a.ID] = true; return nil })
	if err != nil {
		return nil, err
	}
	return ids, nil
}
