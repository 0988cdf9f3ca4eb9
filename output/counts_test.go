package output

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/report"
)

// TestRetryCountsConsistent: the fan-out's attempts are one per task plus its retries; retries
// made inside the invoker (a Lambda client retrying a throttle) are counted apart, so the report
// never says "attempts 12 (retries 13)" (issue 13); -v (info level) logs every retry.
func TestRetryCountsConsistent(t *testing.T) {
	var mu sync.Mutex
	tries := map[int]int{}
	invoke := func(ctx context.Context, tk fanout.Task) (fanout.Result, error) {
		mu.Lock()
		tries[tk.Index]++
		n := tries[tk.Index]
		mu.Unlock()
		if tk.Index%3 == 0 && n == 1 {
			return fanout.Result{}, &fanout.TaskError{Message: "transient", Retry: true}
		}
		// the invoker retried this attempt twice
		return fanout.Result{Stats: fanout.InvokeStats{Duration: time.Millisecond, BilledDuration: time.Millisecond,
			MemoryMB: 1024, Retries: 2, Throttles: 1}}, nil
	}
	tasks := make([]fanout.Task, 12)
	for i := range tasks {
		tasks[i] = fanout.Task{Index: i, First: int64(i), Count: 1}
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	st, err := fanout.Run(context.Background(), tasks, invoke, fanout.Options{MaxAttempts: 3, BackoffBase: time.Millisecond,
		BackoffMax: time.Millisecond, Logger: logger}, func(fanout.Task, fanout.Result) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.Retries != 4 || st.Attempts != st.Tasks+st.Retries || st.InvokerRetries != 24 || st.InvokerThrottles != 12 {
		t.Fatalf("attempts %d, retries %d, invoker retries %d throttles %d; want 16 = 12 tasks + 4 retries, 24, 12",
			st.Attempts, st.Retries, st.InvokerRetries, st.InvokerThrottles)
	}
	if n := strings.Count(logs.String(), "retrying task"); n != 4 {
		t.Errorf("%d retries logged at info level, want 4:\n%s", n, logs.String())
	}
	c, err := report.RunCost(st, report.Cost{MemoryMB: 1024})
	if err != nil {
		t.Fatal(err)
	}
	rep := report.FormatReport(st, c)
	for _, want := range []string{"attempts     16 (retries 4,", "invoker      24 retries inside the invoker (12 throttled)"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
	m := CountsFromStats(st)
	if m.Attempts != 16 || m.Retries != 4 || m.InvokerRetries != 24 || m.InvokerThrottles != 12 {
		t.Errorf("manifest counts %+v", m)
	}
}

// slowSink delays every write.
type slowSink struct {
	DirSink
	delay time.Duration
}

func (s *slowSink) WriteFile(ctx context.Context, name string, data []byte) error {
	time.Sleep(s.delay)
	return s.DirSink.WriteFile(ctx, name, data)
}

// Create delays the streamed file's Commit.
func (s *slowSink) Create(ctx context.Context, name string) (FileWriter, error) {
	fw, err := s.DirSink.Create(ctx, name)
	if err != nil {
		return nil, err
	}
	return slowCommit{fw, s.delay}, nil
}

type slowCommit struct {
	FileWriter
	delay time.Duration
}

func (s slowCommit) Commit() error {
	time.Sleep(s.delay)
	return s.FileWriter.Commit()
}

// TestManifestWriteSeconds: the manifest records the time spent writing the other outputs
// (issue 13: write_seconds was always 0) and its end and wall time include it.
func TestManifestWriteSeconds(t *testing.T) {
	dir := t.TempDir()
	start := time.Now().Add(-time.Second)
	m := Manifest{HsfanVersion: "test", Op: "mean", Timings: Timings{Start: start.UTC(), End: start.UTC(), WallSeconds: 0}}
	s := &slowSink{DirSink: DirSink{Dir: dir}, delay: 40 * time.Millisecond}
	if err := WriteOutputs(context.Background(), s, "sst", sampleTable(), m, true); err != nil {
		t.Fatal(err)
	}
	var got Manifest
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	// arrow and json (streamed side by side), then png and svg are written before the manifest:
	// at least 3 x 40 ms.
	if w := got.Timings.WriteSeconds; w < 0.12 || w > 30 {
		t.Errorf("write_seconds %v, want >= 0.12 (three rounds of writes of 40 ms)", w)
	}
	if wall := got.Timings.End.Sub(got.Timings.Start).Seconds(); got.Timings.WallSeconds != wall || wall < 1+got.Timings.WriteSeconds-0.01 {
		t.Errorf("wall %v (end-start %v): want it to include the write time %v", got.Timings.WallSeconds, wall, got.Timings.WriteSeconds)
	}
}
