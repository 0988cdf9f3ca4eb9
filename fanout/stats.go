package fanout

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Fan-out defaults.
const (
	DefaultMaxAttempts       = 4
	DefaultSpeculateFraction = 0.9
)

// Options configures [Run]. The zero value gives the defaults.
type Options struct {
	// Concurrency is the maximum number of attempts in flight, duplicates
	// included. Default DefaultConcurrency.
	Concurrency int
	// TaskTimeout bounds one attempt; an attempt that times out while the
	// job runs is retried ([TimeoutError]). 0 means no per-attempt limit.
	TaskTimeout time.Duration
	// MaxAttempts is the number of attempts per task (first try included)
	// before the task is lost. Default DefaultMaxAttempts.
	MaxAttempts int
	// BackoffBase and BackoffMax bound the jittered exponential delay
	// between attempts. Defaults DefaultBackoffBase and DefaultBackoffMax.
	// A throttle's RetryAfter hint raises the delay.
	BackoffBase, BackoffMax time.Duration
	// Rand returns jitter in [0, 1); it is called from many goroutines and
	// must be safe for that. Default math/rand/v2 Float64.
	Rand func() float64
	// Sleep waits between attempts; it must return ctx.Err() early when ctx
	// is done. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used for speculation and wall time. Default time.Now.
	Now func() time.Time
	// Speculate launches one duplicate of a straggler once
	// SpeculateFraction of the tasks are done and every task has been
	// started; the first result wins and the other attempt is cancelled.
	Speculate bool
	// SpeculateAfter is the run time after which a task is a straggler.
	// 0 means 3x the median run time of the completed tasks (at least 1 s).
	SpeculateAfter time.Duration
	// SpeculateFraction is the fraction of completed tasks from which
	// speculation starts. Default DefaultSpeculateFraction.
	SpeculateFraction float64
	// KeepGoing keeps running the other tasks after a task is lost, so
	// that the error names every lost task. Run still fails.
	KeepGoing bool
	// Logger receives retry and loss events; nil discards them.
	Logger *slog.Logger
	// Progress, if set, is called after every completed task with the
	// number of completed tasks and the total, never concurrently.
	Progress func(done, total int)
}

// Counts are the task and attempt counters of a fan-out, the one definition of them: [Stats]
// embeds them and the run manifest records them as they are (output.TaskCounts).
type Counts struct {
	Tasks     int `json:"tasks"`
	Completed int `json:"completed"`
	Lost      int `json:"lost"`
	// Attempts counts the fan-out's invocations of the invoker (one per
	// runner, plus Retries); Invocations those that reached the worker (not
	// throttled), which is what Lambda bills as requests.
	Attempts    int `json:"attempts"`
	Invocations int `json:"invocations"`
	// Retries are the fan-out's repeated attempts (each is one of Attempts);
	// Throttles the attempts that ended in a ThrottleError.
	Retries   int `json:"retries"`
	Throttles int `json:"throttles"`
	// InvokerRetries and InvokerThrottles are the retries and throttles inside
	// the invoker (InvokeStats.Retries, InvokeStats.Throttles: the Lambda
	// client retrying one attempt), not counted in Attempts or Retries.
	InvokerRetries    int `json:"invoker_retries"`
	InvokerThrottles  int `json:"invoker_throttles"`
	Timeouts          int `json:"timeouts"`
	DuplicatesIgnored int `json:"duplicates_ignored"`
	Speculative       int `json:"speculative"`
	ColdStarts        int `json:"cold_starts"`
}

// Stats summarises a fan-out. Durations and bytes are summed over every
// attempt, failed and duplicate ones included, since all of them are billed.
type Stats struct {
	Counts
	// Duration, BilledDuration and InitDuration are summed over attempts.
	Duration       time.Duration `json:"duration_ns"`
	BilledDuration time.Duration `json:"billed_duration_ns"`
	InitDuration   time.Duration `json:"init_duration_ns"`
	// BilledGBSeconds sums billed time x memory of the attempts that report
	// their memory size; BilledUnknownMemory is the billed time of the others.
	BilledGBSeconds     float64       `json:"billed_gb_seconds"`
	BilledUnknownMemory time.Duration `json:"billed_unknown_memory_ns"`
	// ReportedMemoryMB is the memory size the invocations reported (the
	// function's configured size, what Lambda bills), when they all agree;
	// 0 when none reported one. MixedMemory: they reported different sizes.
	ReportedMemoryMB int  `json:"reported_memory_mb,omitempty"`
	MixedMemory      bool `json:"mixed_memory,omitempty"`
	// MaxMemoryUsedMB is the largest memory peak an invocation reported.
	MaxMemoryUsedMB int   `json:"max_memory_used_mb,omitempty"`
	BytesRead       int64 `json:"bytes_read"`
	Gets            int64 `json:"gets"`
	// Wall is the elapsed time of Run.
	Wall time.Duration `json:"wall_ns"`

	billedMBms int64 // exact sum behind BilledGBSeconds
}

// Merge adds the stats of another fan-out of the same run (e.g. a first pass) to s: counters,
// durations and bytes are summed, Wall too (the fan-outs ran one after the other), the memory
// sizes combined as if all invocations were of one fan-out.
func (s *Stats) Merge(o Stats) {
	s.Tasks += o.Tasks
	s.Completed += o.Completed
	s.Lost += o.Lost
	s.DuplicatesIgnored += o.DuplicatesIgnored
	s.Speculative += o.Speculative
	s.Wall += o.Wall
	s.Invocations += o.Invocations - o.Attempts // add counts Invocations from attempts and throttled
	s.add(attemptStats{attempts: o.Attempts, retries: o.Retries, throttles: o.Throttles, throttled: 0,
		invRetries: o.InvokerRetries, invThrottles: o.InvokerThrottles, timeouts: o.Timeouts, coldStarts: o.ColdStarts,
		duration: o.Duration, billed: o.BilledDuration, init: o.InitDuration, billedNoMem: o.BilledUnknownMemory,
		mbms: o.billedMBms, memMB: o.ReportedMemoryMB, memMixed: o.MixedMemory, maxUsedMB: o.MaxMemoryUsedMB,
		bytes: o.BytesRead, gets: o.Gets})
}

