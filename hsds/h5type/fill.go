package h5type

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"

	"github.com/hsfan/hsfan/hsds/pyjson"
)

// FillBytes returns the element bytes of a dataset's fillValue: fill is the
// stored JSON in internal form (see package pyjson: Python's NaN, Infinity
// and -Infinity arrive as sentinel strings) holding a scalar, a list for
// compound types, or, when encoding is "base64", a base64 string of the
// element bytes. A nil, empty or null
// fill gives the zero element (Size() zero bytes; count-0 pieces for
// variable-length types).
func FillBytes(t *Type, fill json.RawMessage, encoding string) ([]byte, error) {
	fill = bytes.TrimSpace(fill)
	if len(fill) == 0 || bytes.Equal(fill, []byte("null")) {
		return t.ZeroElement(), nil
	}
	switch encoding {
	case "base64":
		var s string
		if err := json.Unmarshal(fill, &s); err != nil {
			return nil, fmt.Errorf("fill value: base64 fillValue must be a JSON string: %w", err)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("fill value: decode base64: %w", err)
		}
		n, err := t.ElementLen(b)
		if err != nil {
			return nil, fmt.Errorf("fill value: %w", err)
		}
		if n != len(b) {
			return nil, fmt.Errorf("fill value: %d base64 bytes for an element of %d bytes", len(b), n)
		}
		return b, nil
	case "":
	default:
		return nil, fmt.Errorf("fill value: unknown fillValue_encoding %q", encoding)
	}
	v, err := pyjson.DecodeValue(fill)
	if err != nil {
		return nil, fmt.Errorf("fill value: %w", err)
	}
	b, err := t.EncodeValue(v, nil)
	if err != nil {
		return nil, fmt.Errorf("fill value: %w", err)
	}
	return b, nil
}

// Repeat writes n copies of elem into dst and returns dst[:n*len(elem)]. When
// dst's capacity is too small a new slice is allocated and returned, so use
// the result. It copies by doubling, so it runs at memmove speed. A count
// whose byte size overflows int gives nil.
func Repeat(dst []byte, elem []byte, n int) []byte {
	if n <= 0 || len(elem) == 0 {
		return dst[:0]
	}
	if n > math.MaxInt/len(elem) {
		return nil // the result could not be allocated anyway
	}
	total := n * len(elem)
	if cap(dst) < total {
		dst = make([]byte, total)
	}
	dst = dst[:total]
	if allZero(elem) {
		clear(dst)
		return dst
	}
	filled := copy(dst, elem)
	for filled < total {
		filled += copy(dst[filled:], dst[:filled])
	}
	return dst
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
