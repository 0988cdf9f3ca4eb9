package fanout

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// sumInvoke is a worker whose partial result is the sum of its chunk ids.
func sumInvoke(_ context.Context, t Task) (Result, error) {
	var s uint64
	for c := t.First; c < t.First+t.Count; c++ {
		s += uint64(c)
	}
	return Result{
		Payload: binary.LittleEndian.AppendUint64(nil, s),
		Stats:   InvokeStats{Duration: time.Millisecond, BilledDuration: time.Millisecond, MemoryMB: 1024, BytesRead: t.Count * 10},
	}, nil
}

// merger merges sumInvoke partials and checks exactly-once, serial delivery.
type merger struct {
	t       *testing.T
	busy    atomic.Int32
	seen    map[int]int
	sum     uint64
	calls   int
	failAt  int // onResult error on the failAt-th call (1-based), 0 never
	barrier bool
}

func newMerger(t *testing.T) *merger { return &merger{t: t, seen: map[int]int{}} }

func (m *merger) onResult(tk Task, r Result) error {
	if m.busy.Add(1) != 1 {
		m.t.Error("onResult called concurrently")
	}
	defer m.busy.Add(-1)
	m.calls++
	if m.failAt > 0 && m.calls == m.failAt {
		return errors.New("disk full")
	}
	m.seen[tk.Index]++
	if m.seen[tk.Index] > 1 {
		m.t.Errorf("task %d merged %d times", tk.Index, m.seen[tk.Index])
	}
	m.sum += binary.LittleEndian.Uint64(r.Payload)
	return nil
}

func planFor(t *testing.T, chunks, conc int) []Task {
	t.Helper()
	p, err := MakePlan(PlanInput{GridDims: []int{chunks}, ChunkBytes: 1, TargetBytes: 3, Concurrency: conc})
	if err != nil {
		t.Fatal(err)
	}
	return p.Tasks
}

func wantSum(chunks int) uint64 { return uint64(chunks) * uint64(chunks-1) / 2 }

func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func TestRunClean(t *testing.T) {
	tasks := planFor(t, 3000, 1)
	m := newMerger(t)
	var progress []int
	st, err := Run(context.Background(), tasks, sumInvoke, Options{
		Concurrency: 16,
		Progress:    func(done, total int) { progress = append(progress, done) },
	}, m.onResult)
	if err != nil {
		t.Fatal(err)
	}
	if m.sum != wantSum(3000) || len(m.seen) != len(tasks) {
		t.Fatalf("sum %d over %d tasks, want %d over %d", m.sum, len(m.seen), wantSum(3000), len(tasks))
	}
	if st.Tasks != 1000 || st.Completed != 1000 || st.Attempts != 1000 || st.Invocations != 1000 || st.Retries != 0 || st.BytesRead != 30000 {
		t.Fatalf("stats %+v", st)
	}
	if st.BilledDuration != time.Second || st.BilledGBSeconds != 1 {
		t.Fatalf("billed %v, %g GB-s", st.BilledDuration, st.BilledGBSeconds)
	}
	if len(progress) != 1000 || progress[999] != 1000 {
		t.Fatalf("progress calls %d", len(progress))
	}
}

