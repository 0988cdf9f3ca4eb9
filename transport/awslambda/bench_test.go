package awslambda

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsfan/hsfan/locallambda"
)

// BenchmarkInvoker32 drives lambda-local (32 sandboxes) through the
// invoker from 32 goroutines and reports invocations per second.
func BenchmarkInvoker32(b *testing.B) {
	_, url := startService(b, locallambda.FunctionConfig{Concurrency: 32}, locallambda.Faults{}, nil)
	inv := newInvoker(b, url, func(c *Config) { c.MaxConcurrency = 32 })
	ctx := context.Background()
	payload := []byte(`{"mode":"echo"}`)
	var next atomic.Int64
	run := func(n int64) {
		next.Store(0)
		var wg sync.WaitGroup
		for w := 0; w < 32; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= n {
					if _, err := inv.Invoke(ctx, payload); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	run(64)
	b.ResetTimer()
	start := time.Now()
	run(int64(b.N))
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "invocations/s")
}
