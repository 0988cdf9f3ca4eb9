package selection

import (
	"fmt"
	"iter"
	"math"
	"sort"
)

type gridKind uint8

const (
	gridRange gridKind = iota // chunks lo, lo+1, ..., lo+n-1
	gridArith                 // chunk of the k-th element: (start + k*step) / c
	gridList                  // explicit sorted chunk list (coordinate dims)
)

// gridDim lists the chunk indices touched along one dimension, lazily.
type gridDim struct {
	kind              gridKind
	n                 int
	lo                int   // gridRange
	start, step, size int   // gridArith
	list              []int // gridList
}

func (g *gridDim) at(p int) int {
	switch g.kind {
	case gridRange:
		return g.lo + p
	case gridArith:
		return (g.start + p*g.step) / g.size
	}
	return g.list[p]
}

// pos returns the position of chunk index ci in the dimension's list.
func (g *gridDim) pos(ci int) (int, bool) {
	switch g.kind {
	case gridRange:
		p := ci - g.lo
		return p, p >= 0 && p < g.n
	case gridArith:
		// smallest k with start + k*step >= ci*size
		if ci < 0 || g.n == 0 || ci > (g.start+(g.n-1)*g.step)/g.size {
			return 0, false
		}
		lo := ci * g.size
		k := 0
		if lo > g.start {
			k = (lo - g.start + g.step - 1) / g.step
		}
		if k >= g.n || (g.start+k*g.step)/g.size != ci {
			return 0, false
		}
		return k, true
	}
	p := sort.SearchInts(g.list, ci)
	return p, p < len(g.list) && g.list[p] == ci
}

// Grid is the set of chunks a selection touches: per dimension the sorted
// touched chunk indices, enumerated row-major (last dimension fastest).
// Nothing proportional to the number of chunks is allocated.
type Grid struct {
	dims      []gridDim
	chunkDims []int
	count     int64
	err       error
}

// Grid returns the chunks touched by the selection for the given chunk
// dims. Along a dimension, a step no larger than the chunk touches every
// chunk between the first and last element; a larger step touches one
// chunk per element; a coordinate list touches only its chunks. Scalar
// selections accept nil or [1] chunk dims. Invalid chunk dims give an
// empty grid whose Err reports the problem.
func (s *Selection) Grid(chunkDims []int) *Grid {
	cd, err := s.checkChunkDims(chunkDims)
	if err != nil {
		return &Grid{err: err}
	}
	g := &Grid{dims: make([]gridDim, len(s.sel)), chunkDims: cd, count: 1}
	if s.count == 0 {
		g.count = 0
	}
	for d, sd := range s.sel {
		c := cd[d]
		var gd gridDim
		switch {
		case sd.Coords != nil:
			seen := make(map[int]struct{}, len(sd.Coords))
			list := make([]int, 0, 8)
			for _, v := range sd.Coords {
				ci := v / c
				if _, ok := seen[ci]; !ok {
					seen[ci] = struct{}{}
					list = append(list, ci)
				}
			}
			sort.Ints(list)
			gd = gridDim{kind: gridList, n: len(list), list: list}
		case sd.Count() == 0:
			gd = gridDim{kind: gridRange}
		case sd.Step <= c:
			first := sd.Start / c
			last := sd.Index(sd.Count()-1) / c
			gd = gridDim{kind: gridRange, lo: first, n: last - first + 1}
		default:
			gd = gridDim{kind: gridArith, start: sd.Start, step: sd.Step, size: c, n: sd.Count()}
		}
		g.dims[d] = gd
		if g.count > 0 && gd.n > 0 && g.count <= math.MaxInt64/int64(gd.n) {
			g.count *= int64(gd.n)
		} else {
			g.count = 0 // empty (an overflow is impossible: chunks <= elements)
		}
	}
	return g
}

// checkChunkDims validates chunk dims against the selection's rank.
func (s *Selection) checkChunkDims(chunkDims []int) ([]int, error) {
	if s.scalar && len(chunkDims) == 0 {
		return []int{1}, nil
	}
	if len(chunkDims) != len(s.sel) {
		return nil, fmt.Errorf("chunk dims %v: rank %d does not match selection rank %d", chunkDims, len(chunkDims), len(s.sel))
	}
	for _, c := range chunkDims {
		if c <= 0 {
			return nil, fmt.Errorf("chunk dims %v: must be positive", chunkDims)
		}
	}
	return append([]int(nil), chunkDims...), nil
}

// Err reports invalid chunk dims given to Selection.Grid.
func (g *Grid) Err() error { return g.err }

// Count returns the number of touched chunks.
func (g *Grid) Count() int64 { return g.count }

// Rank returns the number of dimensions of the grid.
func (g *Grid) Rank() int { return len(g.dims) }

// ChunkDims returns the chunk dims the grid was built with.
func (g *Grid) ChunkDims() []int { return append([]int(nil), g.chunkDims...) }

// Dims returns the number of touched chunks per dimension.
func (g *Grid) Dims() []int {
	out := make([]int, len(g.dims))
	for i := range g.dims {
		out[i] = g.dims[i].n
	}
	return out
}

// Along returns the touched chunk indices along dimension d (allocates
// Dims()[d] ints).
func (g *Grid) Along(d int) []int {
	out := make([]int, g.dims[d].n)
	for p := range out {
		out[p] = g.dims[d].at(p)
	}
	return out
}

// ChunkIndex returns the chunk index of the linear-th touched chunk in
// row-major order, written into dst when it has room. It returns nil when
// linear is out of [0, Count()).
func (g *Grid) ChunkIndex(linear int64, dst []int) []int {
	if linear < 0 || linear >= g.count {
		return nil
	}
	rank := len(g.dims)
	if cap(dst) >= rank {
		dst = dst[:rank]
	} else {
		dst = make([]int, rank)
	}
	for d := rank - 1; d >= 0; d-- {
		n := int64(g.dims[d].n)
		dst[d] = g.dims[d].at(int(linear % n))
		linear /= n
	}
	return dst
}

// Linear returns the row-major position of a chunk index in the grid, and
// false when the chunk is not touched.
func (g *Grid) Linear(index []int) (int64, bool) {
	if len(index) != len(g.dims) || g.count == 0 {
		return 0, false
	}
	var lin int64
	for d := range g.dims {
		p, ok := g.dims[d].pos(index[d])
		if !ok {
			return 0, false
		}
		lin = lin*int64(g.dims[d].n) + int64(p)
	}
	return lin, true
}

// Chunks yields (linear position, chunk index) for positions [from, to) in
// row-major order; to is clamped to Count(). The yielded slice is reused
// between iterations.
func (g *Grid) Chunks(from, to int64) iter.Seq2[int64, []int] {
	return func(yield func(int64, []int) bool) {
		if from < 0 {
			from = 0
		}
		if to > g.count {
			to = g.count
		}
		if from >= to {
			return
		}
		rank := len(g.dims)
		pos := make([]int, rank)
		idx := make([]int, rank)
		rem := from
		for d := rank - 1; d >= 0; d-- {
			n := int64(g.dims[d].n)
			pos[d] = int(rem % n)
			rem /= n
		}
		for d := range g.dims {
			idx[d] = g.dims[d].at(pos[d])
		}
		for lin := from; lin < to; lin++ {
			if !yield(lin, idx) {
				return
			}
			for d := rank - 1; d >= 0; d-- {
				pos[d]++
				if pos[d] < g.dims[d].n {
					idx[d] = g.dims[d].at(pos[d])
					break
				}
				pos[d] = 0
				idx[d] = g.dims[d].at(0)
			}
		}
	}
}
