package job

import (
	"context"
	"sync/atomic"
	"time"
)

// Throttle lets deliveries yield to receiving: while the SMTP server is busy
// (a burst of sessions), at most Limit deliveries run at once, so the two
// cores answer senders first and publish right after. The message's 48-hour
// window is never at risk: a delivery waits at most MaxWait, then runs.
//
// A nil *Throttle never throttles.
type Throttle struct {
	Busy    func() bool // reports whether the SMTP server is under a burst
	Limit   int         // deliveries allowed while busy (at least 1)
	MaxWait time.Duration

	running atomic.Int64
}

// pollEvery is how often a waiting delivery looks again.
const pollEvery = 10 * time.Millisecond

// enter waits for a delivery slot; leave must be called after.
func (t *Throttle) enter(ctx context.Context) error {
	if t == nil {
		return nil
	}
	deadline := time.Now().Add(t.MaxWait)
	for {
		n := t.running.Load()
		if (n < int64(max(t.Limit, 1)) || !t.Busy() || time.Now().After(deadline)) && t.running.CompareAndSwap(n, n+1) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

func (t *Throttle) leave() {
	if t != nil {
		t.running.Add(-1)
	}
}
