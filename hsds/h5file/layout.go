package h5file

import (
	"bytes"
	"context"
	"fmt"
)

// Layout classes.
const (
	LayoutCompact    = 0
	LayoutContiguous = 1
	LayoutChunked    = 2
	LayoutVirtual    = 3
)

// Chunk index types of layout version 4 (spec IV.A.2.i), and 0 for the v1 B-tree of version 3.
const (
	IndexBTree1      = 0
	IndexSingle      = 1
	IndexImplicit    = 2
	IndexFixedArray  = 3
	IndexExtensible  = 4
	IndexBTree2      = 5
	indexTypeUnknown = -1
)

// IndexName names a chunk index type for messages.
func IndexName(t int) string {
	switch t {
	case IndexBTree1:
		return "version 1 B-tree"
	case IndexSingle:
		return "single chunk"
	case IndexImplicit:
		return "implicit"
	case IndexFixedArray:
		return "fixed array"
	case IndexExtensible:
		return "extensible array"
	case IndexBTree2:
		return "version 2 B-tree"
	}
	return fmt.Sprintf("chunk index type %d", t)
}

// Layout is a decoded data layout message.
type Layout struct {
	Version   int
	Class     int
	Addr      uint64   // contiguous: data address; chunked: index address
	Size      uint64   // contiguous: bytes
	Compact   []byte   // compact: the raw data
	ChunkDims []uint64 // chunked: chunk shape (rank of the dataset)
	Index     int      // chunked: index type
	flags     uint8
	// single chunk
	singleSize uint64
	singleMask uint32
}

func (f *File) parseLayout(b []byte) (Layout, error) {
	c := &cursor{b: b}
	var l Layout
	l.Version = int(c.u8())
	if l.Version < 3 || l.Version > 4 {
		return l, fmt.Errorf("data layout version %d: %w", l.Version, ErrUnsupported)
	}
	l.Class = int(c.u8())
	switch l.Class {
	case LayoutCompact:
		n := int(c.u16())
		l.Compact = c.bytes(n)
	case LayoutContiguous:
		l.Addr = c.uint(f.SizeOffsets)
		l.Size = c.uint(f.SizeLengths)
	case LayoutChunked:
		if l.Version == 3 {
			nd := int(c.u8())
			if nd < 1 || nd > maxRank+1 {
				return l, fmt.Errorf("chunked layout dimensionality %d: %w", nd, ErrFormat)
			}
			l.Addr = c.uint(f.SizeOffsets)
			for i := 0; i < nd-1; i++ {
				l.ChunkDims = append(l.ChunkDims, uint64(c.u32()))
			}
			c.skip(4) // element size
			l.Index = IndexBTree1
		} else {
			l.flags = c.u8()
			nd := int(c.u8())
			enc := int(c.u8())
			if nd < 1 || nd > maxRank+1 || enc < 1 || enc > 8 {
				return l, fmt.Errorf("chunked layout dimensionality %d, encoded size %d: %w", nd, enc, ErrFormat)
			}
			for i := 0; i < nd-1; i++ {
				l.ChunkDims = append(l.ChunkDims, c.uint(enc))
			}
			c.skip(enc)
			l.Index = int(c.u8())
			switch l.Index {
			case IndexSingle:
				if l.flags&2 != 0 {
					l.singleSize = c.uint(f.SizeLengths)
					l.singleMask = c.u32()
				}
			case IndexImplicit:
			case IndexFixedArray:
				c.skip(1)
			case IndexExtensible:
				c.skip(5)
			case IndexBTree2:
				c.skip(6)
			default:
				return l, fmt.Errorf("%s: %w", IndexName(l.Index), ErrUnsupported)
			}
			l.Addr = c.uint(f.SizeOffsets)
		}
		for _, d := range l.ChunkDims {
			if d == 0 || d > 1<<32 {
				return l, fmt.Errorf("chunk dimension %d: %w", d, ErrFormat)
			}
		}
	case LayoutVirtual:
		return l, fmt.Errorf("virtual dataset layout: %w", ErrUnsupported)
	default:
		return l, fmt.Errorf("layout class %d: %w", l.Class, ErrFormat)
	}
	if c.err != nil {
		return l, fmt.Errorf("data layout: %w", c.err)
	}
	return l, nil
}

