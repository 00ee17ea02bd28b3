package pipeline

import (
	"log/slog"
	"time"
)

// timings records how long each stage of a delivery took, for the summary line.
type timings struct {
	now    func() time.Time
	start  time.Time
	last   time.Time
	stages []slog.Attr
}

func newTimings(now func() time.Time) *timings {
	t := now()
	return &timings{now: now, start: t, last: t}
}

// mark closes the stage called name.
func (t *timings) mark(name string) {
	n := t.now()
	t.stages = append(t.stages, slog.Int64(name+"_ms", n.Sub(t.last).Milliseconds()))
	t.last = n
}

func (t *timings) total() time.Duration { return t.now().Sub(t.start) }

// attr returns the stage durations as one log group.
func (t *timings) attr() slog.Attr {
	attrs := append([]slog.Attr{slog.Int64("total_ms", t.total().Milliseconds())}, t.stages...)
	return slog.Attr{Key: "timings", Value: slog.GroupValue(attrs...)}
}
