package h5type

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/hsfan/hsfan/hsds/pyjson"
)

// MarshalValueJSON writes v as Python's json.dumps does with its defaults
// (which is how HSDS serialises values): ", " and ": " separators, non-ASCII
// characters escaped as \uXXXX, floats in Python repr form ("1.0", "1e-05",
// "1.5e+16"), and NaN/Infinity/-Infinity as bare tokens, or null when
// ignoreNaN is set (HSDS's ignore_nan). Integers of any Go width are written
// exactly, including uint64 beyond 2^53. Maps are written with sorted keys.
// Values of other types go through encoding/json.
func MarshalValueJSON(v any, ignoreNaN bool) ([]byte, error) {
	return AppendValueJSON(nil, v, ignoreNaN)
}

// AppendValueJSON is MarshalValueJSON appending to dst.
func AppendValueJSON(dst []byte, v any, ignoreNaN bool) ([]byte, error) {
	return appendValue(dst, v, ignoreNaN, 0)
}

func appendValue(b []byte, v any, ignoreNaN bool, depth int) ([]byte, error) {
	if depth > 10000 {
		return b, fmt.Errorf("marshal value: nested deeper than 10000")
	}
	var err error
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		if x {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case float64:
		return AppendPyFloat(b, x, ignoreNaN), nil
	case float32:
		return AppendPyFloat32(b, x, ignoreNaN), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case string:
		return AppendPyString(b, x), nil
	case json.Number:
		if _, perr := strconv.ParseFloat(string(x), 64); perr != nil && !isRangeErr(perr) {
			return b, fmt.Errorf("marshal value: invalid number %q", truncText(string(x)))
		}
		return append(b, x...), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			if b, err = appendValue(b, e, ignoreNaN, depth+1); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case []float64:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = AppendPyFloat(b, e, ignoreNaN)
		}
		return append(b, ']'), nil
	case []int64:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendInt(b, e, 10)
		}
		return append(b, ']'), nil
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = AppendPyString(b, e)
		}
		return append(b, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = AppendPyString(b, k)
			b = append(b, ": "...)
			if b, err = appendValue(b, x[k], ignoreNaN, depth+1); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return b, fmt.Errorf("marshal value: %w", err)
	}
	return append(b, out...), nil
}

func isRangeErr(err error) bool {
	var ne *strconv.NumError
	return errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange)
}

// AppendPyFloat appends f formatted like Python's repr(float) (pyjson.AppendFloat, the one
// implementation).
func AppendPyFloat(b []byte, f float64, ignoreNaN bool) []byte {
	return pyjson.AppendFloat(b, f, ignoreNaN)
}

// AppendPyFloat32 appends f with the shortest digits that round-trip at float32 precision
// (pyjson.AppendFloat32).
func AppendPyFloat32(b []byte, f float32, ignoreNaN bool) []byte {
	return pyjson.AppendFloat32(b, f, ignoreNaN)
}

// AppendPyString appends s as a JSON string the way Python's json.dumps does with ensure_ascii
// (pyjson.AppendString).
func AppendPyString(b []byte, s string) []byte {
	return pyjson.AppendString(b, s)
}
