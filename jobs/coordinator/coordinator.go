// Package coordinator runs a job spec from an event: the coordinator of a scheduled analysis
// inside AWS Lambda (EventBridge Scheduler sends {"hsfan_spec": {...}} to the worker function,
// cmd/worker routes it here). It fans the spec's reduction out to the worker function and
// respects its own deadline (Lambda's 15-minute limit): no batch of steps starts when less than
// the reserve plus the longest batch so far remains, every finished batch is committed to the
// catalog, and the answer says whether the window is complete; the next invocation (the next
// schedule tick, or the caller invoking again while "complete" is false) continues where the
// catalog stands, so each step is computed once.
package coordinator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/jobs/incremental"
	"github.com/hsfan/hsfan/jobs/reduce"
	"github.com/hsfan/hsfan/jobs/spec"
	"github.com/hsfan/hsfan/output"
)

// Event is the payload {"hsfan_spec": Request}.
type Event struct {
	Spec *Request `json:"hsfan_spec"`
}

// Request carries the spec (its YAML text) and the run's parameters.
type Request struct {
	// YAML is the job spec file's text (kind reduce with a window).
	YAML string `json:"yaml"`
	// Now is the run time (RFC 3339) relative windows are resolved at (default: the time the
	// event arrives; EventBridge Scheduler can pass <aws.scheduler.scheduled-time>).
	Now string `json:"now,omitempty"`
	// ReserveSeconds is kept free before the deadline (default 60 s: the commit and the answer).
	ReserveSeconds float64 `json:"reserve_seconds,omitempty"`
	// BatchSteps bounds the steps of one fan-out (default 32): the unit of progress kept when
	// the deadline stops the run.
	BatchSteps int `json:"batch_steps,omitempty"`
	// Continuation counts the invocations this one continues (0: the scheduled one); a run that
	// stops before its deadline hands the rest to an invocation with Continuation+1, up to
	// MaxContinuations.
	Continuation int `json:"continuation,omitempty"`
}

// MaxContinuations bounds the chain of continuations of one scheduled run.
const MaxContinuations = 100

// Answer is the coordinator's reply.
type Answer struct {
	Name           string   `json:"name"`
	Complete       bool     `json:"complete"`
	NoOp           bool     `json:"noop"`
	Computed       []string `json:"computed"`
	Reused         int      `json:"reused"`
	Pending        int      `json:"pending"`
	CatalogVersion int64    `json:"catalog_version"`
	Summary        string   `json:"summary"`
	// Continued says that an invocation continuing this run was queued.
	Continued bool `json:"continued"`
}

// IsEvent reports whether payload is a coordinator event (a JSON object with key hsfan_spec).
func IsEvent(payload []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(payload, &probe) != nil {
		return false
	}
	_, ok := probe["hsfan_spec"]
	return ok
}

// Config is the coordinator's environment.
type Config struct {
	// Store and Bucket are the function's own (confined) store and default bucket: the data,
	// the catalog and s3:// outputs in the store's buckets go through it.
	Store  store.Store
	Bucket string
	// Invoker builds the invoker that fans the tasks out to the worker function.
	Invoker func(ctx context.Context, rs reduce.Spec, r *spec.Reduce) (fanout.Invoker, error)
	// Continue, when set, queues an asynchronous invocation of the coordinator with payload
	// (the same spec, the run time fixed, Continuation+1) when a run stopped before its deadline
	// with steps pending and made progress; nil: the caller invokes again.
	Continue func(ctx context.Context, r *spec.Reduce, payload []byte) error
	Logger   *slog.Logger
}

