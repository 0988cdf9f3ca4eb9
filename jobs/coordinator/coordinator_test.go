package coordinator

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
	"github.com/hsfan/hsfan/jobs/reduce"
	"github.com/hsfan/hsfan/jobs/spec"
	"github.com/hsfan/hsfan/transport/inproc"
	"github.com/hsfan/hsfan/worker"
)

const specYAML = `name: c
kind: reduce
window:
  range: 2022-01-03..2022-01-31
  time_zone: UTC
reduce:
  op: mean
  domain: /daily.h5
  dataset: /sst
  reduce: lat,lon
  out: s3://hsfan/outputs/c
`

func setup(t *testing.T) Config {
	t.Helper()
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	f, err := hdf.Create(ctx, st, "hsfan", "/daily.h5", hdf.CreateOptions{Owner: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := synth.WriteDaily(ctx, f, 10, "days since 2022-01-01", "standard"); err != nil {
		t.Fatal(err)
	}
	h := worker.NewHandler(worker.Config{DefaultStore: "mem://", DefaultBucket: "hsfan",
		OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }})
	return Config{Store: st, Bucket: "hsfan", Invoker: func(_ context.Context, rs reduce.Spec, _ *spec.Reduce) (fanout.Invoker, error) {
		if rs.Store != "" || rs.Bucket != "hsfan" {
			t.Errorf("the workers' store %q bucket %q: want their own (empty) and the default bucket", rs.Store, rs.Bucket)
		}
		return &inproc.Invoker{Handler: h}, nil
	}}
}

func TestHandle(t *testing.T) {
	cfg := setup(t)
	payload, _ := json.Marshal(Event{Spec: &Request{YAML: specYAML, Now: "2022-02-01T00:00:00Z"}})
	if !IsEvent(payload) || IsEvent([]byte(`{"hsfan_task": {}}`)) || IsEvent([]byte(`[1]`)) {
		t.Fatal("IsEvent")
	}
	out, err := Handle(context.Background(), cfg, payload)
	if err != nil {
		t.Fatal(err)
	}
	var a Answer
	if err := json.Unmarshal(out, &a); err != nil || !a.Complete || len(a.Computed) != 8 || a.CatalogVersion != 1 {
		t.Fatalf("answer %s (%v)", out, err)
	}
	if _, err := cfg.Store.Stat(context.Background(), "hsfan", "outputs/c/sst_mean.arrow"); err != nil {
		t.Fatal(err)
	}
	out, err = Handle(context.Background(), cfg, payload)
	if err != nil || !strings.Contains(string(out), `"noop":true`) {
		t.Fatalf("second event: %s %v", out, err)
	}
}

func TestHandleErrors(t *testing.T) {
	cfg := setup(t)
	for _, tc := range []struct{ yaml, want string }{
		{strings.Replace(specYAML, "s3://hsfan/outputs/c", "out", 1), "writes to s3://bucket/prefix"},
		{strings.Replace(specYAML, "window:\n  range: 2022-01-03..2022-01-31\n  time_zone: UTC\n", "", 1), "without a window"},
		{strings.Replace(specYAML, "op: mean", "op: median", 1), "reduce.op"},
		{strings.Replace(specYAML, "reduce: lat,lon", "reduce: lat,lon\n  concurrency: 0", 1), "reduce.concurrency 0"},
	} {
		payload, _ := json.Marshal(Event{Spec: &Request{YAML: tc.yaml}})
		if _, err := Handle(context.Background(), cfg, payload); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
	if _, err := Handle(context.Background(), cfg, []byte(`{"hsfan_spec": 3}`)); err == nil {
		t.Error("a bad event accepted")
	}
}

func TestScheduleInput(t *testing.T) {
	b, err := ScheduleInput([]byte(specYAML))
	if err != nil {
		t.Fatal(err)
	}
	if !IsEvent(b) || !strings.Contains(string(b), `"now":"<aws.scheduler.scheduled-time>"`) {
		t.Fatalf("%s", b)
	}
	// Invoked with the placeholder left in (by hand), the event runs at the current time.
	if _, err := Handle(context.Background(), setup(t), b); err != nil {
		t.Fatal(err)
	}
	if _, err := ScheduleInput([]byte("name: x\n")); err == nil {
		t.Fatal("a bad spec accepted")
	}
}

type slowInvoker struct{ inner fanout.Invoker }

func (s slowInvoker) Invoke(ctx context.Context, p []byte) (fanout.Result, error) {
	time.Sleep(40 * time.Millisecond)
	return s.inner.Invoke(ctx, p)
}

// TestContinue: a run stopped by its deadline with progress queues one continuation carrying
// the same spec, the run time fixed and the next continuation number; the chain is bounded.
func TestContinue(t *testing.T) {
	cfg := setup(t)
	inner := cfg.Invoker
	cfg.Invoker = func(ctx context.Context, rs reduce.Spec, r *spec.Reduce) (fanout.Invoker, error) {
		inv, err := inner(ctx, rs, r)
		return slowInvoker{inv}, err
	}
	var queued []byte
	cfg.Continue = func(_ context.Context, _ *spec.Reduce, payload []byte) error { queued = payload; return nil }
	payload, _ := json.Marshal(Event{Spec: &Request{YAML: specYAML, ReserveSeconds: 0.1, BatchSteps: 1, Continuation: 4}})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	out, err := Handle(ctx, cfg, payload)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	var a Answer
	_ = json.Unmarshal(out, &a)
	if a.Complete || !a.Continued || len(a.Computed) == 0 || queued == nil {
		t.Fatalf("answer %s, queued %s", out, queued)
	}
	var next Event
	if err := json.Unmarshal(queued, &next); err != nil || next.Spec.Continuation != 5 || next.Spec.YAML != specYAML || next.Spec.Now == "" {
		t.Fatalf("continuation %s (%v)", queued, err)
	}
	// The last allowed continuation that still stops short is an error, not another link.
	payload, _ = json.Marshal(Event{Spec: &Request{YAML: strings.Replace(specYAML, "name: c", "name: c2", 1), ReserveSeconds: 0.1, BatchSteps: 1, Continuation: MaxContinuations}})
	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err = Handle(ctx, cfg, payload)
	cancel()
	if err == nil || !strings.Contains(err.Error(), "continuations") {
		t.Fatalf("err = %v", err)
	}
}
