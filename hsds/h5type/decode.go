package h5type

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

// DecodeOptions adjusts DecodeValue. The zero value is HSDS-compatible.
type DecodeOptions struct {
	// EmptyVlenAsEmpty decodes an empty variable-length string as "" and an
	// empty sequence as an empty list. By default both decode as the integer
	// 0, which is what HSDS returns (VERIFIED quirk, hsds-format 1.8).
	EmptyVlenAsEmpty bool
	// OpaqueBase64 decodes opaque elements as standard base64 text instead of
	// a string of the raw bytes (HSDS's behaviour, which fails on non-UTF-8).
	OpaqueBase64 bool
	// Float32 decodes 4-byte floats as Go float32 values, which MarshalValueJSON writes with
	// float32's shortest digits (0.42, not 0.41999998688697815). By default they decode as
	// float64, the value numpy's tolist() gives and HSDS prints for dataset values.
	Float32 bool
}

// DecodeValue converts packed element bytes (fixed layout, or HSDS's
// length-prefixed form for variable-length types) into a JSON-ready value:
// one element for an empty shape, else nested []any following shape. b must
// hold exactly prod(shape) elements. See the package doc for the Go value of
// each class.
func (t *Type) DecodeValue(b []byte, shape []int) (any, error) {
	return t.DecodeValueOptions(b, shape, DecodeOptions{})
}

// DecodeValueOptions is DecodeValue with options.
func (t *Type) DecodeValueOptions(b []byte, shape []int, opts DecodeOptions) (any, error) {
	n, err := NumElements(shape)
	if err != nil {
		return nil, fmt.Errorf("decode value: %w", err)
	}
	if err := checkEmptyShape(shape, n); err != nil {
		return nil, fmt.Errorf("decode value: %w", err)
	}
	if minSize := fixedPartSize(t); n > len(b)/minSize {
		return nil, fmt.Errorf("decode value: %d bytes cannot hold %d elements", len(b), n)
	}
	if t.size >= 0 && n*t.size != len(b) {
		return nil, fmt.Errorf("decode value: %d bytes for %d elements of %d bytes", len(b), n, t.size)
	}
	d := decoder{b: b, opts: opts}
	v, err := d.shaped(t, shape)
	if err != nil {
		return nil, fmt.Errorf("decode value: %w", err)
	}
	if d.off != len(b) {
		return nil, fmt.Errorf("decode value: %d trailing bytes after %d elements", len(b)-d.off, n)
	}
	return v, nil
}

// checkEmptyShape bounds the lists built for a shape holding no elements
// (e.g. [1e12, 0]), which would otherwise allocate before any byte is read.
func checkEmptyShape(shape []int, n int) error {
	if n != 0 {
		return nil
	}
	p := 1
	for _, d := range shape {
		if d == 0 {
			return nil
		}
		if p > (1<<24)/d {
			return fmt.Errorf("empty shape %v is too large", shape)
		}
		p *= d
	}
	return nil
}

type decoder struct {
	b    []byte
	off  int
	opts DecodeOptions
}

