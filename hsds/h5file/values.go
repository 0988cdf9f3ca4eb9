package h5file

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
)

// Walk visits every object reachable from the root by hard links, depth first, each object
// once (the first path that reaches it); fn gets the object.
func (f *File) Walk(ctx context.Context, fn func(*Object) error) error {
	seen := map[uint64]bool{}
	var visit func(addr uint64, path string, depth int) error
	visit = func(addr uint64, path string, depth int) error {
		if seen[addr] {
			return nil
		}
		if depth > maxDepth {
			return f.errorf("group %s: nested more than %d deep: %w", path, maxDepth, ErrFormat)
		}
		seen[addr] = true
		o, err := f.Object(ctx, addr, path)
		if err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
		if !o.IsGroup {
			return nil
		}
		for _, l := range o.Links {
			if l.Kind != "hard" {
				continue
			}
			p := path + "/" + l.Name
			if path == "/" {
				p = "/" + l.Name
			}
			if err := visit(l.Addr, p, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return visit(f.RootAddr, "/", 0)
}

// Value decodes an attribute's elements: []int64 or []uint64 (fixed-point), []float64
// (float), []string (fixed and variable-length strings), []uint64 addresses (object
// references), [][]uint64 (vlen sequences of object references) or [][]float64/[][]int64
// (vlen sequences of numbers). Other classes are ErrUnsupported.
func (f *File) Value(ctx context.Context, a Attribute) (any, error) {
	v, err := f.decode(ctx, a.Type, a.Raw, int(a.Space.NumElements()))
	if err != nil {
		return nil, f.errorf("attribute %q: %w", a.Name, err)
	}
	return v, nil
}

func (f *File) decode(ctx context.Context, t *Datatype, raw []byte, n int) (any, error) {
	if t.Size <= 0 && t.Class != ClassVlen {
		return nil, fmt.Errorf("type of size %d: %w", t.Size, ErrFormat)
	}
	if len(raw) < n*t.Size {
		return nil, fmt.Errorf("%d elements in %d bytes: %w", n, len(raw), ErrFormat)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if t.BigEndian {
		order = binary.BigEndian
	}
	elem := func(i int) []byte { return raw[i*t.Size : (i+1)*t.Size] }
	switch t.Class {
	case ClassFixed:
		if t.Size != 1 && t.Size != 2 && t.Size != 4 && t.Size != 8 {
			return nil, fmt.Errorf("integer of %d bytes: %w", t.Size, ErrUnsupported)
		}
		get := func(b []byte) uint64 {
			switch len(b) {
			case 1:
				return uint64(b[0])
			case 2:
				return uint64(order.Uint16(b))
			case 4:
				return uint64(order.Uint32(b))
			}
			return order.Uint64(b)
		}
		if t.Signed {
			out := make([]int64, n)
			shift := 64 - 8*t.Size
			for i := range out {
				out[i] = int64(get(elem(i))<<shift) >> shift
			}
			return out, nil
		}
		out := make([]uint64, n)
		for i := range out {
			out[i] = get(elem(i))
		}
		return out, nil
	case ClassFloat:
		out := make([]float64, n)
		for i := range out {
			switch t.Size {
			case 4:
				out[i] = float64(math.Float32frombits(order.Uint32(elem(i))))
			case 8:
				out[i] = math.Float64frombits(order.Uint64(elem(i)))
			default:
				return nil, fmt.Errorf("float of %d bytes: %w", t.Size, ErrUnsupported)
			}
		}
		return out, nil
	case ClassString:
		out := make([]string, n)
		for i := range out {
			out[i] = trimString(elem(i), t.Padding)
		}
		return out, nil
	case ClassReference:
		if t.RefType != 0 || t.Size < f.SizeOffsets {
			return nil, fmt.Errorf("reference type %d of %d bytes: %w", t.RefType, t.Size, ErrUnsupported)
		}
		out := make([]uint64, n)
		for i := range out {
			c := &cursor{b: elem(i)}
			out[i] = c.uint(f.SizeOffsets)
		}
		return out, nil
	case ClassVlen:
		// Each element: length (4), global heap collection address (O), object index (4).
		esize := 4 + f.SizeOffsets + 4
		if t.Size != esize {
			return nil, fmt.Errorf("variable-length element of %d bytes, want %d: %w", t.Size, esize, ErrFormat)
		}
		if t.Base == nil {
			return nil, fmt.Errorf("variable-length type without a base: %w", ErrFormat)
		}
		objs := make([][]byte, n)
		for i := range objs {
			c := &cursor{b: elem(i)}
			length := c.u32()
			coll := c.uint(f.SizeOffsets)
			idx := c.u32()
			if length == 0 {
				continue
			}
			b, err := f.globalHeapObject(ctx, coll, idx)
			if err != nil {
				return nil, err
			}
			objs[i] = b
		}
		if t.VlenString {
			out := make([]string, n)
			for i, b := range objs {
				out[i] = trimString(b, t.Padding)
			}
			return out, nil
		}
		out := make([]any, n)
		for i, b := range objs {
			if t.Base.Size <= 0 || len(b)%t.Base.Size != 0 {
				return nil, fmt.Errorf("vlen sequence of %d bytes for a %d-byte base: %w", len(b), t.Base.Size, ErrFormat)
			}
			v, err := f.decode(ctx, t.Base, b, len(b)/t.Base.Size)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("values of datatype class %d: %w", t.Class, ErrUnsupported)
}

func trimString(b []byte, padding int) string {
	if padding == 2 {
		return string(bytes.TrimRight(b, " "))
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// globalHeapObject returns object idx of the global heap collection at addr (spec III.E).
func (f *File) globalHeapObject(ctx context.Context, addr uint64, idx uint32) ([]byte, error) {
	if err := f.spend(1); err != nil {
		return nil, err
	}
	b, ok := f.gheaps[addr]
	if !ok {
		var err error
		if b, err = f.readGlobalHeap(ctx, addr); err != nil {
			return nil, err
		}
		f.gheaps[addr] = b
	}
	c := &cursor{b: b, p: 8 + f.SizeLengths}
	for c.left() >= 8+f.SizeLengths {
		i := c.u16()
		c.skip(6)
		n := c.uint(f.SizeLengths)
		if i == 0 {
			break
		}
		if n > uint64(c.left()) {
			return nil, fmt.Errorf("global heap at %d: object %d of %d bytes: %w", addr, i, n, ErrFormat)
		}
		data := c.bytes(int(n))
		c.skip(int((8 - n%8) % 8))
		if uint32(i) == idx {
			return data, nil
		}
		if c.err != nil {
			break
		}
	}
	return nil, fmt.Errorf("global heap at %d: no object %d: %w", addr, idx, ErrFormat)
}

func (f *File) readGlobalHeap(ctx context.Context, addr uint64) ([]byte, error) {
	h, err := f.read(ctx, addr, int64(8+f.SizeLengths))
	if err != nil {
		return nil, fmt.Errorf("global heap at %d: %w", addr, err)
	}
	if !bytes.Equal(h[:4], []byte("GCOL")) {
		return nil, fmt.Errorf("global heap at %d: bad signature: %w", addr, ErrFormat)
	}
	hc := &cursor{b: h, p: 8}
	size := hc.uint(f.SizeLengths)
	if size < uint64(8+f.SizeLengths) || size > MaxMetadataRead {
		return nil, fmt.Errorf("global heap at %d: collection size %d: %w", addr, size, ErrFormat)
	}
	b, err := f.readUpTo(ctx, addr, int64(size))
	if err != nil {
		return nil, fmt.Errorf("global heap at %d: %w", addr, err)
	}
	return b, nil
}