// Filter is one entry of a filter pipeline.
type Filter struct {
	ID         int
	Name       string
	Optional   bool
	ClientData []uint32
}

// Filter ids (H5Zpublic.h).
const (
	FilterDeflate    = 1
	FilterShuffle    = 2
	FilterFletcher32 = 3
	FilterSzip       = 4
	FilterNbit       = 5
	FilterScaleOff   = 6
)

// IsSupportedFilter reports whether hsfan (and HSDS) can decode the filter.
func IsSupportedFilter(id int) bool {
	return id == FilterDeflate || id == FilterShuffle || id == FilterFletcher32
}

func parseFilters(b []byte) ([]Filter, error) {
	c := &cursor{b: b}
	version := c.u8()
	n := int(c.u8())
	if version == 1 {
		c.skip(6)
	} else if version != 2 {
		return nil, fmt.Errorf("filter pipeline version %d: %w", version, ErrFormat)
	}
	if n > 32 {
		return nil, fmt.Errorf("filter pipeline of %d filters: %w", n, ErrFormat)
	}
	var out []Filter
	for i := 0; i < n; i++ {
		var fl Filter
		fl.ID = int(c.u16())
		nameLen := 0
		if version == 1 || fl.ID >= 256 {
			nameLen = int(c.u16())
		}
		flags := c.u16()
		fl.Optional = flags&1 != 0
		nv := int(c.u16())
		if nameLen > 0 {
			nb := c.bytes(nameLen)
			if i := bytes.IndexByte(nb, 0); i >= 0 {
				nb = nb[:i]
			}
			fl.Name = string(nb)
			if version == 1 {
				c.skip((8 - nameLen%8) % 8)
			}
		}
		if nv > c.left()/4+1 {
			return nil, fmt.Errorf("filter %d: %d client values: %w", fl.ID, nv, ErrFormat)
		}
		for j := 0; j < nv; j++ {
			fl.ClientData = append(fl.ClientData, c.u32())
		}
		if version == 1 && nv%2 == 1 {
			c.skip(4)
		}
		if c.err != nil {
			return nil, fmt.Errorf("filter pipeline: %w", c.err)
		}
		out = append(out, fl)
	}
	return out, nil
}

// Fill is a decoded fill value; Defined false means the library default (zeros).
type Fill struct {
	Defined bool
	Value   []byte
}

func parseFill(b []byte, old bool) (Fill, error) {
	c := &cursor{b: b}
	var fv Fill
	if old {
		n := int(c.u32())
		fv.Value = c.bytes(n)
		fv.Defined = n > 0
		return fv, c.err
	}
	version := c.u8()
	switch version {
	case 1, 2:
		c.skip(2)
		defined := c.u8()
		if version == 1 || defined != 0 {
			n := int(c.u32())
			if n > 0 {
				fv.Value = c.bytes(n)
				fv.Defined = true
			}
		}
	case 3:
		flags := c.u8()
		if flags&0x20 != 0 {
			n := int(c.u32())
			fv.Value = c.bytes(n)
			fv.Defined = true
		}
	default:
		return fv, fmt.Errorf("fill value version %d: %w", version, ErrFormat)
	}
	if c.err != nil {
		return fv, fmt.Errorf("fill value: %w", c.err)
	}
	return fv, nil
}

// Chunk is one stored chunk: Offset are the element coordinates of its first element, Addr its
// byte offset in the file (base address added), Size its stored bytes, FilterMask the filters
// skipped (bit i set: filter i not applied).
type Chunk struct {
	Offset     []uint64
	Addr       int64
	Size       int64
	FilterMask uint32
}

// chunkGrid returns the number of chunks along each dimension for dims.
func chunkGrid(dims, chunk []uint64) []uint64 {
	g := make([]uint64, len(dims))
	for i := range dims {
		g[i] = (dims[i] + chunk[i] - 1) / chunk[i]
	}
	return g
}