// Handle runs the spec of one event and answers with an Answer (JSON).
func Handle(ctx context.Context, cfg Config, payload []byte) ([]byte, error) {
	var ev Event
	if err := json.Unmarshal(payload, &ev); err != nil || ev.Spec == nil {
		return nil, fmt.Errorf("coordinator event: want {\"hsfan_spec\": {\"yaml\": ...}}: %v", err)
	}
	req := ev.Spec
	js, err := spec.Parse("hsfan_spec.yaml", []byte(req.YAML))
	if err != nil {
		return nil, err
	}
	if js.Kind != spec.KindReduce || js.Window == nil {
		return nil, fmt.Errorf("coordinator: spec %s: kind %s without a window: the Lambda coordinator runs windowed reduce specs", js.Name, js.Kind)
	}
	rs, err := js.Reduce.ReduceSpec()
	if err != nil {
		return nil, fmt.Errorf("spec %s: %w", js.Name, err)
	}
	// The workers read through their own configured store; the coordinator through cfg.Store.
	rs.Store, rs.StoreForWorkers = "", ""
	if rs.Bucket == "" {
		rs.Bucket = cfg.Bucket
	}
	now := time.Now()
	// The placeholder itself (the input invoked by hand): the current time.
	if req.Now != "" && req.Now != ScheduledTime {
		if now, err = time.Parse(time.RFC3339, req.Now); err != nil {
			return nil, fmt.Errorf("coordinator event: now %q: want RFC 3339", req.Now)
		}
	}
	reserve := 60 * time.Second
	if req.ReserveSeconds > 0 {
		reserve = time.Duration(req.ReserveSeconds * float64(time.Second))
	}
	batch := 32
	if req.BatchSteps > 0 {
		batch = req.BatchSteps
	}
	inv, err := cfg.Invoker(ctx, rs, js.Reduce)
	if err != nil {
		return nil, err
	}
	sink, err := storeSink(cfg.Store, rs.Out)
	if err != nil {
		return nil, fmt.Errorf("spec %s: %w", js.Name, err)
	}
	j := &incremental.Job{Name: js.Name, Store: cfg.Store, Spec: rs, Window: js.Window, Now: now, Invoker: inv, Sink: sink,
		Logger: cfg.Logger, BatchSteps: batch, Reserve: reserve}
	if js.Catalog != nil {
		j.Catalog = incremental.Location{Bucket: js.Catalog.Bucket, Prefix: js.Catalog.Prefix}
	}
	res, err := j.Run(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Logger != nil {
		cfg.Logger.Info("coordinator", "spec", js.Name, "continuation", req.Continuation, "computed", res.Computed,
			"pending", res.Pending, "summary", res.Summary())
	}
	a := Answer{Name: js.Name, Complete: res.Complete, NoOp: res.NoOp, Computed: res.Computed, Reused: res.Reused,
		Pending: res.Pending, Summary: res.Summary()}
	if !res.Complete && len(res.Computed) > 0 && cfg.Continue != nil {
		if req.Continuation >= MaxContinuations {
			return nil, fmt.Errorf("spec %s: still %d steps pending after %d continuations", js.Name, res.Pending, req.Continuation)
		}
		next := *req
		next.Now, next.Continuation = now.UTC().Format(time.RFC3339Nano), req.Continuation+1
		b, err := json.Marshal(Event{Spec: &next})
		if err != nil {
			return nil, err
		}
		if err := cfg.Continue(ctx, js.Reduce, b); err != nil {
			return nil, fmt.Errorf("spec %s: %d steps pending, and the continuation could not be queued: %w", js.Name, res.Pending, err)
		}
		a.Continued = true
	}
	if a.Computed == nil {
		a.Computed = []string{}
	}
	if res.Catalog != nil {
		a.CatalogVersion = res.Catalog.Version
	}
	return json.Marshal(a)
}

// storeSink writes s3://bucket/prefix outputs through the function's own store (its buckets
// are confined); a local directory is refused (a Lambda's disk is not an output).
func storeSink(st store.Store, out string) (output.Sink, error) {
	rest, ok := strings.CutPrefix(out, "s3://")
	if !ok {
		return nil, fmt.Errorf("out %q: the Lambda coordinator writes to s3://bucket/prefix (a bucket of its store), not a local directory", out)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return nil, errors.New("out: want s3://bucket/prefix")
	}
	return output.PutSink{Prefix: strings.Trim(prefix, "/"),
		Put: func(ctx context.Context, key string, data []byte) error {
			_, err := st.Put(ctx, bucket, key, data, store.PutOptions{})
			return err
		},
		Delete: func(ctx context.Context, key string) error { return st.Delete(ctx, bucket, key) },
		Exists: func(ctx context.Context, key string) (bool, error) {
			_, err := st.Stat(ctx, bucket, key)
			if errors.Is(err, store.ErrNotFound) {
				return false, nil
			}
			return err == nil, err
		},
	}, nil
}

// ScheduledTime is EventBridge Scheduler's context attribute for the scheduled time of an
// invocation, replaced in a target's input when the schedule fires.
const ScheduledTime = "<aws.scheduler.scheduled-time>"

// ScheduleInput is the target input of a schedule that runs the spec whose YAML text is given:
// {"hsfan_spec": {"yaml": ..., "now": "<aws.scheduler.scheduled-time>"}}, so each run resolves
// its window at the time it was scheduled for, not the time it started. The spec must parse.
func ScheduleInput(yaml []byte) ([]byte, error) {
	if _, err := spec.Parse("spec", yaml); err != nil {
		return nil, err
	}
	// Without HTML escaping: EventBridge must see the placeholder as written, not \u003c...
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Event{Spec: &Request{YAML: string(yaml), Now: ScheduledTime}}); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
