package worker

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
)

func cubeTask(t *testing.T) (*Handler, Task) {
	t.Helper()
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	f, err := hdf.Create(ctx, st, "b", "/c.h5", hdf.CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteCube(ctx, f, synth.CubeOptions{Shape: []int{6, 10, 8}, Chunks: []int{2, 5, 8}, Type: "float32", Compressor: "gzip", Shuffle: true}); err != nil {
		t.Fatal(err)
	}
	ds, err := f.OpenDatasetPath(ctx, "/data")
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := json.Marshal(ds.Obj)
	h := NewHandler(Config{Events: restEvents, OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }, DefaultStore: "mem://", DefaultBucket: "b"})
	return h, Task{Version: TaskVersion, Dataset: obj, Op: "sum", Reduce: []bool{false, true, true}, First: 0, Count: 6}
}

func TestTaskSumMatchesDirectSum(t *testing.T) {
	h, task := cubeTask(t)
	for _, sel := range []string{"", "[1:6:2,3:9,[0,2,7]]", "[0:6,4,0:8:3]"} {
		t.Run(sel, func(t *testing.T) {
			task := task
			task.Select = sel
			// The task covers all chunks of the selection.
			red := mustReduction(t, h, &task)
			task.Count = red.Selection.Grid(red.Dataset.ChunkDims).Count()
			payload, _ := json.Marshal(TaskEvent{Task: &task})
			out, err := h.Invoke(context.Background(), payload)
			if err != nil {
				t.Fatal(err)
			}
			var ev ResultEvent
			if err := json.Unmarshal(out, &ev); err != nil || ev.Result == nil {
				t.Fatalf("answer %s: %v", out, err)
			}
			p := red.NewPartial()
			if err := p.UnmarshalBinary(ev.Result.Partial); err != nil {
				t.Fatal(err)
			}
			res := p.Finalize()
			// Direct: sum over the selection of float32(CubeValue) per kept time index.
			shape := red.Selection.Shape()
			want := make([]float64, shape[0])
			for a := 0; a < shape[0]; a++ {
				for b := 0; b < shape[1]; b++ {
					for c := 0; c < shape[2]; c++ {
						idx := []int{red.Selection.Dim(0).Index(a), red.Selection.Dim(1).Index(b), red.Selection.Dim(2).Index(c)}
						want[a] += float64(float32(synth.CubeValue(idx)))
					}
				}
			}
			for i := range want {
				if d := res.Value[i] - want[i]; d > 1e-9 || d < -1e-9 {
					t.Errorf("cell %d: sum %v, want %v", i, res.Value[i], want[i])
				}
			}
		})
	}
}

func mustReduction(t *testing.T, h *Handler, task *Task) *Reduction {
	t.Helper()
	st, _ := h.store(context.Background(), "mem://")
	ds, err := h.openTaskDataset(context.Background(), st, "mem://", "b", task.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReduction(context.Background(), ds, task)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBadEvents(t *testing.T) {
	h, good := cubeTask(t)
	mk := func(mut func(*Task)) []byte {
		task := good
		mut(&task)
		b, _ := json.Marshal(TaskEvent{Task: &task})
		return b
	}
	for _, tc := range []struct {
		name    string
		payload []byte
		retry   bool
	}{
		{"not json", []byte("{"), false},
		{"bad version", mk(func(t *Task) { t.Version = 99 }), false},
		{"bad op", mk(func(t *Task) { t.Op = "median" }), false},
		{"bad select", mk(func(t *Task) { t.Select = "[0:99,:,:]" }), false},
		{"rank mismatch", mk(func(t *Task) { t.Reduce = []bool{true} }), false},
		{"range beyond grid", mk(func(t *Task) { t.First = 5; t.Count = 10 }), false},
		{"bad dataset", mk(func(t *Task) { t.Dataset = json.RawMessage(`{"id": "x"}`) }), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.Invoke(context.Background(), tc.payload)
			var we *Error
			if !errors.As(err, &we) {
				t.Fatalf("err = %v, want a *worker.Error", err)
			}
			if we.Retry != tc.retry {
				t.Errorf("retry = %v, want %v (%v)", we.Retry, tc.retry, err)
			}
		})
	}
}

// TestRESTEvents: events that are not tasks are HDF REST requests, answered as HSDS's Lambda
// function answers them (the REST package tests the routes themselves).
func TestRESTEvents(t *testing.T) {
	h, _ := cubeTask(t)
	for _, tc := range []struct {
		event string
		code  int
	}{
		{`{"method": "GET", "path": "/about"}`, 200},
		{`{"method": "GET", "path": "/", "params": {"domain": "/c.h5"}}`, 403}, // private domain, anonymous caller
		{`{"method": "GET", "path": "/", "params": {"domain": "/missing.h5"}}`, 404},
		{`{"method": "GET", "path": "/", "params": {"domain": "/home/../../etc"}}`, 400},
	} {
		out, err := h.Invoke(context.Background(), []byte(tc.event))
		if err != nil {
			t.Fatalf("%s: %v", tc.event, err)
		}
		var resp struct {
			StatusCode  int `json:"statusCode"`
			StatusCode2 int `json:"status_code"`
		}
		if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode+resp.StatusCode2 != tc.code {
			t.Errorf("%s: answer %s, want status %d", tc.event, out, tc.code)
		}
	}
}

// TestNoEventsConfigured: without Config.Events a worker answers task events only; anything else
// is a permanent error (no retry can help).
func TestNoEventsConfigured(t *testing.T) {
	h := NewHandler(Config{DefaultStore: "mem://", DefaultBucket: "b"})
	_, err := h.Invoke(context.Background(), []byte(`{"method": "GET", "path": "/about"}`))
	var we *Error
	if !errors.As(err, &we) || we.Retry || we.ErrorType() != ErrorTypePermanent {
		t.Fatalf("err %v, want a permanent worker error", err)
	}
}