func gridCount(g []uint64) (uint64, bool) {
	n := uint64(1)
	for _, v := range g {
		if v != 0 && n > maxChunks/v {
			return 0, false
		}
		n *= v
	}
	return n, true
}

// Chunks lists the allocated chunks of a chunked dataset, in the order of its index.
func (f *File) Chunks(ctx context.Context, d *Dataset) ([]Chunk, error) {
	l := d.Layout
	if l.Class != LayoutChunked {
		return nil, fmt.Errorf("%s: dataset %s is not chunked", f.Name, d.Path)
	}
	if len(l.ChunkDims) != len(d.Space.Dims) {
		return nil, f.errorf("dataset %s: chunk rank %d != dataspace rank %d: %w", d.Path, len(l.ChunkDims), len(d.Space.Dims), ErrFormat)
	}
	if l.Addr == undef(f.SizeOffsets) {
		return nil, nil // nothing allocated
	}
	var out []Chunk
	var err error
	switch l.Index {
	case IndexBTree1:
		err = f.btree1Chunks(ctx, l.Addr, len(l.ChunkDims), 0, map[uint64]bool{}, &out)
	case IndexSingle:
		size := l.singleSize
		if l.flags&2 == 0 {
			size = d.chunkBytes()
		}
		out = []Chunk{{Offset: make([]uint64, len(l.ChunkDims)), Addr: f.AbsOffset(l.Addr), Size: int64(size), FilterMask: l.singleMask}}
	case IndexImplicit:
		out, err = f.implicitChunks(d)
	case IndexFixedArray:
		out, err = f.fixedArrayChunks(ctx, d)
	case IndexBTree2:
		out, err = f.btree2Chunks(ctx, d)
	case IndexExtensible:
		out, err = f.extensibleArrayChunks(ctx, d)
	default:
		return nil, f.errorf("dataset %s: %s chunk index: %w", d.Path, IndexName(l.Index), ErrUnsupported)
	}
	if err != nil {
		return nil, f.errorf("dataset %s: %s chunk index: %w", d.Path, IndexName(l.Index), err)
	}
	size := f.c.src.Size()
	for _, ch := range out {
		if ch.Addr < 0 || ch.Size < 0 || ch.Addr > size || ch.Size > size-ch.Addr {
			return nil, f.errorf("dataset %s: chunk at %d of %d bytes beyond file size %d: %w", d.Path, ch.Addr, ch.Size, size, ErrFormat)
		}
		for i, o := range ch.Offset {
			if o%l.ChunkDims[i] != 0 {
				return nil, f.errorf("dataset %s: chunk offset %v not on the chunk grid %v: %w", d.Path, ch.Offset, l.ChunkDims, ErrFormat)
			}
		}
	}
	return out, nil
}

func (f *File) btree1Chunks(ctx context.Context, addr uint64, rank, depth int, seen map[uint64]bool, out *[]Chunk) error {
	if depth > maxDepth || seen[addr] {
		return fmt.Errorf("B-tree node at %d: loop or depth > %d: %w", addr, maxDepth, ErrFormat)
	}
	seen[addr] = true
	if err := f.spend(1); err != nil {
		return err
	}
	hdrLen := 8 + 2*f.SizeOffsets
	h, err := f.read(ctx, addr, int64(hdrLen))
	if err != nil {
		return fmt.Errorf("B-tree node at %d: %w", addr, err)
	}
	if !bytes.Equal(h[:4], []byte("TREE")) || h[4] != 1 {
		return fmt.Errorf("B-tree node at %d: bad signature or node type %d: %w", addr, h[4], ErrFormat)
	}
	level := int(h[5])
	n := int(h[6]) | int(h[7])<<8
	if err := f.spend(n); err != nil {
		return err
	}
	keyLen := 8 + 8*(rank+1)
	b, err := f.read(ctx, addr+uint64(hdrLen), int64(n*(keyLen+f.SizeOffsets)+keyLen))
	if err != nil {
		return fmt.Errorf("B-tree node at %d with %d entries: %w", addr, n, err)
	}
	c := &cursor{b: b}
	for i := 0; i < n; i++ {
		size := c.u32()
		mask := c.u32()
		off := make([]uint64, rank)
		for j := range off {
			off[j] = c.u64()
		}
		c.skip(8)
		child := c.uint(f.SizeOffsets)
		if c.err != nil {
			return c.err
		}
		if level > 0 {
			if err := f.btree1Chunks(ctx, child, rank, depth+1, seen, out); err != nil {
				return err
			}
			continue
		}
		if len(*out) >= maxChunks {
			return fmt.Errorf("more than %d chunks: %w", maxChunks, ErrFormat)
		}
		*out = append(*out, Chunk{Offset: off, Addr: f.AbsOffset(child), Size: int64(size), FilterMask: mask})
	}
	return nil
}