func TestRunEmptyAndInvalid(t *testing.T) {
	m := newMerger(t)
	st, err := Run(context.Background(), nil, sumInvoke, Options{}, m.onResult)
	if err != nil || st.Tasks != 0 || m.calls != 0 {
		t.Fatalf("empty: %+v, %v", st, err)
	}
	tests := []struct {
		name  string
		tasks []Task
	}{
		{"duplicate in range", []Task{{Index: 0}, {Index: 0}}},
		{"duplicate out of range", []Task{{Index: 7}, {Index: 7}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tc.tasks, sumInvoke, Options{}, m.onResult); err == nil || !strings.Contains(err.Error(), "duplicate task index") {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if _, err := Run(context.Background(), []Task{{}}, nil, Options{}, m.onResult); err == nil {
		t.Fatal("nil invoke accepted")
	}
}

// TestRunFaults: with faults, the merged result equals the clean one, or the
// run fails loudly naming lost tasks; never a silently partial result.
func TestRunFaults(t *testing.T) {
	const chunks = 1200
	tests := []struct {
		name      string
		faults    Faults
		opts      Options
		wantLost  []int // nil: must succeed
		keepGoing bool
	}{
		{name: "retryable failures", faults: Faults{Seed: 1, FailRate: 0.3}},
		{name: "throttles", faults: Faults{Seed: 2, ThrottleRate: 0.3}},
		{name: "lost replies run twice but merge once", faults: Faults{Seed: 3, LostReplyRate: 0.3}},
		{name: "hangs time out and retry", faults: Faults{Seed: 4, HangRate: 0.05}, opts: Options{TaskTimeout: 20 * time.Millisecond}},
		{name: "stragglers speculated", faults: Faults{Seed: 5, SlowRate: 0.02, SlowDelay: time.Hour},
			opts: Options{Speculate: true, SpeculateAfter: 30 * time.Millisecond, SpeculateFraction: 0.5}},
		{name: "mixed", faults: Faults{Seed: 6, FailRate: 0.1, ThrottleRate: 0.1, LostReplyRate: 0.1, HangRate: 0.02}, opts: Options{TaskTimeout: 20 * time.Millisecond}},
		{name: "forced loss", faults: Faults{Seed: 7, FailTasks: map[int]int{17: -1}}, wantLost: []int{17}},
		{name: "fatal error", faults: Faults{Seed: 8, FailTasks: map[int]int{}, FatalRate: 0.002}, wantLost: []int{}},
		{name: "keep going names every loss", faults: Faults{Seed: 9, FailTasks: map[int]int{3: -1, 99: -1, 250: -1}}, wantLost: []int{3, 99, 250}, keepGoing: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fi, err := NewFaultInjector(sumInvoke, tc.faults)
			if err != nil {
				t.Fatal(err)
			}
			tasks := planFor(t, chunks, 1)
			opts := tc.opts
			opts.Concurrency = 50
			opts.Sleep = noSleep
			opts.MaxAttempts = 8
			opts.KeepGoing = tc.keepGoing
			m := newMerger(t)
			st, err := Run(context.Background(), tasks, fi.Invoke, opts, m.onResult)
			if tc.wantLost == nil {
				if err != nil {
					t.Fatalf("run failed: %v (faults %+v)", err, fi.Counts())
				}
				if m.sum != wantSum(chunks) || len(m.seen) != len(tasks) || st.Completed != len(tasks) {
					t.Fatalf("partial result: sum %d want %d, %d of %d tasks", m.sum, wantSum(chunks), len(m.seen), len(tasks))
				}
				c := fi.Counts()
				if st.Attempts != c.Calls {
					t.Fatalf("stats attempts %d, injector calls %d", st.Attempts, c.Calls)
				}
				if c.Calls == len(tasks) && tc.faults.SlowRate == 0 {
					t.Fatalf("no faults injected: %+v", c)
				}
				if tc.faults.SlowRate > 0 && st.Speculative == 0 {
					t.Fatalf("no speculation: %+v", st)
				}
				if tc.faults.ThrottleRate > 0 && st.Throttles != c.Throttles {
					t.Fatalf("throttles %d, injected %d", st.Throttles, c.Throttles)
				}
				if tc.faults.HangRate > 0 && st.Timeouts != c.Hangs {
					t.Fatalf("timeouts %d, injected hangs %d", st.Timeouts, c.Hangs)
				}
				return
			}
			var lost *LostTasksError
			if !errors.As(err, &lost) {
				t.Fatalf("err = %v, want LostTasksError", err)
			}
			if len(tc.wantLost) > 0 {
				if got := fmt.Sprint(sortedInts(lost.Indices())); got != fmt.Sprint(tc.wantLost) {
					t.Fatalf("lost %s, want %v", got, tc.wantLost)
				}
				for _, i := range tc.wantLost {
					if !strings.Contains(err.Error(), fmt.Sprintf("task %d after", i)) {
						t.Fatalf("error does not name task %d: %v", i, err)
					}
				}
			} else if len(lost.Lost) == 0 {
				t.Fatal("LostTasksError without tasks")
			}
			if st.Lost != len(lost.Lost) || st.Completed+st.Lost > len(tasks) {
				t.Fatalf("stats %+v vs %d lost", st, len(lost.Lost))
			}
			if tc.keepGoing && st.Completed != len(tasks)-len(tc.wantLost) {
				t.Fatalf("keep going completed %d of %d", st.Completed, len(tasks))
			}
		})
	}
}

func sortedInts(s []int) []int {
	out := append([]int(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestRunLostErrorMessage(t *testing.T) {
	fail := map[int]int{}
	for i := 0; i < 8; i++ {
		fail[i*10] = -1
	}
	fi, _ := NewFaultInjector(sumInvoke, Faults{FailTasks: fail})
	_, err := Run(context.Background(), planFor(t, 300, 100), fi.Invoke,
		Options{Concurrency: 4, Sleep: noSleep, MaxAttempts: 2, KeepGoing: true}, newMerger(t).onResult)
	msg := fmt.Sprint(err)
	for _, want := range []string{"8 of 100 tasks lost", "+3 more", "after 2 attempts", "attempt 2/2", "InjectedFailure"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestRunFatalStopsEarly(t *testing.T) {
	var calls atomic.Int32
	invoke := func(ctx context.Context, tk Task) (Result, error) {
		calls.Add(1)
		if tk.Index == 0 {
			return Result{}, &TaskError{Type: "BadSelection", Message: "no such dataset"}
		}
		<-ctx.Done()
		return Result{}, ctx.Err()
	}
	st, err := Run(context.Background(), planFor(t, 5000, 5000), invoke,
		Options{Concurrency: 10, Sleep: noSleep}, newMerger(t).onResult)
	var lost *LostTasksError
	if !errors.As(err, &lost) || len(lost.Lost) != 1 || lost.Lost[0].Index != 0 || lost.Lost[0].Attempts != 1 {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "no such dataset") || lost.Unfinished != 4999 {
		t.Fatalf("err = %v (unfinished %d)", err, lost.Unfinished)
	}
	if n := calls.Load(); n > 10 || st.Attempts != int(n) {
		t.Fatalf("%d invocations after a fatal error (stats %d)", n, st.Attempts)
	}
}

func TestRunOnResultErrorStops(t *testing.T) {
	m := newMerger(t)
	m.failAt = 5
	_, err := Run(context.Background(), planFor(t, 3000, 1), sumInvoke, Options{Concurrency: 8}, m.onResult)
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "merge result of task") {
		t.Fatalf("err = %v", err)
	}
	if m.calls != 5 {
		t.Fatalf("onResult called %d times after its error", m.calls)
	}
}

func TestRunCancellationIsPrompt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var started atomic.Int32
	invoke := func(ctx context.Context, tk Task) (Result, error) {
		if started.Add(1) == 20 {
			cancel()
		}
		<-ctx.Done()
		return Result{}, ctx.Err()
	}
	t0 := time.Now()
	st, err := Run(ctx, planFor(t, 100000, 100000), invoke, Options{Concurrency: 20}, newMerger(t).onResult)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "cancelled after 0 of 100000 tasks") {
		t.Fatalf("err = %v", err)
	}
	var lost *LostTasksError
	if errors.As(err, &lost) {
		t.Fatalf("cancellation reported as lost tasks: %v", err)
	}
	if el := time.Since(t0); el > 5*time.Second {
		t.Fatalf("cancellation took %v", el)
	}
	if st.Attempts != 20 || st.Retries != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRunConcurrencyBound(t *testing.T) {
	var cur, peak atomic.Int32
	invoke := func(ctx context.Context, tk Task) (Result, error) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(100 * time.Microsecond)
		cur.Add(-1)
		return sumInvoke(ctx, tk)
	}
	m := newMerger(t)
	if _, err := Run(context.Background(), planFor(t, 2000, 2000), invoke, Options{Concurrency: 7}, m.onResult); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > 7 || p < 2 {
		t.Fatalf("peak concurrency %d, want 2..7", p)
	}
	if m.sum != wantSum(2000) {
		t.Fatalf("sum %d", m.sum)
	}
}

func TestRunTimeoutRetried(t *testing.T) {
	var mu sync.Mutex
	tries := map[int]int{}
	invoke := func(ctx context.Context, tk Task) (Result, error) {
		mu.Lock()
		tries[tk.Index]++
		n := tries[tk.Index]
		mu.Unlock()
		if tk.Index == 2 && n == 1 {
			<-ctx.Done()
			return Result{}, fmt.Errorf("invoke: %w", ctx.Err())
		}
		return sumInvoke(ctx, tk)
	}
	m := newMerger(t)
	st, err := Run(context.Background(), planFor(t, 12, 4), invoke,
		Options{TaskTimeout: 10 * time.Millisecond, Sleep: noSleep}, m.onResult)
	if err != nil {
		t.Fatal(err)
	}
	if st.Timeouts != 1 || st.Retries != 1 || st.Attempts != 5 || m.sum != wantSum(12) {
		t.Fatalf("stats %+v sum %d", st, m.sum)
	}
}

// TestRunSpeculationFirstResultWins: a straggler that ignores cancellation
// still answers; its late duplicate is counted and dropped. It runs in a
// synctest bubble, so the timing is exact.
func TestRunSpeculationFirstResultWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		tries := map[int]int{}
		invoke := func(ctx context.Context, tk Task) (Result, error) {
			mu.Lock()
			tries[tk.Index]++
			n := tries[tk.Index]
			mu.Unlock()
			time.Sleep(time.Millisecond)
			if tk.Index == 3 && n == 1 {
				time.Sleep(300 * time.Millisecond) // ignores ctx on purpose
			}
			return sumInvoke(ctx, tk)
		}
		m := newMerger(t)
		tasks := planFor(t, 40, 10)
		start := time.Now()
		st, err := Run(context.Background(), tasks, invoke,
			Options{Speculate: true, SpeculateAfter: 20 * time.Millisecond}, m.onResult)
		if err != nil {
			t.Fatal(err)
		}
		if st.Speculative != 1 || st.DuplicatesIgnored != 1 || st.Attempts != len(tasks)+1 || m.seen[3] != 1 || m.sum != wantSum(40) {
			t.Fatalf("stats %+v, task 3 merged %d times, sum %d", st, m.seen[3], m.sum)
		}
		// the duplicate answered at ~20-25 ms; Run waited for the straggler
		if el := time.Since(start); el < 300*time.Millisecond || st.Wall != el {
			t.Fatalf("elapsed %v, wall %v", el, st.Wall)
		}
	})
}

// TestRunSpeculationDefaultThreshold: without SpeculateAfter a task is a
// straggler after 3x the median task time (at least 1 s).
func TestRunSpeculationDefaultThreshold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		tries := map[int]int{}
		var dupAt time.Duration
		start := time.Now()
		invoke := func(ctx context.Context, tk Task) (Result, error) {
			mu.Lock()
			tries[tk.Index]++
			n := tries[tk.Index]
			mu.Unlock()
			if tk.Index == 0 && n == 2 {
				dupAt = time.Since(start)
			}
			if err := sleepCtx(ctx, 2*time.Second); err != nil {
				return Result{}, err
			}
			if tk.Index == 0 && n == 1 {
				if err := sleepCtx(ctx, time.Hour); err != nil {
					return Result{}, err
				}
			}
			return sumInvoke(ctx, tk)
		}
		st, err := Run(context.Background(), planFor(t, 30, 10), invoke, Options{Speculate: true}, newMerger(t).onResult)
		if err != nil {
			t.Fatal(err)
		}
		// median 2 s -> threshold 6 s, checked every 500 ms
		if st.Speculative != 1 || dupAt < 6*time.Second || dupAt > 7*time.Second || st.Wall != dupAt+2*time.Second {
			t.Fatalf("duplicate at %v, stats %+v", dupAt, st)
		}
	})
}

