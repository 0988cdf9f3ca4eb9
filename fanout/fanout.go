package fanout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"
)

// InvokeFunc runs one attempt of a task. It must return promptly when ctx
// is done.
type InvokeFunc func(ctx context.Context, t Task) (Result, error)

// errStopped is the cancellation cause of runners stopped by Run itself.
var errStopped = errors.New("fan-out stopped")

// Run invokes every task with at most opts.Concurrency attempts in flight
// and calls onResult exactly once per task (keyed by its position in
// tasks; Task.Index values must be unique), serially, in completion order.
// Merging inside onResult is therefore race-free; duplicate results from
// retries or speculation are counted and dropped.
//
// Failure policy: a non-retryable error, or a retryable one after
// MaxAttempts attempts, loses the task. The first lost task stops the job
// (unless opts.KeepGoing) and Run returns a [*LostTasksError] naming the
// lost tasks and their last errors. An error from onResult stops the job
// and is returned wrapped. Cancelling ctx stops the job promptly and
// returns an error wrapping the cause. In every failure case the merged
// result is partial and must be discarded. Run waits for every attempt it
// started before it returns, and returns the Stats gathered so far even on
// error.
func Run(ctx context.Context, tasks []Task, invoke InvokeFunc, opts Options, onResult func(Task, Result) error) (Stats, error) {
	if invoke == nil || onResult == nil {
		return Stats{}, errors.New("fan-out: invoke and onResult must not be nil")
	}
	if err := checkIndices(tasks); err != nil {
		return Stats{}, err
	}
	f := newFanout(tasks, invoke, opts, onResult)
	return f.run(ctx)
}

// checkIndices rejects duplicate task indices (they key the merge).
func checkIndices(tasks []Task) error {
	seen := make([]bool, len(tasks))
	var other map[int]struct{}
	for _, t := range tasks {
		if t.Index >= 0 && t.Index < len(tasks) {
			if seen[t.Index] {
				return fmt.Errorf("fan-out: duplicate task index %d", t.Index)
			}
			seen[t.Index] = true
			continue
		}
		if other == nil {
			other = make(map[int]struct{})
		}
		if _, dup := other[t.Index]; dup {
			return fmt.Errorf("fan-out: duplicate task index %d", t.Index)
		}
		other[t.Index] = struct{}{}
	}
	return nil
}

type taskState struct {
	done     bool
	spec     bool // a duplicate was launched
	attempts int
	runners  []*runner
	lastErr  error
}

type runner struct {
	pos    int
	cancel context.CancelCauseFunc
	start  time.Time
}

type outcome struct {
	r        *runner
	res      Result
	err      error
	attempts int
	st       attemptStats
}

type fanout struct {
	tasks    []Task
	invoke   InvokeFunc
	opts     Options
	onResult func(Task, Result) error
	bo       backoff
	log      *slog.Logger

	state    []taskState
	events   chan outcome
	stats    Stats
	done     int
	inflight int
	durs     []time.Duration
	lost     []LostTask
	fatal    error
	stopping bool
}

func newFanout(tasks []Task, invoke InvokeFunc, opts Options, onResult func(Task, Result) error) *fanout {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = DefaultBackoffBase
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = DefaultBackoffMax
	}
	if opts.BackoffMax < opts.BackoffBase {
		opts.BackoffMax = opts.BackoffBase
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SpeculateFraction <= 0 || opts.SpeculateFraction > 1 {
		opts.SpeculateFraction = DefaultSpeculateFraction
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	limit := min(opts.Concurrency, max(len(tasks), 1))
	return &fanout{
		tasks: tasks, invoke: invoke, opts: opts, onResult: onResult, log: log,
		bo:     backoff{base: opts.BackoffBase, max: opts.BackoffMax, rand: opts.Rand},
		state:  make([]taskState, len(tasks)),
		events: make(chan outcome, limit),
	}
}

func (f *fanout) run(parent context.Context) (Stats, error) {
	start := f.opts.Now()
	n := len(f.tasks)
	f.stats.Tasks = n
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(errStopped)

	var tick <-chan time.Time
	if f.opts.Speculate {
		t := time.NewTicker(f.specInterval())
		defer t.Stop()
		tick = t.C
	}
	doneC := ctx.Done()
	next := 0
	for {
		for !f.stopping && f.inflight < f.opts.Concurrency && next < n {
			f.launch(ctx, next)
			next++
		}
		if f.inflight == 0 {
			break
		}
		select {
		case o := <-f.events:
			f.inflight--
			f.handle(o, parent, cancel)
		case <-tick:
			if !f.stopping && next == n {
				f.speculate(ctx)
			}
		case <-doneC:
			doneC = nil
			f.stopping = true
		}
	}
	f.stats.Completed = f.done
	f.stats.Lost = len(f.lost)
	f.stats.Wall = f.opts.Now().Sub(start)
	return f.stats, f.result(parent)
}

// result turns the final state into Run's error.
func (f *fanout) result(parent context.Context) error {
	n := len(f.tasks)
	switch {
	case f.fatal != nil:
		return f.fatal
	case parent.Err() != nil:
		err := fmt.Errorf("fan-out cancelled after %d of %d tasks: %w", f.done, n, context.Cause(parent))
		if len(f.lost) > 0 {
			return errors.Join(err, f.lostError())
		}
		return err
	case len(f.lost) > 0:
		return f.lostError()
	case f.done != n:
		return fmt.Errorf("fan-out: only %d of %d tasks completed", f.done, n)
	}
	return nil
}

func (f *fanout) lostError() error {
	return &LostTasksError{Total: len(f.tasks), Lost: f.lost, Unfinished: len(f.tasks) - f.done - len(f.lost)}
}

// launch starts a runner for the task at position pos.
func (f *fanout) launch(ctx context.Context, pos int) {
	rctx, cancel := context.WithCancelCause(ctx)
	r := &runner{pos: pos, cancel: cancel, start: f.opts.Now()}
	st := &f.state[pos]
	st.runners = append(st.runners, r)
	f.inflight++
	go func() {
		o := f.attempt(rctx, r)
		cancel(errStopped)
		f.events <- o
	}()
}

// attempt runs the attempts of one runner until success, a non-retryable
// error, MaxAttempts, or cancellation.
func (f *fanout) attempt(ctx context.Context, r *runner) outcome {
	o := outcome{r: r}
	t := f.tasks[r.pos]
	var wait time.Duration
	for a := 1; ; a++ {
		if a > 1 {
			if err := f.opts.Sleep(ctx, wait); err != nil {
				return o // o.err is the last attempt's error
			}
			o.st.retries++
		}
		actx, acancel := ctx, context.CancelFunc(func() {})
		if f.opts.TaskTimeout > 0 {
			actx, acancel = context.WithTimeout(ctx, f.opts.TaskTimeout)
		}
		res, err := f.safeInvoke(actx, t)
		timedOut := err != nil && ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded)
		acancel()
		o.attempts = a
		o.st.addInvoke(res.Stats)
		if err == nil {
			o.res, o.err = res, nil
			return o
		}
		if timedOut {
			err = &TimeoutError{After: f.opts.TaskTimeout, Err: err}
			o.st.timeouts++
		}
		var te *ThrottleError
		if errors.As(err, &te) {
			o.st.throttles++
			o.st.throttled++
		}
		o.err = fmt.Errorf("attempt %d/%d: %w", a, f.opts.MaxAttempts, err)
		if ctx.Err() != nil || !IsRetryable(err) || a >= f.opts.MaxAttempts {
			return o
		}
		wait = f.bo.delay(a)
		if te != nil && te.RetryAfter > wait {
			wait = te.RetryAfter
		}
		f.log.Info("retrying task", slog.Int("task", t.Index), slog.Int("attempt", a), slog.Int("max_attempts", f.opts.MaxAttempts),
			slog.Duration("wait", wait), slog.Any("error", err))
	}
}

