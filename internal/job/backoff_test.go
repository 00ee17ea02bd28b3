package job

import (
	"context"
	"testing"
	"time"
)

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		attempt  int
		min, max time.Duration
	}{
		{1, 800 * time.Millisecond, 1200 * time.Millisecond},
		{4, 6400 * time.Millisecond, 9600 * time.Millisecond},
		{30, 8 * time.Minute, 12 * time.Minute}, // capped at 10 min ±20 %
		{1000, 8 * time.Minute, 12 * time.Minute},
	} {
		for i := 0; i < 50; i++ {
			if d := backoff(tc.attempt, 10*time.Minute); d < tc.min || d > tc.max {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", tc.attempt, d, tc.min, tc.max)
			}
		}
	}
}

func TestThrottleLimitsWhileBusyOnly(t *testing.T) {
	t.Parallel()
	busy := true
	th := &Throttle{Busy: func() bool { return busy }, Limit: 1, MaxWait: time.Minute}
	ctx := context.Background()
	if err := th.enter(ctx); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := th.enter(short); err == nil {
		t.Fatal("a second delivery entered while busy with Limit 1")
	}
	busy = false
	if err := th.enter(ctx); err != nil {
		t.Fatalf("not busy: %v", err)
	}
	th.leave()
	th.leave()
	if th.running.Load() != 0 {
		t.Fatalf("running = %d after leaving", th.running.Load())
	}
	busy = true
	th2 := &Throttle{Busy: func() bool { return true }, Limit: 1, MaxWait: 30 * time.Millisecond}
	th2.enter(ctx)
	if err := th2.enter(ctx); err != nil {
		t.Fatalf("MaxWait passed: %v", err)
	}
	var nilThrottle *Throttle
	if err := nilThrottle.enter(ctx); err != nil {
		t.Fatal(err)
	}
	nilThrottle.leave()
}
