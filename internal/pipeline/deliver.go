package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Recorder counts outcomes for the operator (Prometheus in production). A
// partly published message counts once as partial, and each recipient that
// failed once under its error code.
type Recorder interface {
	RecordPublished(took, delay time.Duration)
	RecordPartial(took, delay time.Duration)
	RecordFailed(code string)
	RecordRecipientFailed(code string)
	RecordRetried()
}

// Deliverer is the deliver use case run by the queue's worker.
type Deliverer struct {
	Spool      mailwiki.MessageStore
	Tenants    mailwiki.TenantService
	Confluence PublisherFactory
	Store      mailwiki.DeliveryStore
	MaxAge     time.Duration // retention limit of message content (48 h at most)
	Now        func() time.Time
	Location   *time.Location // for dated titles; UTC when nil
	Logger     *slog.Logger
	Metrics    Recorder // nil: nothing is counted
	// Notifier tells the sender which recipients failed; nil: nobody is told.
	Notifier mailwiki.Notifier
	// Health learns which tenants' credentials Confluence refuses; may be nil.
	Health mailwiki.TenantHealth
	// Memory bounds the bytes of messages being delivered at once across
	// workers (nil: unbounded); a large message waits its turn.
	Memory *Budget
	// Limits bound parsing and conversion; zero fields take
	// DefaultDraftLimits' values.
	Limits DraftLimits
	// SweepMargin is how long before MaxAge the retention sweep may delete
	// a message: from then on a message is expired (not "not found").
	SweepMargin time.Duration

	titles titleCounters
	spaces spaceCache
}

// PublisherFactory returns the Confluence of a tenant.
type PublisherFactory func(ctx context.Context, t mailwiki.Tenant) (mailwiki.Publisher, error)

// attempt is what one delivery attempt knows, for its final summary.
type attempt struct {
	env      *mailwiki.Envelope
	log      *slog.Logger
	t        *timings
	raw      []byte            // nil when the spool object could not be read
	msg      *mailwiki.Message // nil when not parsed
	warnings []string          // the draft's: what was dropped, renamed or guessed (safe text)
	progress map[string]mailwiki.Delivery
	finish   func(context.Context) error // nil outside a queue
}

// Deliver runs one delivery attempt of the message queued as env.ID. attempt
// counts from 1 and is only logged.
//
// Each route (tenant and space) of the message ends published or failed on
// its own; a route already done in an earlier attempt is never published
// again. While any route waits on a temporary failure, Deliver returns that
// (temporary) error and keeps the message. Once every route is done it
// notifies the sender of the failed recipients, if any, calls finish, and
// deletes the message (its progress goes with the next purge of finished
// messages); it then returns nil if at least one route was published, the
// permanent error otherwise.
func (d *Deliverer) Deliver(ctx context.Context, env *mailwiki.Envelope, n int, finish func(context.Context) error) error {
	// No "tenant" here: the recipients may route to several tenants; lines
	// about one route name its tenant.
	a := &attempt{env: env, log: d.Logger.With("queue_id", env.ID, "attempt", n), t: newTimings(d.Now), finish: finish}
	release, err := d.Memory.acquire(ctx, env.Size)
	if err != nil {
		return d.postpone(a, &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "stopped while waiting for memory", Temporary: true, Err: err})
	}
	defer release()
	if a.progress, err = d.loadProgress(ctx, env.ID); err != nil {
		return d.postpone(a, err)
	}
	raw, err := d.Spool.ReadAll(ctx, env.ID)
	a.t.mark("read")
	a.raw = withTrace(env.Trace, raw)
	plan, err := d.plan(ctx, a, err)
	if err != nil {
		return d.postpone(a, err)
	}
	d.publishAll(ctx, a, plan)
	return d.conclude(ctx, a, plan)
}

// loadProgress returns what earlier attempts recorded, by route key.
func (d *Deliverer) loadProgress(ctx context.Context, queueID string) (map[string]mailwiki.Delivery, error) {
	list, err := d.Store.Deliveries(ctx, queueID)
	if err != nil {
		return nil, &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "delivery records unavailable", Temporary: true, Err: err}
	}
	m := make(map[string]mailwiki.Delivery, len(list))
	for _, dl := range list {
		m[dl.Route] = dl
	}
	return m, nil
}

// plan resolves the routes and, when one still needs publishing, the
// draft. readErr is the spool read's outcome: a message past its retention
// limit, or gone from the spool, fails every route not done yet.
func (d *Deliverer) plan(ctx context.Context, a *attempt, readErr error) (*plan, error) {
	p, err := d.routes(ctx, a)
	if err != nil {
		return nil, err
	}
	switch {
	case !p.pending():
		return p, nil
	case d.Now().Sub(a.env.Received) > d.MaxAge-d.SweepMargin: // the retention sweep may have deleted it already
		p.expire(d.MaxAge)
		return p, nil
	case readErr != nil && mailwiki.ErrorCode(readErr) == mailwiki.ENOTFOUND:
		p.failPending(readErr)
		return p, nil
	case readErr != nil && !mailwiki.IsTemporary(readErr):
		p.failPending(spoolReadError(readErr))
		return p, nil
	case readErr != nil:
		return nil, spoolReadError(readErr)
	}
	if p.draft, err = d.draft(ctx, a); err != nil {
		return nil, err
	}
	return p, nil
}

// draft parses and converts the message (BuildDraft, as inspect does); a
// message that cannot be converted, or exceeds the limits, is the text
// fallback, with a warning naming the stage (an error code, never
// content). Only the end of ctx (shutdown, the job's deadline) is an error.
func (d *Deliverer) draft(ctx context.Context, a *attempt) (*drafts, error) {
	opts := DraftOptions{Received: a.env.Received, Location: d.loc(), Limits: d.Limits, Mark: a.t.mark}
	b, err := BuildDraft(ctx, a.raw, opts)
	if err != nil {
		return nil, err
	}
	a.msg, a.warnings = b.Message, b.Draft.Warnings
	if b.Fallback() {
		a.log.Warn("conversion failed, publishing the text fallback", "reason", b.Reason)
	}
	return &drafts{main: b.Draft, isFallback: b.Fallback(), fallback: func() *mailwiki.Draft { return FallbackDraft(a.raw, b.Message, opts) }}, nil
}

// drafts is the converted draft and, made only when needed, the text
// fallback used when Confluence rejects the converted body.
type drafts struct {
	main       *mailwiki.Draft
	isFallback bool // main is the text fallback already
	fallback   func() *mailwiki.Draft
}

func (d *Deliverer) loc() *time.Location {
	if d.Location == nil {
		return time.UTC
	}
	return d.Location
}

func spoolReadError(err error) error {
	return &mailwiki.Error{Code: mailwiki.EINTERNAL, Message: "spool object unreadable", Temporary: mailwiki.IsTemporary(err), Err: fmt.Errorf("read spool: %w", err)}
}
