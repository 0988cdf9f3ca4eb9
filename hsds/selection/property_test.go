package selection

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// randomSelect builds a random valid select string for dims: slices,
// indices, and none, one or several coordinate lists of one length
// (unsorted, with repeats).
func randomSelect(r *rand.Rand, dims []int) string {
	parts := make([]string, len(dims))
	isList := make([]bool, len(dims))
	switch r.Intn(3) {
	case 1:
		isList[r.Intn(len(dims))] = true
	case 2:
		for d := range isList {
			isList[d] = r.Intn(2) == 0
		}
	}
	n := 1 + r.Intn(5)
	for d, ext := range dims {
		switch {
		case isList[d]:
			cs := make([]string, n)
			for i := range cs {
				cs[i] = fmt.Sprint(r.Intn(ext))
			}
			parts[d] = "[" + strings.Join(cs, ",") + "]"
		case r.Intn(4) == 0:
			parts[d] = fmt.Sprint(r.Intn(ext))
		default:
			start := r.Intn(ext)
			stop := start + 1 + r.Intn(ext-start)
			step := 1 + r.Intn(5)
			parts[d] = fmt.Sprintf("%d:%d:%d", start, stop, step)
		}
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// Brute-force check of Grid, Block, Runs, CopyOut and CopyIn against a
// direct element-by-element evaluation of the selection.
func TestAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewSource(42))
	for iter := 0; iter < 400; iter++ {
		rank := 1 + r.Intn(4)
		dims := make([]int, rank)
		chunk := make([]int, rank)
		for d := range dims {
			dims[d] = 1 + r.Intn(12-2*rank)
			chunk[d] = 1 + r.Intn(6)
		}
		sel := randomSelect(r, dims)
		t.Run(fmt.Sprintf("%d_%v_%v_%s", iter, dims, chunk, sel), func(t *testing.T) {
			s, err := Parse(sel, dims)
			if err != nil {
				t.Fatal(err)
			}
			checkBrute(t, s, dims, chunk)
		})
	}
}

// naiveSelect evaluates a selection directly from numpy's indexing rules:
// per dataset dim the selected indices (a slice's, or a list's), lists
// paired element by element into one axis, placed where the lists are when
// they are adjacent and first otherwise. It returns the output shape and
// the dataset index of every output element in C order.
func naiveSelect(s *Selection, dims []int) ([]int, [][]int) {
	rank := len(dims)
	idx := make([][]int, rank)
	var lists []int
	for d := 0; d < rank; d++ {
		dm := s.Dim(d)
		if dm.Coords != nil {
			idx[d] = dm.Coords
			lists = append(lists, d)
			continue
		}
		for i := dm.Start; i < dm.Stop; i += dm.Step {
			idx[d] = append(idx[d], i)
		}
	}
	// axes: each is a list of dataset dims
	var axes [][]int
	adjacent := len(lists) == 0 || lists[len(lists)-1]-lists[0] == len(lists)-1
	if !adjacent {
		axes = append(axes, lists)
	}
	for d := 0; d < rank; d++ {
		switch {
		case s.Dim(d).Coords == nil:
			axes = append(axes, []int{d})
		case adjacent && d == lists[0]:
			axes = append(axes, lists)
		}
	}
	shape := make([]int, len(axes))
	total := 1
	for a, ds := range axes {
		shape[a] = len(idx[ds[0]])
		total *= shape[a]
	}
	out := make([][]int, 0, total)
	o := make([]int, len(axes))
	for k := 0; k < total; k++ {
		rem := k
		for a := len(axes) - 1; a >= 0; a-- {
			o[a] = rem % shape[a]
			rem /= shape[a]
		}
		di := make([]int, rank)
		for a, ds := range axes {
			for _, d := range ds {
				di[d] = idx[d][o[a]]
			}
		}
		out = append(out, di)
	}
	return shape, out
}

