package worker

import (
	"encoding/binary"
	"fmt"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/ops"
)

// decodeValues CF-decodes n elements of raw (element type t) into dst[:n] as float64, NaN for
// fill, missing and out-of-range values. Little-endian numeric types take the zero-copy path.
func decodeValues(dst []float64, raw []byte, t *h5type.Type, cf *ops.CF) error {
	le := t.Order() == binary.LittleEndian || t.Size() == 1
	if le && t.IsNumeric() {
		switch {
		case t.IsFloat() && t.Size() == 4:
			return ops.DecodeFloat32(dst, h5type.Float32s(raw), cf)
		case t.IsFloat() && t.Size() == 8:
			return ops.DecodeFloat64(dst, h5type.Float64s(raw), cf)
		case !t.IsFloat() && t.IsSigned():
			switch t.Size() {
			case 1:
				return ops.DecodeInt8(dst, h5type.Int8s(raw), cf)
			case 2:
				return ops.DecodeInt16(dst, h5type.Int16s(raw), cf)
			case 4:
				return ops.DecodeInt32(dst, h5type.Int32s(raw), cf)
			case 8:
				return ops.DecodeInt64(dst, h5type.Int64s(raw), cf)
			}
		case !t.IsFloat():
			switch t.Size() {
			case 1:
				return ops.DecodeUint8(dst, raw, cf)
			case 2:
				return ops.DecodeUint16(dst, h5type.Uint16s(raw), cf)
			case 4:
				return ops.DecodeUint32(dst, h5type.Uint32s(raw), cf)
			case 8:
				return ops.DecodeUint64(dst, h5type.Uint64s(raw), cf)
			}
		}
	}
	// Big-endian, float16 and enum/bool: convert first, then apply CF to the float64 values.
	if err := h5type.ToFloat64(dst, raw, t); err != nil {
		return err
	}
	return ops.DecodeFloat64(dst, dst, cf)
}

// subBlock is a dense part of a chunk's block: its origin in selection coordinates and shape.
type subBlock struct {
	origin, shape []int
	dims          []selection.DimBlock // per dim, the chunk positions (as slices or points)
}

// denseBlocks splits a chunk's block into parts that are dense in selection coordinates: slice
// dimensions are dense already; a coordinate-list dimension whose output positions are not
// consecutive is split into one part per point.
func denseBlocks(b selection.Block) []subBlock {
	parts := []subBlock{{}}
	for _, d := range b.Dims {
		var opts []selection.DimBlock
		switch {
		case d.Points == nil:
			opts = []selection.DimBlock{d}
		case consecutive(d.Points):
			opts = []selection.DimBlock{{OutStart: d.Points[0].Out, Count: len(d.Points), Points: d.Points}}
		default:
			for _, p := range d.Points {
				opts = append(opts, selection.DimBlock{OutStart: p.Out, Count: 1, Points: []selection.Pair{p}})
			}
		}
		next := make([]subBlock, 0, len(parts)*len(opts))
		for _, p := range parts {
			for _, o := range opts {
				next = append(next, subBlock{
					origin: append(append([]int(nil), p.origin...), o.OutStart),
					shape:  append(append([]int(nil), p.shape...), o.Count),
					dims:   append(append([]selection.DimBlock(nil), p.dims...), o),
				})
			}
		}
		parts = next
	}
	return parts
}

func consecutive(ps []selection.Pair) bool {
	for i := 1; i < len(ps); i++ {
		if ps[i].Out != ps[i-1].Out+1 {
			return false
		}
	}
	return len(ps) > 0
}

// gather copies the elements of sb out of chunk (C order, chunkDims) into dst in C order of
// sb.shape and returns the bytes written.
func gather(dst, chunk []byte, sb subBlock, chunkDims []int, itemsize int) []byte {
	rank := len(chunkDims)
	strides := make([]int, rank)
	s := itemsize
	for d := rank - 1; d >= 0; d-- {
		strides[d] = s
		s *= chunkDims[d]
	}
	dst = dst[:0]
	var walk func(d, off int)
	walk = func(d, off int) {
		db := sb.dims[d]
		if d == rank-1 {
			if db.Points == nil && db.Step == 1 {
				start := off + db.ChunkStart*strides[d]
				dst = append(dst, chunk[start:start+db.Count*itemsize]...)
				return
			}
			for i := 0; i < db.Count; i++ {
				p := off + chunkPos(db, i)*strides[d]
				dst = append(dst, chunk[p:p+itemsize]...)
			}
			return
		}
		for i := 0; i < db.Count; i++ {
			walk(d+1, off+chunkPos(db, i)*strides[d])
		}
	}
	walk(0, 0)
	return dst
}

func chunkPos(db selection.DimBlock, i int) int {
	if db.Points != nil {
		return db.Points[i].Chunk
	}
	return db.ChunkStart + i*db.Step
}

// coversChunk reports whether sb is the whole chunk in order (no copy needed).
func coversChunk(sb subBlock, chunkDims []int) bool {
	for d, db := range sb.dims {
		if db.Points != nil || db.ChunkStart != 0 || db.Count != chunkDims[d] || db.Count > 1 && db.Step != 1 {
			return false
		}
	}
	return true
}

func checkRank(sel *selection.Selection, reduce []bool) error {
	if len(reduce) != len(sel.Shape()) {
		return fmt.Errorf("reduce has %d axes, selection has rank %d", len(reduce), len(sel.Shape()))
	}
	return nil
}
