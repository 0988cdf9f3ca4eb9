package selection

import (
	"fmt"
	"math"
)

// checkCopy validates the buffers of a copy and returns the block.
func checkCopy(sel *Selection, chunkLen, outLen int, chunkIndex, chunkDims []int, itemsize int) (Block, bool, error) {
	if sel == nil {
		return Block{}, false, fmt.Errorf("copy: nil selection")
	}
	if itemsize <= 0 {
		return Block{}, false, fmt.Errorf("copy: item size %d must be positive", itemsize)
	}
	b, ok, err := sel.block(chunkIndex, chunkDims)
	if err != nil {
		return Block{}, false, fmt.Errorf("copy: %w", err)
	}
	chunkElems := int64(1)
	for _, c := range b.chunkDims {
		if chunkElems > math.MaxInt64/int64(c) {
			return Block{}, false, fmt.Errorf("copy: chunk dims %v too large", b.chunkDims)
		}
		chunkElems *= int64(c)
	}
	if chunkElems > math.MaxInt64/int64(itemsize) || int64(chunkLen) < chunkElems*int64(itemsize) {
		return Block{}, false, fmt.Errorf("copy: chunk buffer has %d bytes, chunk dims %v need %d", chunkLen, b.chunkDims, chunkElems*int64(itemsize))
	}
	if sel.count > math.MaxInt64/int64(itemsize) || int64(outLen) < sel.count*int64(itemsize) {
		return Block{}, false, fmt.Errorf("copy: selection buffer has %d bytes, selection needs %d", outLen, sel.count*int64(itemsize))
	}
	return b, ok, nil
}

// CopyOut copies the selected elements of one chunk (C order, chunk dims
// chunkDims, itemsize bytes per element) into dst, the selection-shaped
// output buffer of at least sel.Count()*itemsize bytes. A chunk the
// selection does not touch copies nothing.
func CopyOut(dst []byte, sel *Selection, chunk []byte, chunkIndex, chunkDims []int, itemsize int) error {
	b, ok, err := checkCopy(sel, len(chunk), len(dst), chunkIndex, chunkDims, itemsize)
	if err != nil || !ok {
		return err
	}
	for r := range b.Runs() {
		copyRun(dst, r.OutOffset, r.OutStride, chunk, r.ChunkOffset, r.ChunkStride, r.Count, itemsize)
	}
	return nil
}

// CopyOutPlanes is CopyOut from a chunk in the HDF5 byte-shuffle layout (codec
// Pipeline.DecodePlanes): planes holds itemsize planes of n bytes each, n the chunk's
// elements, and byte b of element e is planes[b*n+e]. The elements land in dst in the
// usual (unshuffled) order, as CopyOut would place them from the unshuffled chunk.
func CopyOutPlanes(dst []byte, sel *Selection, planes []byte, chunkIndex, chunkDims []int, itemsize int) error {
	b, ok, err := checkCopy(sel, len(planes), len(dst), chunkIndex, chunkDims, itemsize)
	if err != nil || !ok {
		return err
	}
	n := int64(1)
	for _, c := range b.chunkDims {
		n *= int64(c)
	}
	is := int64(itemsize)
	for r := range b.Runs() {
		for k := range itemsize {
			plane := planes[int64(k)*n : int64(k+1)*n]
			d, s := r.OutOffset*is+int64(k), r.ChunkOffset
			for range r.Count {
				dst[d] = plane[s]
				d += r.OutStride * is
				s += r.ChunkStride
			}
		}
	}
	return nil
}

// CopyIn copies the part of src (the selection-shaped buffer) that falls
// in one chunk into the chunk buffer: the write path.
func CopyIn(chunk []byte, sel *Selection, src []byte, chunkIndex, chunkDims []int, itemsize int) error {
	b, ok, err := checkCopy(sel, len(chunk), len(src), chunkIndex, chunkDims, itemsize)
	if err != nil || !ok {
		return err
	}
	for r := range b.Runs() {
		copyRun(chunk, r.ChunkOffset, r.ChunkStride, src, r.OutOffset, r.OutStride, r.Count, itemsize)
	}
	return nil
}

// copyRun copies n elements from src (element offset so, stride ss) to dst
// (offset do, stride ds).
func copyRun(dst []byte, do, ds int64, src []byte, so, ss int64, n, itemsize int) {
	is := int64(itemsize)
	d, s := do*is, so*is
	if ds == 1 && ss == 1 {
		l := int64(n) * is
		copy(dst[d:d+l], src[s:s+l])
		return
	}
	ds *= is
	ss *= is
	switch itemsize {
	case 1:
		for i := 0; i < n; i++ {
			dst[d] = src[s]
			d += ds
			s += ss
		}
	case 2:
		for i := 0; i < n; i++ {
			*(*[2]byte)(dst[d:]) = *(*[2]byte)(src[s:])
			d += ds
			s += ss
		}
	case 4:
		for i := 0; i < n; i++ {
			*(*[4]byte)(dst[d:]) = *(*[4]byte)(src[s:])
			d += ds
			s += ss
		}
	case 8:
		for i := 0; i < n; i++ {
			*(*[8]byte)(dst[d:]) = *(*[8]byte)(src[s:])
			d += ds
			s += ss
		}
	default:
		for i := 0; i < n; i++ {
			copy(dst[d:d+is], src[s:s+is])
			d += ds
			s += ss
		}
	}
}
