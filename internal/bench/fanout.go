package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/transport/inproc"
	"github.com/hsfan/hsfan/worker"
)

// fanoutCase is the fan-out engine's per-task overhead: N no-op tasks at concurrency 1000, in
// this process, (1) through the engine alone (fanout.Run with an invoke function that answers at
// once, as fanout's BenchmarkRunOverhead) and (2) through the whole in-process transport (each
// task a JSON event to worker.Handler.Invoke, its answer decoded), against a floor: a plain
// goroutine pool doing only what any fan-out must (one goroutine per task under a semaphore, each
// answer handed to a serial merge). The answer is the number of results merged and the sum of
// their task indices: exactly once each. The goal is <= 20 us per task (issue 14).
type fanoutCase struct{}

// fanoutGoalMicros is the per-task overhead the engine must stay within (issue 14).
const fanoutGoalMicros = 20

const fanoutConcurrency = 1000

func (fanoutCase) Name() string { return "fanout" }

func fanoutTasks(env *Env) int {
	if env.Quick {
		return 10_000
	}
	return 100_000
}

func (fanoutCase) About(env *Env) string {
	return fmt.Sprintf("fan-out overhead: %d no-op tasks at concurrency %d, in process (goal <= %d us/task); ratios vs a plain goroutine pool", fanoutTasks(env), fanoutConcurrency, fanoutGoalMicros)
}

func (fanoutCase) Prepare(context.Context, *Env) error { return nil }

// fanoutAnswer is what the merge saw: results merged and the sum of their indices.
type fanoutAnswer struct{ Merged, IndexSum int }

func (fanoutCase) Systems(env *Env) []System {
	n := fanoutTasks(env)
	tasks := make([]fanout.Task, n)
	for i := range tasks {
		tasks[i] = fanout.Task{Index: i, First: int64(i), Count: 1}
	}
	engine := func(name string, invoke fanout.InvokeFunc, note string) System {
		return System{Name: name, Role: RoleHsfan, Run: func(ctx context.Context) (Outcome, error) {
			var a fanoutAnswer
			runtime.GC()
			c0, t0 := processCPU(), time.Now()
			_, err := fanout.Run(ctx, tasks, invoke, fanout.Options{Concurrency: fanoutConcurrency}, func(t fanout.Task, _ fanout.Result) error {
				a.Merged++
				a.IndexSum += t.Index
				return nil
			})
			s, cpu := time.Since(t0).Seconds(), processCPU()-c0
			if err != nil {
				return Outcome{}, err
			}
			return perTask(s, cpu, n, a, note), nil
		}}
	}
	payload := []byte{1}
	noop := func(context.Context, fanout.Task) (fanout.Result, error) { return fanout.Result{Payload: payload}, nil }
	inv := &inproc.Invoker{Handler: worker.NewHandler(worker.Config{})}
	viaWorker := fanout.InvokeWith(inv, func(t fanout.Task) ([]byte, error) {
		return json.Marshal(worker.TaskEvent{Task: &worker.Task{Version: worker.TaskVersion, Index: t.Index, First: t.First, Count: t.Count,
			Dataset: json.RawMessage(`{}`), Op: "mean", NoOp: true}})
	})
	decoded := func(ctx context.Context, t fanout.Task) (fanout.Result, error) {
		res, err := viaWorker(ctx, t)
		if err != nil {
			return res, err
		}
		var ev worker.ResultEvent
		if err := json.Unmarshal(res.Payload, &ev); err != nil || ev.Result == nil || ev.Result.Index != t.Index {
			return res, fmt.Errorf("task %d: bad worker answer %q (%v)", t.Index, res.Payload, err)
		}
		res.Value = ev.Result
		return res, nil
	}
	floor := System{Name: "goroutine pool", Role: RoleFloor, Run: func(ctx context.Context) (Outcome, error) {
		runtime.GC()
		c0, t0 := processCPU(), time.Now()
		a := goroutinePool(n)
		return perTask(time.Since(t0).Seconds(), processCPU()-c0, n, a, "a goroutine per task under a semaphore of 1000, answers merged serially from a channel"), nil
	}}
	return []System{
		engine("hsfan engine", noop, "fanout.Run, no-op invoke function (retries, speculation bookkeeping and the exactly-once merge included)"),
		engine("hsfan inproc", decoded, "fanout.Run through transport/inproc: a task event (JSON) to worker.Handler.Invoke, its answer decoded"),
		floor,
	}
}

// perTask makes the outcome of n tasks in s seconds of wall time and cpu seconds of this
// process's CPU time (all cores; < 0: unknown). On a machine shared with other work the wall
// time per task grows with the load, the CPU time per task much less.
func perTask(s, cpu float64, n int, a fanoutAnswer, note string) Outcome {
	us := s * 1e6 / float64(n)
	meets := 0.0
	if us <= fanoutGoalMicros {
		meets = 1
	}
	fig := map[string]float64{"us_per_task": us, "goal_us_per_task": fanoutGoalMicros, "meets_goal": meets}
	if cpu >= 0 {
		fig["cpu_us_per_task"] = cpu * 1e6 / float64(n)
	}
	return Outcome{Parts: []Part{{Name: fmt.Sprintf("%d tasks", n), Seconds: s}}, Answer: a, Figures: fig, Notes: []string{note}}
}

// processCPU returns the user plus system CPU seconds this process has used, or -1.
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// goroutinePool is the floor: a goroutine per task under a semaphore, answers merged serially.
func goroutinePool(n int) fanoutAnswer {
	sem := make(chan struct{}, fanoutConcurrency)
	results := make(chan int, fanoutConcurrency)
	var wg sync.WaitGroup
	go func() {
		for i := range n {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results <- i
				<-sem
			}()
		}
		wg.Wait()
		close(results)
	}()
	var a fanoutAnswer
	for i := range results {
		a.Merged++
		a.IndexSum += i
	}
	return a
}

func (fanoutCase) Agree(ref, got any) error {
	r, ok1 := ref.(fanoutAnswer)
	g, ok2 := got.(fanoutAnswer)
	if !ok1 || !ok2 {
		return fmt.Errorf("answers of types %T and %T", ref, got)
	}
	if r != g {
		return fmt.Errorf("merged %d results (index sum %d), want %d (index sum %d)", g.Merged, g.IndexSum, r.Merged, r.IndexSum)
	}
	return nil
}
