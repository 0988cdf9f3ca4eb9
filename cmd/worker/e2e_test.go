package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
	"github.com/hsfan/hsfan/internal/testutil/s3test"
	"github.com/hsfan/hsfan/jobs/reduce"
	"github.com/hsfan/hsfan/locallambda"
	"github.com/hsfan/hsfan/transport/awslambda"
	"github.com/hsfan/hsfan/transport/inproc"
	"github.com/hsfan/hsfan/worker"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// buildBootstrap compiles this command as the Lambda "bootstrap", as make worker does (once per
// test binary).
func buildBootstrap(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "hsfan-bootstrap-"); buildErr != nil {
			return
		}
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-tags", "lambda.norpc", "-o", filepath.Join(buildDir, "bootstrap"), ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build bootstrap: %v\n%s", err, b)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "bootstrap")
}

// localLambda starts hsfan's local Lambda service running the real worker binary.
func localLambda(t *testing.T, bootstrap string, conc int, timeout time.Duration, faults locallambda.Faults, env map[string]string) string {
	t.Helper()
	svc, err := locallambda.New(locallambda.Config{
		Functions: map[string]locallambda.FunctionConfig{"hsfan-worker": {Path: bootstrap, Concurrency: conc, Timeout: timeout, MemoryMB: 1024, Env: env}},
		Faults:    faults,
		Environ:   os.Environ(), // what hsfan lambda-local passes
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(func() { srv.Close(); _ = svc.Close() })
	return srv.URL
}

// lambdaInvoker is the real aws-sdk-go-v2 Lambda client pointed at the local service, adapted to
// the coordinator's contract like the CLI's.
type lambdaInvoker struct {
	inv *awslambda.Invoker
	// slow makes the first attempt of every task with index%7 == 3 exceed the function timeout.
	slow     bool
	mu       sync.Mutex
	attempts map[int]int
}

func (l *lambdaInvoker) Invoke(ctx context.Context, payload []byte) (fanout.Result, error) {
	if l.slow {
		var ev worker.TaskEvent
		if err := json.Unmarshal(payload, &ev); err == nil && ev.Task != nil {
			l.mu.Lock()
			l.attempts[ev.Task.Index]++
			first := l.attempts[ev.Task.Index] == 1
			l.mu.Unlock()
			if first && ev.Task.Index%7 == 3 {
				ev.Task.DelayMillis = 5000
				payload, _ = json.Marshal(ev)
			}
		}
	}
	r, err := l.inv.Invoke(ctx, payload)
	s := r.Stats
	res := fanout.Result{Payload: r.Payload, Stats: fanout.InvokeStats{ColdStart: s.ColdStart, InitDuration: s.InitDuration,
		Duration: s.Duration, BilledDuration: s.BilledDuration, MemoryMB: s.MemoryMB, Retries: s.Retries, Throttles: s.Throttles}}
	var fe *awslambda.FunctionError
	if errors.As(err, &fe) {
		return res, &fanout.TaskError{Type: fe.Type, Message: fe.Message, Retry: fe.Type != worker.ErrorTypePermanent}
	}
	return res, err
}

func newLambdaInvoker(t *testing.T, endpoint string, conc int, slow bool) *lambdaInvoker {
	t.Helper()
	inv, err := awslambda.New(context.Background(), awslambda.Config{Function: "hsfan-worker", Endpoint: endpoint,
		Region: "us-east-1", MaxConcurrency: conc, Credentials: aws.AnonymousCredentials{}})
	if err != nil {
		t.Fatal(err)
	}
	return &lambdaInvoker{inv: inv, slow: slow, attempts: map[int]int{}}
}

func writeSST(t *testing.T, st store.Store, bucket string, days int) {
	t.Helper()
	ctx := context.Background()
	f, err := hdf.Create(ctx, st, bucket, "/shared/sst/e2e.h5", hdf.CreateOptions{Owner: "test", Parents: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteSST(ctx, f, synth.SSTOptions{Days: days}); err != nil {
		t.Fatal(err)
	}
}

func sstSpec(storeURL, bucket string) reduce.Spec {
	return reduce.Spec{Store: storeURL, Bucket: bucket, Domain: "/shared/sst/e2e.h5", Dataset: "/analysed_sst", Op: "mean",
		Reduce: []string{"lat", "lon"}, Weights: "coslat:60", Units: "C", Concurrency: 32, TargetBytes: 1, MaxAttempts: 10}
}

// TestSSTThroughLocalLambda: the SST reduction through the aws-sdk-go-v2 client, hsfan
// lambda-local and the real bootstrap, with injected failures, throttles, crashes and timeouts,
// gives the in-process result to the bit, on the POSIX and the S3 store.
func TestSSTThroughLocalLambda(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the worker and runs processes")
	}
	const days = 12
	ctx := context.Background()
	bootstrap := buildBootstrap(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "hsfan"), 0o755); err != nil {
		t.Fatal(err)
	}
	posix, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := s3test.Start(t)
	srv.CreateBucket(t, "hsfan")
	s3 := srv.Store(t)
	cases := []struct {
		name string
		url  string
		st   store.Store
		env  map[string]string
	}{
		{"posix", "file://" + dir, posix, map[string]string{}},
		{"s3", "s3://", s3, envMap(srv.Env())},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			writeSST(t, tc.st, "hsfan", days)
			spec := sstSpec(tc.url, "hsfan")
			prep, err := reduce.Prepare(ctx, tc.st, spec)
			if err != nil {
				t.Fatal(err)
			}
			h := worker.NewHandler(worker.Config{DefaultStore: spec.Store, DefaultBucket: spec.Bucket, OpenStore: func(context.Context, string) (store.Store, error) { return tc.st, nil }})
			want, err := prep.Run(ctx, reduce.Options{Invoker: &inproc.Invoker{Handler: h}})
			if err != nil {
				t.Fatal(err)
			}
			tc.env["HSFAN_STORE"], tc.env["HSFAN_BUCKET"] = tc.url, "hsfan"
			endpoint := localLambda(t, bootstrap, 32, 2*time.Second,
				locallambda.Faults{ThrottleRate: 0.1, FailRate: 0.1, CrashRate: 0.05, Seed: 7}, tc.env)
			inv := newLambdaInvoker(t, endpoint, 32, true)
			got, err := prep.Run(ctx, reduce.Options{Invoker: inv})
			if err != nil {
				t.Fatal(err)
			}
			for d := range want.Result.Value {
				if math.Float64bits(got.Result.Value[d]) != math.Float64bits(want.Result.Value[d]) {
					t.Errorf("day %d: lambda %v, in-process %v", d, got.Result.Value[d], want.Result.Value[d])
				}
			}
			st := got.Stats
			t.Logf("tasks %d attempts %d retries %d throttles %d cold starts %d", st.Tasks, st.Attempts, st.Retries, st.Throttles, st.ColdStarts)
			if st.Retries == 0 || st.ColdStarts == 0 {
				t.Errorf("stats %+v: expected retries and cold starts", st)
			}
		})
	}
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				m[kv[:i]] = kv[i+1:]
				break
			}
		}
	}
	return m
}

