package interop

import (
	"fmt"
	"strconv"
	"strings"
)

// dataset is the expected content of a dataset: its elements in C order, as bytes and as JSON
// values.
type dataset struct {
	t     *dtype
	dims  []int // nil: scalar
	elems [][]byte
	vals  []any
}

func count(dims []int) int {
	n := 1
	for _, x := range dims {
		n *= x
	}
	return n
}

// makeData generates every element of a dataset of type t and shape dims.
func makeData(t *dtype, dims []int, seed uint64) *dataset {
	n := count(dims)
	d := &dataset{t: t, dims: dims, elems: make([][]byte, n), vals: make([]any, n)}
	for i := range n {
		d.elems[i], d.vals[i] = t.value(seed, i)
	}
	return d
}

// join concatenates elements (fixed or length-prefixed vlen encodings alike).
func join(elems [][]byte) []byte {
	var b []byte
	for _, e := range elems {
		b = append(b, e...)
	}
	return b
}

func (d *dataset) bytes() []byte { return join(d.elems) }

// sel is a selection of the matrix: its select text and, per dimension, the indices it picks.
type sel struct {
	name string
	text string  // the select parameter; "" selects everything
	idx  [][]int // per dimension, the picked indices in order
	zip  []int   // dimensions holding coordinate lists that are zipped (several lists)
}

func rangeIdx(start, stop, step int) []int {
	var out []int
	for i := start; i < stop; i += step {
		out = append(out, i)
	}
	return out
}

// spread returns up to k distinct increasing indices in [0, n) including both ends.
func spread(n, k int) []int {
	if n <= k {
		return rangeIdx(0, n, 1)
	}
	out := make([]int, k)
	for i := range out {
		out[i] = i * (n - 1) / (k - 1)
	}
	return out
}

func listText(idx []int) string {
	p := make([]string, len(idx))
	for i, x := range idx {
		p[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(p, ",") + "]"
}

// selAll selects everything.
func selAll(dims []int) sel {
	s := sel{name: "all"}
	for _, n := range dims {
		s.idx = append(s.idx, rangeIdx(0, n, 1))
	}
	return s
}

// selections are the selections read on a dataset of shape dims: all, strided ([1:9:3] on each
// dimension, clamped), a single index per dimension, a coordinate list on the first dimension and
// several coordinate lists (the first two dimensions, zipped as numpy and HSDS do).
func selections(dims []int) []sel {
	out := []sel{selAll(dims)}
	if len(dims) == 0 || count(dims) == 0 {
		return out
	}
	var st, ix, cl sel
	st.name, ix.name, cl.name = "strided", "index", "coords"
	var stp, ixp, clp []string
	for d, n := range dims {
		start := min(1, n-1)
		stop := min(9, n)
		st.idx = append(st.idx, rangeIdx(start, stop, 3))
		stp = append(stp, fmt.Sprintf("%d:%d:3", start, stop))
		ix.idx = append(ix.idx, []int{n / 2})
		ixp = append(ixp, strconv.Itoa(n/2))
		if d == 0 {
			l := spread(n, 3)
			cl.idx = append(cl.idx, l)
			clp = append(clp, listText(l))
		} else {
			cl.idx = append(cl.idx, rangeIdx(0, n, 1))
			clp = append(clp, ":")
		}
	}
	st.text = "[" + strings.Join(stp, ",") + "]"
	ix.text = "[" + strings.Join(ixp, ",") + "]"
	cl.text = "[" + strings.Join(clp, ",") + "]"
	out = append(out, st, ix, cl)
	if len(dims) >= 2 {
		k := min(3, dims[0], dims[1])
		m := sel{name: "coords2", zip: []int{0, 1}}
		var mp []string
		for d, n := range dims {
			var l []int
			switch d {
			case 0, 1:
				l = spread(n, k)
				mp = append(mp, listText(l))
			default:
				l = rangeIdx(0, n, 1)
				mp = append(mp, ":")
			}
			m.idx = append(m.idx, l)
		}
		m.text = "[" + strings.Join(mp, ",") + "]"
		out = append(out, m)
	}
	return out
}

// pick returns the flat indices a selection reads, in output order, and the output shape.
func (s sel) pick(dims []int) ([]int, []int) {
	// Groups of dimensions iterated together: one per dimension, the zipped ones as one.
	type group struct{ dims []int }
	var groups []group
	var shape []int
	for d := range dims {
		if len(s.zip) > 1 && d == s.zip[0] {
			groups = append(groups, group{s.zip})
			shape = append(shape, len(s.idx[d]))
			continue
		}
		if len(s.zip) > 1 && contains(s.zip[1:], d) {
			continue
		}
		groups = append(groups, group{[]int{d}})
		shape = append(shape, len(s.idx[d]))
	}
	strides := make([]int, len(dims))
	acc := 1
	for d := len(dims) - 1; d >= 0; d-- {
		strides[d] = acc
		acc *= dims[d]
	}
	var out []int
	pos := make([]int, len(groups))
	total := count(shape)
	for range total {
		flat := 0
		for g, gr := range groups {
			for _, d := range gr.dims {
				flat += s.idx[d][pos[g]] * strides[d]
			}
		}
		out = append(out, flat)
		for g := len(groups) - 1; g >= 0; g-- {
			pos[g]++
			if pos[g] < shape[g] {
				break
			}
			pos[g] = 0
		}
	}
	return out, shape
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// selected returns the expected bytes and JSON value of a selection of d.
func (d *dataset) selected(s sel) ([]byte, any) {
	flat, shape := s.pick(d.dims)
	var b []byte
	vals := make([]any, len(flat))
	for k, i := range flat {
		b = append(b, d.elems[i]...)
		if d.vals != nil {
			vals[k] = d.vals[i]
		}
	}
	if d.vals == nil {
		return b, nil
	}
	if d.dims == nil {
		return b, vals[0]
	}
	return b, nest(vals, shape)
}
