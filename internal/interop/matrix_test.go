package interop

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
)

// filterCase is a filter pipeline as h5py/h5pyd send it (names; HSDS normalises them,
// hsds-format.md 1.6).
type filterCase struct {
	name    string
	filters []string // nil: none
}

func (f filterCase) raw() json.RawMessage {
	if f.filters == nil {
		return nil
	}
	b, _ := json.Marshal(f.filters)
	return b
}

// allFilters: none, each compressor with and without shuffle, and shuffle alone.
func allFilters() []filterCase {
	out := []filterCase{{name: "none"}}
	for _, c := range []string{"gzip", "lz4", "lz4hc", "zstd", "blosclz", "snappy"} {
		out = append(out, filterCase{c, []string{c}}, filterCase{c + "+shuffle", []string{"shuffle", c}})
	}
	return append(out, filterCase{"shuffle", []string{"shuffle"}})
}

func filterNamed(name string) filterCase {
	for _, f := range allFilters() {
		if f.name == name {
			return f
		}
	}
	panic("no filter " + name)
}

// shapeCase is a dataspace with the chunk shape requested for it. HSDS resizes requested chunks
// into its 1-4 MiB window (hsds-format.md 1.6), so only "big" shapes give HSDS-written data
// several chunks; hsfan's engine keeps the requested chunks exactly where the case says so (as
// `hsfan gen` does), giving small multi-chunk datasets with partial edge chunks.
type shapeCase struct {
	name    string
	dims    []int // nil: scalar
	maxdims []int // nil: fixed; 0 = unlimited
	chunks  []int
	// big sizes the first dimension so that the data passes 1.5 MiB (HSDS then makes several
	// chunks, the last one partial).
	big bool
}

// shapeFor returns the dims of s for item size n (big shapes grow with it).
func (s shapeCase) shapeFor(itemsize int) (dims, chunks []int) {
	if !s.big {
		return s.dims, s.chunks
	}
	if itemsize <= 0 {
		itemsize = 16
	}
	rows := (1600000/(itemsize*s.dims[1]) + 2) | 1
	return []int{rows, s.dims[1]}, []int{rows/3 + 1, s.dims[1]}
}

var (
	shScalar = shapeCase{name: "scalar"}
	sh1D     = shapeCase{name: "1d", dims: []int{23}, chunks: []int{10}}
	sh2D     = shapeCase{name: "2d", dims: []int{7, 9}, chunks: []int{3, 4}}
	sh2D1    = shapeCase{name: "2d1chunk", dims: []int{7, 9}} // the server chooses: one chunk
	sh3D     = shapeCase{name: "3d", dims: []int{3, 5, 7}, chunks: []int{2, 2, 3}}
	sh4D     = shapeCase{name: "4d", dims: []int{2, 3, 4, 5}, chunks: []int{1, 2, 3, 2}}
	shBig    = shapeCase{name: "big2d", dims: []int{0, 500}, big: true}
	shUnl1   = shapeCase{name: "unlim1d", dims: []int{10}, maxdims: []int{0}, chunks: []int{4}}
	shUnl2   = shapeCase{name: "unlim2d", dims: []int{6, 5}, maxdims: []int{0, 5}, chunks: []int{4, 5}}
	shExt    = shapeCase{name: "extensible", dims: []int{6, 5}, maxdims: []int{12, 9}, chunks: []int{4, 2}}
	shZero1  = shapeCase{name: "zero1d", dims: []int{0}, maxdims: []int{0}, chunks: []int{8}}
	// HSDS refuses a requested layout with a zero extent ("Invalid layout value"): it chooses.
	shZero2 = shapeCase{name: "zero2d", dims: []int{4, 0}}
)

func allShapes() []shapeCase {
	return []shapeCase{shScalar, sh1D, sh2D, sh3D, sh4D, shBig, shUnl1, shUnl2, shExt, shZero1, shZero2}
}

