package h5type

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// ErrVlenOfVlen is the error for values of a variable-length sequence of variable-length
// strings, a type HSDS and hsfan accept in definitions but cannot hold values of.
var ErrVlenOfVlen = errors.New("values of variable-length sequences of variable-length strings are not supported")

// ElementLen returns the byte length of the element of t at the start of b:
// Size() for fixed types, else the walk of its length-prefixed pieces. Every
// count is bounds-checked and at most MaxVlenElement.
func (t *Type) ElementLen(b []byte) (int, error) {
	if t.size >= 0 {
		if len(b) < t.size {
			return 0, fmt.Errorf("element of %d bytes truncated to %d", t.size, len(b))
		}
		return t.size, nil
	}
	return elementLen(t, b, 0)
}

func elementLen(t *Type, b []byte, off int) (int, error) {
	start := off
	switch {
	case t.size >= 0:
		if t.size > len(b)-off {
			return 0, fmt.Errorf("element truncated at offset %d: need %d bytes, have %d", off, t.size, len(b)-off)
		}
		return t.size, nil
	case t.class == ClassArray:
		n, _ := NumElements(t.dims)
		for i := 0; i < n; i++ {
			l, err := elementLen(t.elem, b, off)
			if err != nil {
				return 0, fmt.Errorf("array item %d: %w", i, err)
			}
			off += l
		}
		return off - start, nil
	case t.class == ClassVlen && t.elem.size < 0:
		return 0, ErrVlenOfVlen
	case t.class == ClassCompound:
		for _, f := range t.fields {
			n, err := elementLen(f.Type, b, off)
			if err != nil {
				return 0, fmt.Errorf("field %q: %w", f.Name, err)
			}
			off += n
		}
		return off - start, nil
	default: // vlen string or sequence
		c, err := vlenCount(b, off)
		if err != nil {
			return 0, err
		}
		if c > len(b)-off-4 {
			return 0, fmt.Errorf("variable-length piece of %d bytes at offset %d truncated to %d", c, off, len(b)-off-4)
		}
		if t.class == ClassVlen && c%t.elem.size != 0 {
			return 0, fmt.Errorf("variable-length sequence of %d bytes at offset %d is not a multiple of its base size %d", c, off, t.elem.size)
		}
		return 4 + c, nil
	}
}

// SplitElements cuts b into exactly n elements of t and returns sub-slices
// of b (no copy). For fixed types b must be n*Size() bytes; for
// variable-length types each piece is checked against the bytes left and
// MaxVlenElement, and b must end exactly after the n-th element.
func SplitElements(b []byte, t *Type, n int) ([][]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("split elements: negative count %d", n)
	}
	minSize := fixedPartSize(t)
	if n > len(b)/minSize {
		return nil, fmt.Errorf("split elements: %d bytes cannot hold %d elements of at least %d bytes", len(b), n, minSize)
	}
	out := make([][]byte, n)
	if t.size >= 0 {
		if len(b) != n*t.size {
			return nil, fmt.Errorf("split elements: %d bytes for %d elements of %d bytes", len(b), n, t.size)
		}
		for i := range out {
			out[i] = b[i*t.size : (i+1)*t.size : (i+1)*t.size]
		}
		return out, nil
	}
	off := 0
	for i := range out {
		l, err := elementLen(t, b, off)
		if err != nil {
			return nil, fmt.Errorf("split elements: element %d: %w", i, err)
		}
		out[i] = b[off : off+l : off+l]
		off += l
	}
	if off != len(b) {
		pad := n * t.HSDSPadding()
		if pad == 0 || len(b)-off != pad || !allZero(b[off:]) {
			if pad == 0 {
				return nil, fmt.Errorf("split elements: %d trailing bytes: %d elements take %d bytes, got %d", len(b)-off, n, off, len(b))
			}
			return nil, fmt.Errorf("split elements: %d trailing bytes: %d elements take %d bytes, or %d with the %d zero bytes HSDS's arrayToBytes pads them with, got %d",
				len(b)-off, n, off, off+pad, pad, len(b))
		}
	}
	return out, nil
}

