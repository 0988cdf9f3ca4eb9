package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/ops"
)

const python = "/usr/bin/python3"

// numpyReduce reads {data: the dataset's float32 values as a flat list, dims, cases: [{select,
// op, axes}]} on stdin; each select is parsed as HSDS does (a single index i is the slice i:i+1,
// a list is an integer array, so several lists pair as numpy pairs them) and the op is applied
// over the given output axes of a[select] in float64. It prints the flattened results.
const numpyReduce = `
import json, sys
import numpy as np
req = json.load(sys.stdin)
a = np.array(req["data"], dtype=np.float32).reshape(req["dims"]).astype(np.float64)
out = []
for c in req["cases"]:
    parts, cur, depth = [], "", 0
    for ch in c["select"][1:-1]:
        if ch == "," and depth == 0:
            parts.append(cur); cur = ""; continue
        depth += (ch == "[") - (ch == "]")
        cur += ch
    parts.append(cur)
    idx = []
    for p in parts:
        if p.startswith("["):
            idx.append(np.array([int(x) for x in p[1:-1].split(",")], dtype=np.intp))
        elif ":" in p:
            f = (p.split(":") + ["", ""])[:3]
            idx.append(slice(int(f[0]) if f[0] else None, int(f[1]) if f[1] else None, int(f[2]) if f[2] else None))
        else:
            idx.append(slice(int(p), int(p) + 1))
    v = a[tuple(idx)]
    ax = tuple(c["axes"])
    r = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "std": np.std}[c["op"]](v, axis=ax)
    out.append({"shape": list(v.shape), "value": np.asarray(r).ravel().tolist()})
json.dump(out, sys.stdout)
`

// TestFancyReductionMatchesNumpy: a task over a selection that pairs coordinate lists (adjacent,
// or separated so that the point axis comes first) gives numpy's reduction of the same selection,
// over output axes.
func TestFancyReductionMatchesNumpy(t *testing.T) {
	if out, err := exec.Command(python, "-c", "import numpy").CombinedOutput(); err != nil {
		t.Skipf("SKIP: %s cannot import numpy (install python3-numpy to check reductions against numpy): %v: %s", python, err, strings.TrimSpace(string(out)))
	}
	h, base := cubeTask(t) // float32 (6,10,8), chunks (2,5,8)
	red := mustReduction(t, h, &base)
	all, _, err := red.Dataset.Read(context.Background(), selection.All(red.Dataset.Dims), 0)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]float64, len(all)/4)
	for i := range data {
		data[i] = float64(math.Float32frombits(uint32(all[4*i]) | uint32(all[4*i+1])<<8 | uint32(all[4*i+2])<<16 | uint32(all[4*i+3])<<24))
	}
	type tcase struct {
		Select string `json:"select"`
		Op     string `json:"op"`
		Axes   []int  `json:"axes"` // reduced output axes
	}
	cases := []tcase{
		{"[:,[1,4,5,9],[2,7,6,0]]", "sum", []int{1}},
		{"[:,[1,4,5,9],[2,7,6,0]]", "mean", []int{0}},
		{"[:,[1,4,5,9],[2,7,6,0]]", "max", []int{0, 1}},
		{"[[0,5,5],:,[2,3,3]]", "sum", []int{1}}, // lists at 0 and 2: the point axis is first
		{"[[0,5,5],:,[2,3,3]]", "std", []int{0}},
		{"[[0,5],[9,0],[7,1]]", "sum", []int{0}},
		{"[1:6:2,[3,3,8],[0,7,7]]", "min", []int{1}},
		{"[2,[3,8],[0,7]]", "mean", []int{0, 1}},
		{"[0:6:5,[9,1,1],1:8:3]", "sum", []int{0, 2}}, // one list
	}
	in, _ := json.Marshal(map[string]any{"data": data, "dims": red.Dataset.Dims, "cases": cases})
	cmd := exec.Command(python, "-c", numpyReduce)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("numpy: %v: %s", err, stderr.String())
	}
	var want []struct {
		Shape []int     `json:"shape"`
		Value []float64 `json:"value"`
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%s_%s_%v", c.Select, c.Op, c.Axes), func(t *testing.T) {
			task := base
			task.Select, task.Op = c.Select, c.Op
			sel, err := selection.Parse(c.Select, red.Dataset.Dims)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(sel.Shape()) != fmt.Sprint(want[i].Shape) {
				t.Fatalf("shape %v, numpy %v", sel.Shape(), want[i].Shape)
			}
			task.Reduce = make([]bool, sel.Rank())
			for _, a := range c.Axes {
				task.Reduce[a] = true
			}
			got := runWholeTask(t, h, task)
			if len(got.Value) != len(want[i].Value) {
				t.Fatalf("%d cells, numpy %d", len(got.Value), len(want[i].Value))
			}
			for k, w := range want[i].Value {
				if d := math.Abs(got.Value[k] - w); d > 1e-9*math.Max(1, math.Abs(w)) {
					t.Errorf("cell %d: %v, numpy %v", k, got.Value[k], w)
				}
			}
		})
	}
}

// runWholeTask runs task over every chunk of its selection and finalizes the partial.
func runWholeTask(t *testing.T, h *Handler, task Task) ops.Result {
	t.Helper()
	red := mustReduction(t, h, &task)
	task.First, task.Count = 0, red.Selection.Grid(red.Dataset.ChunkDims).Count()
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
	return p.Finalize()
}