// fillCase is the dataset's fill value; with one, only the first third of the first dimension
// is written, so the rest reads back as fill (in written chunks and in chunks never written).
type fillCase string

const (
	fillNone  fillCase = "nofill"
	fillValue fillCase = "fill"
	fillNaN   fillCase = "fillnan"
)

// matrixCase is one combination of the covering set.
type matrixCase struct {
	t      *dtype
	filter filterCase
	shape  shapeCase
	fill   fillCase
	// sels: read every selection of the shape (else only all).
	sels bool
}

func (c matrixCase) name() string {
	return fmt.Sprintf("%s/%s/%s/%s", c.t.name, c.filter.name, c.shape.name, c.fill)
}

func (c matrixCase) seed() uint64 {
	h := fnv.New64a()
	h.Write([]byte(c.name()))
	return h.Sum64()
}

// fillJSON is the fillValue of the creation properties as JSON text (NaN as Python's token)
// and the element bytes and JSON value it stands for; ok is false for no fill value.
func (c matrixCase) fillJSON() (text string, b []byte, v any, ok bool) {
	switch c.fill {
	case fillNaN:
		return "NaN", nanBytes(c.t), nanValue(), true
	case fillValue:
		// An edge value that is not zero (element 1: the maximum, or "a", or -0.0 ...).
		b, v := c.t.value(c.seed()^0xf111, 1)
		if c.t.kind == kFloat {
			b, v = c.t.value(c.seed()^0xf111, 9) // 1.0
		}
		jb, err := marshalPy(v)
		if err != nil {
			panic(err)
		}
		return string(jb), b, v, true
	}
	return "", nil, nil, false
}

// written is how much of the data a case writes: everything without a fill value, else the
// first third of the first dimension (at least one row).
func (c matrixCase) written(dims []int) (sel, bool) {
	if c.fill == fillNone || len(dims) == 0 || count(dims) == 0 {
		return selAll(dims), false
	}
	s := selAll(dims)
	rows := max(1, dims[0]/3)
	s.idx[0] = rangeIdx(0, rows, 1)
	p := []string{fmt.Sprintf("0:%d", rows)}
	for _, n := range dims[1:] {
		p = append(p, fmt.Sprintf("0:%d", n))
	}
	s.text = "[" + strings.Join(p, ",") + "]"
	s.name = "written"
	return s, true
}

// expected returns the data of a case: the generated values where written, the fill value (or
// zeros, or empty vlen elements) elsewhere; the selection written (all of it, or the first third
// of the first dimension) and the bytes and JSON value to write there.
func (c matrixCase) expected(dims []int) (want *dataset, w sel, partial bool, write []byte, writeJSON any) {
	full := makeData(c.t, dims, c.seed())
	w, partial = c.written(dims)
	write, writeJSON = full.selected(w)
	if !partial {
		return full, w, false, write, writeJSON
	}
	_, fb, fv, hasFill := c.fillJSON()
	if !hasFill {
		fb, fv = zeroElement(c.t), zeroValue(c.t)
	}
	flat, _ := w.pick(dims)
	in := map[int]bool{}
	for _, i := range flat {
		in[i] = true
	}
	want = &dataset{t: c.t, dims: dims, elems: make([][]byte, len(full.elems)), vals: make([]any, len(full.vals))}
	for i := range full.elems {
		if in[i] {
			want.elems[i], want.vals[i] = full.elems[i], full.vals[i]
		} else {
			want.elems[i], want.vals[i] = fb, fv
		}
	}
	return want, w, true, write, writeJSON
}

// zeroElement is an element that was never written and has no fill value: zero bytes, with
// every vlen piece empty.
func zeroElement(t *dtype) []byte {
	switch t.kind {
	case kVString:
		return make([]byte, 4)
	case kCompound:
		var b []byte
		for _, f := range t.fields {
			b = append(b, zeroElement(f.t)...)
		}
		return b
	}
	return make([]byte, t.itemSize())
}

