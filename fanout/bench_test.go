package fanout

import (
	"context"
	"runtime"
	"testing"
)

// BenchmarkRunOverhead measures the coordinator's cost per task: 100,000
// no-op tasks at concurrency 1000, reported as us/task, with the peak heap
// plus stack in use sampled every 5,000 results.
func BenchmarkRunOverhead(b *testing.B) {
	const n = 100_000
	tasks := make([]Task, n)
	for i := range tasks {
		tasks[i] = Task{Index: i, First: int64(i), Count: 1}
	}
	payload := []byte{1}
	noop := func(context.Context, Task) (Result, error) { return Result{Payload: payload}, nil }
	var peak uint64
	var ms runtime.MemStats
	b.ReportAllocs()
	for b.Loop() {
		merged := 0
		_, err := Run(context.Background(), tasks, noop, Options{Concurrency: 1000}, func(Task, Result) error {
			merged++
			if merged%5000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse+ms.StackInuse)
			}
			return nil
		})
		if err != nil || merged != n {
			b.Fatalf("merged %d: %v", merged, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/n, "us/task")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
}