func TestRunBackoffDelays(t *testing.T) {
	var mu sync.Mutex
	var waits []time.Duration
	sleep := func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	tries := 0
	invoke := func(ctx context.Context, tk Task) (Result, error) {
		tries++
		switch tries {
		case 1, 2:
			return Result{}, &TaskError{Message: "transient", Retry: true}
		case 3:
			return Result{}, &ThrottleError{RetryAfter: 5 * time.Second}
		case 4:
			return Result{}, &TaskError{Message: "transient", Retry: true}
		}
		return sumInvoke(ctx, tk)
	}
	st, err := Run(context.Background(), []Task{{Index: 0, First: 0, Count: 3}}, invoke, Options{
		MaxAttempts: 5, BackoffBase: 100 * time.Millisecond, BackoffMax: 300 * time.Millisecond,
		Rand: func() float64 { return 0.5 }, Sleep: sleep,
	}, newMerger(t).onResult)
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{75 * time.Millisecond, 150 * time.Millisecond, 5 * time.Second, 225 * time.Millisecond}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Fatalf("waits %v, want %v", waits, want)
	}
	if st.Retries != 4 || st.Throttles != 1 || st.Invocations != 4 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBackoffDelay(t *testing.T) {
	tests := []struct {
		k    int
		r    float64
		want time.Duration
	}{
		{1, 0, 50 * time.Millisecond},
		{1, 0.999999, 99999950 * time.Nanosecond},
		{2, 0, 100 * time.Millisecond},
		{3, 0, 200 * time.Millisecond},
		{10, 0, 500 * time.Millisecond},
		{1000, 0.5, 750 * time.Millisecond},
		{0, 0, 50 * time.Millisecond},
		{1, 7, 50 * time.Millisecond}, // out-of-range jitter is clamped
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.k, tc.r), func(t *testing.T) {
			b := backoff{base: 100 * time.Millisecond, max: time.Second, rand: func() float64 { return tc.r }}
			if got := b.delay(tc.k); got != tc.want {
				t.Fatalf("delay(%d) = %v, want %v", tc.k, got, tc.want)
			}
		})
	}
}

func TestRunInvokePanicIsLostTask(t *testing.T) {
	invoke := func(ctx context.Context, tk Task) (Result, error) {
		if tk.Index == 1 {
			panic("nil map")
		}
		return sumInvoke(ctx, tk)
	}
	_, err := Run(context.Background(), planFor(t, 9, 3), invoke, Options{Sleep: noSleep}, newMerger(t).onResult)
	var lost *LostTasksError
	if !errors.As(err, &lost) || lost.Indices()[0] != 1 || lost.Lost[0].Attempts != 1 || !strings.Contains(err.Error(), "panicked: nil map") {
		t.Fatalf("err = %v", err)
	}
}
