package pipeline

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultTenantRate is how many recipients per minute one tenant's
// addresses take, with a burst of the same size: far above a wiki's mail,
// low enough that a flood aimed at one site cannot fill the queue.
const DefaultTenantRate = 600

// tenantLimiter holds a token bucket per tenant (tenants are few and
// known, so the map is bounded by the number of tenants).
type tenantLimiter struct {
	perMinute int
	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
}

// allow takes one token from the tenant's bucket at now.
func (l *tenantLimiter) allow(tenantID string, now time.Time) bool {
	if l == nil || l.perMinute <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[tenantID]
	if !ok {
		if l.buckets == nil {
			l.buckets = map[string]*rate.Limiter{}
		}
		b = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)
		l.buckets[tenantID] = b
	}
	return b.AllowN(now, 1)
}
