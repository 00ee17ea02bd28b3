package app

import (
	"context"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

// sweepInterval is how often the retention sweep runs.
const sweepInterval = time.Minute

// sweep deletes every spool object that would pass the retention limit
// before the next sweep, whatever
// its job's state (privacy promise P6: no content outlives 48 hours, even if
// a job is stuck or was lost in a crash between spool write and enqueue).
func (m *Main) sweep(ctx context.Context) {
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		m.sweepOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *Main) sweepOnce(ctx context.Context) {
	if _, err := m.purgeDeliveries(ctx); err != nil {
		m.Logger.Error("sweep: cannot purge the delivery records of finished messages", "error", err)
	}
	if m.hosted != nil && m.Config.Forge.Enabled {
		if _, err := m.hosted.WipeInactive(ctx, m.Now().Add(-m.Config.Forge.InactiveGrace)); err != nil {
			m.Logger.Error("sweep: cannot wipe inactive Forge installations", "error", err)
		}
	}
	entries, err := m.spool.List(ctx)
	if err != nil {
		m.Logger.Error("retention sweep: cannot list spool", "error", err)
		return
	}
	// One sweep interval early, so that no content outlives the limit
	// between two sweeps.
	limit := m.Now().Add(-(m.Config.Retention.MessageMaxAge - sweepInterval))
	for _, e := range entries {
		if e.Created.Before(limit) {
			if err := m.spool.Delete(ctx, e.ID); err != nil {
				m.Logger.Error("retention sweep: cannot delete", "queue_id", e.ID, "error", err)
				continue
			}
			m.Logger.Warn("retention sweep deleted an expired message", "queue_id", e.ID, "created", e.Created)
		}
	}
}

// purgeDeliveries forgets the delivery records (ids, titles, outcomes) of
// messages whose job has ended, and their title claims once older than
// mailwiki.ClaimRetention, in one transaction, and returns the queue ids of
// the messages still queued. Records written after the listing began are
// kept: their job may have started meanwhile.
func (m *Main) purgeDeliveries(ctx context.Context) (map[string]bool, error) {
	since := m.Now()
	queued, err := m.queue.QueuedIDs(ctx)
	if err != nil {
		return nil, err
	}
	n, err := m.store.PurgeDeliveries(ctx, queued, since, since.Add(-mailwiki.ClaimRetention))
	if err != nil {
		return nil, err
	}
	if n > 0 {
		m.Logger.Debug("forgot the delivery records of finished messages", "count", n)
	}
	return queued, nil
}

// removeUnqueued deletes the spool objects that no delivery job refers to: a
// process that died between writing a message and committing its job leaves
// one behind, and its sender never got a 250 (and will send it again). It
// runs at start-up, before the SMTP server accepts anything.
func (m *Main) removeUnqueued(ctx context.Context) error {
	entries, err := m.spool.List(ctx)
	if err != nil {
		return err
	}
	queued, err := m.purgeDeliveries(ctx)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if queued[e.ID] {
			continue
		}
		if err := m.spool.Delete(ctx, e.ID); err != nil {
			return err
		}
		m.Logger.Warn("deleted a spool object that was never queued (its sender got no 250)", "queue_id", e.ID)
	}
	return nil
}

func (m *Main) queueDepth() float64 {
	if m.queue == nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, _ := m.queue.Pending(ctx)
	return float64(n)
}

func (m *Main) oldestSpoolAge() float64 {
	if m.spool == nil {
		return 0
	}
	entries, err := m.spool.List(context.Background())
	if err != nil || len(entries) == 0 {
		return 0
	}
	oldest := entries[0].Created
	for _, e := range entries[1:] {
		if e.Created.Before(oldest) {
			oldest = e.Created
		}
	}
	return m.Now().Sub(oldest).Seconds()
}

// startSandbox serves the sandbox Confluence when asked and points the
// tenants configured with SandboxBaseURL at it.
func (m *Main) startSandbox() error {
	if m.SandboxListen == "" {
		return nil
	}
	if m.Sandbox == nil {
		sb, err := sandbox.New(sandbox.Options{Logger: m.Logger.With("component", "sandbox"), Now: m.Now})
		if err != nil {
			return err
		}
		sb.SeedDemo()
		m.Sandbox = sb
	}
	ln, err := net.Listen("tcp", m.SandboxListen)
	if err != nil {
		return err
	}
	m.sandLn = ln
	m.sandSrv = &http.Server{Handler: m.Sandbox, ReadHeaderTimeout: 10 * time.Second}
	go m.serveHTTP(m.sandSrv, ln, "sandbox")
	for i := range m.Config.Tenants {
		if t := &m.Config.Tenants[i]; strings.EqualFold(t.BaseURL, SandboxBaseURL) {
			t.BaseURL = m.SandboxURL()
			t.AllowInsecureHTTP = true
		}
	}
	return nil
}