// TestTenThousandTasks: 10,000 one-chunk tasks through the local service at concurrency 256,
// each delayed 20 ms (standing in for S3 latency): nothing lost, nothing counted twice.
func TestTenThousandTasks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 10,000 invocations")
	}
	ctx := context.Background()
	bootstrap := buildBootstrap(t)
	dir := t.TempDir()
	st, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "hsfan"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := hdf.Create(ctx, st, "hsfan", "/many.h5", hdf.CreateOptions{Owner: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteCube(ctx, f, synth.CubeOptions{Shape: []int{10000, 3}, Chunks: []int{1, 3}, Type: "int16"}); err != nil {
		t.Fatal(err)
	}
	spec := reduce.Spec{Store: "file://" + dir, Bucket: "hsfan", Domain: "/many.h5", Dataset: "/data", Op: "count",
		Concurrency: 256, TargetBytes: 1, MaxAttempts: 6}
	prep, err := reduce.Prepare(ctx, st, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(prep.Plan.Tasks) != 10000 {
		t.Fatalf("plan has %d tasks, want 10000", len(prep.Plan.Tasks))
	}
	endpoint := localLambda(t, bootstrap, 256, 10*time.Second, locallambda.Faults{Delay: 20 * time.Millisecond},
		map[string]string{"HSFAN_STORE": "file://" + dir, "HSFAN_BUCKET": "hsfan"})
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	out, err := prep.Run(ctx, reduce.Options{Invoker: newLambdaInvoker(t, endpoint, 256, false)})
	if err != nil {
		t.Fatal(err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if out.Result.Count[0] != 30000 || out.Stats.Completed != 10000 || out.Stats.Lost != 0 {
		t.Errorf("count %v, completed %d, lost %d: want 30000 values from 10000 tasks", out.Result.Count, out.Stats.Completed, out.Stats.Lost)
	}
	t.Logf("10,000 tasks in %v (%.0f tasks/s), cold starts %d, heap in use %d MB",
		time.Since(start), 10000/time.Since(start).Seconds(), out.Stats.ColdStarts, after.HeapInuse>>20)
	if after.HeapInuse > 512<<20 {
		t.Errorf("coordinator heap %d MB: not bounded", after.HeapInuse>>20)
	}
}
