package job

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/mailwiki/mailwiki"
)

// Envelopes in the queue are sealed (Config.Sealer): River keeps job
// arguments in the database, and an envelope names the sender and the
// recipients, which must not be stored in plaintext (privacy promises P4,
// P10). The job's arguments are then {"id": queue id, "sealed": AEAD of the
// envelope's JSON bound to "mailwiki.deliver/" + id}. Jobs written before
// sealing carry the plain envelope and are still read.

// envelopeAAD binds a sealed envelope to its queue id.
func envelopeAAD(id string) []byte { return []byte("mailwiki.deliver/" + id) }

// args returns the job arguments for env, sealed when a Sealer is set.
func (q *Queue) args(env mailwiki.Envelope) (DeliverArgs, error) {
	if q.sealer == nil {
		return DeliverArgs{ID: env.ID, Envelope: env}, nil
	}
	plain, err := json.Marshal(env)
	if err != nil {
		return DeliverArgs{}, err
	}
	sealed, err := q.sealer.Seal(plain, envelopeAAD(env.ID))
	if err != nil {
		return DeliverArgs{}, fmt.Errorf("seal envelope: %w", err)
	}
	return DeliverArgs{ID: env.ID, Sealed: sealed}, nil
}

// open returns the envelope of a job's arguments.
func open(sealer mailwiki.Sealer, a DeliverArgs) (mailwiki.Envelope, error) {
	if a.Sealed == nil {
		return a.Envelope, nil
	}
	if sealer == nil {
		return mailwiki.Envelope{}, mailwiki.TempErrorf(mailwiki.ECONFIG, "job %s: its envelope is sealed, and no key is configured to open it", a.ID)
	}
	plain, err := sealer.Open(a.Sealed, envelopeAAD(a.ID))
	if err != nil {
		return mailwiki.Envelope{}, &mailwiki.Error{Code: mailwiki.ECONFIG, Temporary: true,
			Message: "the envelope cannot be opened: is its master key still configured?", Err: err}
	}
	var env mailwiki.Envelope
	if err := json.Unmarshal(plain, &env); err != nil {
		return env, fmt.Errorf("job %s: envelope: %w", a.ID, err)
	}
	return env, nil
}

// Queued is one message waiting in the queue.
type Queued struct {
	JobID    int64
	Envelope mailwiki.Envelope
}

// Queued lists the envelopes of every message whose job is not finished
// (opened, so the caller sees recipients), for uninstall and operator tools.
func (q *Queue) Queued(ctx context.Context) ([]Queued, error) { return q.list(ctx, unfinished) }

// finished are the states of a job that will not run again; River keeps
// such jobs for a while (see New).
var finished = []rivertype.JobState{rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded}

// Finished lists the envelopes of the finished jobs River still keeps.
func (q *Queue) Finished(ctx context.Context) ([]Queued, error) { return q.list(ctx, finished) }

// Running reports whether the job may still run: not finished, not gone.
func (q *Queue) Running(ctx context.Context, jobID int64) (bool, error) {
	j, err := q.client.JobGet(ctx, jobID)
	if errors.Is(err, river.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("job: get %d: %w", jobID, err)
	}
	for _, s := range finished {
		if j.State == s {
			return false, nil
		}
	}
	return true, nil
}

// Delete removes a finished job's row now, instead of at the end of its
// retention. A missing job is not an error.
func (q *Queue) Delete(ctx context.Context, jobID int64) error {
	if _, err := q.client.JobDelete(ctx, jobID); err != nil && !errors.Is(err, river.ErrNotFound) {
		return fmt.Errorf("job: delete %d: %w", jobID, err)
	}
	return nil
}

func (q *Queue) list(ctx context.Context, states []rivertype.JobState) ([]Queued, error) {
	var out []Queued
	err := q.eachJob(ctx, states, func(id int64, a DeliverArgs) error {
		env, err := open(q.sealer, a)
		if err != nil {
			return err
		}
		out = append(out, Queued{JobID: id, Envelope: env})
		return nil
	})
	return out, err
}

// Cancel cancels a job: it will not run again (a running attempt is told to
// stop). A finished or missing job is not an error.
func (q *Queue) Cancel(ctx context.Context, jobID int64) error {
	if _, err := q.client.JobCancel(ctx, jobID); err != nil && !errors.Is(err, river.ErrNotFound) {
		return fmt.Errorf("job: cancel %d: %w", jobID, err)
	}
	return nil
}

// eachJob calls f with the arguments of every job in one of the states.
func (q *Queue) eachJob(ctx context.Context, states []rivertype.JobState, f func(id int64, a DeliverArgs) error) error {
	params := river.NewJobListParams().Kinds(DeliverArgs{}.Kind()).States(states...).First(1000)
	for {
		res, err := q.client.JobList(ctx, params)
		if err != nil {
			return fmt.Errorf("job: list queued: %w", err)
		}
		for _, j := range res.Jobs {
			var args DeliverArgs
			if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
				return fmt.Errorf("job: list queued: job %d: %w", j.ID, err)
			}
			if args.ID == "" {
				args.ID = args.Envelope.ID
			}
			if err := f(j.ID, args); err != nil {
				return err
			}
		}
		if len(res.Jobs) < 1000 || res.LastCursor == nil {
			return nil
		}
		params = params.After(res.LastCursor)
	}
}
