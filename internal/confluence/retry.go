package confluence

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff bounds: attempt n waits about backoffBase·2^(n-1), at most backoffMax,
// with the upper half jittered.
const (
	backoffBase = 500 * time.Millisecond
	backoffMax  = 10 * time.Second
)

// do runs r under the retry policy described in the package documentation
// and decodes the final 2xx body into out.
func (c *Client) do(ctx context.Context, r *request, out any) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return canceledError(err)
		}
		err := c.send(ctx, r, attempt, out)
		if err == nil {
			return nil
		}
		wait, retry := c.retryWait(r, attempt, err)
		if !retry {
			return err
		}
		if serr := c.opts.Sleep(ctx, wait); serr != nil {
			return canceledError(fmt.Errorf("%w; last failure: %w", serr, err))
		}
	}
}

// retryWait decides whether a failed attempt is tried again, and after how
// long. 429 is retried for every method (the request was not processed);
// 5xx and transport errors only for idempotent methods.
func (c *Client) retryWait(r *request, attempt int, err error) (time.Duration, bool) {
	if attempt >= c.opts.MaxAttempts {
		return 0, false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return c.statusWait(r, attempt, ae)
	}
	var ne *errNetwork
	if errors.As(err, &ne) && r.idempotent() {
		return backoff(attempt), true
	}
	return 0, false
}

func (c *Client) statusWait(r *request, attempt int, ae *APIError) (time.Duration, bool) {
	retryable := ae.StatusCode == http.StatusTooManyRequests ||
		(ae.StatusCode >= 500 && r.idempotent())
	if !retryable || ae.RetryAfter > c.opts.MaxRetryAfter {
		return 0, false
	}
	if ae.RetryAfter > 0 {
		return ae.RetryAfter, true
	}
	return backoff(attempt), true
}

// backoff is the wait after the given failed attempt: exponential, capped,
// with jitter over its upper half so that clients do not retry in step.
func backoff(attempt int) time.Duration {
	d := backoffMax
	if attempt < 16 {
		d = min(backoffBase<<(attempt-1), backoffMax)
	}
	half := d / 2
	return half + rand.N(half+1)
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3). Invalid or past values mean zero.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(365*24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// sleepContext waits d or until ctx ends, whichever is first.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
