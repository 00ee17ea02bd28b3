package pipeline_test

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/spool"
)

// spoolStore is the spool as a mailwiki.MessageStore (app wires the same).
type spoolStore struct{ *spool.Spool }

func (s spoolStore) Create(ctx context.Context, id, _ string) (mailwiki.MessageWriter, error) {
	return s.Spool.Create(ctx, id)
}

// calls counts the Confluence client's requests by operation and status.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) record(op string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[fmt.Sprintf("%s %d", op, status)]++
}

// take returns the requests counted since the last take, sorted.
func (c *calls) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k, v := range c.n {
		for range v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	c.n = nil
	return out
}
