package h5file

import (
	"bytes"
	"context"
	"fmt"
)

// fheap is a fractal heap header (spec III.G): enough to read managed and tiny objects.
type fheap struct {
	addr        uint64
	idLen       int
	filtered    bool
	checksummed bool
	maxManaged  uint32
	width       int
	startBlock  uint64
	maxDirect   uint64
	maxHeapBits int
	rootAddr    uint64
	rootRows    int
	offBytes    int // heap offset bytes in IDs and block headers
	lenBytes    int // object length bytes in IDs
}

func (f *File) openHeap(ctx context.Context, addr uint64) (*fheap, error) {
	O, L := f.SizeOffsets, f.SizeLengths
	n := 4 + 1 + 2 + 2 + 1 + 4 + L + O + L + O + 8*L + 2 + L + L + 2 + 2 + O + 2
	b, err := f.read(ctx, addr, int64(n))
	if err != nil {
		return nil, fmt.Errorf("fractal heap at %d: %w", addr, err)
	}
	c := &cursor{b: b}
	if !bytes.Equal(c.bytes(4), []byte("FRHP")) {
		return nil, fmt.Errorf("fractal heap at %d: bad signature: %w", addr, ErrFormat)
	}
	h := &fheap{addr: addr}
	c.skip(1)
	h.idLen = int(c.u16())
	h.filtered = c.u16() > 0
	flags := c.u8()
	h.checksummed = flags&2 != 0
	h.maxManaged = c.u32()
	c.skip(L + O + L + O + 8*L)
	h.width = int(c.u16())
	h.startBlock = c.uint(L)
	h.maxDirect = c.uint(L)
	h.maxHeapBits = int(c.u16())
	c.skip(2)
	h.rootAddr = c.uint(O)
	h.rootRows = int(c.u16())
	if c.err != nil {
		return nil, fmt.Errorf("fractal heap at %d: %w", addr, c.err)
	}
	if h.filtered {
		return nil, fmt.Errorf("fractal heap at %d: filtered heap: %w", addr, ErrUnsupported)
	}
	if h.width < 1 || h.width > 1<<12 || h.startBlock < 16 || h.startBlock&(h.startBlock-1) != 0 ||
		h.maxDirect < h.startBlock || h.maxDirect > 1<<30 || h.maxDirect&(h.maxDirect-1) != 0 ||
		h.maxHeapBits < 8 || h.maxHeapBits > 64 || h.rootRows > 64 {
		return nil, fmt.Errorf("fractal heap at %d: width %d, block sizes %d..%d, %d heap bits, %d rows: %w",
			addr, h.width, h.startBlock, h.maxDirect, h.maxHeapBits, h.rootRows, ErrFormat)
	}
	h.offBytes = (h.maxHeapBits + 7) / 8
	h.lenBytes = min(log2Bytes(h.maxDirect), limitEncSize(uint64(h.maxManaged)))
	return h, nil
}

// log2Bytes is H5HF_SIZEOF_OFFSET_LEN: bytes for log2(v) bits.
func log2Bytes(v uint64) int {
	b := 0
	for v > 1 {
		v >>= 1
		b++
	}
	return (b + 7) / 8
}

func (h *fheap) rowSize(r int) uint64 {
	if r < 2 {
		return h.startBlock
	}
	return h.startBlock << (r - 1)
}

// maxDirectRows is the number of rows of direct blocks in an indirect block.
func (h *fheap) maxDirectRows() int {
	return log2(h.maxDirect) - log2(h.startBlock) + 2
}

func log2(v uint64) int {
	n := 0
	for v > 1 {
		v >>= 1
		n++
	}
	return n
}

