package fanout

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Faults configures a [FaultInjector]. Rates are probabilities per attempt
// and are tried in the order of the fields; their sum must not exceed 1.
type Faults struct {
	// Seed makes the faults reproducible: the fault of an attempt depends
	// only on (Seed, task index, attempt number), not on scheduling.
	Seed uint64
	// FatalRate: a non-retryable TaskError.
	FatalRate float64
	// FailRate: a retryable TaskError.
	FailRate float64
	// ThrottleRate: a ThrottleError.
	ThrottleRate float64
	// HangRate: block until the attempt's context is done (a timeout).
	HangRate float64
	// LostReplyRate: run the task, then return a retryable error, as when a
	// response is lost after the worker did the work.
	LostReplyRate float64
	// SlowRate: wait SlowDelay (or until the context is done) before running,
	// a straggler.
	SlowRate  float64
	SlowDelay time.Duration
	// FailTasks forces retryable failures: task index -> number of first
	// attempts that fail; a negative count fails every attempt.
	FailTasks map[int]int
}

// FaultCounts counts the faults injected so far.
type FaultCounts struct {
	Calls, Fatal, Failures, Throttles, Hangs, LostReplies, Slow, Forced int
}

// FaultInjector wraps an invoke function with deterministic faults for
// tests. It is safe for concurrent use.
type FaultInjector struct {
	inner    InvokeFunc
	faults   Faults
	mu       sync.Mutex
	attempts map[int]int
	counts   FaultCounts
}

// NewFaultInjector returns a FaultInjector around inner.
func NewFaultInjector(inner InvokeFunc, f Faults) (*FaultInjector, error) {
	sum := f.FatalRate + f.FailRate + f.ThrottleRate + f.HangRate + f.LostReplyRate + f.SlowRate
	for _, r := range []float64{f.FatalRate, f.FailRate, f.ThrottleRate, f.HangRate, f.LostReplyRate, f.SlowRate} {
		if r < 0 || r > 1 {
			return nil, fmt.Errorf("fault injector: rate %g outside [0, 1]", r)
		}
	}
	if sum > 1 {
		return nil, fmt.Errorf("fault injector: rates sum to %g > 1", sum)
	}
	if inner == nil {
		return nil, fmt.Errorf("fault injector: nil invoke function")
	}
	return &FaultInjector{inner: inner, faults: f, attempts: make(map[int]int)}, nil
}

type fault int

const (
	faultNone fault = iota
	faultFatal
	faultFail
	faultThrottle
	faultHang
	faultLostReply
	faultSlow
	faultForced
)

// decide picks the fault of attempt a (1-based) of task idx.
func (fi *FaultInjector) decide(idx, a int) fault {
	if k, ok := fi.faults.FailTasks[idx]; ok && (k < 0 || a <= k) {
		return faultForced
	}
	r := rand.New(rand.NewPCG(fi.faults.Seed, uint64(idx)<<24^uint64(a)))
	u := r.Float64()
	f := fi.faults
	for _, c := range []struct {
		rate float64
		f    fault
	}{
		{f.FatalRate, faultFatal}, {f.FailRate, faultFail}, {f.ThrottleRate, faultThrottle},
		{f.HangRate, faultHang}, {f.LostReplyRate, faultLostReply}, {f.SlowRate, faultSlow},
	} {
		if u < c.rate {
			return c.f
		}
		u -= c.rate
	}
	return faultNone
}

// Invoke runs one attempt of t, possibly with a fault. It matches InvokeFunc.
func (fi *FaultInjector) Invoke(ctx context.Context, t Task) (Result, error) {
	fi.mu.Lock()
	fi.attempts[t.Index]++
	a := fi.attempts[t.Index]
	fi.counts.Calls++
	ft := fi.decide(t.Index, a)
	switch ft {
	case faultFatal:
		fi.counts.Fatal++
	case faultFail:
		fi.counts.Failures++
	case faultThrottle:
		fi.counts.Throttles++
	case faultHang:
		fi.counts.Hangs++
	case faultLostReply:
		fi.counts.LostReplies++
	case faultSlow:
		fi.counts.Slow++
	case faultForced:
		fi.counts.Forced++
	}
	fi.mu.Unlock()

	switch ft {
	case faultFatal:
		return Result{}, &TaskError{Type: "InjectedFatal", Message: fmt.Sprintf("task %d attempt %d", t.Index, a)}
	case faultFail, faultForced:
		return Result{}, &TaskError{Type: "InjectedFailure", Message: fmt.Sprintf("task %d attempt %d", t.Index, a), Retry: true}
	case faultThrottle:
		return Result{}, &ThrottleError{Err: fmt.Errorf("injected throttle: task %d attempt %d", t.Index, a)}
	case faultHang:
		<-ctx.Done()
		return Result{}, fmt.Errorf("injected hang: task %d attempt %d: %w", t.Index, a, ctx.Err())
	case faultLostReply:
		if _, err := fi.inner(ctx, t); err != nil {
			return Result{}, err
		}
		return Result{}, &TaskError{Type: "InjectedLostReply", Message: fmt.Sprintf("task %d attempt %d", t.Index, a), Retry: true}
	case faultSlow:
		if err := sleepCtx(ctx, fi.faults.SlowDelay); err != nil {
			return Result{}, fmt.Errorf("injected slow task %d attempt %d: %w", t.Index, a, err)
		}
	}
	return fi.inner(ctx, t)
}

// Counts returns the faults injected so far.
func (fi *FaultInjector) Counts() FaultCounts {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return fi.counts
}

// Attempts returns the number of attempts seen for task index idx.
func (fi *FaultInjector) Attempts(idx int) int {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return fi.attempts[idx]
}

// PayloadFunc encodes a task as an invocation payload.
type PayloadFunc func(Task) ([]byte, error)

// InvokeWith adapts an [Invoker] to an [InvokeFunc]: encode builds each
// task's payload.
func InvokeWith(inv Invoker, encode PayloadFunc) InvokeFunc {
	return func(ctx context.Context, t Task) (Result, error) {
		p, err := encode(t)
		if err != nil {
			return Result{}, fmt.Errorf("encode task %d: %w", t.Index, err)
		}
		return inv.Invoke(ctx, p)
	}
}
