package app

import (
	"context"
	"fmt"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/check/greylist"
	"github.com/mailwiki/mailwiki/internal/pipeline"
	"github.com/mailwiki/mailwiki/internal/smtpd"
)

// acceptor builds the accept use case with the door's message stage.
func (m *Main) acceptor(tenants mailwiki.TenantService) *pipeline.Acceptor {
	c := m.Config.Checks
	list, actions := screens(c, m.Config.SMTP.Domain)
	describeScreens(m.Logger, c)
	m.checks = newCheckHealth(m.metrics, m.Logger, actions)
	probeScanners(context.Background(), c, m.checks.observe)
	acc := &pipeline.Acceptor{Spool: m.messageStore(), Queue: m.queue, Tenants: tenants, Now: m.Now, Logger: m.Logger,
		Screens: list, FailActions: actions, ScreenTimeout: c.Timeout, Hostname: m.Config.SMTP.Domain,
		Refused: m.recordRefusal, Observe: m.checks.observe}
	acc.LimitTenants(c.TenantRate)
	return acc
}

// door is the chain of checks of the SMTP stages before DATA: loop
// protection at MAIL FROM (our own addresses), the recipient lookup (whose tenant is the transaction's group), then
// greylisting when enabled (after the lookup, so that unknown recipients
// get their 550 and spend no greylist memory).
func (m *Main) door(acc *pipeline.Acceptor) (mailwiki.Checks, error) {
	door := mailwiki.Checks{mailwiki.CheckFuncs{Sender: acc.CheckSender}, smtpd.RecipientCheck(acc.Recipient)}
	if g := m.Config.Checks.Greylisting; g.Enabled {
		gl, err := greylist.New(greylist.Options{Delay: g.Delay, Allow: g.Allow, Now: m.Now, Logger: m.Logger.With("component", "greylist")})
		if err != nil {
			return nil, fmt.Errorf("checks.greylisting: %w", err)
		}
		door = append(door, gl)
	}
	return door, nil
}

// recordRefusal is told of every message-stage refusal (the message is
// already deleted): it logs the metadata, never content.
func (m *Main) recordRefusal(_ context.Context, env *mailwiki.Envelope, v mailwiki.Verdict) {
	attrs := []any{"queue_id", env.ID, "tenant", env.TenantID, "smtp_code", v.Code, "reason", v.Reason, "size", env.Size}
	if v.Err != nil {
		attrs = append(attrs, "err", v.Err)
	}
	m.Logger.Info("message refused by the door", attrs...)
}