// maxGrid is the chunk grid over the maximum dims where they are fixed (the grid that the
// implicit and fixed array indexes linearise), else over the current dims.
func (d *Dataset) maxGrid() []uint64 {
	dims := append([]uint64(nil), d.Space.Dims...)
	for i, m := range d.Space.MaxDims {
		if i < len(dims) && m > 0 && uint64(m) > dims[i] {
			dims[i] = uint64(m)
		}
	}
	return chunkGrid(dims, d.Layout.ChunkDims)
}

// unravel gives the chunk's element offset for linear index i in grid g, and whether the
// chunk lies within the current dims.
func (d *Dataset) unravel(i uint64, g []uint64) ([]uint64, bool) {
	off := make([]uint64, len(g))
	in := true
	for k := len(g) - 1; k >= 0; k-- {
		if g[k] == 0 {
			return nil, false
		}
		off[k] = (i % g[k]) * d.Layout.ChunkDims[k]
		i /= g[k]
		if off[k] >= d.Space.Dims[k] {
			in = false
		}
	}
	return off, in
}

func (f *File) implicitChunks(d *Dataset) ([]Chunk, error) {
	g := d.maxGrid()
	n, ok := gridCount(g)
	if !ok {
		return nil, fmt.Errorf("more than %d chunks: %w", maxChunks, ErrFormat)
	}
	cb := d.chunkBytes()
	if cb == 0 || n > uint64(f.c.src.Size())/cb+1 || d.Layout.Addr+n*cb > uint64(f.c.src.Size()) {
		return nil, fmt.Errorf("%d chunks of %d bytes at %d beyond the %d-byte file: %w", n, cb, d.Layout.Addr, f.c.src.Size(), ErrFormat)
	}
	if err := f.spend(int(n)); err != nil {
		return nil, err
	}
	var out []Chunk
	for i := uint64(0); i < n; i++ {
		off, in := d.unravel(i, g)
		if !in {
			continue
		}
		out = append(out, Chunk{Offset: off, Addr: f.AbsOffset(d.Layout.Addr + i*cb), Size: int64(cb)})
	}
	return out, nil
}

