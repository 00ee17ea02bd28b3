package refusal

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Limits of a Logger: Burst WARN lines at once, then one per Every.
const (
	Burst = 10
	Every = time.Minute
)

// Logger logs refusals at WARN within its rate limit (Burst, Every, at the
// injected clock's time) and at DEBUG beyond; the next WARN line carries
// "suppressed", the number logged only at DEBUG since the previous one. It
// is safe for concurrent use.
type Logger struct {
	log        *slog.Logger
	now        func() time.Time
	limit      *rate.Limiter
	suppressed atomic.Int64
}

// NewLogger returns a Logger writing to log, its rate limit at the time now
// returns.
func NewLogger(log *slog.Logger, now func() time.Time) *Logger {
	return &Logger{log: log, now: now, limit: rate.NewLimiter(rate.Every(Every), Burst)}
}

// Log logs one refusal with msg and args (slog key-value pairs).
func (l *Logger) Log(ctx context.Context, msg string, args ...any) {
	if !l.limit.AllowN(l.now(), 1) {
		l.suppressed.Add(1)
		l.log.DebugContext(ctx, msg, args...)
		return
	}
	if n := l.suppressed.Swap(0); n > 0 {
		args = append(args, "suppressed", n)
	}
	l.log.WarnContext(ctx, msg, args...)
}
