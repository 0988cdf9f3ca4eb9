package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
	"github.com/hsfan/hsfan/jobs/coordinator"
	"github.com/hsfan/hsfan/jobs/incremental"
	"github.com/hsfan/hsfan/jobs/reduce"
	"github.com/hsfan/hsfan/locallambda"
	"github.com/hsfan/hsfan/transport/inproc"
	"github.com/hsfan/hsfan/worker"
)

// TestCoordinatorDeadlineThroughLocalLambda: one coordinator event carrying a windowed spec (the
// EventBridge Scheduler input, coordinator.ScheduleInput), sent to the real bootstrap under hsfan
// lambda-local with a 3 s function timeout, fans out to the same function, stops before its
// deadline with the rest pending and queues an asynchronous invocation that continues: every
// step is computed exactly once over several invocations (their logs say which), and the table
// equals an in-process run from scratch bit for bit; the outputs land under out's s3:// prefix in
// the function's store.
func TestCoordinatorDeadlineThroughLocalLambda(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the worker and runs processes")
	}
	ctx := context.Background()
	bootstrap := buildBootstrap(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "hsfan"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf.Create(ctx, st, "hsfan", "/daily.h5", hdf.CreateOptions{Owner: "test"})
	if err != nil {
		t.Fatal(err)
	}
	const days = 60
	if _, err := synth.WriteDaily(ctx, f, days, "days since 2022-01-01", "standard"); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + ln.Addr().String()
	svc, err := locallambda.New(locallambda.Config{
		Functions: map[string]locallambda.FunctionConfig{"hsfan-worker": {Path: bootstrap, Concurrency: 4, Timeout: 3 * time.Second, MemoryMB: 1024,
			Env: map[string]string{"HSFAN_STORE": "file://" + dir, "HSFAN_BUCKET": "hsfan", "AWS_REGION": "us-east-1", "HSFAN_LOG_LEVEL": "info"}}},
		Faults:         locallambda.Faults{Delay: 100 * time.Millisecond},
		Environ:        os.Environ(),
		FunctionOutput: logs,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(svc.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() { srv.Close(); _ = svc.Close() })
	yaml := fmt.Sprintf(`name: lambda-window
kind: reduce
window:
  range: 2022-01-01..2022-12-31
  time_zone: UTC
reduce:
  op: mean
  domain: /daily.h5
  dataset: /sst
  reduce: lat,lon
  weights: coslat
  out: s3://hsfan/outputs/lambda-window
  function: hsfan-worker
  lambda-endpoint: %s
  max-chunks: 1
  concurrency: 2
  max-attempts: 3
`, endpoint)
	input, err := coordinator.ScheduleInput([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	var ev coordinator.Event
	_ = json.Unmarshal(input, &ev)
	ev.Spec.ReserveSeconds, ev.Spec.BatchSteps = 1.2, 2
	payload, _ := json.Marshal(ev)
	inv := newLambdaInvoker(t, endpoint, 4, false)
	r, err := inv.Invoke(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	var a coordinator.Answer
	if err := json.Unmarshal(r.Payload, &a); err != nil || a.Complete || !a.Continued || len(a.Computed) == 0 {
		t.Fatalf("the first invocation answered %s (%v): want partial progress and a continuation", r.Payload, err)
	}
	// The continuations run on their own: wait for the catalog to be complete.
	loc := incremental.Location{Bucket: "hsfan", Prefix: "hsfan-catalog/lambda-window"}
	deadline := time.Now().Add(90 * time.Second)
	for {
		c, _, err := incremental.Read(ctx, st, loc)
		if err == nil && c != nil && c.Pending == 0 && len(c.Steps) == days {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the continuations did not complete the window: %+v %v\n%s", c, err, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Which invocation computed which steps, from the coordinators' logs.
	seen := map[string]int{}
	invocations := 0
	for time.Now().Before(deadline) {
		seen, invocations = map[string]int{}, 0
		done := false
		for _, line := range strings.Split(logs.String(), "\n") {
			var l struct {
				Msg          string   `json:"msg"`
				Computed     []string `json:"computed"`
				Pending      int      `json:"pending"`
				Continuation int      `json:"continuation"`
			}
			i := strings.Index(line, "{")
			if i < 0 || json.Unmarshal([]byte(line[i:]), &l) != nil || l.Msg != "coordinator" {
				continue
			}
			invocations++
			for _, s := range l.Computed {
				seen[s]++
			}
			done = done || l.Pending == 0
		}
		if done {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if invocations < 2 {
		t.Fatalf("%d coordinator invocations: the deadline was never reached, the test proves nothing\n%s", invocations, logs.String())
	}
	if len(seen) != days {
		t.Fatalf("%d steps computed, want %d", len(seen), days)
	}
	for s, n := range seen {
		if n != 1 {
			t.Errorf("step %s computed %d times", s, n)
		}
	}
	_, got, err := incremental.Read(ctx, st, incremental.Location{Bucket: "hsfan", Prefix: "hsfan-catalog/lambda-window"})
	if err != nil {
		t.Fatal(err)
	}
	h := worker.NewHandler(worker.Config{DefaultStore: "file://" + dir, DefaultBucket: "hsfan", OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }})
	j := &incremental.Job{Name: "fresh", Store: st, Now: time.Now(), Invoker: &inproc.Invoker{Handler: h},
		Spec: reduce.Spec{Store: "file://" + dir, Bucket: "hsfan", Domain: "/daily.h5", Dataset: "/sst", Op: "mean", Reduce: []string{"lat", "lon"},
			Weights: "coslat", Concurrency: 2, MaxChunksPerTask: 1, MaxAttempts: 1}}
	want, err := j.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows() != days || len(got.Columns) != len(want.Table.Columns) {
		t.Fatalf("table %d rows %d columns, want %d %d", got.Rows(), len(got.Columns), days, len(want.Table.Columns))
	}
	for i, c := range got.Columns {
		w := want.Table.Columns[i]
		for r := range c.Float64 {
			if math.Float64bits(c.Float64[r]) != math.Float64bits(w.Float64[r]) {
				t.Fatalf("column %s row %d: %v, from scratch %v", c.Name, r, c.Float64[r], w.Float64[r])
			}
		}
		if !reflect.DeepEqual(c.Int64, w.Int64) || !reflect.DeepEqual(c.String, w.String) {
			t.Fatalf("column %s differs", c.Name)
		}
	}
	if _, err := st.Stat(ctx, "hsfan", "outputs/lambda-window/sst_mean.arrow"); err != nil {
		t.Fatalf("no output table: %v", err)
	}
	if _, err := st.Stat(ctx, "hsfan", "outputs/lambda-window/manifest.json"); err != nil {
		t.Fatalf("no manifest: %v", err)
	}
	t.Logf("%d coordinator invocations", invocations)
}

// syncBuffer collects the functions' output (written from several goroutines).
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
