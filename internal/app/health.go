package app

import (
	"log/slog"
	"sort"
	"sync"

	"github.com/mailwiki/mailwiki"

	"github.com/mailwiki/mailwiki/internal/metrics"
)

// tenantHealth remembers which tenants' Confluence refuses their
// credentials (mailwiki.TenantHealth), for /readyz and the
// mailwiki_tenant_healthy gauge. Safe for concurrent use.
type tenantHealth struct {
	metrics *metrics.Metrics
	mu      sync.Mutex
	refused map[string]string // tenant id → safe reason
}

func newTenantHealth(m *metrics.Metrics) *tenantHealth {
	return &tenantHealth{metrics: m, refused: map[string]string{}}
}

func (h *tenantHealth) CredentialsRefused(tenantID, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refused[tenantID] = reason
	h.metrics.SetTenantHealthy(tenantID, false)
}

func (h *tenantHealth) CredentialsAccepted(tenantID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.refused, tenantID)
	h.metrics.SetTenantHealthy(tenantID, true)
}

// unhealthy lists "tenant: reason" for every tenant whose credentials are
// refused, sorted.
func (h *tenantHealth) unhealthy() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.refused))
	for id, reason := range h.refused {
		out = append(out, "tenant unhealthy: "+id+": "+reason)
	}
	sort.Strings(out)
	return out
}

// checkHealth remembers which checks of the door's message stage did not
// answer the last time they were asked, for /readyz, the mailwiki_check_up
// gauge and one warning per outage (not one per message). Safe for
// concurrent use.
type checkHealth struct {
	metrics *metrics.Metrics
	log     *slog.Logger
	actions map[string]string // fail action by check name
	mu      sync.Mutex
	down    map[string]bool
}

func newCheckHealth(m *metrics.Metrics, log *slog.Logger, actions map[string]string) *checkHealth {
	return &checkHealth{metrics: m, log: log, actions: actions, down: map[string]bool{}}
}

// observe records one answer (err nil) or failure of the named check.
func (h *checkHealth) observe(name string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	was := h.down[name]
	switch {
	case err != nil && !was:
		h.down[name] = true
		h.log.Warn("a check of the door does not answer; its fail action applies until it does", "check", name,
			"fail_action", h.action(name), "err", err, "alert", "check_unavailable")
	case err == nil && was:
		delete(h.down, name)
		h.log.Info("a check of the door answers again", "check", name)
	}
	h.metrics.SetCheckUp(name, err == nil)
}

func (h *checkHealth) action(name string) string {
	if a := h.actions[name]; a != "" {
		return a
	}
	return mailwiki.FailTempfail
}

// unavailable lists "check unavailable: name (fail_action …)", sorted.
func (h *checkHealth) unavailable() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.down))
	for name := range h.down {
		out = append(out, "check unavailable: "+name+" (fail_action "+h.action(name)+")")
	}
	sort.Strings(out)
	return out
}

// degraded lists what /readyz reports without failing: unhealthy tenants,
// then checks that do not answer.
func (m *Main) degraded() []string {
	out := m.health.unhealthy()
	if m.checks != nil {
		out = append(out, m.checks.unavailable()...)
	}
	return out
}
