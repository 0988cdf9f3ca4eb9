package h5file

import (
	"bytes"
	"context"
	"fmt"
)

// extensibleArrayChunks reads the extensible array chunk index (spec III.H; HDF5 H5EA*.c and
// H5Dearray.c): used for chunked datasets with one unlimited dimension in files written with
// libver >= 1.10. Paged data blocks are refused.
func (f *File) extensibleArrayChunks(ctx context.Context, d *Dataset) ([]Chunk, error) {
	O, L := f.SizeOffsets, f.SizeLengths
	h, err := f.read(ctx, d.Layout.Addr, int64(12+6*L+O+4))
	if err != nil {
		return nil, err
	}
	c := &cursor{b: h}
	if !bytes.Equal(c.bytes(4), []byte("EAHD")) {
		return nil, fmt.Errorf("extensible array header: bad signature: %w", ErrFormat)
	}
	c.skip(1)
	client := c.u8()
	esize := int(c.u8())
	maxBits := int(c.u8())
	iblkElmts := int(c.u8())
	dblkMin := int(c.u8())
	sblkMinPtrs := int(c.u8())
	pageBits := int(c.u8())
	c.skip(4 * L)
	maxIdx := c.uint(L)
	c.skip(L)
	iblock := c.uint(O)
	if c.err != nil {
		return nil, c.err
	}
	filtered := len(d.Filters) > 0
	if (client == 1) != filtered || esize < O || (filtered && esize < O+5) || esize > O+12 ||
		maxBits < 1 || maxBits > 64 || dblkMin < 1 || dblkMin&(dblkMin-1) != 0 ||
		sblkMinPtrs < 2 || sblkMinPtrs&(sblkMinPtrs-1) != 0 || pageBits > 32 {
		return nil, fmt.Errorf("extensible array header: client %d, element size %d, %d bits, data block min %d, super block min %d: %w",
			client, esize, maxBits, dblkMin, sblkMinPtrs, ErrFormat)
	}
	if maxIdx > maxChunks {
		return nil, fmt.Errorf("extensible array of %d elements: %w", maxIdx, ErrFormat)
	}
	if err := f.spend(int(maxIdx) + 1); err != nil {
		return nil, err
	}
	if iblock == undef(O) || maxIdx == 0 {
		return nil, nil
	}
	// Super block table (H5EA__hdr_init).
	nsblks := 1 + maxBits - log2(uint64(dblkMin))
	if nsblks < 1 || nsblks > 64 {
		return nil, fmt.Errorf("extensible array with %d super blocks: %w", nsblks, ErrFormat)
	}
	type sinfo struct{ ndblks, dblkN, startIdx, startDblk uint64 }
	sb := make([]sinfo, nsblks)
	var idx, dblk uint64
	for u := range sb {
		sb[u] = sinfo{ndblks: 1 << (u / 2), dblkN: (1 << ((u + 1) / 2)) * uint64(dblkMin), startIdx: idx, startDblk: dblk}
		idx += sb[u].ndblks * sb[u].dblkN
		dblk += sb[u].ndblks
	}
	ibNsblks := 2 * log2(uint64(sblkMinPtrs))
	ndblkAddrs := 2 * (sblkMinPtrs - 1)
	nsblkAddrs := nsblks - ibNsblks
	if nsblkAddrs < 0 {
		return nil, fmt.Errorf("extensible array index block: %w", ErrFormat)
	}
	ib, err := f.read(ctx, iblock, int64(6+O+iblkElmts*esize+(ndblkAddrs+nsblkAddrs)*O))
	if err != nil {
		return nil, fmt.Errorf("extensible array index block: %w", err)
	}
	ic := &cursor{b: ib}
	if !bytes.Equal(ic.bytes(4), []byte("EAIB")) {
		return nil, fmt.Errorf("extensible array index block: bad signature: %w", ErrFormat)
	}
	ic.skip(2 + O)
	elems := ic.bytes(iblkElmts * esize)
	dAddrs := make([]uint64, ndblkAddrs)
	for i := range dAddrs {
		dAddrs[i] = ic.uint(O)
	}
	sAddrs := make([]uint64, nsblkAddrs)
	for i := range sAddrs {
		sAddrs[i] = ic.uint(O)
	}
	if ic.err != nil {
		return nil, ic.err
	}
	offBytes := (maxBits + 7) / 8
	blocks := map[uint64][]byte{}
	dataBlock := func(addr, n uint64) ([]byte, error) {
		if b, ok := blocks[addr]; ok {
			return b, nil
		}
		if n > uint64(1)<<pageBits {
			return nil, fmt.Errorf("paged extensible array data block: %w", ErrUnsupported)
		}
		if err := f.spend(1); err != nil {
			return nil, err
		}
		b, err := f.read(ctx, addr, int64(6+O+offBytes)+int64(n)*int64(esize))
		if err != nil {
			return nil, fmt.Errorf("extensible array data block at %d: %w", addr, err)
		}
		if !bytes.Equal(b[:4], []byte("EADB")) {
			return nil, fmt.Errorf("extensible array data block at %d: bad signature: %w", addr, ErrFormat)
		}
		b = b[6+O+offBytes:]
		blocks[addr] = b
		return b, nil
	}
	supers := map[uint64][]uint64{}
	superBlock := func(addr uint64, ndblks, dblkN uint64) ([]uint64, error) {
		if s, ok := supers[addr]; ok {
			return s, nil
		}
		if ndblks > 1<<20 {
			return nil, fmt.Errorf("extensible array super block of %d data blocks: %w", ndblks, ErrFormat)
		}
		if dblkN > uint64(1)<<pageBits {
			return nil, fmt.Errorf("paged extensible array data blocks: %w", ErrUnsupported)
		}
		if err := f.spend(1); err != nil {
			return nil, err
		}
		b, err := f.read(ctx, addr, int64(6+O+offBytes)+int64(ndblks)*int64(O))
		if err != nil {
			return nil, fmt.Errorf("extensible array super block at %d: %w", addr, err)
		}
		if !bytes.Equal(b[:4], []byte("EASB")) {
			return nil, fmt.Errorf("extensible array super block at %d: bad signature: %w", addr, ErrFormat)
		}
		sc := &cursor{b: b, p: 6 + O + offBytes}
		out := make([]uint64, ndblks)
		for i := range out {
			out[i] = sc.uint(O)
		}
		supers[addr] = out
		return out, sc.err
	}
	// element returns the entry bytes of element i, nil when its block is not allocated.
	element := func(i uint64) ([]byte, error) {
		if i < uint64(iblkElmts) {
			return elems[i*uint64(esize) : (i+1)*uint64(esize)], nil
		}
		e := i - uint64(iblkElmts)
		s := log2(e/uint64(dblkMin) + 1)
		if s >= nsblks {
			return nil, fmt.Errorf("extensible array element %d beyond %d super blocks: %w", i, nsblks, ErrFormat)
		}
		in := e - sb[s].startIdx
		k, within := in/sb[s].dblkN, in%sb[s].dblkN
		var addr uint64
		if s < ibNsblks {
			di := sb[s].startDblk + k
			if di >= uint64(len(dAddrs)) {
				return nil, fmt.Errorf("extensible array data block %d: %w", di, ErrFormat)
			}
			addr = dAddrs[di]
		} else {
			sa := sAddrs[s-ibNsblks]
			if sa == undef(O) {
				return nil, nil
			}
			ds, err := superBlock(sa, sb[s].ndblks, sb[s].dblkN)
			if err != nil {
				return nil, err
			}
			if k >= uint64(len(ds)) {
				return nil, fmt.Errorf("extensible array data block %d of a super block: %w", k, ErrFormat)
			}
			addr = ds[k]
		}
		if addr == undef(O) {
			return nil, nil
		}
		b, err := dataBlock(addr, sb[s].dblkN)
		if err != nil {
			return nil, err
		}
		return b[within*uint64(esize) : (within+1)*uint64(esize)], nil
	}
	// The index linearises the chunk grid with the unlimited dimension moved first
	// (H5Dearray.c: swizzled coordinates) over the maximum grid of the others.
	unlim := -1
	for i, m := range d.Space.MaxDims {
		if m < 0 {
			if unlim >= 0 {
				return nil, fmt.Errorf("extensible array index with two unlimited dimensions: %w", ErrFormat)
			}
			unlim = i
		}
	}
	if unlim < 0 {
		return nil, fmt.Errorf("extensible array index without an unlimited dimension: %w", ErrFormat)
	}
	g := d.maxGrid()
	cur := chunkGrid(d.Space.Dims, d.Layout.ChunkDims)
	g[unlim] = cur[unlim]
	order := []int{unlim}
	for i := range g {
		if i != unlim {
			order = append(order, i)
		}
	}
	var out []Chunk
	cb := d.chunkBytes()
	for i := uint64(0); i < maxIdx; i++ {
		// Unravel i over the swizzled grid.
		off := make([]uint64, len(g))
		rest := i
		for k := len(order) - 1; k >= 0; k-- {
			dim := order[k]
			n := g[dim]
			if k == 0 {
				n = rest + 1
			}
			if n == 0 {
				return nil, fmt.Errorf("empty chunk grid: %w", ErrFormat)
			}
			off[dim] = (rest % n) * d.Layout.ChunkDims[dim]
			rest /= n
		}
		in := true
		for k := range off {
			if off[k] >= d.Space.Dims[k] {
				in = false
			}
		}
		e, err := element(i)
		if err != nil {
			return nil, err
		}
		if e == nil || !in {
			continue
		}
		ec := &cursor{b: e}
		addr := ec.uint(O)
		size, mask := cb, uint32(0)
		if filtered {
			size = ec.uint(esize - O - 4)
			mask = ec.u32()
		}
		if ec.err != nil {
			return nil, ec.err
		}
		if addr == undef(O) {
			continue
		}
		out = append(out, Chunk{Offset: off, Addr: f.AbsOffset(addr), Size: int64(size), FilterMask: mask})
	}
	return out, nil
}
