package worker

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// TestNonFiniteEvents: a task over an xarray-like float dataset (fillValue NaN, _FillValue NaN,
// a chunk never written) skips the NaNs; an HSDS Lambda event with NaN in its body is answered
// with Python's tokens; a task event with bare tokens is refused clearly.
func TestNonFiniteEvents(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	f, err := hdf.Create(ctx, st, "b", "/xr.h5", hdf.CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	f32 := json.RawMessage(`"H5T_IEEE_F32LE"`)
	d, err := f.CreateDataset(ctx, f.RootID(), "v", hdf.DatasetSpec{Type: f32, Dims: []int{4, 3}, ChunkDims: []int{2, 3},
		ExactChunks: true, FillValue: pyjson.Float64(math.NaN())})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetAttribute(ctx, d.ID, "_FillValue", f32, nil, math.NaN()); err != nil {
		t.Fatal(err)
	}
	sel, _ := selection.Parse("[0:2,:]", d.Dims)
	vals := []float32{1, float32(math.NaN()), 3, 4, 5, float32(math.NaN())}
	b := make([]byte, 0, 24)
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	if err := d.Write(ctx, sel, b, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.SetACL(ctx, "default", schema.ACL{Read: true}); err != nil {
		t.Fatal(err)
	}
	if d, err = f.Dataset(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	obj, err := json.Marshal(d.Obj)
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(Config{Events: restEvents, OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }, DefaultStore: "mem://", DefaultBucket: "b"})

	task := Task{Version: TaskVersion, Dataset: obj, Op: "mean", Reduce: []bool{true, true}, First: 0, Count: 2}
	payload, _ := json.Marshal(TaskEvent{Task: &task})
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	var ev ResultEvent
	if err := json.Unmarshal(out, &ev); err != nil || ev.Result == nil {
		t.Fatalf("answer %s: %v", out, err)
	}
	red := mustReduction(t, h, &task)
	p := red.NewPartial()
	if err := p.UnmarshalBinary(ev.Result.Partial); err != nil {
		t.Fatal(err)
	}
	if res := p.Finalize(); res.Value[0] != 13.0/4 || res.Count[0] != 4 {
		t.Errorf("mean %v over %d values, want 3.25 over 4", res.Value, res.Count)
	}

	// The same task with Python's bare tokens in its dataset JSON is refused, not misread.
	py := strings.Replace(string(payload), `"\u0000NaN"`, "NaN", -1)
	if py == string(payload) {
		t.Fatalf("task event %s holds no NaN sentinel", payload)
	}
	_, err = h.Invoke(ctx, []byte(py))
	var we *Error
	if !errors.As(err, &we) || we.Retry || !strings.Contains(err.Error(), "sentinel") {
		t.Errorf("task event with bare NaN: %v, want a permanent error about sentinels", err)
	}

	// HSDS Lambda events in Python's dialect: a body with NaN is parsed (and refused as HSDS does
	// for an anonymous writer), stored tokens are answered as tokens.
	put := `{"method": "PUT", "path": "/datasets/` + d.ID + `/attributes/a", "params": {"domain": "/xr.h5"},
		"body": {"type": "H5T_IEEE_F64LE", "shape": [3], "value": [NaN, Infinity, -Infinity]}}`
	if out, err := h.Invoke(ctx, []byte(put)); err != nil || !strings.Contains(string(out), `"statusCode": 401`) {
		t.Fatalf("PUT attribute event: %v %s", err, out)
	}
	attr := `{"method": "GET", "path": "/datasets/` + d.ID + `/attributes/_FillValue", "params": {"domain": "/xr.h5"}}`
	if out, err := h.Invoke(ctx, []byte(attr)); err != nil || !strings.Contains(string(out), `"value": NaN`) {
		t.Fatalf("GET attribute event: %v %s", err, out)
	}
	get := `{"method": "GET", "path": "/datasets/` + d.ID + `/value", "params": {"domain": "/xr.h5", "select": "[1:3,0]"}}`
	if out, err := h.Invoke(ctx, []byte(get)); err != nil || !strings.Contains(string(out), `"value": [[4.0], [NaN]]`) {
		t.Fatalf("GET value event: %v %s", err, out)
	}
}
