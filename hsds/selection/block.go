package selection

import (
	"fmt"
	"iter"
	"sort"
)

// Pair maps one selected index of a coordinate-list dimension: its offset
// inside the chunk and its position in the selection output.
type Pair struct{ Chunk, Out int }

// DimBlock is the part of one chunk selected along one dimension. For a
// slice, the selected chunk-relative indices are ChunkStart + i*Step for
// i in [0, Count), landing at output positions OutStart + i. For a
// coordinate list, Points gives each (chunk offset, output position).
type DimBlock struct {
	ChunkStart int
	OutStart   int
	Count      int
	Step       int
	Points     []Pair
}

// Block is the part of the selection that lies in one chunk.
type Block struct {
	Dims      []DimBlock
	chunkDims []int
	outShape  []int
}

// Count returns the number of selected elements in the chunk.
func (b *Block) Count() int64 {
	n := int64(1)
	for _, d := range b.Dims {
		n *= int64(d.Count)
	}
	return n
}

// Block returns the part of the selection inside the chunk with the given
// chunk index, and false when the chunk holds no selected element or the
// arguments do not fit the selection.
func (s *Selection) Block(chunkIndex []int, chunkDims []int) (Block, bool) {
	b, ok, err := s.block(chunkIndex, chunkDims)
	return b, ok && err == nil
}

func (s *Selection) block(chunkIndex []int, chunkDims []int) (Block, bool, error) {
	cd, err := s.checkChunkDims(chunkDims)
	if err != nil {
		return Block{}, false, err
	}
	if s.scalar && len(chunkIndex) == 0 {
		chunkIndex = []int{0}
	}
	rank := len(s.sel)
	if len(chunkIndex) != rank {
		return Block{}, false, fmt.Errorf("chunk index %v: rank %d does not match selection rank %d", chunkIndex, len(chunkIndex), rank)
	}
	for d, j := range chunkIndex {
		if j < 0 || s.dims[d] == 0 || j > (s.dims[d]-1)/cd[d] {
			return Block{}, false, fmt.Errorf("chunk index %v out of range for extents %v and chunk dims %v", chunkIndex, s.dims, cd)
		}
	}
	b := Block{Dims: make([]DimBlock, rank), chunkDims: cd, outShape: s.outShape()}
	for d := 0; d < rank; d++ {
		lo := chunkIndex[d] * cd[d] // < extent: no overflow
		hi := lo + cd[d]
		sd := s.sel[d]
		if sd.Coords != nil {
			pairs := s.coordsIn(d, lo, hi)
			if len(pairs) == 0 {
				return Block{}, false, nil
			}
			b.Dims[d] = DimBlock{Count: len(pairs), Points: pairs}
			continue
		}
		n := sd.Count()
		if n == 0 || hi <= sd.Start {
			return Block{}, false, nil
		}
		kLo := 0
		if lo > sd.Start {
			kLo = (lo - sd.Start + sd.Step - 1) / sd.Step
		}
		kHi := (hi - 1 - sd.Start) / sd.Step
		if kHi > n-1 {
			kHi = n - 1
		}
		if kLo > kHi {
			return Block{}, false, nil
		}
		b.Dims[d] = DimBlock{
			ChunkStart: sd.Start + kLo*sd.Step - lo,
			OutStart:   kLo,
			Count:      kHi - kLo + 1,
			Step:       sd.Step,
		}
	}
	return b, true, nil
}

// coordsIn returns the coordinates of dim d inside [lo, hi).
func (s *Selection) coordsIn(d, lo, hi int) []Pair {
	coords := s.sel[d].Coords
	var out []Pair
	if s.sorted[d] {
		i := sort.SearchInts(coords, lo)
		for ; i < len(coords) && coords[i] < hi; i++ {
			out = append(out, Pair{Chunk: coords[i] - lo, Out: i})
		}
		return out
	}
	for i, v := range coords {
		if v >= lo && v < hi {
			out = append(out, Pair{Chunk: v - lo, Out: i})
		}
	}
	return out
}

// Run is a run of Count selected elements of one chunk: element i lives at
// ChunkOffset + i*ChunkStride in the chunk and lands at OutOffset +
// i*OutStride in the selection output (offsets in elements, C order).
// Runs with both strides 1 are contiguous in both buffers.
type Run struct {
	ChunkOffset, OutOffset int64
	Count                  int
	ChunkStride, OutStride int64
}

