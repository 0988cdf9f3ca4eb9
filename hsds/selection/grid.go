package selection

import (
	"fmt"
	"iter"
	"math"
	"sort"
)

type gridKind uint8

const (
	gridRange  gridKind = iota // chunks lo, lo+1, ..., lo+n-1
	gridArith                  // chunk of the k-th element: (start + k*step) / c
	gridPoints                 // distinct chunks of the coordinate-list points
)

// gridDim lists the chunk indices touched along one grid axis, lazily. A
// grid axis is one dataset dimension, or all coordinate-list dimensions
// together (gridPoints), whose chunk indices are the distinct tuples of the
// points' chunks.
type gridDim struct {
	kind              gridKind
	n                 int
	dim               int // dataset dim (the first list dim for gridPoints)
	lo                int // gridRange
	start, step, size int // gridArith
	pts               *pointIndex
	lists             []int // gridPoints: the list dims
}

func (g *gridDim) at(p int) int {
	switch g.kind {
	case gridRange:
		return g.lo + p
	case gridArith:
		return (g.start + p*g.step) / g.size
	}
	return g.pts.key(p)[0]
}

// set writes the chunk indices of position p into dst (dataset rank).
func (g *gridDim) set(dst []int, p int) {
	if g.kind != gridPoints {
		dst[g.dim] = g.at(p)
		return
	}
	for j, d := range g.lists {
		dst[d] = g.pts.key(p)[j]
	}
}

// pos returns the position of the chunk index (dataset rank) along the axis.
func (g *gridDim) pos(index []int) (int, bool) {
	ci := index[g.dim]
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
	key := make([]int, len(g.lists))
	for j, d := range g.lists {
		key[j] = index[d]
	}
	return g.pts.find(key)
}

// Grid is the set of chunks a selection touches, enumerated lazily in
// row-major order over its grid axes (last axis fastest). Each dataset
// dimension is a grid axis, except that all coordinate-list dimensions
// together form one axis, at the position of the first list dimension,
// whose positions are the distinct chunks holding the lists' points (sorted
// by chunk index). Without paired lists the order is row-major over chunk
// indices. Nothing proportional to the number of chunks is allocated for
// slices.
type Grid struct {
	dims      []gridDim
	rank      int
	chunkDims []int
	count     int64
	err       error
}

// Grid returns the chunks touched by the selection for the given chunk
// dims. Along a dimension, a step no larger than the chunk touches every
// chunk between the first and last element; a larger step touches one
// chunk per element; coordinate lists touch only the chunks of their
// points. Scalar selections accept nil or [1] chunk dims. Invalid chunk
// dims give an empty grid whose Err reports the problem.
func (s *Selection) Grid(chunkDims []int) *Grid {
	cd, err := s.checkChunkDims(chunkDims)
	if err != nil {
		return &Grid{err: err}
	}
	g := &Grid{dims: make([]gridDim, 0, len(s.sel)), rank: len(s.sel), chunkDims: cd, count: 1}
	if s.count == 0 {
		g.count = 0
	}
	for d, sd := range s.sel {
		c := cd[d]
		var gd gridDim
		switch {
		case sd.Coords != nil:
			if d != s.lists[0] {
				continue // part of the points axis
			}
			p := s.pointsByChunk(cd)
			gd = gridDim{kind: gridPoints, n: p.chunks(), dim: d, pts: p, lists: s.lists}
		case sd.Count() == 0:
			gd = gridDim{kind: gridRange, dim: d}
		case sd.Step <= c:
			first := sd.Start / c
			last := sd.Index(sd.Count()-1) / c
			gd = gridDim{kind: gridRange, dim: d, lo: first, n: last - first + 1}
		default:
			gd = gridDim{kind: gridArith, dim: d, start: sd.Start, step: sd.Step, size: c, n: sd.Count()}
		}
		g.dims = append(g.dims, gd)
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

// Rank returns the number of grid axes: the dataset rank, less one per
// coordinate list beyond the first.
func (g *Grid) Rank() int { return len(g.dims) }

// ChunkDims returns the chunk dims the grid was built with.
func (g *Grid) ChunkDims() []int { return append([]int(nil), g.chunkDims...) }

// Dims returns the number of touched chunks per grid axis (see Grid); their
// product is Count.
func (g *Grid) Dims() []int {
	out := make([]int, len(g.dims))
	for i := range g.dims {
		out[i] = g.dims[i].n
	}
	return out
}

// Along returns the distinct touched chunk indices along dataset dimension
// d, ascending (allocates).
func (g *Grid) Along(d int) []int {
	for i := range g.dims {
		gd := &g.dims[i]
		if gd.kind != gridPoints {
			if gd.dim != d {
				continue
			}
			out := make([]int, gd.n)
			for p := range out {
				out[p] = gd.at(p)
			}
			return out
		}
		for j, ld := range gd.lists {
			if ld != d {
				continue
			}
			seen := map[int]bool{}
			var out []int
			for p := 0; p < gd.n; p++ {
				if v := gd.pts.key(p)[j]; !seen[v] {
					seen[v] = true
					out = append(out, v)
				}
			}
			sort.Ints(out)
			return out
		}
	}
	return nil
}

// ChunkIndex returns the chunk index of the linear-th touched chunk in grid
// order, written into dst when it has room. It returns nil when linear is
// out of [0, Count()).
func (g *Grid) ChunkIndex(linear int64, dst []int) []int {
	if linear < 0 || linear >= g.count {
		return nil
	}
	if cap(dst) >= g.rank {
		dst = dst[:g.rank]
	} else {
		dst = make([]int, g.rank)
	}
	for a := len(g.dims) - 1; a >= 0; a-- {
		n := int64(g.dims[a].n)
		g.dims[a].set(dst, int(linear%n))
		linear /= n
	}
	return dst
}

// Linear returns the position of a chunk index in grid order, and false
// when the chunk is not touched.
func (g *Grid) Linear(index []int) (int64, bool) {
	if len(index) != g.rank || g.count == 0 {
		return 0, false
	}
	var lin int64
	for a := range g.dims {
		p, ok := g.dims[a].pos(index)
		if !ok {
			return 0, false
		}
		lin = lin*int64(g.dims[a].n) + int64(p)
	}
	return lin, true
}

// Chunks yields (linear position, chunk index) for positions [from, to) in
// grid order; to is clamped to Count(). The yielded slice is reused
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
		na := len(g.dims)
		pos := make([]int, na)
		idx := make([]int, g.rank)
		rem := from
		for a := na - 1; a >= 0; a-- {
			n := int64(g.dims[a].n)
			pos[a] = int(rem % n)
			rem /= n
		}
		for a := range g.dims {
			g.dims[a].set(idx, pos[a])
		}
		for lin := from; lin < to; lin++ {
			if !yield(lin, idx) {
				return
			}
			for a := na - 1; a >= 0; a-- {
				gd := &g.dims[a]
				pos[a]++
				if pos[a] == gd.n {
					pos[a] = 0
				}
				if gd.kind == gridRange {
					idx[gd.dim] = gd.lo + pos[a]
				} else {
					gd.set(idx, pos[a])
				}
				if pos[a] != 0 {
					break
				}
			}
		}
	}
}
