package job

import (
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
