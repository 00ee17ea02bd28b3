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
}

// Recipient checks that mail to addr can be routed; an unknown address is an
// ENOTFOUND error.
func (a *Acceptor) Recipient(ctx context.Context, addr string) error {
	_, err := a.Tenants.Lookup(ctx, strings.ToLower(addr))
	return err
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
	if err := a.Queue.Enqueue(ctx, env); err != nil {
		if derr := a.Spool.Delete(context.WithoutCancel(ctx), env.ID); derr != nil {
			a.Logger.Error("cannot delete spool object after failed enqueue", "queue_id", env.ID, "error", derr)
		}
		return &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "queue unavailable", Temporary: true, Err: err}
	}
	return nil
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
