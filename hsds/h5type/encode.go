package h5type

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// maxElements bounds the element count of a shape.
const maxElements = 1 << 40

// NumElements returns the number of elements of a shape (1 for a scalar,
// i.e. an empty shape), rejecting negative extents and overflow.
func NumElements(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative extent in shape %v", shape)
		}
		if d != 0 && n > maxElements/d {
			return 0, fmt.Errorf("shape %v has too many elements", shape)
		}
		n *= d
	}
	return n, nil
}

// errShape marks a mismatch between a value's nesting and the shape.
var errShape = errors.New("value does not match shape")

// EncodeValue converts a decoded JSON value to packed element bytes in the
// type's byte order. For an empty shape v is one element; otherwise v is a
// nested list matching shape (as numpy accepts, a flat or differently nested
// list with the right number of scalar elements is also accepted, and so is
// a bare element when the shape holds one element). Variable-length types
// use HSDS's length-prefixed form. Accepted leaf values: json.Number, string,
// bool, nil, Go numbers; see the package doc for per-class rules.
func (t *Type) EncodeValue(v any, shape []int) ([]byte, error) {
	n, err := NumElements(shape)
	if err != nil {
		return nil, fmt.Errorf("encode value: %w", err)
	}
	var buf []byte
	if t.size > 0 {
		c := n * t.size
		if c > 1<<24 || c < 0 {
			c = 1 << 24
		}
		buf = make([]byte, 0, c)
	}
	if len(shape) == 0 {
		out, err := t.appendElement(buf, v, 0)
		if err != nil {
			// numpy: [42] (any nesting of one element) fits a scalar selection.
			for l, ok := v.([]any); ok && len(l) == 1; l, ok = v.([]any) {
				v = l[0]
				if out, err2 := t.appendElement(buf[:0], v, 0); err2 == nil {
					return out, nil
				}
			}
			return nil, fmt.Errorf("encode value: %w", err)
		}
		return out, nil
	}
	out, err := t.appendShaped(buf, v, shape, 0)
	if err == nil {
		return out, nil
	}
	if !errors.Is(err, errShape) {
		return nil, fmt.Errorf("encode value: %w", err)
	}
	// numpy-style leniencies.
	if n == 1 {
		if out, err2 := t.appendElement(buf[:0], unwrapSingle(v, len(shape)), 0); err2 == nil {
			return out, nil
		}
	}
	if t.isLeaf() {
		flat := flatten(v, nil, n+1)
		if len(flat) == n && regular(v) {
			out := buf[:0]
			for i, e := range flat {
				if out, err = t.appendElement(out, e, 0); err != nil {
					return nil, fmt.Errorf("encode value element %d: %w", i, err)
				}
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("encode value: %w", err)
}

// isLeaf reports whether a JSON element of t is never a list.
func (t *Type) isLeaf() bool {
	switch t.class {
	case ClassCompound, ClassArray, ClassVlen:
		return false
	}
	return true
}

func unwrapSingle(v any, depth int) any {
	for i := 0; i < depth; i++ {
		l, ok := v.([]any)
		if !ok || len(l) != 1 {
			break
		}
		v = l[0]
	}
	return v
}

// flatten appends the leaves of nested lists, stopping past limit.
// regular reports whether v is a nesting numpy makes an array of: every list at one depth of
// the same length and every leaf at one depth (np.array refuses ragged lists).
func regular(v any) bool {
	var lens []int
	leaf := -1
	var walk func(v any, depth int) bool
	walk = func(v any, depth int) bool {
		l, ok := v.([]any)
		if !ok {
			if leaf < 0 {
				leaf = depth
			}
			return leaf == depth
		}
		for len(lens) <= depth {
			lens = append(lens, -1)
		}
		if lens[depth] < 0 {
			lens[depth] = len(l)
		} else if lens[depth] != len(l) {
			return false
		}
		for _, e := range l {
			if !walk(e, depth+1) {
				return false
			}
		}
		return true
	}
	return walk(v, 0)
}

func flatten(v any, out []any, limit int) []any {
	l, ok := v.([]any)
	if !ok {
		return append(out, v)
	}
	for _, e := range l {
		if len(out) >= limit {
			return out
		}
		out = flatten(e, out, limit)
	}
	return out
}

func (t *Type) appendShaped(buf []byte, v any, shape []int, depth int) ([]byte, error) {
	if len(shape) == 0 {
		return t.appendElement(buf, v, depth)
	}
	l, ok := v.([]any)
	if !ok || len(l) != shape[0] {
		return buf, fmt.Errorf("%w: expected a list of %d, got %s", errShape, shape[0], describe(v))
	}
	var err error
	for _, e := range l {
		if buf, err = t.appendShaped(buf, e, shape[1:], depth); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// appendOrder returns the append form of the byte order of t's data.
func appendOrder(order binary.ByteOrder) binary.AppendByteOrder {
	if order == binary.ByteOrder(binary.BigEndian) {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func putUint(buf []byte, u uint64, size int, bo binary.ByteOrder) []byte {
	order := appendOrder(bo)
	switch size {
	case 1:
		return append(buf, byte(u))
	case 2:
		return order.AppendUint16(buf, uint16(u))
	case 4:
		return order.AppendUint32(buf, uint32(u))
	default:
		return order.AppendUint64(buf, u)
	}
}

// appendElement encodes one element of t.
func (t *Type) appendElement(buf []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return buf, errors.New("value nested too deeply")
	}
	switch t.class {
	case ClassInteger:
		u, err := toInteger(v, t.signed, 8*t.size)
		if err != nil {
			return buf, err
		}
		return putUint(buf, u, t.size, t.order), nil
	case ClassFloat:
		f, err := toFloat(v)
		if err != nil {
			return buf, err
		}
		order := appendOrder(t.order)
		switch t.size {
		case 2:
			return order.AppendUint16(buf, Float64ToFloat16(f)), nil
		case 4:
			return order.AppendUint32(buf, math.Float32bits(float32(f))), nil
		default:
			return order.AppendUint64(buf, math.Float64bits(f)), nil
		}
	case ClassString:
		if t.length < 0 {
			return appendVlenString(buf, v)
		}
		return appendFixedText(buf, v, t.length, true, "string")
	case ClassReference:
		return appendFixedText(buf, v, RefSize, false, "reference")
	case ClassOpaque:
		return appendFixedText(buf, v, t.size, false, "opaque")
	case ClassEnum:
		return t.appendEnum(buf, v)
	case ClassCompound:
		return t.appendCompound(buf, v, depth)
	case ClassArray:
		return t.elem.appendArray(buf, v, t.dims, depth)
	case ClassVlen:
		return t.appendVlenSeq(buf, v, depth)
	}
	return buf, fmt.Errorf("unsupported class %s", t.class)
}

func appendVlenString(buf []byte, v any) ([]byte, error) {
	if isEmptyVlen(v) {
		return append(buf, 0, 0, 0, 0), nil
	}
	s, err := toText(v)
	if err != nil {
		return buf, err
	}
	if len(s) > MaxVlenElement {
		return buf, fmt.Errorf("variable-length string of %d bytes exceeds %d", len(s), MaxVlenElement)
	}
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(s)))
	return append(buf, s...), nil
}

// isEmptyVlen: HSDS writes count 0 for None and for the integer 0 (its
// representation of an uninitialised element).
func isEmptyVlen(v any) bool {
	if v == nil {
		return true
	}
	if _, isText := v.(string); isText {
		return false
	}
	u, err := toInteger(v, true, 64)
	return err == nil && u == 0
}

// appendFixedText writes a null-padded fixed-size byte field. Longer input
// is truncated when truncate is set (numpy S<n>), otherwise an error.
func appendFixedText(buf []byte, v any, size int, truncate bool, what string) ([]byte, error) {
	var s []byte
	if v != nil {
		var err error
		if s, err = toText(v); err != nil {
			return buf, err
		}
	}
	if len(s) > size {
		if !truncate {
			return buf, fmt.Errorf("%s value of %d bytes exceeds its size %d", what, len(s), size)
		}
		s = s[:size]
	}
	buf = append(buf, s...)
	for i := len(s); i < size; i++ {
		buf = append(buf, 0)
	}
	return buf, nil
}

func (t *Type) appendEnum(buf []byte, v any) ([]byte, error) {
	base := t.elem
	if t.isBool {
		b, err := toBool(v)
		if err != nil {
			return buf, err
		}
		if b {
			return append(buf, 1), nil
		}
		return append(buf, 0), nil
	}
	if s, ok := v.(string); ok {
		for _, m := range t.mapping {
			if m.Name == s {
				return putUint(buf, uint64(m.Value), base.size, base.order), nil
			}
		}
	}
	u, err := toInteger(v, base.signed, 8*base.size)
	if err != nil {
		return buf, err
	}
	return putUint(buf, u, base.size, base.order), nil
}

func (t *Type) appendCompound(buf []byte, v any, depth int) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case []any:
		if len(x) != len(t.fields) {
			return buf, fmt.Errorf("compound value has %d items, type has %d fields", len(x), len(t.fields))
		}
		for i, f := range t.fields {
			if buf, err = f.Type.appendElement(buf, x[i], depth+1); err != nil {
				return buf, fmt.Errorf("field %q: %w", f.Name, err)
			}
		}
		return buf, nil
	case map[string]any:
		if len(x) != len(t.fields) {
			return buf, fmt.Errorf("compound value has %d keys, type has %d fields", len(x), len(t.fields))
		}
		for _, f := range t.fields {
			fv, ok := x[f.Name]
			if !ok {
				return buf, fmt.Errorf("compound value has no field %q", f.Name)
			}
			if buf, err = f.Type.appendElement(buf, fv, depth+1); err != nil {
				return buf, fmt.Errorf("field %q: %w", f.Name, err)
			}
		}
		return buf, nil
	case json.Number, float64, int64, int, uint64:
		// numpy: a number assigned to a structured element sets every field to it (HSDS
		// jsonToArray's np.array(data, dtype) with plain numbers for a compound).
		for _, f := range t.fields {
			if buf, err = f.Type.appendElement(buf, v, depth+1); err != nil {
				return buf, fmt.Errorf("field %q: %w", f.Name, err)
			}
		}
		return buf, nil
	}
	return buf, fmt.Errorf("compound value must be a list, got %s", describe(v))
}

// appendArray encodes an H5T_ARRAY value (t is the array base).
func (t *Type) appendArray(buf []byte, v any, dims []int, depth int) ([]byte, error) {
	start := len(buf)
	out, err := t.appendShaped(buf, v, dims, depth+1)
	if err == nil || !errors.Is(err, errShape) || !t.isLeaf() {
		return out, err
	}
	n, _ := NumElements(dims) // dims validated by Parse
	flat := flatten(v, nil, n+1)
	if len(flat) != n {
		return buf[:start], fmt.Errorf("array value has %d items, type has %d", len(flat), n)
	}
	out = buf[:start]
	for _, e := range flat {
		if out, err = t.appendElement(out, e, depth+1); err != nil {
			return buf[:start], err
		}
	}
	return out, nil
}

func (t *Type) appendVlenSeq(buf []byte, v any, depth int) ([]byte, error) {
	if isEmptyVlen(v) {
		return append(buf, 0, 0, 0, 0), nil
	}
	if t.elem.size < 0 {
		return buf, ErrVlenOfVlen
	}
	l, ok := v.([]any)
	if !ok {
		return buf, fmt.Errorf("variable-length sequence must be a list, got %s", describe(v))
	}
	if len(l)*t.elem.size > MaxVlenElement {
		return buf, fmt.Errorf("variable-length sequence of %d bytes exceeds %d", len(l)*t.elem.size, MaxVlenElement)
	}
	start := len(buf)
	buf = append(buf, 0, 0, 0, 0)
	var err error
	for i, e := range l {
		if buf, err = t.elem.appendElement(buf, e, depth+1); err != nil {
			return buf[:start], fmt.Errorf("sequence item %d: %w", i, err)
		}
	}
	binary.LittleEndian.PutUint32(buf[start:], uint32(len(buf)-start-4))
	return buf, nil
}
