package fanout

import (
	"context"
	"time"
)

// Backoff defaults.
const (
	DefaultBackoffBase = 100 * time.Millisecond
	DefaultBackoffMax  = 10 * time.Second
)

// backoff computes jittered exponential delays: for retry k (1-based) the
// ceiling is min(max, base*2^(k-1)) and the delay is uniform in
// [ceiling/2, ceiling) ("equal jitter"), so that retries spread out but
// never collapse to zero.
type backoff struct {
	base, max time.Duration
	rand      func() float64 // in [0, 1)
}

// delay returns the wait before retry number k (k >= 1).
func (b backoff) delay(k int) time.Duration {
	if k < 1 {
		k = 1
	}
	c := b.base
	for i := 1; i < k && c < b.max; i++ {
		c *= 2
	}
	if c > b.max {
		c = b.max
	}
	half := c / 2
	j := b.rand()
	if j < 0 || j >= 1 {
		j = 0
	}
	return half + time.Duration(j*float64(c-half))
}

// sleepCtx waits for d or until ctx is done, whichever comes first, and
// returns ctx.Err() in the latter case.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
