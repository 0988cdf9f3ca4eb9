package selection

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const python = "/usr/bin/python3"

// numpyScript reads cases {dims, select} from stdin, parses each select
// string itself (HSDS syntax: a single index i is the slice i:i+1, as HSDS
// keeps the dimension; a list is a numpy integer array) and prints, per
// case, numpy's shape and flattened values of np.arange(prod).reshape(dims).
const numpyScript = `
import json, sys
import numpy as np
out = []
for c in json.load(sys.stdin):
    dims = c["dims"]
    idx = []
    body = c["select"][1:-1]
    parts, cur, depth = [], "", 0
    for ch in body:
        if ch == "," and depth == 0:
            parts.append(cur); cur = ""; continue
        if ch == "[": depth += 1
        if ch == "]": depth -= 1
        cur += ch
    parts.append(cur)
    for p, ext in zip(parts, dims):
        if p.startswith("["):
            idx.append(np.array([int(x) for x in p[1:-1].split(",")], dtype=np.intp))
        elif ":" in p:
            f = (p.split(":") + ["", ""])[:3]
            idx.append(slice(int(f[0]) if f[0] else None, int(f[1]) if f[1] else None, int(f[2]) if f[2] else None))
        else:
            i = int(p)
            idx.append(slice(i, i + 1))
    a = np.arange(int(np.prod(dims)), dtype=np.int64).reshape(dims)
    r = a[tuple(idx)]
    out.append({"shape": list(r.shape), "values": r.ravel().tolist()})
json.dump(out, sys.stdout)
`

// requireNumpy skips the test, saying why, when numpy cannot be run.
func requireNumpy(t *testing.T) {
	t.Helper()
	out, err := exec.Command(python, "-c", "import numpy").CombinedOutput()
	if err != nil {
		t.Skipf("SKIP: %s cannot import numpy (install python3-numpy to check selections against numpy): %v: %s",
			python, err, strings.TrimSpace(string(out)))
	}
}

// readAll reads a selection out of a dataset holding its own row-major
// index (as int64), chunk by chunk through Grid, Block and CopyOut.
func readAll(t *testing.T, s *Selection, dims, chunk []int) []int64 {
	t.Helper()
	const is = 8
	out := make([]byte, s.Count()*is)
	dsStride := strides(dims)
	cs := strides(chunk)
	buf := make([]byte, int(cs[0])*chunk[0]*is)
	g := s.Grid(chunk)
	if g.Err() != nil {
		t.Fatal(g.Err())
	}
	for _, ci := range g.Chunks(0, g.Count()) {
		for e := 0; e < len(buf)/is; e++ {
			rem, v := e, int64(0)
			for d := len(chunk) - 1; d >= 0; d-- {
				v += int64(ci[d]*chunk[d]+rem%chunk[d]) * dsStride[d]
				rem /= chunk[d]
			}
			binary.LittleEndian.PutUint64(buf[e*is:], uint64(v))
		}
		if err := CopyOut(out, s, buf, ci, chunk, is); err != nil {
			t.Fatal(err)
		}
	}
	vals := make([]int64, s.Count())
	for i := range vals {
		vals[i] = int64(binary.LittleEndian.Uint64(out[i*is:]))
	}
	return vals
}

// TestAgainstNumpy compares random selections (slices, indices, one or
// several unsorted coordinate lists with repeats, ranks 1 to 4, so lists
// both adjacent and separated by slices) with numpy's fancy indexing.
func TestAgainstNumpy(t *testing.T) {
	requireNumpy(t)
	type tcase struct {
		Dims   []int  `json:"dims"`
		Select string `json:"select"`
		chunk  []int
	}
	r := rand.New(rand.NewSource(7))
	var cases []tcase
	for len(cases) < 600 {
		rank := 1 + r.Intn(4)
		dims := make([]int, rank)
		chunk := make([]int, rank)
		for d := range dims {
			dims[d] = 1 + r.Intn(9)
			chunk[d] = 1 + r.Intn(5)
		}
		cases = append(cases, tcase{Dims: dims, Select: randomSelect(r, dims), chunk: chunk})
	}
	// fixed cases from the HSDS comparison (see the rest package's peer test)
	cases = append(cases,
		tcase{Dims: []int{2, 10, 10}, Select: "[:,[1,4,5],[2,8,6]]", chunk: []int{1, 4, 4}},
		tcase{Dims: []int{2, 10, 10}, Select: "[[0,1],:,[2,3]]", chunk: []int{1, 4, 4}},
		tcase{Dims: []int{3, 6, 5, 7}, Select: "[0:2,[0,1,5],:,[2,3,6]]", chunk: []int{2, 4, 2, 4}},
		tcase{Dims: []int{3, 6, 5, 7}, Select: "[1,[1,2],:,[4,5]]", chunk: []int{2, 4, 2, 4}},
	)
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-c", numpyScript)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("numpy: %v: %s", err, stderr.String())
	}
	var want []struct {
		Shape  []int   `json:"shape"`
		Values []int64 `json:"values"`
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(cases) {
		t.Fatalf("numpy answered %d cases of %d", len(want), len(cases))
	}
	paired := 0
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d_%v_%s", i, c.Dims, c.Select), func(t *testing.T) {
			s, err := Parse(c.Select, c.Dims)
			if err != nil {
				t.Fatal(err)
			}
			if s.Paired() {
				paired++
			}
			if !cmp.Equal(s.Shape(), want[i].Shape) {
				t.Fatalf("shape %v, numpy %v", s.Shape(), want[i].Shape)
			}
			if got := readAll(t, s, c.Dims, c.chunk); !cmp.Equal(got, want[i].Values) {
				t.Fatalf("values %v\nnumpy %v", got, want[i].Values)
			}
		})
	}
	if paired < 50 {
		t.Fatalf("only %d cases pair several lists", paired)
	}
}