// safeInvoke calls the invoke function and turns a panic into a
// non-retryable error, so that one bad task cannot crash the coordinator.
func (f *fanout) safeInvoke(ctx context.Context, t Task) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = Result{}, fmt.Errorf("invoke task %d panicked: %v", t.Index, p)
		}
	}()
	return f.invoke(ctx, t)
}

// handle processes a finished runner.
func (f *fanout) handle(o outcome, parent context.Context, cancel context.CancelCauseFunc) {
	st := &f.state[o.r.pos]
	st.runners = slices.DeleteFunc(st.runners, func(r *runner) bool { return r == o.r })
	st.attempts += o.attempts
	f.stats.add(o.st)
	t := f.tasks[o.r.pos]
	if o.err == nil {
		if st.done {
			f.stats.DuplicatesIgnored++
			return
		}
		st.done = true
		st.lastErr = nil
		f.done++
		for _, r := range st.runners {
			r.cancel(errStopped) // first result wins
		}
		if f.stopping {
			return
		}
		f.durs = append(f.durs, f.opts.Now().Sub(o.r.start))
		if err := f.onResult(t, o.res); err != nil {
			f.fatal = fmt.Errorf("merge result of task %d: %w", t.Index, err)
			f.stop(cancel)
			return
		}
		if f.opts.Progress != nil {
			f.opts.Progress(f.done, len(f.tasks))
		}
		return
	}
	if st.done {
		return // the loser of a speculative race
	}
	st.lastErr = o.err
	if len(st.runners) > 0 || f.stopping || parent.Err() != nil {
		return // another copy still runs, or the job is stopping anyway
	}
	f.lost = append(f.lost, LostTask{Index: t.Index, Attempts: st.attempts, Err: o.err})
	f.log.Warn("task lost", slog.Int("task", t.Index), slog.Int("attempts", st.attempts), slog.Any("error", o.err))
	if !f.opts.KeepGoing {
		f.stop(cancel)
	}
}

func (f *fanout) stop(cancel context.CancelCauseFunc) {
	f.stopping = true
	cancel(errStopped)
}

// specInterval is how often stragglers are looked for.
func (f *fanout) specInterval() time.Duration {
	if f.opts.SpeculateAfter <= 0 {
		return 500 * time.Millisecond
	}
	return min(max(f.opts.SpeculateAfter/4, time.Millisecond), time.Second)
}

// speculate launches one duplicate of each straggler while capacity allows.
func (f *fanout) speculate(ctx context.Context) {
	n := len(f.tasks)
	if float64(f.done) < f.opts.SpeculateFraction*float64(n) || f.inflight >= f.opts.Concurrency {
		return
	}
	after := f.opts.SpeculateAfter
	if after <= 0 {
		if len(f.durs) == 0 {
			return
		}
		d := slices.Clone(f.durs)
		slices.Sort(d)
		after = max(3*d[len(d)/2], time.Second)
	}
	now := f.opts.Now()
	for pos := range f.state {
		st := &f.state[pos]
		if st.done || st.spec || len(st.runners) != 1 || now.Sub(st.runners[0].start) < after {
			continue
		}
		if f.inflight >= f.opts.Concurrency {
			return
		}
		st.spec = true
		f.stats.Speculative++
		f.log.Debug("speculating straggler", slog.Int("task", f.tasks[pos].Index))
		f.launch(ctx, pos)
	}
}
