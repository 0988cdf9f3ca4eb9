package worker

import (
	"encoding/binary"
	"fmt"

	"github.com/hsfan/hsfan/cf"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/ops"
)

// decodeValues CF-decodes n elements of raw into dst[:n] (cf.DecodeBytes).
func decodeValues(dst []float64, raw []byte, t *h5type.Type, c *ops.CF) error {
	return cf.DecodeBytes(dst, raw, t, c)
}

// addRaw folds the raw little-endian integers of a dense block into p, CF-decoding them on the
// fly (ops.AddBlockRaw: one pass, no float64 buffer, the same sums as decodeValues and
// AddBlock). It returns false, having done nothing, for types and reductions AddBlockRaw does
// not handle.
func addRaw(p *ops.Partial, origin, shape []int, raw []byte, t *h5type.Type, c *ops.CF) (bool, error) {
	if !t.IsNumeric() || t.IsFloat() || !(t.Order() == binary.LittleEndian || t.Size() == 1) {
		return false, nil
	}
	switch t.Size() {
	case 1:
		if t.IsSigned() {
			return ops.AddBlockRaw(p, origin, shape, h5type.Int8s(raw), c)
		}
		return ops.AddBlockRaw(p, origin, shape, raw, c)
	case 2:
		if t.IsSigned() {
			return ops.AddBlockRaw(p, origin, shape, h5type.Int16s(raw), c)
		}
		return ops.AddBlockRaw(p, origin, shape, h5type.Uint16s(raw), c)
	case 4:
		if t.IsSigned() {
			return ops.AddBlockRaw(p, origin, shape, h5type.Int32s(raw), c)
		}
		return ops.AddBlockRaw(p, origin, shape, h5type.Uint32s(raw), c)
	case 8:
		if t.IsSigned() {
			return ops.AddBlockRaw(p, origin, shape, h5type.Int64s(raw), c)
		}
		return ops.AddBlockRaw(p, origin, shape, h5type.Uint64s(raw), c)
	}
	return false, nil
}

// subBlock is a dense part of a chunk's block: its origin and shape in selection (output)
// coordinates, and per output axis where its elements lie in the chunk.
type subBlock struct {
	origin, shape []int
	axes          []axisPart
}

// axisPart gives the chunk element offsets of the positions along one output axis of a subBlock:
// off0 + i*stride for a slice, offs[i] for coordinate-list points (paired lists add the offsets
// of every list dimension).
type axisPart struct {
	off0, stride int64
	offs         []int64
}

func (a *axisPart) at(i int) int64 {
	if a.offs != nil {
		return a.offs[i]
	}
	return a.off0 + int64(i)*a.stride
}

// denseBlocks splits a chunk's block into parts that are dense in selection coordinates: slice
// axes are dense already; a coordinate-list axis is split into runs of consecutive output
// positions (one part per run).
func denseBlocks(b selection.Block, chunkDims []int) []subBlock {
	cs := make([]int64, len(chunkDims))
	n := int64(1)
	for d := len(chunkDims) - 1; d >= 0; d-- {
		cs[d] = n
		n *= int64(chunkDims[d])
	}
	parts := []subBlock{{}}
	for _, a := range b.Axes() {
		type opt struct {
			origin, count int
			part          axisPart
		}
		var opts []opt
		if a.Out == nil {
			d := a.Dims[0]
			opts = []opt{{a.OutStart, a.Count, axisPart{off0: int64(a.ChunkStart) * cs[d], stride: int64(a.Step) * cs[d]}}}
		} else {
			nd := len(a.Dims)
			offs := make([]int64, a.Count)
			for i := range offs {
				for j, d := range a.Dims {
					offs[i] += int64(a.Chunk[i*nd+j]) * cs[d]
				}
			}
			for lo := 0; lo < a.Count; {
				hi := lo + 1
				for hi < a.Count && a.Out[hi] == a.Out[hi-1]+1 {
					hi++
				}
				opts = append(opts, opt{a.Out[lo], hi - lo, axisPart{offs: offs[lo:hi:hi]}})
				lo = hi
			}
		}
		next := make([]subBlock, 0, len(parts)*len(opts))
		for _, p := range parts {
			for _, o := range opts {
				next = append(next, subBlock{
					origin: append(append([]int(nil), p.origin...), o.origin),
					shape:  append(append([]int(nil), p.shape...), o.count),
					axes:   append(append([]axisPart(nil), p.axes...), o.part),
				})
			}
		}
		parts = next
	}
	return parts
}

// gather copies the elements of sb out of chunk into dst in C order of sb.shape and returns the
// bytes written.
func gather(dst, chunk []byte, sb subBlock, itemsize int) []byte {
	rank := len(sb.axes)
	dst = dst[:0]
	is := int64(itemsize)
	var walk func(a int, off int64)
	walk = func(a int, off int64) {
		ax := &sb.axes[a]
		n := sb.shape[a]
		if a == rank-1 {
			if ax.offs == nil && ax.stride == 1 {
				p := (off + ax.off0) * is
				dst = append(dst, chunk[p:p+int64(n)*is]...)
				return
			}
			for i := 0; i < n; i++ {
				p := (off + ax.at(i)) * is
				dst = append(dst, chunk[p:p+is]...)
			}
			return
		}
		for i := 0; i < n; i++ {
			walk(a+1, off+ax.at(i))
		}
	}
	walk(0, 0)
	return dst
}

// coversChunk reports whether sb is the whole chunk in order (no copy needed): every axis a
// slice over its whole chunk dimension, in dataset order (no coordinate lists).
func coversChunk(sb subBlock, chunkDims []int) bool {
	if len(sb.axes) != len(chunkDims) {
		return false
	}
	stride := int64(1)
	for d := len(chunkDims) - 1; d >= 0; d-- {
		a := sb.axes[d]
		if a.offs != nil || a.off0 != 0 || sb.shape[d] != chunkDims[d] || sb.shape[d] > 1 && a.stride != stride {
			return false
		}
		stride *= int64(chunkDims[d])
	}
	return true
}

// checkRank verifies that reduce has one flag per output axis of the selection (fewer than the
// dataset's dimensions when the selection pairs coordinate lists).
func checkRank(sel *selection.Selection, reduce []bool) error {
	if len(reduce) != sel.Rank() {
		return fmt.Errorf("reduce has %d axes, the selection's output has rank %d", len(reduce), sel.Rank())
	}
	return nil
}