func checkBrute(t *testing.T, s *Selection, dims, chunk []int) {
	t.Helper()
	rank := len(dims)
	shape, naive := naiveSelect(s, dims)
	if !cmp.Equal(s.Shape(), shape) {
		t.Fatalf("Shape %v, numpy rule gives %v", s.Shape(), shape)
	}
	const is = 4
	// dataset value at index = 1 + row-major linear index
	dsStride := strides(dims)
	value := func(idx []int) uint32 {
		v := int64(1)
		for d := range idx {
			v += int64(idx[d]) * dsStride[d]
		}
		return uint32(v)
	}
	// expected output and the set of chunks holding selected elements
	if int64(len(naive)) != s.Count() {
		t.Fatalf("Count %d, numpy rule gives %d elements", s.Count(), len(naive))
	}
	want := make([]byte, s.Count()*is)
	touched := map[string]bool{}
	dsIdx := make([]int, rank)
	for o, di := range naive {
		ci := make([]int, rank)
		for d := range di {
			ci[d] = di[d] / chunk[d]
		}
		binary.LittleEndian.PutUint32(want[o*is:], value(di))
		touched[fmt.Sprint(ci)] = true
	}
	g := s.Grid(chunk)
	if g.Err() != nil {
		t.Fatal(g.Err())
	}
	if g.Count() < int64(len(touched)) {
		t.Fatalf("grid has %d chunks, %d touched", g.Count(), len(touched))
	}
	if s.Paired() && g.Count() != int64(len(touched)) {
		t.Fatalf("grid of paired lists has %d chunks, %d touched", g.Count(), len(touched))
	}
	got := make([]byte, len(want))
	gotPlanes := make([]byte, len(want)) // through CopyOutPlanes from the byte-shuffled chunks
	written := make([]int, s.Count())
	cs := strides(chunk)
	chunkElems := int(cs[0]) * chunk[0]
	buf := make([]byte, chunkElems*is)
	var blockTotal int64
	for lin, ci := range g.Chunks(0, g.Count()) {
		if l, ok := g.Linear(ci); !ok || l != lin {
			t.Fatalf("Linear(%v) = %d %v, want %d", ci, l, ok, lin)
		}
		if !cmp.Equal(g.ChunkIndex(lin, nil), ci) {
			t.Fatalf("ChunkIndex(%d) = %v, want %v", lin, g.ChunkIndex(lin, nil), ci)
		}
		b, ok := s.Block(ci, chunk)
		if ok != touched[fmt.Sprint(ci)] {
			// a step > chunk grid never lists untouched chunks
			t.Fatalf("chunk %v: Block ok=%v, touched=%v", ci, ok, touched[fmt.Sprint(ci)])
		}
		if !ok {
			continue
		}
		blockTotal += b.Count()
		axes := b.Axes()
		na := int64(1)
		for k, a := range axes {
			if s.AxisDims(k) == nil || !cmp.Equal(a.Dims, s.AxisDims(k)) {
				t.Fatalf("chunk %v: axis %d dims %v, selection says %v", ci, k, a.Dims, s.AxisDims(k))
			}
			na *= int64(a.Count)
		}
		if na != b.Count() {
			t.Fatalf("chunk %v: axes hold %d elements, block %d", ci, na, b.Count())
		}
		// fill the chunk from the dataset (outside the extents: garbage)
		for e := 0; e < chunkElems; e++ {
			rem := e
			inside := true
			for d := rank - 1; d >= 0; d-- {
				dsIdx[d] = ci[d]*chunk[d] + rem%chunk[d]
				rem /= chunk[d]
				if dsIdx[d] >= dims[d] {
					inside = false
				}
			}
			v := uint32(0xdeadbeef)
			if inside {
				v = value(dsIdx)
			}
			binary.LittleEndian.PutUint32(buf[e*is:], v)
		}
		var runElems int64
		for r := range b.Runs() {
			runElems += int64(r.Count)
			for i := 0; i < r.Count; i++ {
				written[r.OutOffset+int64(i)*r.OutStride]++
			}
		}
		if runElems != b.Count() {
			t.Fatalf("chunk %v: runs cover %d elements, block %d", ci, runElems, b.Count())
		}
		if err := CopyOut(got, s, buf, ci, chunk, is); err != nil {
			t.Fatal(err)
		}
		// The HDF5 byte shuffle of the chunk: byte k of element e at k*chunkElems+e.
		planes := make([]byte, len(buf))
		for e := range chunkElems {
			for k := range is {
				planes[k*chunkElems+e] = buf[e*is+k]
			}
		}
		if err := CopyOutPlanes(gotPlanes, s, planes, ci, chunk, is); err != nil {
			t.Fatal(err)
		}
		// CopyIn of the expected output into a zeroed chunk reproduces the
		// selected chunk elements and leaves the rest alone.
		back := make([]byte, len(buf))
		if err := CopyIn(back, s, want, ci, chunk, is); err != nil {
			t.Fatal(err)
		}
		var offs []int64
		for r := range b.Runs() {
			for i := 0; i < r.Count; i++ {
				off := (r.ChunkOffset + int64(i)*r.ChunkStride) * is
				if string(back[off:off+is]) != string(buf[off:off+is]) {
					t.Fatalf("CopyIn chunk %v element %d differs", ci, off/is)
				}
				offs = append(offs, off)
			}
		}
		for _, off := range offs {
			copy(back[off:off+is], make([]byte, is))
		}
		for i, c := range back {
			if c != 0 {
				t.Fatalf("CopyIn wrote outside the selection at byte %d", i)
			}
		}
	}
	if blockTotal != s.Count() {
		t.Fatalf("blocks cover %d elements, selection has %d", blockTotal, s.Count())
	}
	for o, n := range written {
		if n != 1 && !hasDuplicateCoords(s) {
			t.Fatalf("output element %d written %d times", o, n)
		}
	}
	if !cmp.Equal(got, want) {
		t.Fatalf("CopyOut output differs")
	}
	if !cmp.Equal(gotPlanes, want) {
		t.Fatalf("CopyOutPlanes output differs")
	}
}