// AddInvocation records one attempt that reached the worker and answered with
// the stats st, as [Run] does for each attempt; for callers that price or
// report invocations made outside a fan-out (and for tests of them).
func (s *Stats) AddInvocation(st InvokeStats) {
	var a attemptStats
	a.addInvoke(st)
	s.add(a)
}

// add folds one runner's attempt stats into s.
func (s *Stats) add(a attemptStats) {
	s.Attempts += a.attempts
	s.Invocations += a.attempts - a.throttled
	s.Retries += a.retries
	s.Throttles += a.throttles
	s.InvokerRetries += a.invRetries
	s.InvokerThrottles += a.invThrottles
	s.Timeouts += a.timeouts
	s.ColdStarts += a.coldStarts
	s.Duration += a.duration
	s.BilledDuration += a.billed
	s.InitDuration += a.init
	s.billedMBms += a.mbms
	s.BilledGBSeconds = float64(s.billedMBms) / (1024 * 1000)
	s.BilledUnknownMemory += a.billedNoMem
	switch {
	case a.memMB == 0:
	case s.ReportedMemoryMB == 0 && !s.MixedMemory:
		s.ReportedMemoryMB = a.memMB
	case s.ReportedMemoryMB != a.memMB:
		s.ReportedMemoryMB, s.MixedMemory = 0, true
	}
	if a.memMixed {
		s.ReportedMemoryMB, s.MixedMemory = 0, true
	}
	s.MaxMemoryUsedMB = max(s.MaxMemoryUsedMB, a.maxUsedMB)
	s.BytesRead += a.bytes
	s.Gets += a.gets
}

// attemptStats accumulates the attempts of one runner.
type attemptStats struct {
	attempts, retries, throttles, throttled, timeouts, coldStarts int
	invRetries, invThrottles                                      int
	duration, billed, init, billedNoMem                           time.Duration
	mbms                                                          int64
	memMB                                                         int // reported memory size (0: none yet)
	memMixed                                                      bool
	maxUsedMB                                                     int
	bytes, gets                                                   int64
}

func (a *attemptStats) addInvoke(st InvokeStats) {
	a.attempts++
	a.invRetries += st.Retries
	a.invThrottles += st.Throttles
	if st.ColdStart {
		a.coldStarts++
	}
	a.duration += st.Duration
	a.billed += st.BilledDuration
	a.init += st.InitDuration
	if st.MemoryMB > 0 {
		a.mbms += st.BilledDuration.Milliseconds() * int64(st.MemoryMB)
		if a.memMB == 0 {
			a.memMB = st.MemoryMB
		} else if a.memMB != st.MemoryMB {
			a.memMixed = true
		}
	} else {
		a.billedNoMem += st.BilledDuration
	}
	a.bytes += st.BytesRead
	a.gets += st.Gets
	a.maxUsedMB = max(a.maxUsedMB, st.MaxMemoryUsedMB)
}

// LostTask is a task that failed all its attempts.
type LostTask struct {
	Index    int
	Attempts int
	Err      error
}

// LostTasksError is returned by [Run] when tasks were finally lost. The job
// result is incomplete and must not be used.
type LostTasksError struct {
	// Total is the number of tasks of the job.
	Total int
	// Lost lists the lost tasks in the order they were lost.
	Lost []LostTask
	// Unfinished counts the tasks neither completed nor lost when the job
	// stopped (cancelled after the first loss).
	Unfinished int
}

// maxListed is the number of lost tasks spelled out in error messages.
const maxListed = 5

func (e *LostTasksError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d tasks lost", len(e.Lost), e.Total)
	if e.Unfinished > 0 {
		fmt.Fprintf(&b, " (%d more unfinished when the job stopped)", e.Unfinished)
	}
	idx := make([]string, 0, maxListed)
	for i, l := range e.Lost {
		if i == maxListed {
			break
		}
		idx = append(idx, fmt.Sprint(l.Index))
	}
	fmt.Fprintf(&b, ": tasks [%s", strings.Join(idx, " "))
	if len(e.Lost) > maxListed {
		fmt.Fprintf(&b, " ... +%d more", len(e.Lost)-maxListed)
	}
	b.WriteString("]")
	for i, l := range e.Lost {
		if i == maxListed {
			break
		}
		fmt.Fprintf(&b, "; task %d after %d attempts: %v", l.Index, l.Attempts, l.Err)
	}
	return b.String()
}

// Unwrap returns the errors of the listed lost tasks.
func (e *LostTasksError) Unwrap() []error {
	errs := make([]error, 0, min(len(e.Lost), maxListed))
	for i, l := range e.Lost {
		if i == maxListed {
			break
		}
		errs = append(errs, l.Err)
	}
	return errs
}

// Retryable reports false: a job with lost tasks already spent its retries.
func (e *LostTasksError) Retryable() bool { return false }

// Indices returns the indices of all lost tasks.
func (e *LostTasksError) Indices() []int {
	out := make([]int, len(e.Lost))
	for i, l := range e.Lost {
		out[i] = l.Index
	}
	return out
}
