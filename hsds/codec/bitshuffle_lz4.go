package codec

import (
	"encoding/binary"
	"fmt"

	"github.com/pierrec/lz4/v4"
)

// HSDS's bitshuffle filter (Shuffle 2) stores the output of the bitshuffle
// library's compress_lz4 behind a 12-byte header:
//
//	uint64 BE  total uncompressed bytes
//	uint32 BE  block size in bytes (block elements * itemsize)
//
// followed by one record per block of blockElems elements (the last full
// multiple of 8 elements forms a shorter block): uint32 BE compressed size
// and an LZ4 block holding the bit-shuffled elements. The final
// (elements % 8) elements are appended raw.

const (
	bitshuffleHeaderSize = 12
	// bitshuffleDefaultBlock is HSDS's bit_shuffle_default_blocksize, in
	// elements.
	bitshuffleDefaultBlock = 2048
)

// bitshuffleBlockElems returns the default block size of the bitshuffle
// library (bshuf_default_block_size) for an element size.
func bitshuffleBlockElems(itemsize int) int {
	n := (8192 / itemsize) / 8 * 8
	return max(n, 128)
}

// decodeBitshuffleLZ4 decodes an HSDS bitshuffle+lz4 buffer of want bytes
// with the given item size.
func decodeBitshuffleLZ4(dst, src []byte, itemsize, want int) ([]byte, error) {
	if len(src) < bitshuffleHeaderSize {
		return nil, fmt.Errorf("bitshuffle: %d bytes is shorter than the 12-byte header", len(src))
	}
	total := binary.BigEndian.Uint64(src)
	blockBytes := int(binary.BigEndian.Uint32(src[8:]))
	if total != uint64(want) {
		return nil, fmt.Errorf("bitshuffle header reports %d bytes, want %d", total, want)
	}
	if itemsize <= 0 || want%itemsize != 0 {
		return nil, fmt.Errorf("bitshuffle: %d bytes is not a whole number of %d-byte items", want, itemsize)
	}
	blockElems := blockBytes / itemsize
	if blockElems == 0 {
		blockElems = bitshuffleBlockElems(itemsize)
	}
	if blockElems%8 != 0 || blockElems*itemsize != blockBytes && blockBytes != 0 {
		return nil, fmt.Errorf("bitshuffle block of %d bytes is not a multiple of 8 %d-byte items", blockBytes, itemsize)
	}
	out := sized(dst, want)
	n := want / itemsize
	tmp := getScratch(2 * min(blockElems, n) * itemsize)
	defer putScratch(tmp)
	pos := bitshuffleHeaderSize
	for start := 0; start+8 <= n; {
		elems := min(blockElems, n-start)
		elems -= elems % 8
		nb := elems * itemsize
		if pos+4 > len(src) {
			return nil, fmt.Errorf("bitshuffle block at element %d: truncated", start)
		}
		csize := int(binary.BigEndian.Uint32(src[pos:]))
		pos += 4
		if csize > len(src)-pos {
			return nil, fmt.Errorf("bitshuffle block at element %d: size %d exceeds the input", start, csize)
		}
		shuffled := (*tmp)[:nb]
		got, err := lz4.UncompressBlock(src[pos:pos+csize], shuffled)
		if err != nil {
			return nil, fmt.Errorf("bitshuffle block at element %d: lz4: %w", start, err)
		}
		if got != nb {
			return nil, fmt.Errorf("bitshuffle block at element %d decodes to %d bytes, want %d", start, got, nb)
		}
		pos += csize
		bitUntrans(out[start*itemsize:], shuffled, (*tmp)[nb:2*nb], elems, itemsize)
		start += elems
	}
	rest := (n % 8) * itemsize
	if len(src)-pos != rest {
		return nil, fmt.Errorf("bitshuffle: %d trailing bytes, want %d", len(src)-pos, rest)
	}
	copy(out[want-rest:], src[pos:])
	return out, nil
}

// encodeBitshuffleLZ4 writes src in HSDS's bitshuffle+lz4 layout with
// blocks of blockElems elements.
func encodeBitshuffleLZ4(src []byte, itemsize, blockElems int) ([]byte, error) {
	if itemsize <= 0 || len(src)%itemsize != 0 {
		return nil, fmt.Errorf("bitshuffle: %d bytes is not a whole number of %d-byte items", len(src), itemsize)
	}
	if blockElems <= 0 || blockElems%8 != 0 {
		return nil, fmt.Errorf("bitshuffle: block of %d elements is not a positive multiple of 8", blockElems)
	}
	n := len(src) / itemsize
	out := make([]byte, bitshuffleHeaderSize, bitshuffleHeaderSize+len(src)+len(src)/16+64)
	binary.BigEndian.PutUint64(out, uint64(len(src)))
	binary.BigEndian.PutUint32(out[8:], uint32(blockElems*itemsize))
	buf := make([]byte, 2*blockElems*itemsize)
	cbuf := make([]byte, lz4.CompressBlockBound(blockElems*itemsize))
	var c lz4.Compressor
	for start := 0; start+8 <= n; {
		elems := min(blockElems, n-start)
		elems -= elems % 8
		nb := elems * itemsize
		bitTrans(buf, src[start*itemsize:], buf[nb:2*nb], elems, itemsize)
		m, err := c.CompressBlock(buf[:nb], cbuf)
		if err != nil {
			return nil, fmt.Errorf("bitshuffle lz4: %w", err)
		}
		if m == 0 { // incompressible: lz4 literal-only block
			m = lz4LiteralBlock(cbuf, buf[:nb])
		}
		out = binary.BigEndian.AppendUint32(out, uint32(m))
		out = append(out, cbuf[:m]...)
		start += elems
	}
	out = append(out, src[n/8*8*itemsize:]...)
	return out, nil
}

// lz4LiteralBlock writes src as a single literal run in the LZ4 block
// format and returns its size; dst must hold CompressBlockBound(len(src)).
func lz4LiteralBlock(dst, src []byte) int {
	n := len(src)
	pos := 1
	if n < 15 {
		dst[0] = byte(n << 4)
	} else {
		dst[0] = 0xf0
		for r := n - 15; ; r -= 255 {
			if r < 255 {
				dst[pos] = byte(r)
				pos++
				break
			}
			dst[pos] = 255
			pos++
		}
	}
	return pos + copy(dst[pos:], src)
}
