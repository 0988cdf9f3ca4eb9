package h5file

import (
	"bytes"
	"context"
	"fmt"
	"sort"
)

// Link is a named link of a group. Soft and external links are reported, not followed.
type Link struct {
	Name   string
	Kind   string // "hard", "soft", "external"
	Addr   uint64 // hard: object header address
	Target string // soft: path; external: "file:path"
}

// Attribute is a decoded attribute: Raw holds the elements' bytes as stored (fixed-size types)
// and Values the decoded values for the types Decode understands.
type Attribute struct {
	Name  string
	Type  *Datatype
	Space Dataspace
	Raw   []byte
}

// Object is a group or a dataset.
type Object struct {
	Addr  uint64 // object header address: hard links to one object share it
	Path  string // first path found
	Attrs []Attribute
	// Group
	IsGroup bool
	Links   []Link
	// Dataset (when !IsGroup)
	Dataset *Dataset
}

// Dataset holds what indexing needs of a dataset.
type Dataset struct {
	Path    string
	Type    *Datatype
	Space   Dataspace
	Layout  Layout
	Filters []Filter
	Fill    Fill
}

func (d *Dataset) chunkBytes() uint64 {
	n := uint64(d.Type.Size)
	for _, c := range d.Layout.ChunkDims {
		n *= c
	}
	return n
}

// ChunkBytes is the uncompressed size of one chunk (bytes).
func (d *Dataset) ChunkBytes() int64 { return int64(d.chunkBytes()) }

type symTab struct{ btree, heap uint64 }

// Object reads the object whose header is at addr.
func (f *File) Object(ctx context.Context, addr uint64, path string) (*Object, error) {
	f.nobjects++
	if f.nobjects > maxObjects {
		return nil, f.errorf("more than %d objects: %w", maxObjects, ErrFormat)
	}
	if err := f.spend(1); err != nil {
		return nil, f.errorf("object %s: %w", path, err)
	}
	msgs, err := f.readHeader(ctx, addr)
	if err != nil {
		return nil, f.errorf("object %s: %w", path, err)
	}
	o := &Object{Addr: addr, Path: path}
	var (
		d                                    Dataset
		haveSpace, haveType, haveLayout, grp bool
		st                                   *symTab
		linkInfo, attrInfo                   []byte
	)
	d.Path = path
	for _, m := range msgs {
		if m.flags&0x02 != 0 && m.typ != msgNil {
			if m.typ == msgDatatype {
				return nil, f.errorf("object %s: committed (shared) datatype: %w", path, ErrUnsupported)
			}
			return nil, f.errorf("object %s: shared message type 0x%x: %w", path, m.typ, ErrUnsupported)
		}
		var err error
		switch m.typ {
		case msgDataspace:
			d.Space, err = f.parseDataspace(m.data)
			haveSpace = true
		case msgDatatype:
			d.Type, _, err = parseDatatype(m.data, 0)
			haveType = true
		case msgFillOld:
			if !d.Fill.Defined {
				d.Fill, err = parseFill(m.data, true)
			}
		case msgFill:
			d.Fill, err = parseFill(m.data, false)
		case msgLayout:
			d.Layout, err = f.parseLayout(m.data)
			haveLayout = true
		case msgFilters:
			d.Filters, err = parseFilters(m.data)
		case msgExternal:
			err = fmt.Errorf("external data files: %w", ErrUnsupported)
		case msgSymbolTable:
			c := &cursor{b: m.data}
			st = &symTab{btree: c.uint(f.SizeOffsets), heap: c.uint(f.SizeOffsets)}
			err = c.err
			grp = true
		case msgLinkInfo:
			linkInfo = m.data
			grp = true
		case msgGroupInfo:
			grp = true
		case msgLink:
			var l Link
			l, err = f.parseLink(m.data)
			o.Links = append(o.Links, l)
			grp = true
		case msgAttribute:
			var a Attribute
			a, err = f.parseAttribute(m.data)
			o.Attrs = append(o.Attrs, a)
		case msgAttrInfo:
			attrInfo = m.data
		}
		if err != nil {
			return nil, f.errorf("object %s: message 0x%x: %w", path, m.typ, err)
		}
	}
	if attrInfo != nil {
		if err := f.denseAttributes(ctx, attrInfo, o); err != nil {
			return nil, f.errorf("object %s: dense attributes: %w", path, err)
		}
	}
	if grp || (!haveLayout && !haveType) {
		o.IsGroup = true
		if st == nil && addr == f.RootAddr && f.rootSymTab != nil && linkInfo == nil && len(o.Links) == 0 {
			st = f.rootSymTab
		}
		if st != nil {
			if err := f.symbolTableLinks(ctx, st, o); err != nil {
				return nil, f.errorf("group %s: symbol table: %w", path, err)
			}
		}
		if linkInfo != nil {
			if err := f.denseLinks(ctx, linkInfo, o); err != nil {
				return nil, f.errorf("group %s: dense links: %w", path, err)
			}
		}
		sort.Slice(o.Links, func(i, j int) bool { return o.Links[i].Name < o.Links[j].Name })
		return o, nil
	}
	if !haveSpace || !haveType || !haveLayout || d.Type == nil {
		return nil, f.errorf("dataset %s: missing dataspace, datatype or layout message: %w", path, ErrFormat)
	}
	if d.Layout.Class == LayoutChunked && len(d.Layout.ChunkDims) != len(d.Space.Dims) {
		return nil, f.errorf("dataset %s: chunk rank %d != dataspace rank %d: %w", path, len(d.Layout.ChunkDims), len(d.Space.Dims), ErrFormat)
	}
	if d.Fill.Defined && len(d.Fill.Value) != d.Type.Size && d.Type.Class != ClassVlen {
		return nil, f.errorf("dataset %s: fill value of %d bytes for a %d-byte type: %w", path, len(d.Fill.Value), d.Type.Size, ErrFormat)
	}
	o.Dataset = &d
	return o, nil
}

