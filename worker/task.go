package worker

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// TaskVersion is the version of the task event format.
const TaskVersion = 1

// Task is one unit of a reduction: chunks First .. First+Count-1 of the row-major enumeration of
// the chunks that Select touches in the dataset.
type Task struct {
	Version int `json:"version"`
	// Job identifies the run (for logs); Index is the task's position in the plan.
	Job   string `json:"job,omitempty"`
	Index int    `json:"index"`
	// Store is the store URL (file://DIR or s3://); empty means the worker's default
	// (HSFAN_STORE). Bucket is the bucket; empty means HSFAN_BUCKET.
	Store  string `json:"store,omitempty"`
	Bucket string `json:"bucket,omitempty"`
	// Dataset is the dataset's JSON (json.Marshal of schema.Dataset: the .dataset.json in
	// pyjson's internal form, non-finite numbers as sentinel strings, so the event stays standard
	// JSON as Lambda's Invoke API requires), so workers do not read it again.
	Dataset json.RawMessage `json:"dataset"`
	// Select is the selection (HSDS select syntax); empty means everything.
	Select string `json:"select,omitempty"`
	First  int64  `json:"first"`
	Count  int64  `json:"count"`
	// Op is the reduction (count, sum, mean, min, max, var, std, histogram).
	Op string `json:"op"`
	// Reduce says, per output axis of the selection (selection.Selection.Shape: paired
	// coordinate lists are one axis), whether it is reduced.
	Reduce []bool `json:"reduce"`
	// AxisWeights are per-output-axis weights over the selection (nil entries mean 1).
	AxisWeights [][]float64 `json:"axis_weights,omitempty"`
	// WeightsDataset is the JSON (internal form, like Dataset) of an N-D weights dataset that the worker reads itself
	// (too large for the event), WeightsSelect its selection and WeightsAxes the output axes of
	// the selection it spans (strictly increasing).
	WeightsDataset json.RawMessage `json:"weights_dataset,omitempty"`
	WeightsSelect  string          `json:"weights_select,omitempty"`
	WeightsAxes    []int           `json:"weights_axes,omitempty"`
	// NoCF disables CF decoding (scale_factor, add_offset, _FillValue, valid range).
	NoCF bool `json:"no_cf,omitempty"`
	// Units converts the CF-decoded values to these units ("C", "K", "F"); empty keeps them.
	Units string `json:"units,omitempty"`
	// Histogram parameters and the ddof of var/std.
	Bins    int     `json:"bins,omitempty"`
	HistMin float64 `json:"hist_min,omitempty"`
	HistMax float64 `json:"hist_max,omitempty"`
	DDOF    int     `json:"ddof,omitempty"`
	// Concurrency bounds the parallel chunk fetches inside the worker (default 8).
	Concurrency int `json:"concurrency,omitempty"`
	// DelayMillis makes the worker wait before working (tests and no-op benchmarks).
	DelayMillis int `json:"delay_ms,omitempty"`
	// NoOp answers at once with an empty partial (coordinator overhead benchmarks).
	NoOp bool `json:"noop,omitempty"`
	// MaxInlineBytes is the largest partial returned inline; a larger one is written to
	// ResultBucket (default Bucket) under ResultPrefix and returned as a reference. 0 means the
	// worker's default (5 MB under Lambda, whose synchronous responses are limited to 6 MB;
	// unlimited otherwise).
	MaxInlineBytes int    `json:"max_inline_bytes,omitempty"`
	ResultBucket   string `json:"result_bucket,omitempty"`
	ResultPrefix   string `json:"result_prefix,omitempty"`
}

// TaskEvent is the envelope of a task.
type TaskEvent struct {
	Task *Task `json:"hsfan_task"`
}

// TaskResult is a worker's answer to a task.
type TaskResult struct {
	Index int `json:"index"`
	// Partial is the marshalled ops.Partial of the task's chunks, or empty when PartialRef
	// points at it in the store (partials too large for the invocation response).
	Partial    []byte     `json:"partial,omitempty"`
	PartialRef *ObjectRef `json:"partial_ref,omitempty"`
	// Chunks is the number of chunks reduced, Allocated those that existed in the store.
	Chunks    int64 `json:"chunks"`
	Allocated int64 `json:"allocated"`
	// StoredBytes were read from the store; DecodedBytes is their decoded size.
	StoredBytes  int64 `json:"stored_bytes"`
	DecodedBytes int64 `json:"decoded_bytes"`
	// FetchNanos, DecodeNanos and ReduceNanos are the time spent (summed over goroutines)
	// fetching, decoding and reducing chunks.
	FetchNanos  int64 `json:"fetch_ns"`
	DecodeNanos int64 `json:"decode_ns"`
	ReduceNanos int64 `json:"reduce_ns"`
	// ColdStart is true for the first invocation of a worker process.
	ColdStart bool `json:"cold_start,omitempty"`
}

// ObjectRef locates an object in a store.
type ObjectRef struct {
	Store  string `json:"store"`
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	Size   int64  `json:"size"`
}

// ResultEvent is the envelope of a TaskResult.
type ResultEvent struct {
	Result *TaskResult `json:"hsfan_result"`
}

// Validate checks the fields a worker needs before touching any data.
func (t *Task) Validate() error {
	switch {
	case t.Version != TaskVersion:
		return fmt.Errorf("task version %d, want %d", t.Version, TaskVersion)
	case len(t.Dataset) == 0:
		return errors.New("task has no dataset")
	case t.First < 0 || t.Count < 0 || t.First > math.MaxInt64-t.Count:
		return fmt.Errorf("task range first=%d count=%d: must be >= 0 and not overflow", t.First, t.Count)
	case t.Concurrency < 0:
		return fmt.Errorf("task concurrency %d: must be >= 0", t.Concurrency)
	case t.Op == "":
		return errors.New("task has no op")
	}
	return nil
}

// Error types reported by the worker (Lambda's errorType).
const (
	ErrorTypeRetryable = "hsfan.Retryable"
	ErrorTypePermanent = "hsfan.Permanent"
)

// Error is a task failure with the worker's retry decision.
type Error struct {
	Err   error
	Retry bool
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether a retry may succeed.
func (e *Error) Retryable() bool { return e.Retry }

// ErrorType is the Lambda errorType of the failure (aws-lambda-go reports it for errors that
// implement it through their type name; cmd/worker uses this).
func (e *Error) ErrorType() string {
	if e.Retry {
		return ErrorTypeRetryable
	}
	return ErrorTypePermanent
}

func permanent(err error) error { return &Error{Err: err} }
func retryable(err error) error { return &Error{Err: err, Retry: true} }
