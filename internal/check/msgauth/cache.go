package msgauth

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache lifetimes. Go's resolver does not report record TTLs, so answers
// are kept for a fixed time, short beside the hours SPF, DKIM and DMARC
// records usually live; a failed lookup (timeout, SERVFAIL) is kept
// briefly, so that a resolver that drops queries costs one wait per name
// and CacheFailureTTL rather than one per message.
const (
	CacheTTL        = 5 * time.Minute
	CacheFailureTTL = 15 * time.Second
	// DefaultCacheSize bounds the names kept; the oldest half is dropped
	// when it is reached.
	DefaultCacheSize = 10_000
)

// Cache keeps DNS answers (and NXDOMAIN, and for a short while failures)
// for the Checkers that share it, and makes concurrent lookups of one name
// share one query. A message stage asks the same few names for every
// message of a sender (its SPF record, its DKIM key, its DMARC record).
// Safe for concurrent use; the zero value is not: use NewCache.
type Cache struct {
	now     func() time.Time
	max     int
	mu      sync.Mutex
	entries map[string]cacheEntry
	flight  singleflight.Group
}

type cacheEntry struct {
	val     any
	err     error
	expires time.Time
}

// NewCache returns a cache of at most size names (DefaultCacheSize when
// size <= 0) on the clock now (time.Now when nil).
func NewCache(size int, now func() time.Time) *Cache {
	if size <= 0 {
		size = DefaultCacheSize
	}
	if now == nil {
		now = time.Now
	}
	return &Cache{now: now, max: size, entries: map[string]cacheEntry{}}
}

// do returns the cached answer for key, or asks lookup once for all
// concurrent callers and keeps its answer.
func (c *Cache) do(key string, lookup func() (any, error)) (any, error) {
	if e, ok := c.get(key); ok {
		return e.val, e.err
	}
	v, err, _ := c.flight.Do(key, func() (any, error) {
		v, err := lookup()
		c.put(key, v, err)
		return v, err
	})
	return v, err
}

func (c *Cache) get(key string) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.now().Before(e.expires) {
		return cacheEntry{}, false
	}
	return e, true
}

func (c *Cache) put(key string, v any, err error) {
	ttl := CacheTTL
	var de *net.DNSError
	if err != nil && (!errors.As(err, &de) || !de.IsNotFound) {
		ttl = CacheFailureTTL // a timeout or SERVFAIL: retried soon
	}
	if errors.Is(err, context.Canceled) {
		return // the caller went away; nothing was learned
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		c.evict()
	}
	c.entries[key] = cacheEntry{val: v, err: err, expires: c.now().Add(ttl)}
}

// evict drops expired entries, then as many others as needed to get under
// half the bound (map order: arbitrary ones). Called with mu held.
func (c *Cache) evict() {
	now := c.now()
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) <= c.max/2 {
			return
		}
		delete(c.entries, k)
	}
}

// cachedResolver is fqdnResolver through a Cache.
type cachedResolver struct {
	r fqdnResolver
	c *Cache
}

func (cr cachedResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	v, err := cr.c.do("TXT "+absolute(name), func() (any, error) { return cr.r.LookupTXT(ctx, name) })
	txt, _ := v.([]string)
	return txt, err
}

func (cr cachedResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	v, err := cr.c.do("MX "+absolute(name), func() (any, error) { return cr.r.LookupMX(ctx, name) })
	mx, _ := v.([]*net.MX)
	return mx, err
}

func (cr cachedResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	v, err := cr.c.do("IP "+absolute(host), func() (any, error) { return cr.r.LookupIPAddr(ctx, host) })
	ips, _ := v.([]net.IPAddr)
	return ips, err
}

func (cr cachedResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	v, err := cr.c.do("PTR "+addr, func() (any, error) { return cr.r.LookupAddr(ctx, addr) })
	names, _ := v.([]string)
	return names, err
}
