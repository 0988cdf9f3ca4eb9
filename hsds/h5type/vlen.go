package h5type

import (
	"errors"
	"fmt"
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
		return nil, fmt.Errorf("split elements: %d trailing bytes after %d elements", len(b)-off, n)
	}
	return out, nil
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