func (d *decoder) shaped(t *Type, shape []int) (any, error) {
	if len(shape) == 0 {
		return d.element(t)
	}
	out := make([]any, shape[0])
	for i := range out {
		v, err := d.shaped(t, shape[1:])
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (d *decoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.b)-d.off {
		return nil, fmt.Errorf("element needs %d bytes at offset %d, have %d", n, d.off, len(d.b)-d.off)
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p, nil
}

// vlenPiece reads a 4-byte LE count and the bytes it announces.
func (d *decoder) vlenPiece() ([]byte, error) {
	n, err := vlenCount(d.b, d.off)
	if err != nil {
		return nil, err
	}
	d.off += 4
	return d.take(n)
}

// vlenCount reads and checks the count at off.
func vlenCount(b []byte, off int) (int, error) {
	if len(b)-off < 4 {
		return 0, fmt.Errorf("truncated variable-length count at offset %d", off)
	}
	c := int32(binary.LittleEndian.Uint32(b[off:]))
	if c < 0 {
		return 0, fmt.Errorf("negative variable-length count %d at offset %d", c, off)
	}
	if c > MaxVlenElement {
		return 0, fmt.Errorf("variable-length count %d at offset %d exceeds %d", c, off, MaxVlenElement)
	}
	return int(c), nil
}

func readUint(p []byte, order binary.ByteOrder) uint64 {
	switch len(p) {
	case 1:
		return uint64(p[0])
	case 2:
		return uint64(order.Uint16(p))
	case 4:
		return uint64(order.Uint32(p))
	default:
		return order.Uint64(p)
	}
}

// intValue returns int64 for signed types, uint64 for unsigned ones.
func intValue(u uint64, size int, signed bool) any {
	if !signed {
		return u
	}
	shift := 64 - 8*size
	return int64(u<<shift) >> shift
}

func (d *decoder) text(p []byte, what string) (any, error) {
	if !utf8.Valid(p) {
		return nil, fmt.Errorf("%s at offset %d: %w", what, d.off-len(p), ErrNotUTF8)
	}
	return string(p), nil
}

func (d *decoder) element(t *Type) (any, error) {
	switch t.class {
	case ClassInteger:
		p, err := d.take(t.size)
		if err != nil {
			return nil, err
		}
		return intValue(readUint(p, t.order), t.size, t.signed), nil
	case ClassFloat:
		p, err := d.take(t.size)
		if err != nil {
			return nil, err
		}
		switch t.size {
		case 2:
			return Float16ToFloat64(t.order.Uint16(p)), nil
		case 4:
			if d.opts.Float32 {
				return math.Float32frombits(t.order.Uint32(p)), nil
			}
			return float64(math.Float32frombits(t.order.Uint32(p))), nil
		default:
			return math.Float64frombits(t.order.Uint64(p)), nil
		}
	case ClassString:
		if t.length < 0 {
			p, err := d.vlenPiece()
			if err != nil {
				return nil, err
			}
			if len(p) == 0 && !d.opts.EmptyVlenAsEmpty {
				return int64(0), nil
			}
			return d.text(p, "string")
		}
		p, err := d.take(t.length)
		if err != nil {
			return nil, err
		}
		return d.text(bytes.TrimRight(p, "\x00"), "string")
	case ClassReference:
		p, err := d.take(RefSize)
		if err != nil {
			return nil, err
		}
		return d.text(bytes.TrimRight(p, "\x00"), "reference")
	case ClassOpaque:
		p, err := d.take(t.size)
		if err != nil {
			return nil, err
		}
		if d.opts.OpaqueBase64 {
			return base64.StdEncoding.EncodeToString(p), nil
		}
		return d.text(p, "opaque")
	case ClassEnum:
		p, err := d.take(t.size)
		if err != nil {
			return nil, err
		}
		u := readUint(p, t.elem.order)
		if t.isBool {
			return u != 0, nil
		}
		return intValue(u, t.size, t.elem.signed), nil
	case ClassCompound:
		out := make([]any, len(t.fields))
		for i, f := range t.fields {
			v, err := d.element(f.Type)
			if err != nil {
				return nil, fmt.Errorf("field %q: %w", f.Name, err)
			}
			out[i] = v
		}
		return out, nil
	case ClassArray:
		return d.shaped(t.elem, t.dims)
	case ClassVlen:
		p, err := d.vlenPiece()
		if err != nil {
			return nil, err
		}
		if t.elem.size < 0 {
			if len(p) == 0 && !d.opts.EmptyVlenAsEmpty {
				return int64(0), nil
			}
			if len(p) == 0 {
				return []any{}, nil
			}
			return nil, ErrVlenOfVlen
		}
		if len(p)%t.elem.size != 0 {
			return nil, fmt.Errorf("variable-length sequence of %d bytes is not a multiple of its base size %d", len(p), t.elem.size)
		}
		if len(p) == 0 && !d.opts.EmptyVlenAsEmpty {
			return int64(0), nil
		}
		sub := decoder{b: p, opts: d.opts}
		out := make([]any, len(p)/t.elem.size)
		for i := range out {
			if out[i], err = sub.element(t.elem); err != nil {
				return nil, fmt.Errorf("sequence item %d: %w", i, err)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported class %s", t.class)
}
