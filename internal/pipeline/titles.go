package pipeline

import "sync"

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
