package selection

import (
	"fmt"
	"iter"
	"sort"
)

// Pair maps one selected index of a coordinate-list dimension: its offset
// inside the chunk and its position along the point axis of the output.
type Pair struct{ Chunk, Out int }

// DimBlock is the part of one chunk selected along one dataset dimension.
// For a slice, the selected chunk-relative indices are ChunkStart + i*Step
// for i in [0, Count), landing at output positions OutStart + i along the
// dimension's output axis. For a coordinate list, Points gives each (chunk
// offset, point-axis position).
type DimBlock struct {
	ChunkStart int
	OutStart   int
	Count      int
	Step       int
	Points     []Pair
}

// Block is the part of the selection that lies in one chunk.
//
// Dims has one entry per dataset dimension. When Paired is set (two or
// more coordinate lists), the list dimensions it names are zipped, not
// crossed: their Points have the same length and the i-th Pair of each
// belongs to the same point (same Out), so the block holds Count points of
// them, not the product. Use Count, Runs or Axes rather than multiplying
// Dims.
type Block struct {
	Dims []DimBlock
	// Paired lists the zipped coordinate-list dimensions (nil for none or
	// one list).
	Paired    []int
	chunkDims []int
	outShape  []int
	outAxis   []int
}

// Count returns the number of selected elements in the chunk.
func (b *Block) Count() int64 {
	n := int64(1)
	for d, db := range b.Dims {
		if len(b.Paired) > 0 && db.Points != nil && d != b.Paired[0] {
			continue // counted once, with the first paired dim
		}
		n *= int64(db.Count)
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
	b := Block{Dims: make([]DimBlock, rank), chunkDims: cd, outShape: s.outShape(), outAxis: s.outAxis}
	for d := 0; d < rank; d++ {
		lo := chunkIndex[d] * cd[d] // < extent: no overflow
		hi := lo + cd[d]
		sd := s.sel[d]
		if sd.Coords != nil {
			if d != s.lists[0] {
				continue // filled with the first list dim
			}
			if !s.listsIn(&b, chunkIndex, cd) {
				return Block{}, false, nil
			}
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

// listsIn fills the list dims of b with the points inside the chunk and
// reports whether there are any.
func (s *Selection) listsIn(b *Block, chunkIndex, cd []int) bool {
	if len(s.lists) == 1 && s.sorted[s.lists[0]] {
		d := s.lists[0]
		lo := chunkIndex[d] * cd[d]
		coords := s.sel[d].Coords
		var out []Pair
		i := sort.SearchInts(coords, lo)
		for ; i < len(coords) && coords[i] < lo+cd[d]; i++ {
			out = append(out, Pair{Chunk: coords[i] - lo, Out: i})
		}
		b.Dims[d] = DimBlock{Count: len(out), Points: out}
		return len(out) > 0
	}
	p := s.pointsByChunk(cd)
	key := make([]int, len(s.lists))
	for j, d := range s.lists {
		key[j] = chunkIndex[d]
	}
	u, ok := p.find(key)
	if !ok {
		return false
	}
	pts := p.points(u)
	for _, d := range s.lists {
		lo := chunkIndex[d] * cd[d]
		coords := s.sel[d].Coords
		out := make([]Pair, len(pts))
		for k, i := range pts {
			out[k] = Pair{Chunk: coords[i] - lo, Out: i}
		}
		b.Dims[d] = DimBlock{Count: len(out), Points: out}
	}
	if len(s.lists) > 1 {
		b.Paired = s.lists
	}
	return true
}

// AxisBlock is the part of a Block along one output axis.
type AxisBlock struct {
	// Dims are the dataset dimensions of the axis: one, or the paired
	// coordinate-list dimensions of the point axis.
	Dims []int
	// Count is the number of selected positions along the axis.
	Count int
	// For a slice axis (Out nil): position i is chunk index ChunkStart +
	// i*Step along Dims[0] and output position OutStart + i.
	ChunkStart, Step, OutStart int
	// For a list axis: position i is output position Out[i] and chunk
	// index Chunk[i*len(Dims)+j] along Dims[j].
	Out   []int
	Chunk []int
}

// Axes returns the block per output axis, in output order.
func (b *Block) Axes() []AxisBlock {
	out := make([]AxisBlock, len(b.outShape))
	for d, db := range b.Dims {
		a := &out[b.outAxis[d]]
		a.Dims = append(a.Dims, d)
		if db.Points == nil {
			a.Count, a.ChunkStart, a.Step, a.OutStart = db.Count, db.ChunkStart, db.Step, db.OutStart
			continue
		}
		if a.Out == nil {
			a.Count = db.Count
			a.Out = make([]int, db.Count)
			for i, p := range db.Points {
				a.Out[i] = p.Out
			}
		}
	}
	for k := range out {
		a := &out[k]
		if a.Out == nil {
			continue
		}
		nd := len(a.Dims)
		a.Chunk = make([]int, a.Count*nd)
		for j, d := range a.Dims {
			for i, p := range b.Dims[d].Points {
				a.Chunk[i*nd+j] = p.Chunk
			}
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
		db.Count == b.chunkDims[d] && db.Count == b.outShape[b.outAxis[d]]
}

// unit is one index of the odometer over the outer dimensions of a block:
// a slice dimension, a single coordinate list, or the paired lists.
type unit struct {
	n              int
	c0, cs, o0, os int64   // slice: chunk c0 + i*cs, output o0 + i*os
	coff, ooff     []int64 // lists: per position
}

func (u *unit) at(i int) (int64, int64) {
	if u.coff != nil {
		return u.coff[i], u.ooff[i]
	}
	return u.c0 + int64(i)*u.cs, u.o0 + int64(i)*u.os
}

func (b *Block) runs(yield func(Run) bool) {
	rank := len(b.Dims)
	if rank == 0 {
		return
	}
	cs, oas := strides(b.chunkDims), strides(b.outShape)
	os := func(d int) int64 { return oas[b.outAxis[d]] }

	// Trailing full dims are slices after every list dim: they are the
	// trailing output axes, in order, so they merge into one run.
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
		out0 = int64(dk.OutStart) * os(k)
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
			run.OutStride = os(r)
			base0 = int64(dr.ChunkStart) * cs[r]
			out0 = int64(dr.OutStart) * os(r)
			runDim = r
		}
		nOuter = rank
	}

	// Odometer over the outer dims; the paired lists are one unit, at the
	// position of the first (every list dim is outer).
	var unitBuf [6]unit
	units := unitBuf[:0]
	for d := 0; d < nOuter; d++ {
		if d == runDim {
			continue
		}
		db := &b.Dims[d]
		switch {
		case db.Points == nil:
			units = append(units, unit{n: db.Count, c0: int64(db.ChunkStart) * cs[d], cs: int64(db.Step) * cs[d],
				o0: int64(db.OutStart) * os(d), os: os(d)})
		case len(b.Paired) > 0 && d != b.Paired[0]:
			// zipped into the first paired dim's unit
		default:
			u := unit{n: db.Count, coff: make([]int64, db.Count), ooff: make([]int64, db.Count)}
			for i, p := range db.Points {
				u.ooff[i] = int64(p.Out) * os(d)
			}
			dims := []int{d}
			if len(b.Paired) > 0 {
				dims = b.Paired
			}
			for _, pd := range dims {
				for i, p := range b.Dims[pd].Points {
					u.coff[i] += int64(p.Chunk) * cs[pd]
				}
			}
			units = append(units, u)
		}
	}
	var idxBuf [8]int
	idx := idxBuf[:0]
	if len(units) <= len(idxBuf) {
		idx = idxBuf[:len(units)]
	} else {
		idx = make([]int, len(units))
	}
	for {
		co, oo := base0, out0
		for j := range units {
			c, o := units[j].at(idx[j])
			co += c
			oo += o
		}
		run.ChunkOffset, run.OutOffset = co, oo
		if !yield(run) {
			return
		}
		j := len(units) - 1
		for ; j >= 0; j-- {
			idx[j]++
			if idx[j] < units[j].n {
				break
			}
			idx[j] = 0
		}
		if j < 0 {
			return
		}
	}
}
