package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/convert"
	"github.com/mailwiki/mailwiki/internal/mailparse"
	"github.com/mailwiki/mailwiki/internal/metrics"
	"github.com/mailwiki/mailwiki/internal/notify"
	"github.com/mailwiki/mailwiki/internal/spool"
	"github.com/mailwiki/mailwiki/internal/store"
)

// Deliverer is the deliver use case run by the queue's worker.
type Deliverer struct {
	Spool      *spool.Spool
	Tenants    mailwiki.TenantService
	Confluence ClientFactory
	Store      store.Deliveries
	MaxAge     time.Duration // retention limit of message content (48 h at most)
	Now        func() time.Time
	Location   *time.Location // for dated titles; UTC when nil
	Logger     *slog.Logger
	Metrics    *metrics.Metrics
	// Notifier tells the sender when a message is given up on; nil: nobody is told.
	Notifier Notifier

	titles titleCounters
	spaces spaceCache
}

// Notifier tells a sender that their message will not be published.
type Notifier interface {
	Failed(ctx context.Context, f notify.Failure) error
}

// attempt is what one delivery attempt knows, for its final summary.
type attempt struct {
	env *mailwiki.Envelope
	log *slog.Logger
	t   *timings
	raw []byte            // nil when the spool object could not be read
	msg *mailwiki.Message // nil when not parsed
}

// Deliver runs one delivery attempt of the message queued as env.ID.
//
// It returns nil when every route was published and the spool object is
// deleted. A temporary error means "try again later" and leaves the spool
// object in place; a permanent error means the delivery is over and the spool
// object is gone. attempt counts from 1 and is only logged.
func (d *Deliverer) Deliver(ctx context.Context, env *mailwiki.Envelope, n int) error {
	a := &attempt{env: env, log: d.Logger.With("queue_id", env.ID, "tenant", env.TenantID, "attempt", n), t: newTimings(d.Now)}
	raw, err := d.Spool.ReadAll(ctx, env.ID)
	a.t.mark("read")
	a.raw = raw
	switch {
	case d.Now().Sub(env.Received) > d.MaxAge: // the retention sweep may have deleted it already
		return d.finish(ctx, a, nil, mailwiki.Errorf(mailwiki.EEXPIRED, "message not delivered within %s", d.MaxAge))
	case err != nil:
		return d.finish(ctx, a, nil, spoolReadError(err))
	}
	msg, draft, fallbackReason := d.draft(raw, env, a.t)
	a.msg = msg
	if fallbackReason != "" {
		a.log.Warn("conversion failed, publishing the text fallback", "reason", fallbackReason)
	}
	fallback := func() *mailwiki.Draft { return convert.Fallback(raw, msg, env.Received.In(d.loc())) }
	results, err := d.publishAll(ctx, a.log, env, draft, fallback)
	a.t.mark("publish")
	return d.finish(ctx, a, results, err)
}

// draft parses and converts raw; on failure it returns the text fallback and
// a short reason (an error code, never content). msg is nil when parsing failed.
func (d *Deliverer) draft(raw []byte, env *mailwiki.Envelope, t *timings) (*mailwiki.Message, *mailwiki.Draft, string) {
	msg, err := mailparse.Parse(raw)
	t.mark("parse")
	if err != nil {
		return nil, convert.Fallback(raw, nil, env.Received.In(d.loc())), "parse: " + mailwiki.ErrorCode(err)
	}
	draft, err := convert.Convert(msg, convert.Options{Received: env.Received, Location: d.loc()})
	t.mark("convert")
	if err != nil {
		return msg, convert.Fallback(raw, msg, env.Received.In(d.loc())), "convert: " + mailwiki.ErrorCode(err)
	}
	return msg, draft, ""
}

func (d *Deliverer) loc() *time.Location {
	if d.Location == nil {
		return time.UTC
	}
	return d.Location
}

// routes returns the distinct routes of the envelope's recipients.
func (d *Deliverer) routes(ctx context.Context, env *mailwiki.Envelope) ([]mailwiki.Route, error) {
	seen := map[string]bool{}
	var out []mailwiki.Route
	for _, rcpt := range env.To {
		r, err := d.Tenants.Route(ctx, strings.ToLower(rcpt))
		if mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND {
			continue // the address was removed since the message was accepted
		}
		if err != nil {
			return nil, err
		}
		if key := r.TenantID + "\x00" + r.SpaceKey; !seen[key] {
			seen[key] = true
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, mailwiki.Errorf(mailwiki.ENOTFOUND, "no recipient routes to a Confluence space any more")
	}
	return out, nil
}

func spoolReadError(err error) error {
	if mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND {
		return err
	}
	return &mailwiki.Error{Code: mailwiki.EINTERNAL, Message: "spool object unreadable", Temporary: mailwiki.IsTemporary(err), Err: fmt.Errorf("read spool: %w", err)}
}
