package codec

import (
	"encoding/binary"
	"fmt"
	"sync"
)

// BloscDecode decodes the c-blosc 1.x frame at the start of src (cbytes
// bytes; anything after the frame is ignored) and returns the nbytes
// uncompressed bytes. maxSize bounds nbytes: a larger frame is an error and
// nothing is allocated for it.
//
// The result is written to dst's backing array when cap(dst) >= nbytes,
// otherwise to a new slice. dst must not overlap src.
//
// The decoder follows c-blosc 1.21's blosc_d: blocks may be stored in any
// order (bstarts), a block is split into typesize streams when the dont-split
// flag (0x10) is clear, typesize <= 16, blocksize/typesize >= 128 and it is
// not the final partial block; a stream whose csize equals its uncompressed
// size is stored raw. Byte shuffle (flag 0x01, typesize > 1) and bitshuffle
// (flag 0x04) are undone per block.
func BloscDecode(dst, src []byte, maxSize int) ([]byte, error) {
	return bloscDecodeBlocks(dst, src, maxSize, nil)
}

// bloscDecodeBlocks is BloscDecode decoding only the blocks for which need(start, end) reports
// true, start and end the block's byte range in the decoded data (all blocks when need is
// nil): the bytes of the other blocks are left as dst held them.
func bloscDecodeBlocks(dst, src []byte, maxSize int, need func(start, end int) bool) ([]byte, error) {
	h, err := parseBloscHeader(src, maxSize)
	if err != nil {
		return nil, err
	}
	out := sized(dst, h.nbytes)
	if h.nbytes == 0 {
		return out, nil
	}
	frame := src[:h.cbytes]
	if h.memcpyed() {
		copy(out, frame[BloscHeaderSize:])
		return out, nil
	}
	scratch := getScratch(2 * h.blocksize)
	defer putScratch(scratch)
	nblocks := h.nblocks()
	for j := 0; j < nblocks; j++ {
		start := j * h.blocksize
		bsize := min(h.blocksize, h.nbytes-start)
		if need != nil && !need(start, start+bsize) {
			continue
		}
		bstart := int(int32(binary.LittleEndian.Uint32(frame[BloscHeaderSize+4*j:])))
		if err := decodeBlock(h, frame, bstart, bsize, bsize < h.blocksize, out[start:start+bsize], *scratch); err != nil {
			return nil, fmt.Errorf("blosc block %d of %d: %w", j, nblocks, err)
		}
	}
	return out, nil
}

// decodeBlock decodes the block whose streams start at frame[offset:] into
// dest (len(dest) = bsize), using scratch (>= 2*blocksize bytes).
func decodeBlock(h bloscHeader, frame []byte, offset, bsize int, leftover bool, dest, scratch []byte) error {
	doShuffle := h.flags&flagShuffle != 0 && h.typesize > 1
	doBitShuffle := h.flags&flagBitShuffle != 0 && bsize >= h.typesize
	target := dest
	if doShuffle || doBitShuffle {
		target = scratch[:bsize]
	}
	nsplits := 1
	if !h.dontSplit() && h.typesize <= maxSplits && bsize/h.typesize >= minBufferSize && !leftover {
		nsplits = h.typesize
	}
	neblock := bsize / nsplits
	if neblock*nsplits != bsize {
		return fmt.Errorf("block size %d is not a multiple of %d streams", bsize, nsplits)
	}
	for k := 0; k < nsplits; k++ {
		if offset < 0 || offset > len(frame)-4 {
			return fmt.Errorf("stream %d offset %d is outside the %d-byte frame", k, offset, len(frame))
		}
		csize := int(int32(binary.LittleEndian.Uint32(frame[offset:])))
		offset += 4
		if csize < 0 || csize > len(frame)-offset {
			return fmt.Errorf("stream %d size %d at offset %d exceeds the %d-byte frame", k, csize, offset, len(frame))
		}
		part := target[k*neblock : (k+1)*neblock]
		stream := frame[offset : offset+csize]
		if csize == neblock {
			copy(part, stream)
		} else if err := decodeStream(h.format(), part, stream); err != nil {
			return fmt.Errorf("stream %d: %w", k, err)
		}
		offset += csize
	}
	switch {
	case doShuffle:
		Unshuffle(dest, target, h.typesize)
	case doBitShuffle:
		bloscBitUnshuffle(dest, target, scratch[bsize:2*bsize], h.typesize)
	}
	return nil
}

// scratchPool recycles block-sized temporary buffers.
var scratchPool sync.Pool

func getScratch(n int) *[]byte {
	if v := scratchPool.Get(); v != nil {
		b := v.(*[]byte)
		if cap(*b) >= n {
			*b = (*b)[:n]
			return b
		}
	}
	b := make([]byte, n)
	return &b
}

func putScratch(b *[]byte) {
	if cap(*b) <= 8<<20 {
		scratchPool.Put(b)
	}
}
