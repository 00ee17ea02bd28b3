package pipeline

import (
	"context"

	"golang.org/x/sync/semaphore"
)

// Budget bounds the memory the deliveries running at once may use: each
// holds an estimate of its peak (a multiple of its message's size) for its
// whole attempt, so a few large messages wait for each other instead of
// exhausting memory, while small ones keep flowing. A nil *Budget bounds
// nothing.
type Budget struct {
	sem   *semaphore.Weighted
	total int64
}

// bytesPerMessageByte is the estimated peak memory of a delivery per byte
// of its message: the decrypted message, its decoded parts, and the
// converted draft (see bench/ for the measured figure).
const bytesPerMessageByte = 3

// NewBudget returns a budget of total bytes.
func NewBudget(total int64) *Budget {
	return &Budget{sem: semaphore.NewWeighted(total), total: total}
}

// acquire waits until a message of size bytes fits; a message larger than
// the whole budget waits until it runs alone. release must be called once.
func (b *Budget) acquire(ctx context.Context, size int64) (release func(), err error) {
	if b == nil {
		return func() {}, nil
	}
	n := min(max(size, 1)*bytesPerMessageByte, b.total)
	if err := b.sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { b.sem.Release(n) }, nil
}
