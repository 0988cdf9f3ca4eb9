package h5type

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"
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
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// AppendPyFloat appends f formatted like Python's repr(float): the shortest
// round-trip digits, fixed notation for decimal exponents in [-4, 16) with
// ".0" for integral values, otherwise d.ddde±XX. NaN and ±Inf are NaN,
// Infinity and -Infinity, or null when ignoreNaN is set.
func AppendPyFloat(b []byte, f float64, ignoreNaN bool) []byte {
	return appendPyFloatBits(b, f, ignoreNaN, 64)
}

// AppendPyFloat32 is AppendPyFloat with the shortest digits that round-trip at float32
// precision: 0.42 for float32(0.42), as Python prints numpy's float32 (repr) and as HSDS
// echoes a float32 attribute value sent as 0.42.
func AppendPyFloat32(b []byte, f float32, ignoreNaN bool) []byte {
	return appendPyFloatBits(b, float64(f), ignoreNaN, 32)
}

func appendPyFloatBits(b []byte, f float64, ignoreNaN bool, bits int) []byte {
	switch {
	case math.IsNaN(f):
		if ignoreNaN {
			return append(b, "null"...)
		}
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		if ignoreNaN {
			return append(b, "null"...)
		}
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		if ignoreNaN {
			return append(b, "null"...)
		}
		return append(b, "-Infinity"...)
	}
	var scratch [32]byte
	e := strconv.AppendFloat(scratch[:0], f, 'e', -1, bits)
	if e[0] == '-' {
		b = append(b, '-')
		e = e[1:]
	}
	// e is d[.ddd]e±XX
	var digits [24]byte
	nd := 0
	i := 0
	for ; i < len(e) && e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits[nd] = e[i]
			nd++
		}
	}
	exp := 0 // e[i+1:] is "+XX" or "-XX", as produced by AppendFloat
	for _, c := range e[i+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[i+1] == '-' {
		exp = -exp
	}
	decpt := exp + 1
	if decpt > -4 && decpt <= 16 {
		switch {
		case decpt <= 0:
			b = append(b, '0', '.')
			for j := 0; j < -decpt; j++ {
				b = append(b, '0')
			}
			b = append(b, digits[:nd]...)
		case decpt >= nd:
			b = append(b, digits[:nd]...)
			for j := nd; j < decpt; j++ {
				b = append(b, '0')
			}
			b = append(b, '.', '0')
		default:
			b = append(b, digits[:decpt]...)
			b = append(b, '.')
			b = append(b, digits[decpt:nd]...)
		}
		return b
	}
	b = append(b, digits[0])
	if nd > 1 {
		b = append(b, '.')
		b = append(b, digits[1:nd]...)
	}
	b = append(b, 'e')
	if exp < 0 {
		b = append(b, '-')
		exp = -exp
	} else {
		b = append(b, '+')
	}
	if exp < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(exp), 10)
}

const hexDigits = "0123456789abcdef"

// AppendPyString appends s as a JSON string the way Python's json.dumps
// does with ensure_ascii: printable ASCII as is (except " and \), the short
// escapes \n \r \t \b \f, everything else as \uXXXX (surrogate pairs above
// U+FFFF). Invalid UTF-8 is written as U+FFFD.
func AppendPyString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			if c == '"' || c == '\\' {
				b = append(b, '\\')
			}
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = appendU(b, rune(c))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			r -= 0x10000
			b = appendU(b, 0xd800+(r>>10)&0x3ff)
			b = appendU(b, 0xdc00+r&0x3ff)
			continue
		}
		b = appendU(b, r)
	}
	return append(b, '"')
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