// Runs yields the runs covering the block, innermost dimension fastest.
// Trailing dimensions that the block covers fully in both the chunk and the
// output are merged into one contiguous run; otherwise the innermost slice
// dimension with more than one element becomes a strided run (so a
// "[:, x, y]" column is one run).
func (b *Block) Runs() iter.Seq[Run] {
	return func(yield func(Run) bool) { b.runs(yield) }
}

// Runs yields the runs of the selection inside one chunk (nothing when the
// chunk is not touched or the arguments do not fit).
func (s *Selection) Runs(chunkIndex, chunkDims []int) iter.Seq[Run] {
	b, ok := s.Block(chunkIndex, chunkDims)
	if !ok {
		return func(func(Run) bool) {}
	}
	return b.Runs()
}

func strides(shape []int) []int64 {
	st := make([]int64, len(shape))
	n := int64(1)
	for d := len(shape) - 1; d >= 0; d-- {
		st[d] = n
		n *= int64(shape[d])
	}
	return st
}

func (b *Block) full(d int) bool {
	db := b.Dims[d]
	return db.Points == nil && db.Step == 1 && db.ChunkStart == 0 && db.OutStart == 0 &&
		db.Count == b.chunkDims[d] && db.Count == b.outShape[d]
}

// pos returns the chunk and output index of the i-th selected element of
// dimension d.
func (db *DimBlock) pos(i int) (int, int) {
	if db.Points != nil {
		p := db.Points[i]
		return p.Chunk, p.Out
	}
	return db.ChunkStart + i*db.Step, db.OutStart + i
}

func (b *Block) runs(yield func(Run) bool) {
	rank := len(b.Dims)
	if rank == 0 {
		return
	}
	cs, os := strides(b.chunkDims), strides(b.outShape)

	k := rank - 1
	m := int64(1)
	for k >= 0 && b.full(k) {
		m *= int64(b.Dims[k].Count)
		k--
	}
	if k < 0 {
		yield(Run{Count: int(m), ChunkStride: 1, OutStride: 1})
		return
	}
	run := Run{ChunkStride: 1, OutStride: 1}
	var base0, out0 int64
	runDim := -1 // dimension consumed by the run itself
	nOuter := 0  // outer dims are 0..nOuter-1, except runDim
	dk := &b.Dims[k]
	switch {
	case dk.Points == nil && dk.Step == 1 && int64(dk.Count)*m > 1:
		run.Count = int(int64(dk.Count) * m)
		base0 = int64(dk.ChunkStart) * cs[k]
		out0 = int64(dk.OutStart) * os[k]
		nOuter = k
	case m > 1:
		run.Count = int(m)
		nOuter = k + 1
	default:
		// m == 1 and k == rank-1: stride along the innermost slice dim
		// with more than one element.
		r := -1
		for d := rank - 1; d >= 0; d-- {
			if b.Dims[d].Points == nil && b.Dims[d].Count > 1 {
				r = d
				break
			}
		}
		run.Count = 1
		if r >= 0 {
			dr := &b.Dims[r]
			run.Count = dr.Count
			run.ChunkStride = int64(dr.Step) * cs[r]
			run.OutStride = os[r]
			base0 = int64(dr.ChunkStart) * cs[r]
			out0 = int64(dr.OutStart) * os[r]
			runDim = r
		}
		nOuter = rank
	}

	// Odometer over the outer dims.
	var outer []int
	for d := 0; d < nOuter; d++ {
		if d != runDim {
			outer = append(outer, d)
		}
	}
	idx := make([]int, len(outer))
	for {
		co, oo := base0, out0
		for j, d := range outer {
			c, o := b.Dims[d].pos(idx[j])
			co += int64(c) * cs[d]
			oo += int64(o) * os[d]
		}
		run.ChunkOffset, run.OutOffset = co, oo
		if !yield(run) {
			return
		}
		j := len(outer) - 1
		for ; j >= 0; j-- {
			idx[j]++
			if idx[j] < b.Dims[outer[j]].Count {
				break
			}
			idx[j] = 0
		}
		if j < 0 {
			return
		}
	}
}
