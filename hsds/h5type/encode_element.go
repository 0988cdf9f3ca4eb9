package h5type

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
)

// IsLeaf reports whether a JSON element of t is never a list (every class but compound, array
// and variable-length sequence), so that a JSON value of t's dataset is a nested list of
// scalars whose leaves are its elements in row-major order.
func (t *Type) IsLeaf() bool { return t.isLeaf() }

// AppendElement appends one element of t encoded from a decoded JSON value, exactly as
// EncodeValue encodes each element (same conversions, same errors).
func (t *Type) AppendElement(buf []byte, v any) ([]byte, error) {
	return t.appendElement(buf, v, 0)
}

// AppendNumberText appends one element of t from the text of a JSON number (RFC 8259 grammar,
// already checked by the caller), giving the same bytes and errors as EncodeValue does for the
// json.Number of that text. Integer and float types are converted without allocating; other
// classes go through AppendElement.
func (t *Type) AppendNumberText(buf []byte, text []byte) ([]byte, error) {
	switch t.class {
	case ClassInteger:
		// The conversions copy their input on error only, so string(text) does not escape.
		if i, err := strconv.ParseInt(string(text), 10, 64); err == nil {
			u, err := checkSigned(i, t.signed, 8*t.size)
			if err != nil {
				return buf, err
			}
			return putUint(buf, u, t.size, t.order), nil
		}
		u, err := parseIntText(string(text), t.signed, 8*t.size)
		if err != nil {
			return buf, err
		}
		return putUint(buf, u, t.size, t.order), nil
	case ClassFloat:
		f, err := strconv.ParseFloat(string(text), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			if f, err = parseFloatText(string(text)); err != nil {
				return buf, err
			}
		}
		return t.appendFloat(buf, f), nil
	}
	return t.appendElement(buf, json.Number(text), 0)
}

// appendFloat appends f as an element of the float type t (as appendElement does).
func (t *Type) appendFloat(buf []byte, f float64) []byte {
	order := appendOrder(t.order)
	switch t.size {
	case 2:
		return order.AppendUint16(buf, Float64ToFloat16(f))
	case 4:
		return order.AppendUint32(buf, math.Float32bits(float32(f)))
	default:
		return order.AppendUint64(buf, math.Float64bits(f))
	}
}
