package job

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/mailwiki/mailwiki"
)

// Group commit: SQLite makes one durable commit at a time (one fsync of the
// WAL each), so concurrent SMTP sessions hand their job to one committer
// goroutine that inserts everything waiting in a single transaction. Each
// Enqueue still returns only once its own job is committed; under load many
// share one fsync, as Postfix's queue manager and database group commit do.

// maxBatch bounds one transaction.
const maxBatch = 128

type enqueueRequest struct {
	env  mailwiki.Envelope
	done chan error
}

// Enqueue commits a delivery job for env; it returns once the job is durable.
// Once handed to the committer the request is not abandoned when ctx ends:
// the caller must learn whether its job exists.
func (q *Queue) Enqueue(ctx context.Context, env *mailwiki.Envelope) error {
	req := enqueueRequest{env: *env, done: make(chan error, 1)}
	select {
	case q.requests <- req:
	case <-ctx.Done():
		return fmt.Errorf("job: enqueue %s: %w", env.ID, ctx.Err())
	case <-q.closed:
		return fmt.Errorf("job: enqueue %s: queue stopped", env.ID)
	}
	if err := <-req.done; err != nil {
		return fmt.Errorf("job: enqueue %s: %w", env.ID, err)
	}
	return nil
}

// commitLoop runs until q.closed is closed and every request taken is answered.
func (q *Queue) commitLoop() {
	defer close(q.committerDone)
	for {
		var first enqueueRequest
		select {
		case first = <-q.requests:
		case <-q.closed:
			return
		}
		batch := q.collect(first)
		err := q.insert(batch)
		for _, r := range batch {
			r.done <- err
		}
	}
}

// collect takes every request already waiting, up to maxBatch.
func (q *Queue) collect(first enqueueRequest) []enqueueRequest {
	batch := []enqueueRequest{first}
	for len(batch) < maxBatch {
		select {
		case r := <-q.requests:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

func (q *Queue) insert(batch []enqueueRequest) error {
	params := make([]river.InsertManyParams, len(batch))
	for i, r := range batch {
		args, err := q.args(r.env)
		if err != nil {
			return err
		}
		params[i] = river.InsertManyParams{Args: args}
	}
	// Not the callers' contexts: one caller giving up must not fail the others.
	_, err := q.client.InsertMany(context.Background(), params)
	return err
}
