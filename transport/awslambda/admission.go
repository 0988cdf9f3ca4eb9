package awslambda

import (
	"context"
	"sync"
	"time"
)

// outcome is what an attempt tells the admission controller.
type outcome int

const (
	outcomeNone      outcome = iota // cancelled or indeterminate: no change
	outcomeSuccess                  // the platform ran the invocation
	outcomeThrottled                // 429
)

// AdmissionState is a snapshot of the admission controller.
type AdmissionState struct {
	// Window is the AIMD concurrency window (at most MaxConcurrency).
	Window float64
	// InFlight is the number of admitted invocations.
	InFlight int
	// Warm is the number of execution environments believed to exist.
	Warm int
	// Waiting is the number of invocations queued for admission.
	Waiting int
}

// admission combines a concurrency limit, an AIMD window and a token
// bucket for new execution environments. It is safe for concurrent use.
type admission struct {
	max      int
	decrease time.Duration
	now      func() time.Time

	mu       sync.Mutex
	window   float64
	inflight int
	warm     int
	lastCut  time.Time
	waiters  []*waiter
	bucket   tokenBucket
}

type waiter struct {
	ch      chan struct{}
	granted bool
}

func newAdmission(max, burst int, rate float64, decrease time.Duration, now func() time.Time) *admission {
	return &admission{
		max:      max,
		decrease: decrease,
		now:      now,
		window:   float64(max),
		bucket:   tokenBucket{rate: rate, burst: float64(burst)},
	}
}

// limit is the current number of invocations allowed in flight.
func (a *admission) limit() int {
	l := int(a.window)
	if l < 1 {
		l = 1
	}
	if l > a.max {
		l = a.max
	}
	return l
}

// acquire blocks until one more invocation may start, or ctx ends. Each
// successful acquire must be paired with one release.
func (a *admission) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a.mu.Lock()
	if len(a.waiters) == 0 && a.inflight < a.limit() {
		a.inflight++
	} else {
		w := &waiter{ch: make(chan struct{})}
		a.waiters = append(a.waiters, w)
		a.mu.Unlock()
		select {
		case <-w.ch:
		case <-ctx.Done():
			a.mu.Lock()
			if !w.granted {
				a.removeWaiter(w)
				a.mu.Unlock()
				return ctx.Err()
			}
			a.mu.Unlock()
			a.release(outcomeNone)
			return ctx.Err()
		}
		a.mu.Lock()
	}
	var wait time.Duration
	if a.inflight > a.warm { // needs a new execution environment
		a.warm = a.inflight
		wait = a.bucket.reserve(a.now())
	}
	a.mu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			a.release(outcomeNone)
			return ctx.Err()
		}
	}
	return nil
}

// release ends an admitted invocation and adapts the window: +1/window
// per success (about +1 per window of successes), halved on a throttle at
// most once per decrease interval. A throttle also lowers the number of
// environments believed warm to those in use.
func (a *admission) release(o outcome) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inflight--
	switch o {
	case outcomeSuccess:
		a.window += 1 / a.window
		if a.window > float64(a.max) {
			a.window = float64(a.max)
		}
	case outcomeThrottled:
		now := a.now()
		if a.lastCut.IsZero() || now.Sub(a.lastCut) >= a.decrease {
			a.window /= 2
			if a.window < 1 {
				a.window = 1
			}
			a.lastCut = now
		}
		if a.warm > a.inflight {
			a.warm = a.inflight
		}
	}
	for len(a.waiters) > 0 && a.inflight < a.limit() {
		w := a.waiters[0]
		a.waiters[0] = nil
		a.waiters = a.waiters[1:]
		w.granted = true
		a.inflight++
		close(w.ch)
	}
}

// removeWaiter drops w from the queue; a.mu is held.
func (a *admission) removeWaiter(w *waiter) {
	for i, x := range a.waiters {
		if x == w {
			a.waiters = append(a.waiters[:i], a.waiters[i+1:]...)
			return
		}
	}
}

func (a *admission) state() AdmissionState {
	a.mu.Lock()
	defer a.mu.Unlock()
	return AdmissionState{Window: a.window, InFlight: a.inflight, Warm: a.warm, Waiting: len(a.waiters)}
}

// tokenBucket is a token bucket read under the admission lock.
type tokenBucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

// reserve takes one token and returns how long to wait until it is
// covered (0 when a token was available).
func (b *tokenBucket) reserve(now time.Time) time.Duration {
	if b.last.IsZero() {
		b.tokens = b.burst
	} else if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens += dt * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
	}
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}
