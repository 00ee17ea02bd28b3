package app

import (
	"sort"
	"sync"

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
		out = append(out, id+": "+reason)
	}
	sort.Strings(out)
	return out
}