// get returns the object with heap id id.
func (f *File) heapGet(ctx context.Context, h *fheap, id []byte) ([]byte, error) {
	if len(id) < 1 {
		return nil, fmt.Errorf("empty heap id: %w", ErrFormat)
	}
	switch (id[0] >> 4) & 3 {
	case 0:
	case 2: // tiny: length-1 in the low nibble, data inline
		n := int(id[0]&0x0f) + 1
		if n > len(id)-1 {
			return nil, fmt.Errorf("tiny heap object of %d bytes in a %d-byte id: %w", n, len(id), ErrFormat)
		}
		return id[1 : 1+n], nil
	case 1:
		return nil, fmt.Errorf("huge fractal heap object: %w", ErrUnsupported)
	default:
		return nil, fmt.Errorf("heap id type %d: %w", (id[0]>>4)&3, ErrFormat)
	}
	c := &cursor{b: id, p: 1}
	off := c.uint(h.offBytes)
	n := c.uint(h.lenBytes)
	if c.err != nil {
		return nil, fmt.Errorf("heap id: %w", c.err)
	}
	if n == 0 || n > h.maxDirect {
		return nil, fmt.Errorf("heap object of %d bytes: %w", n, ErrFormat)
	}
	if h.rootRows == 0 {
		return f.directGet(ctx, h, h.rootAddr, 0, h.startBlock, off, n)
	}
	return f.indirectGet(ctx, h, h.rootAddr, 0, h.rootRows, off, n, 0)
}

func (f *File) directGet(ctx context.Context, h *fheap, addr, blockOff, size, off, n uint64) ([]byte, error) {
	if off < blockOff || off-blockOff+n > size {
		return nil, fmt.Errorf("heap object %d+%d outside direct block %d+%d: %w", off, n, blockOff, size, ErrFormat)
	}
	hdr, err := f.read(ctx, addr, 5)
	if err != nil {
		return nil, fmt.Errorf("fractal heap direct block at %d: %w", addr, err)
	}
	if !bytes.Equal(hdr[:4], []byte("FHDB")) {
		return nil, fmt.Errorf("fractal heap direct block at %d: bad signature: %w", addr, ErrFormat)
	}
	return f.read(ctx, addr+(off-blockOff), int64(n))
}

func (f *File) indirectGet(ctx context.Context, h *fheap, addr, blockOff uint64, nrows int, off, n uint64, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("fractal heap indirect blocks nested too deep: %w", ErrFormat)
	}
	if err := f.spend(1 + nrows*h.width/64); err != nil {
		return nil, err
	}
	O := f.SizeOffsets
	prefix := 4 + 1 + O + h.offBytes
	dRows := min(nrows, h.maxDirectRows())
	iRows := nrows - dRows
	nent := (dRows + iRows) * h.width
	b, err := f.read(ctx, addr, int64(prefix+nent*O))
	if err != nil {
		return nil, fmt.Errorf("fractal heap indirect block at %d: %w", addr, err)
	}
	if !bytes.Equal(b[:4], []byte("FHIB")) {
		return nil, fmt.Errorf("fractal heap indirect block at %d: bad signature: %w", addr, ErrFormat)
	}
	c := &cursor{b: b, p: prefix}
	at := blockOff
	for r := 0; r < nrows; r++ {
		rs := h.rowSize(r)
		for k := 0; k < h.width; k++ {
			child := c.uint(O)
			if c.err != nil {
				return nil, c.err
			}
			var span uint64 = rs
			if off >= at && off < at+span {
				if child == undef(O) {
					return nil, fmt.Errorf("heap offset %d in an unallocated block: %w", off, ErrFormat)
				}
				if r < dRows {
					return f.directGet(ctx, h, child, at, rs, off, n)
				}
				// A child indirect block whose blocks cover rs bytes: rows from its size.
				sub := log2(rs) - log2(h.startBlock*uint64(h.width)) + 1
				if sub < 1 || sub >= nrows {
					return nil, fmt.Errorf("fractal heap indirect row %d: %w", r, ErrFormat)
				}
				return f.indirectGet(ctx, h, child, at, sub, off, n, depth+1)
			}
			at += span
		}
	}
	return nil, fmt.Errorf("heap offset %d beyond the heap: %w", off, ErrFormat)
}