// HSDSPadding returns the bytes per element by which HSDS's arrayToBytes buffer exceeds the
// data it holds for elements of t, filled with zeros at the end of the buffer (0 for most
// types). hsds/util/arrayUtil.py arrayToBytes sizes its buffer with getByteArraySize, whose
// getElementSize counts 4 bytes for the count of every numpy object array it meets, while
// copyElement writes an object array's items with no count of their own. Such arrays are
// the H5T_ARRAY fields of variable-length strings or sequences of a compound (numpy
// expands a top-level H5T_ARRAY into the array's shape, so it has none): each adds 4 bytes
// per element. getElementSize recurses only into compounds of more than one field (len(dt)
// > 1), as does this rule. HSDS sends such padded bodies on binary reads (a 4-element
// compound of a u8, an 8-byte string and an array of 2 variable-length strings in
// tests/integ/vlen_test.py testPutVLenCompoundBinary: 176 bytes of data in 192) and its
// clients (h5pyd, the test helpers) send them on binary writes; SplitElements accepts
// them and JoinElementsHSDS produces them.
func (t *Type) HSDSPadding() int {
	if t.class != ClassCompound || len(t.fields) < 2 {
		return 0
	}
	n := 0
	for _, f := range t.fields {
		ft := f.Type
		switch {
		case ft.class == ClassCompound:
			n += ft.HSDSPadding()
		case ft.class == ClassArray && ft.elem.size < 0 && (ft.elem.class == ClassString || ft.elem.class == ClassVlen):
			n += 4
		}
	}
	return n
}

// JoinElementsHSDS is JoinElements followed by len(elems)*t.HSDSPadding() zero bytes: the
// exact body HSDS's arrayToBytes gives for these elements (see HSDSPadding).
func JoinElementsHSDS(elems [][]byte, t *Type) []byte {
	out := JoinElements(elems)
	return append(out, make([]byte, len(elems)*t.HSDSPadding())...)
}

// SwapHSDSNativeFields reverses, in place, the bytes of every big-endian scalar integer,
// float and enum field of each element of a variable-length compound in elems (elements
// as SplitElements cuts them), turning the little-endian order HSDS's clients write these
// fields in into the type's declared order, or back. Other types are left alone.
//
// hsds/util/arrayUtil.py copyElement writes a compound's scalar fields with
// numpy-scalar.tobytes(), and numpy gives a field of a record as a native
// (little-endian) scalar, so arrayToBytes sends 1 in an H5T_STD_U64BE field as
// 01 00 00 00 00 00 00 00; array fields, variable-length sequences and fixed strings keep
// their declared order. readElement reads fields back with np.frombuffer(dtype=field
// dtype), that is in the declared order. The real HSDS 0.9.4 thus swaps such a field at
// every bytes-to-array hop (client to service node, service to data node, data node to
// storage and back), and what it shows depends on the number of hops: right after a
// binary write, JSON reads give the swapped number while binary reads give the declared
// order (01 read back as 1 by bytesToArray); after a restart JSON gives 1 while binary
// reads give the little-endian bytes. hsfan reads binary write bodies in the order the
// clients write them (little-endian, through this function) and keeps and answers the
// declared order, so JSON reads give the number the client wrote and binary reads give
// HSDS's bytes right after a write, which bytesToArray decodes to the same number.
func (t *Type) SwapHSDSNativeFields(elems [][]byte) error {
	if t.class != ClassCompound || t.size >= 0 || len(t.fields) < 2 {
		return nil
	}
	for i, e := range elems {
		if _, err := swapNativeFields(t, e, 0); err != nil {
			return fmt.Errorf("swap field byte order: element %d: %w", i, err)
		}
	}
	return nil
}

// swapNativeFields swaps the big-endian scalar fields of the compound element of t at off
// of b and returns the element's length.
func swapNativeFields(t *Type, b []byte, off int) (int, error) {
	start := off
	for _, f := range t.fields {
		ft := f.Type
		if ft.class == ClassCompound && len(ft.fields) > 1 {
			n, err := swapNativeFields(ft, b, off)
			if err != nil {
				return 0, fmt.Errorf("field %q: %w", f.Name, err)
			}
			off += n
			continue
		}
		n, err := elementLen(ft, b, off)
		if err != nil {
			return 0, fmt.Errorf("field %q: %w", f.Name, err)
		}
		if bigEndianScalar(ft) {
			slices.Reverse(b[off : off+n])
		}
		off += n
	}
	return off - start, nil
}

// bigEndianScalar reports whether t is a big-endian integer, float or enum of more than
// one byte: the types numpy hands out as native scalars.
func bigEndianScalar(t *Type) bool {
	if t.size < 2 {
		return false
	}
	switch t.class {
	case ClassInteger, ClassFloat:
		return t.order == binary.ByteOrder(binary.BigEndian)
	case ClassEnum:
		return t.elem != nil && t.elem.order == binary.ByteOrder(binary.BigEndian)
	}
	return false
}

// JoinElements concatenates element encodings into one buffer (the inverse
// of SplitElements).
func JoinElements(elems [][]byte) []byte {
	n := 0
	for _, e := range elems {
		n += len(e)
	}
	out := make([]byte, 0, n)
	for _, e := range elems {
		out = append(out, e...)
	}
	return out
}

// ZeroElement returns the bytes of an all-zero element: Size() zero bytes,
// or for variable-length types the form with every piece empty (count 0).
func (t *Type) ZeroElement() []byte {
	return make([]byte, fixedPartSize(t))
}