func (f *File) parseLink(b []byte) (Link, error) {
	c := &cursor{b: b}
	var l Link
	if v := c.u8(); v != 1 {
		return l, fmt.Errorf("link message version %d: %w", v, ErrFormat)
	}
	flags := c.u8()
	kind := uint8(0)
	if flags&0x08 != 0 {
		kind = c.u8()
	}
	if flags&0x04 != 0 {
		c.skip(8)
	}
	if flags&0x10 != 0 {
		c.skip(1)
	}
	n := int(c.uint(1 << (flags & 3)))
	l.Name = string(c.bytes(n))
	switch kind {
	case 0:
		l.Kind = "hard"
		l.Addr = c.uint(f.SizeOffsets)
	case 1:
		l.Kind = "soft"
		l.Target = string(c.bytes(int(c.u16())))
	case 64:
		l.Kind = "external"
		l.Target = string(c.bytes(int(c.u16())))
	default:
		return l, fmt.Errorf("link type %d: %w", kind, ErrUnsupported)
	}
	if c.err != nil {
		return l, fmt.Errorf("link: %w", c.err)
	}
	if l.Name == "" {
		return l, fmt.Errorf("link with an empty name: %w", ErrFormat)
	}
	return l, nil
}

func (f *File) symbolTableLinks(ctx context.Context, st *symTab, o *Object) error {
	// Local heap.
	h, err := f.read(ctx, st.heap, int64(8+2*f.SizeLengths+f.SizeOffsets))
	if err != nil {
		return fmt.Errorf("local heap at %d: %w", st.heap, err)
	}
	if !bytes.Equal(h[:4], []byte("HEAP")) {
		return fmt.Errorf("local heap at %d: bad signature: %w", st.heap, ErrFormat)
	}
	hc := &cursor{b: h, p: 8}
	heapSize := hc.uint(f.SizeLengths)
	hc.skip(f.SizeLengths)
	dataAddr := hc.uint(f.SizeOffsets)
	heap, err := f.read(ctx, dataAddr, int64(heapSize))
	if err != nil {
		return fmt.Errorf("local heap data at %d: %w", dataAddr, err)
	}
	name := func(off uint64) (string, error) {
		if off >= uint64(len(heap)) {
			return "", fmt.Errorf("name offset %d beyond local heap of %d bytes: %w", off, len(heap), ErrFormat)
		}
		e := bytes.IndexByte(heap[off:], 0)
		if e < 0 {
			return "", fmt.Errorf("unterminated name in local heap: %w", ErrFormat)
		}
		return string(heap[off : off+uint64(e)]), nil
	}
	seen := map[uint64]bool{}
	var walk func(addr uint64, depth int) error
	walk = func(addr uint64, depth int) error {
		if depth > maxDepth || seen[addr] {
			return fmt.Errorf("group B-tree node at %d: loop or depth: %w", addr, ErrFormat)
		}
		seen[addr] = true
		if err := f.spend(1); err != nil {
			return err
		}
		hdrLen := 8 + 2*f.SizeOffsets
		b, err := f.read(ctx, addr, int64(hdrLen))
		if err != nil {
			return fmt.Errorf("group B-tree node at %d: %w", addr, err)
		}
		if !bytes.Equal(b[:4], []byte("TREE")) || b[4] != 0 {
			return fmt.Errorf("group B-tree node at %d: bad signature or type: %w", addr, ErrFormat)
		}
		level := int(b[5])
		n := int(b[6]) | int(b[7])<<8
		body, err := f.read(ctx, addr+uint64(hdrLen), int64(n*(f.SizeLengths+f.SizeOffsets)+f.SizeLengths))
		if err != nil {
			return fmt.Errorf("group B-tree node at %d: %w", addr, err)
		}
		c := &cursor{b: body}
		for i := 0; i < n; i++ {
			c.skip(f.SizeLengths)
			child := c.uint(f.SizeOffsets)
			if c.err != nil {
				return c.err
			}
			if level > 0 {
				if err := walk(child, depth+1); err != nil {
					return err
				}
				continue
			}
			if err := f.symbolNode(ctx, child, name, seen, o); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(st.btree, 0)
}

func (f *File) symbolNode(ctx context.Context, addr uint64, name func(uint64) (string, error), seen map[uint64]bool, o *Object) error {
	if seen[addr] {
		return fmt.Errorf("symbol node at %d visited twice: %w", addr, ErrFormat)
	}
	seen[addr] = true
	h, err := f.read(ctx, addr, 8)
	if err != nil {
		return fmt.Errorf("symbol node at %d: %w", addr, err)
	}
	if !bytes.Equal(h[:4], []byte("SNOD")) {
		return fmt.Errorf("symbol node at %d: bad signature: %w", addr, ErrFormat)
	}
	n := int(h[6]) | int(h[7])<<8
	if err := f.spend(1 + n); err != nil {
		return err
	}
	esize := 2*f.SizeOffsets + 24
	b, err := f.read(ctx, addr+8, int64(n*esize))
	if err != nil {
		return fmt.Errorf("symbol node at %d: %w", addr, err)
	}
	c := &cursor{b: b}
	for i := 0; i < n; i++ {
		nameOff := c.uint(f.SizeOffsets)
		hdr := c.uint(f.SizeOffsets)
		cache := c.u32()
		c.skip(4)
		scratch := c.bytes(16)
		if c.err != nil {
			return c.err
		}
		nm, err := name(nameOff)
		if err != nil {
			return err
		}
		l := Link{Name: nm, Kind: "hard", Addr: hdr}
		if cache == 2 {
			sc := &cursor{b: scratch}
			l = Link{Name: nm, Kind: "soft"}
			t, err := name(uint64(sc.u32()))
			if err != nil {
				return err
			}
			l.Target = t
		}
		if len(o.Links) >= maxObjects {
			return fmt.Errorf("more than %d links: %w", maxObjects, ErrFormat)
		}
		o.Links = append(o.Links, l)
	}
	return nil
}

func (f *File) denseLinks(ctx context.Context, info []byte, o *Object) error {
	c := &cursor{b: info}
	c.skip(1)
	flags := c.u8()
	if flags&1 != 0 {
		c.skip(8)
	}
	heapAddr := c.uint(f.SizeOffsets)
	nameIdx := c.uint(f.SizeOffsets)
	if c.err != nil {
		return c.err
	}
	if heapAddr == undef(f.SizeOffsets) {
		return nil // compact storage: the links are messages
	}
	h, err := f.openHeap(ctx, heapAddr)
	if err != nil {
		return err
	}
	return f.btree2Records(ctx, nameIdx, func(typ int, rec []byte) error {
		if typ != 5 || len(rec) < 4+1 {
			return fmt.Errorf("link name index record type %d: %w", typ, ErrFormat)
		}
		msg, err := f.heapGet(ctx, h, rec[4:])
		if err != nil {
			return err
		}
		l, err := f.parseLink(msg)
		if err != nil {
			return err
		}
		if len(o.Links) >= maxObjects {
			return fmt.Errorf("more than %d links: %w", maxObjects, ErrFormat)
		}
		o.Links = append(o.Links, l)
		return nil
	})
}

func (f *File) denseAttributes(ctx context.Context, info []byte, o *Object) error {
	c := &cursor{b: info}
	c.skip(1)
	flags := c.u8()
	if flags&1 != 0 {
		c.skip(2)
	}
	heapAddr := c.uint(f.SizeOffsets)
	nameIdx := c.uint(f.SizeOffsets)
	if c.err != nil {
		return c.err
	}
	if heapAddr == undef(f.SizeOffsets) {
		return nil
	}
	h, err := f.openHeap(ctx, heapAddr)
	if err != nil {
		return err
	}
	return f.btree2Records(ctx, nameIdx, func(typ int, rec []byte) error {
		if typ != 8 || len(rec) < 8 {
			return fmt.Errorf("attribute name index record type %d: %w", typ, ErrFormat)
		}
		msg, err := f.heapGet(ctx, h, rec[:8])
		if err != nil {
			return err
		}
		a, err := f.parseAttribute(msg)
		if err != nil {
			return err
		}
		if len(o.Attrs) >= maxObjects {
			return fmt.Errorf("more than %d attributes: %w", maxObjects, ErrFormat)
		}
		o.Attrs = append(o.Attrs, a)
		return nil
	})
}

func (f *File) parseAttribute(b []byte) (Attribute, error) {
	c := &cursor{b: b}
	var a Attribute
	version := c.u8()
	flags := c.u8()
	nameLen := int(c.u16())
	dtLen := int(c.u16())
	dsLen := int(c.u16())
	if version == 3 {
		c.skip(1)
	}
	if version < 1 || version > 3 {
		return a, fmt.Errorf("attribute message version %d: %w", version, ErrFormat)
	}
	if flags&3 != 0 {
		return a, fmt.Errorf("attribute with a shared datatype or dataspace: %w", ErrUnsupported)
	}
	pad := func(n int) int {
		if version == 1 {
			return (n + 7) &^ 7
		}
		return n
	}
	nb := c.bytes(pad(nameLen))
	if c.err != nil || nameLen > len(nb) {
		return a, fmt.Errorf("attribute name: %w", ErrFormat)
	}
	if i := bytes.IndexByte(nb[:nameLen], 0); i >= 0 {
		nb = nb[:i]
	} else {
		nb = nb[:nameLen]
	}
	a.Name = string(nb)
	dt := c.bytes(pad(dtLen))
	ds := c.bytes(pad(dsLen))
	if c.err != nil {
		return a, fmt.Errorf("attribute %q: %w", a.Name, c.err)
	}
	t, _, err := parseDatatype(dt, 0)
	if err != nil {
		return a, fmt.Errorf("attribute %q: %w", a.Name, err)
	}
	a.Type = t
	if a.Space, err = f.parseDataspace(ds); err != nil {
		return a, fmt.Errorf("attribute %q: %w", a.Name, err)
	}
	n := a.Space.NumElements()
	if n > uint64(c.left()) || uint64(t.Size)*n > uint64(c.left()) {
		return a, fmt.Errorf("attribute %q: %d elements of %d bytes in %d bytes: %w", a.Name, n, t.Size, c.left(), ErrFormat)
	}
	a.Raw = c.bytes(int(n) * t.Size)
	return a, nil
}
