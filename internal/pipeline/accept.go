package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Enqueuer commits a delivery job for an envelope. It must return only once
// the job is durable.
type Enqueuer interface {
	Enqueue(ctx context.Context, env *mailwiki.Envelope) error
}

// Acceptor is the accept use case behind the SMTP server.
type Acceptor struct {
	Spool   mailwiki.MessageStore
	Queue   Enqueuer
	Tenants mailwiki.TenantService
	Now     func() time.Time
	Logger  *slog.Logger

	// Screens are the door's message stage (sender authentication,
	// scanners), run side by side on every message after it is spooled
	// and before it is acknowledged. A built-in loop check always runs.
	Screens []mailwiki.Screen
	// FailActions says, by screen name, what happens when that screen
	// cannot answer: mailwiki.FailTempfail (the default), FailReject or
	// FailAccept.
	FailActions map[string]string
	// ScreenTimeout bounds the message stage; default DefaultScreenTimeout.
	ScreenTimeout time.Duration
	// Hostname names this server in the Received field it adds.
	Hostname string
	// Refused, when set, is told of every message-stage refusal (metadata
	// only), after the message has been deleted.
	Refused func(ctx context.Context, env *mailwiki.Envelope, v mailwiki.Verdict)
	// Observe, when set, is told of each screen's answer (err nil) or
	// failure, for health reporting.
	Observe func(screen string, err error)

	rate *tenantLimiter // LimitTenants; nil: unlimited
}

// Recipient checks that mail to addr can be routed and returns its
// tenant's id (the door's group: one transaction, one tenant). An unknown
// address is an ENOTFOUND error; a tenant over its rate (TenantRate
// recipients a minute) a temporary ERATELIMIT one.
func (a *Acceptor) Recipient(ctx context.Context, addr string) (string, error) {
	id, err := a.Tenants.Lookup(ctx, strings.ToLower(addr))
	if err != nil {
		return "", err
	}
	if !a.rate.allow(id, a.Now()) {
		return "", &mailwiki.Error{Code: mailwiki.ERATELIMIT, Temporary: true,
			Message: "this address receives too much mail right now; please retry later"}
	}
	return id, nil
}

// CheckSender is the door's MAIL FROM check of loops: a reverse path that
// is one of this server's own addresses is refused (mailwiki never sends
// from them, so such mail is a loop or a forgery). A lookup that fails is
// left to the recipient stage, which asks the same store.
func (a *Acceptor) CheckSender(ctx context.Context, _ mailwiki.SessionInfo, from string) mailwiki.Verdict {
	if from == "" {
		return mailwiki.Verdict{}
	}
	if _, err := a.Tenants.Lookup(ctx, strings.ToLower(from)); err != nil {
		return mailwiki.Verdict{}
	}
	return mailwiki.Reject(550, [3]int{5, 7, 1}, "Sender address rejected: this server does not take mail from its own addresses (loop protection)", ReasonLoop)
}

// LimitTenants sets how many recipients a minute each tenant takes
// (0: DefaultTenantRate; negative: unlimited). Call it before the first
// message.
func (a *Acceptor) LimitTenants(perMinute int) {
	if perMinute == 0 {
		perMinute = DefaultTenantRate
	}
	a.rate = &tenantLimiter{perMinute: perMinute}
}

// Accept streams body into an encrypted spool object named env.ID, then
// commits its delivery job. It returns nil only when both are durable; on any
// error nothing is left behind.
func (a *Acceptor) Accept(ctx context.Context, env *mailwiki.Envelope, body io.Reader) error {
	tenantID, err := a.Tenants.Lookup(ctx, strings.ToLower(env.To[0]))
	if err != nil {
		return err
	}
	env.TenantID = tenantID
	w, err := a.Spool.Create(ctx, env.ID, a.soleTenant(ctx, env))
	if err != nil {
		return &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "spool unavailable", Temporary: true, Err: err}
	}
	n, err := io.Copy(w, body)
	if err != nil {
		w.Abort()
		return bodyError(err)
	}
	if err := w.Commit(); err != nil {
		w.Abort()
		return &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "spool write failed", Temporary: true, Err: err}
	}
	env.Size = n
	env.Received = a.Now()
	if err := a.screen(ctx, env); err != nil {
		a.discard(ctx, env.ID)
		return err
	}
	if err := a.Queue.Enqueue(ctx, env); err != nil {
		a.discard(ctx, env.ID)
		return &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "queue unavailable", Temporary: true, Err: err}
	}
	return nil
}

// screen runs the message stage and records its outcome on env: the
// trace fields to prepend and the labels for the page. A refusal is a
// *mailwiki.RefusalError.
func (a *Acceptor) screen(ctx context.Context, env *mailwiki.Envelope) error {
	results := a.runScreens(ctx, env)
	if a.Observe != nil {
		for _, r := range results {
			a.Observe(r.name, r.err)
		}
	}
	d := a.decide(ctx, env, results)
	log := a.Logger.With("queue_id", env.ID)
	for _, w := range d.warnings {
		log.Warn("message stage: " + w)
	}
	if d.verdict.Rejected() {
		if a.Refused != nil {
			a.Refused(context.WithoutCancel(ctx), env, d.verdict)
		}
		return &mailwiki.RefusalError{Verdict: d.verdict}
	}
	env.Trace = []string{receivedField(env, a.Hostname)}
	if d.auth != nil && d.auth.Results != "" {
		env.Trace = append(env.Trace, "Authentication-Results: "+d.auth.Results)
	}
	env.Labels = d.labels
	if len(d.labels) > 0 {
		log.Info("message accepted with marks", "labels", d.labels, "spam", d.spam)
	}
	return nil
}

// discard deletes a spooled message that will not be acknowledged.
func (a *Acceptor) discard(ctx context.Context, id string) {
	if err := a.Spool.Delete(context.WithoutCancel(ctx), id); err != nil {
		a.Logger.Error("cannot delete a refused message from the spool", "queue_id", id, "error", err)
	}
}

// soleTenant returns the tenant every recipient of env belongs to, or ""
// when they span several: a message is wrapped by a tenant's own key only
// when it is that tenant's alone, so that one tenant's uninstall (which
// shreds its key) never makes another's mail unreadable.
func (a *Acceptor) soleTenant(ctx context.Context, env *mailwiki.Envelope) string {
	for _, rcpt := range env.To[1:] {
		if id, err := a.Tenants.Lookup(ctx, strings.ToLower(rcpt)); err != nil || id != env.TenantID {
			return ""
		}
	}
	return env.TenantID
}

// bodyError keeps the reader's classification (too large, bad data) and
// treats anything else (a dropped connection) as temporary.
func bodyError(err error) error {
	var me *mailwiki.Error
	if errors.As(err, &me) {
		return err
	}
	return &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "message not received completely", Temporary: true, Err: fmt.Errorf("read body: %w", err)}
}
