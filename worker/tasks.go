package worker

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hsfan/hsfan/hsds/store"
)

// TaskFunc answers one task event of another job kind (the map-reduce job registers
// "hsfan_mr"): raw is the event's member of that name. The answer is encoded as
// {"<name>_result": answer}. An error is classified like a reduction task's: a *Error keeps its
// retry decision, errors retrying cannot help (invalid keys, missing buckets) are permanent, the
// rest retryable.
type TaskFunc func(ctx context.Context, env TaskEnv, raw json.RawMessage) (any, error)

// TaskEnv gives a TaskFunc the stores of the worker's configuration, confined exactly as the
// reduction tasks' are (worker/confine.go): an event may name a store or bucket only if the
// worker is configured with it, and writes go to the worker's result bucket below its result
// prefix.
type TaskEnv interface {
	// ReadStore opens the store the event names (url "" and bucket "": the defaults) and
	// returns it with the bucket, refusing stores and buckets the worker does not allow
	// (permanent *Error).
	ReadStore(ctx context.Context, url, bucket string) (store.Store, string, error)
	// WriteStore returns the store, bucket and key prefix ("<result prefix>/<job>/") under which
	// the task may write, from the event's store, bucket, prefix and job id, by the rules of
	// spilled partials (Config.ResultBucket, Config.ResultPrefix; see Task.ResultPrefix).
	WriteStore(ctx context.Context, url, bucket, prefix, job string) (store.Store, string, string, error)
	// ColdStart is true for the first invocation of the worker process.
	ColdStart() bool
}

type taskEnv struct {
	h    *Handler
	cold bool
}

func (e taskEnv) ColdStart() bool { return e.cold }

func (e taskEnv) ReadStore(ctx context.Context, url, bucket string) (store.Store, string, error) {
	u, err := e.h.taskStore(url)
	if err != nil {
		return nil, "", err
	}
	b, err := e.h.taskBucket(bucket)
	if err != nil {
		return nil, "", err
	}
	st, err := e.h.store(ctx, u)
	if err != nil {
		return nil, "", err
	}
	return st, b, nil
}

func (e taskEnv) WriteStore(ctx context.Context, url, bucket, prefix, job string) (store.Store, string, string, error) {
	st, b, err := e.ReadStore(ctx, url, bucket)
	if err != nil {
		return nil, "", "", err
	}
	// The spill rules: the bucket must be the worker's result bucket (when configured), the
	// prefix its result prefix or below, the job id one safe key element.
	out, pre, err := e.h.spillLocation(&Task{Job: job, ResultBucket: b, ResultPrefix: prefix}, b)
	if err != nil {
		return nil, "", "", err
	}
	return st, out, pre, nil
}

// runTaskFunc answers an event of a registered job kind.
func (h *Handler) runTaskFunc(ctx context.Context, name string, fn TaskFunc, raw json.RawMessage) ([]byte, error) {
	cold := !h.warm.Swap(true)
	res, err := fn(ctx, taskEnv{h: h, cold: cold}, raw)
	if err != nil {
		return nil, classify(fmt.Errorf("%s: %w", name, err))
	}
	member, err := json.Marshal(res)
	if err != nil {
		return nil, permanent(fmt.Errorf("%s: encode the answer: %w", name, err))
	}
	return json.Marshal(map[string]json.RawMessage{name + "_result": member})
}