func (f *File) fixedArrayChunks(ctx context.Context, d *Dataset) ([]Chunk, error) {
	filtered := len(d.Filters) > 0
	h, err := f.read(ctx, d.Layout.Addr, int64(12+f.SizeLengths+f.SizeOffsets))
	if err != nil {
		return nil, err
	}
	c := &cursor{b: h}
	if !bytes.Equal(c.bytes(4), []byte("FAHD")) {
		return nil, fmt.Errorf("fixed array header: bad signature: %w", ErrFormat)
	}
	c.skip(1)
	client := c.u8()
	esize := int(c.u8())
	pageBits := int(c.u8())
	nent := c.uint(f.SizeLengths)
	dblk := c.uint(f.SizeOffsets)
	if c.err != nil {
		return nil, c.err
	}
	if (client == 1) != filtered || esize < f.SizeOffsets || (filtered && esize < f.SizeOffsets+5) || esize > f.SizeOffsets+12 {
		return nil, fmt.Errorf("fixed array client %d, entry size %d: %w", client, esize, ErrFormat)
	}
	g := d.maxGrid()
	want, ok := gridCount(g)
	if !ok || nent != want {
		return nil, fmt.Errorf("fixed array of %d entries for a grid of %v chunks: %w", nent, g, ErrFormat)
	}
	if pageBits > 32 {
		return nil, fmt.Errorf("fixed array page bits %d: %w", pageBits, ErrFormat)
	}
	if err := f.spend(int(nent)); err != nil {
		return nil, err
	}
	prefix := 4 + 1 + 1 + f.SizeOffsets
	var raw []byte
	pageN := uint64(1) << pageBits
	if nent <= pageN {
		raw, err = f.read(ctx, dblk+uint64(prefix), int64(nent)*int64(esize))
		if err != nil {
			return nil, fmt.Errorf("fixed array data block: %w", err)
		}
	} else {
		npages := (nent + pageN - 1) / pageN
		bitmap := (npages + 7) / 8
		at := dblk + uint64(prefix) + bitmap + 4
		bm, err := f.read(ctx, dblk+uint64(prefix), int64(bitmap))
		if err != nil {
			return nil, fmt.Errorf("fixed array page bitmap: %w", err)
		}
		for p := uint64(0); p < npages; p++ {
			cnt := min(pageN, nent-p*pageN)
			if bm[p/8]&(0x80>>(p%8)) == 0 {
				raw = append(raw, make([]byte, cnt*uint64(esize))...) // page never written: undefined addresses
				for i := len(raw) - int(cnt)*esize; i < len(raw); i += esize {
					for k := 0; k < f.SizeOffsets; k++ {
						raw[i+k] = 0xff
					}
				}
			} else {
				pb, err := f.read(ctx, at, int64(cnt)*int64(esize))
				if err != nil {
					return nil, fmt.Errorf("fixed array page %d: %w", p, err)
				}
				raw = append(raw, pb...)
			}
			at += cnt*uint64(esize) + 4
		}
	}
	var out []Chunk
	cb := d.chunkBytes()
	ec := &cursor{b: raw}
	for i := uint64(0); i < nent; i++ {
		addr := ec.uint(f.SizeOffsets)
		size, mask := cb, uint32(0)
		if filtered {
			size = ec.uint(esize - f.SizeOffsets - 4)
			mask = ec.u32()
		} else {
			ec.skip(esize - f.SizeOffsets)
		}
		if ec.err != nil {
			return nil, ec.err
		}
		if addr == undef(f.SizeOffsets) {
			continue
		}
		off, in := d.unravel(i, g)
		if !in {
			continue
		}
		out = append(out, Chunk{Offset: off, Addr: f.AbsOffset(addr), Size: int64(size), FilterMask: mask})
	}
	return out, nil
}

func (f *File) btree2Chunks(ctx context.Context, d *Dataset) ([]Chunk, error) {
	rank := len(d.Layout.ChunkDims)
	var out []Chunk
	cb := d.chunkBytes()
	err := f.btree2Records(ctx, d.Layout.Addr, func(typ int, rec []byte) error {
		c := &cursor{b: rec}
		addr := c.uint(f.SizeOffsets)
		size, mask := cb, uint32(0)
		switch typ {
		case 10:
		case 11:
			sl := len(rec) - f.SizeOffsets - 4 - 8*rank
			if sl < 1 || sl > 8 {
				return fmt.Errorf("v2 B-tree chunk record of %d bytes for rank %d: %w", len(rec), rank, ErrFormat)
			}
			size = c.uint(sl)
			mask = c.u32()
		default:
			return fmt.Errorf("v2 B-tree record type %d in a chunk index: %w", typ, ErrFormat)
		}
		off := make([]uint64, rank)
		for i := range off {
			s := c.u64()
			if s > 1<<40 {
				return fmt.Errorf("chunk scaled offset %d: %w", s, ErrFormat)
			}
			off[i] = s * d.Layout.ChunkDims[i]
		}
		if c.err != nil {
			return c.err
		}
		if len(out) >= maxChunks {
			return fmt.Errorf("more than %d chunks: %w", maxChunks, ErrFormat)
		}
		out = append(out, Chunk{Offset: off, Addr: f.AbsOffset(addr), Size: int64(size), FilterMask: mask})
		return nil
	})
	return out, err
}