func zeroValue(t *dtype) any {
	switch t.kind {
	case kInt, kEnum:
		if t.isBool() {
			return false
		}
		return json.Number("0")
	case kFloat:
		return 0.0
	case kFString, kVString:
		return ""
	case kArray:
		flat := make([]any, count(t.dims))
		for i := range flat {
			flat[i] = zeroValue(t.base)
		}
		return nest(flat, t.dims)
	}
	vs := make([]any, len(t.fields))
	for i, f := range t.fields {
		vs[i] = zeroValue(f.t)
	}
	return vs
}

// covering builds the covering set of a direction: every type with a few filters, every filter
// with a few types, every shape with a few types, every fill with a few types, and every
// selection on a few shapes and types (duplicates dropped). Only the shape and selection parts
// ask for small chunks (kept exactly by hsfan, resized by HSDS): they multiply the requests HSDS
// answers per read, which bounds the suite's run time on two cores.
func covering() []matrixCase {
	var out []matrixCase
	seen := map[string]bool{}
	add := func(c matrixCase) {
		if c.fill == fillNaN && !c.t.isFloat() {
			return
		}
		if c.fill != fillNone && c.t.variable() {
			return // fill values of vlen types are not part of the matrix
		}
		if seen[c.name()] {
			return
		}
		seen[c.name()] = true
		out = append(out, c)
	}
	// Every type x a few filters, on a small 2-D shape in one chunk (every selection once).
	for _, t := range allTypes() {
		for _, f := range []string{"none", "gzip+shuffle", "lz4"} {
			add(matrixCase{t: t, filter: filterNamed(f), shape: sh2D1, fill: fillNone, sels: f == "none"})
		}
	}
	// Every filter x a few types, with several chunks (the last one partial) and in one chunk.
	for _, f := range allFilters() {
		for _, t := range []*dtype{tI16BE, tF64} {
			add(matrixCase{t: t, filter: f, shape: shBig, fill: fillNone})
		}
		for _, t := range []*dtype{tU8, tI32BE, tF32, tVStr, tCmpd, tNested} {
			add(matrixCase{t: t, filter: f, shape: sh1D, fill: fillNone})
		}
	}
	// Every shape x a few types, every selection.
	for _, s := range allShapes() {
		for _, t := range []*dtype{tI32, tF32BE, tVStr, tCmpd} {
			add(matrixCase{t: t, filter: filterNamed("gzip"), shape: s, fill: fillNone, sels: true})
		}
		add(matrixCase{t: tI16BE, filter: filterNamed("none"), shape: s, fill: fillNone, sels: true})
	}
	// Every fill x a few types, in a written chunk and across chunks never written.
	for _, fl := range []fillCase{fillValue, fillNaN} {
		for _, t := range []*dtype{tI8, tU64BE, tI16BE, tF16, tF32, tF64BE, tFStr, tCmpd, tEnum, tArr} {
			add(matrixCase{t: t, filter: filterNamed("none"), shape: sh2D1, fill: fl})
		}
		for _, t := range []*dtype{tI16BE, tF32, tF64BE, tCmpd} {
			add(matrixCase{t: t, filter: filterNamed("zstd"), shape: shBig, fill: fl})
		}
		for _, s := range []shapeCase{sh3D, shUnl2, shExt} {
			add(matrixCase{t: tF32BE, filter: filterNamed("gzip"), shape: s, fill: fl, sels: true})
		}
	}
	// Every selection x more types, on several chunks.
	for _, s := range []shapeCase{sh1D, sh3D, sh4D} {
		for _, t := range []*dtype{tU64, tF64BE, tFStrU, tVStrA, tNested, tCmpdV, tArrI, tBool} {
			add(matrixCase{t: t, filter: filterNamed("lz4"), shape: s, fill: fillNone, sels: true})
		}
	}
	return out
}

func nanValue() any { return math.NaN() }
