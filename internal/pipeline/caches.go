package pipeline

// In-memory helpers of the deliver use case: counters for taken titles and
// a short-lived cache of space ids. Both only remember; Confluence decides.

import (
	"sync"
	"time"

	"github.com/mailwiki/mailwiki"
)

// titleCounters hands out the next counter for a taken title, per space and
// title. It only remembers; Confluence stays the judge of what is taken. The
// zero value is ready to use and safe for concurrent use.
type titleCounters struct {
	mu   sync.Mutex
	last map[string]int
}

// maxRemembered bounds memory: past it, the counters start over (at worst a
// few more probes).
const maxRemembered = 10000

// next returns a counter for key not handed out before (1, 2, 3, …).
func (t *titleCounters) next(key string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil || len(t.last) > maxRemembered {
		t.last = map[string]int{}
	}
	t.last[key]++
	return t.last[key]
}

// known reports whether a counter was handed out for key, that is whether
// the title and its dated form were found taken.
func (t *titleCounters) known(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last[key] > 0
}

// spaceCache remembers space ids for a while: every message would otherwise
// cost one more Confluence call. A space deleted meanwhile makes the page
// creation fail with not found, which drops the entry.
type spaceCache struct {
	mu sync.Mutex
	m  map[string]cachedSpace
}

type cachedSpace struct {
	space mailwiki.Space
	until time.Time
}

// spaceTTL is how long a space id is trusted.
const spaceTTL = 10 * time.Minute

func (c *spaceCache) get(key string, now time.Time) (mailwiki.Space, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e.space, ok && now.Before(e.until)
}

func (c *spaceCache) put(key string, s mailwiki.Space, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > maxRemembered {
		c.m = map[string]cachedSpace{}
	}
	c.m[key] = cachedSpace{space: s, until: now.Add(spaceTTL)}
}

func (c *spaceCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}
