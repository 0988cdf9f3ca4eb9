package locallambda

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// dropIdle kills the idle sandboxes of fn, so that the next invocation is
// a cold start.
func (s *Service) dropIdle(fn string) {
	f := s.funcs[fn]
	f.mu.Lock()
	idle := f.idle
	f.idle = nil
	f.mu.Unlock()
	for _, sb := range idle {
		sb.kill()
		s.forget(sb)
	}
}

// BenchmarkColdStart measures a cold invocation of the echo bootstrap end
// to end (process start, runtime init, first response); init-ms is the
// REPORT Init Duration (process start to the first /next).
func BenchmarkColdStart(b *testing.B) {
	e := newEnv(b, Config{})
	payload := mustJSON(b, event{Mode: "echo"})
	ctx := context.Background()
	var init time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e.svc.dropIdle("echo")
		b.StartTimer()
		if _, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: payload}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	st := e.svc.Stats().Functions["echo"]
	init = time.Duration(st.InitDurationMS.Mean() * float64(time.Millisecond))
	if st.ColdStarts != int64(b.N) {
		b.Fatalf("%d cold starts for %d invocations", st.ColdStarts, b.N)
	}
	b.ReportMetric(float64(init)/1e6, "init-ms")
}

// BenchmarkWarmInvoke measures one warm invocation end to end through the
// SDK client; fn-µs is the REPORT Duration (dispatch to the runtime's
// response), the rest is HTTP and SDK overhead.
func BenchmarkWarmInvoke(b *testing.B) {
	e := newEnv(b, Config{})
	payload := mustJSON(b, event{Mode: "echo"})
	ctx := context.Background()
	if _, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: payload}); err != nil {
		b.Fatal(err)
	}
	before := e.svc.Stats().Functions["echo"].DurationMS
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: payload}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	after := e.svc.Stats().Functions["echo"].DurationMS
	b.ReportMetric((after.Total-before.Total)/float64(after.Count-before.Count)*1000, "fn-µs")
}

// BenchmarkThroughput32 runs invocations from 32 goroutines against 32
// sandboxes and reports invocations per second.
func BenchmarkThroughput32(b *testing.B) {
	e := newEnv(b, Config{Functions: map[string]FunctionConfig{
		"echo": fnConfig(b, func(fc *FunctionConfig) { fc.Concurrency = 32 }),
	}})
	payload := mustJSON(b, event{Mode: "echo"})
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	run := func(n int64) {
		next.Store(0)
		for w := 0; w < 32; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= n {
					if _, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: payload}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	run(64) // warm up the 32 sandboxes
	b.ResetTimer()
	start := time.Now()
	run(int64(b.N))
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "invocations/s")
}
