package inproc

import (
	"context"
	"errors"
	"testing"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/worker"
)

func TestInvokeMapsWorkerErrors(t *testing.T) {
	inv := &Invoker{Handler: worker.NewHandler(worker.Config{}), MemoryMB: 1024}
	ctx := context.Background()
	// A no-op task answers with its index and the billed time rounded up to the millisecond.
	res, err := inv.Invoke(ctx, []byte(`{"hsfan_task": {"version": 1, "index": 7, "noop": true, "dataset": {}, "op": "mean"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.MemoryMB != 1024 || res.Stats.BilledDuration < res.Stats.Duration || res.Stats.BilledDuration%1e6 != 0 {
		t.Errorf("stats %+v", res.Stats)
	}
	// A bad task is a permanent task error, a store that is not configured too.
	for _, payload := range []string{`{"hsfan_task": {"version": 9}}`, `{"hsfan_task": {"version": 1, "dataset": {}, "op": "mean"}}`} {
		_, err := inv.Invoke(ctx, []byte(payload))
		var te *fanout.TaskError
		if !errors.As(err, &te) || te.Retry || fanout.IsRetryable(err) {
			t.Errorf("%s: %v, want a permanent TaskError", payload, err)
		}
	}
}
