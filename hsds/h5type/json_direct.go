package h5type

import (
	"fmt"
	"math"
	"strconv"
)

// AppendJSON writes the JSON of packed element bytes directly, without
// building the []any tree of DecodeValue: the output is byte for byte
// MarshalValueJSON(DecodeValueOptions(b, shape, opts), ignoreNaN), but numeric
// elements are formatted straight from the bytes with no per-element
// allocation. Use it for large JSON value responses.
func (t *Type) AppendJSON(dst, b []byte, shape []int, ignoreNaN bool, opts DecodeOptions) ([]byte, error) {
	n, err := NumElements(shape)
	if err != nil {
		return dst, fmt.Errorf("value json: %w", err)
	}
	if err := checkEmptyShape(shape, n); err != nil {
		return dst, fmt.Errorf("value json: %w", err)
	}
	if minSize := fixedPartSize(t); n > len(b)/minSize {
		return dst, fmt.Errorf("value json: %d bytes cannot hold %d elements", len(b), n)
	}
	if t.size >= 0 && n*t.size != len(b) {
		return dst, fmt.Errorf("value json: %d bytes for %d elements of %d bytes", len(b), n, t.size)
	}
	w := jsonWriter{decoder: decoder{b: b, opts: opts}, ignoreNaN: ignoreNaN}
	out, err := w.shaped(dst, t, shape)
	if err != nil {
		return dst, fmt.Errorf("value json: %w", err)
	}
	if w.off != len(b) {
		return dst, fmt.Errorf("value json: %d trailing bytes after %d elements", len(b)-w.off, n)
	}
	return out, nil
}

type jsonWriter struct {
	decoder
	ignoreNaN bool
}

func (w *jsonWriter) shaped(dst []byte, t *Type, shape []int) ([]byte, error) {
	if len(shape) == 0 {
		return w.element(dst, t)
	}
	if len(shape) == 1 && (t.class == ClassInteger || t.class == ClassFloat) {
		return w.numbers(dst, t, shape[0])
	}
	dst = append(dst, '[')
	var err error
	for i := 0; i < shape[0]; i++ {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		if dst, err = w.shaped(dst, t, shape[1:]); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// numbers writes a list of n integer or float elements.
func (w *jsonWriter) numbers(dst []byte, t *Type, n int) ([]byte, error) {
	p, err := w.take(n * t.size)
	if err != nil {
		return dst, err
	}
	dst = append(dst, '[')
	for i := 0; i < n; i++ {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = w.number(dst, t, p[i*t.size:(i+1)*t.size])
	}
	return append(dst, ']'), nil
}

func (w *jsonWriter) number(dst []byte, t *Type, p []byte) []byte {
	if t.class == ClassFloat {
		var f float64
		switch t.size {
		case 2:
			f = Float16ToFloat64(t.order.Uint16(p))
		case 4:
			f = float64(math.Float32frombits(t.order.Uint32(p)))
		default:
			f = math.Float64frombits(t.order.Uint64(p))
		}
		return AppendPyFloat(dst, f, w.ignoreNaN)
	}
	var u uint64
	switch t.size {
	case 1:
		u = uint64(p[0])
	case 2:
		u = uint64(t.order.Uint16(p))
	case 4:
		u = uint64(t.order.Uint32(p))
	default:
		u = t.order.Uint64(p)
	}
	if !t.signed {
		return strconv.AppendUint(dst, u, 10)
	}
	shift := 64 - 8*t.size
	return strconv.AppendInt(dst, int64(u<<shift)>>shift, 10)
}

func (w *jsonWriter) element(dst []byte, t *Type) ([]byte, error) {
	switch t.class {
	case ClassInteger, ClassFloat:
		p, err := w.take(t.size)
		if err != nil {
			return dst, err
		}
		return w.number(dst, t, p), nil
	case ClassCompound:
		dst = append(dst, '[')
		var err error
		for i, f := range t.fields {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			if dst, err = w.element(dst, f.Type); err != nil {
				return dst, fmt.Errorf("field %q: %w", f.Name, err)
			}
		}
		return append(dst, ']'), nil
	case ClassArray:
		return w.shaped(dst, t.elem, t.dims)
	}
	v, err := w.decoder.element(t)
	if err != nil {
		return dst, err
	}
	return appendValue(dst, v, w.ignoreNaN, 0)
}
