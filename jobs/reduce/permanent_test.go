package reduce

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/transport/inproc"
	"github.com/hsfan/hsfan/worker"
)

// countingInvoker counts the invocations it passes on.
type countingInvoker struct {
	inner fanout.Invoker
	n     atomic.Int64
}

func (c *countingInvoker) Invoke(ctx context.Context, payload []byte) (fanout.Result, error) {
	c.n.Add(1)
	return c.inner.Invoke(ctx, payload)
}

// TestRefusedTasksAreNotRetried: tasks the worker refuses (an invalid or foreign bucket, a
// result prefix or bucket outside the worker's) fail the job at the first attempt of each task:
// the coordinator does not retry them up to --max-attempts.
func TestRefusedTasksAreNotRetried(t *testing.T) {
	st := sstStore(t, 3)
	for _, tc := range []struct {
		name string
		mut  func(*worker.Task)
		want string
	}{
		{"invalid bucket", func(tk *worker.Task) { tk.Bucket = "~x" }, "invalid bucket"},
		{"foreign bucket", func(tk *worker.Task) { tk.Bucket = "other" }, "not allowed"},
		{"../ result prefix", func(tk *worker.Task) { tk.ResultPrefix, tk.MaxInlineBytes = "hsfan-results/../../x", 1 }, "result prefix"},
		{"foreign result bucket", func(tk *worker.Task) { tk.ResultBucket, tk.MaxInlineBytes = "other", 1 }, "result bucket"},
		{"foreign store", func(tk *worker.Task) { tk.Store = "file:///" }, "not allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			spec := sstSpec()
			spec.Concurrency, spec.TargetBytes, spec.MaxAttempts = 2, 1, 4
			p, err := Prepare(ctx, st, spec)
			if err != nil {
				t.Fatal(err)
			}
			tc.mut(&p.Template)
			h := worker.NewHandler(worker.Config{DefaultStore: spec.Store, DefaultBucket: spec.Bucket,
				OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }})
			inv := &countingInvoker{inner: &inproc.Invoker{Handler: h}}
			_, err = p.Run(ctx, Options{Invoker: inv})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run: %v; want an error naming %q", err, tc.want)
			}
			// Each task at most once (the job stops at the first permanent failure), never
			// MaxAttempts times.
			if n := inv.n.Load(); n > int64(len(p.Plan.Tasks)) {
				t.Errorf("%d invocations for %d tasks: refused tasks were retried", n, len(p.Plan.Tasks))
			}
		})
	}
}