func hasDuplicateCoords(s *Selection) bool {
	for d := 0; d < len(s.sel); d++ {
		seen := map[int]bool{}
		for _, c := range s.sel[d].Coords {
			if seen[c] {
				return true
			}
			seen[c] = true
		}
	}
	return false
}

func TestCopyErrors(t *testing.T) {
	s, _ := Parse("[0:4,0:4]", []int{8, 8})
	out := make([]byte, 16*4)
	chunk := make([]byte, 16*4)
	tests := []struct {
		name     string
		out, buf []byte
		index    []int
		cd       []int
		is       int
	}{
		{"short out", out[:10], chunk, []int{0, 0}, []int{4, 4}, 4},
		{"short chunk", out, chunk[:10], []int{0, 0}, []int{4, 4}, 4},
		{"bad rank", out, chunk, []int{0}, []int{4, 4}, 4},
		{"index out of range", out, chunk, []int{2, 0}, []int{4, 4}, 4},
		{"negative index", out, chunk, []int{-1, 0}, []int{4, 4}, 4},
		{"zero itemsize", out, chunk, []int{0, 0}, []int{4, 4}, 0},
		{"bad chunk dims", out, chunk, []int{0, 0}, []int{0, 4}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := CopyOut(tc.out, s, tc.buf, tc.index, tc.cd, tc.is); err == nil {
				t.Fatal("CopyOut accepted")
			}
			if err := CopyOutPlanes(tc.out, s, tc.buf, tc.index, tc.cd, tc.is); err == nil {
				t.Fatal("CopyOutPlanes accepted")
			}
			if err := CopyIn(tc.buf, s, tc.out, tc.index, tc.cd, tc.is); err == nil {
				t.Fatal("CopyIn accepted")
			}
		})
	}
	// an untouched chunk is a no-op
	if err := CopyOut(out, s, chunk, []int{1, 1}, []int{4, 4}, 4); err != nil {
		t.Fatal(err)
	}
	if err := CopyOut(out, nil, chunk, []int{1, 1}, []int{4, 4}, 4); err == nil {
		t.Fatal("nil selection accepted")
	}
}
