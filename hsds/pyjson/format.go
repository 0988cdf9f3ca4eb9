package pyjson

// Python's json.dumps output form, written once for every package that writes JSON the way
// HSDS does (hsds/schema for stored objects, hsds/h5type and hsds/rest for values and
// responses): byte compatibility with HSDS depends on these functions (Python 3's
// float.__repr__ and json.encoder.py_encode_basestring_ascii).

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// AppendFloat appends f formatted like Python's repr(float): the shortest
// round-trip digits, fixed notation for decimal exponents in [-4, 16) with
// ".0" for integral values, otherwise d.ddde±XX. NaN and ±Inf are NaN,
// Infinity and -Infinity, or null when ignoreNaN is set.
func AppendFloat(b []byte, f float64, ignoreNaN bool) []byte {
	return appendPyFloatBits(b, f, ignoreNaN, 64)
}

// AppendFloat32 is AppendFloat with the shortest digits that round-trip at float32
// precision: 0.42 for float32(0.42), as Python prints numpy's float32 (repr) and as HSDS
// echoes a float32 attribute value sent as 0.42.
func AppendFloat32(b []byte, f float32, ignoreNaN bool) []byte {
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

// AppendString appends s as a JSON string the way Python's json.dumps
// does with ensure_ascii: printable ASCII as is (except " and \), the short
// escapes \n \r \t \b \f, everything else as \uXXXX (surrogate pairs above
// U+FFFF). Invalid UTF-8 is written as U+FFFD.
func AppendString(b []byte, s string) []byte {
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
		b = AppendRuneEscape(b, r)
	}
	return append(b, '"')
}

// AppendRuneEscape appends r as Python's json.dumps escapes it with ensure_ascii: \uXXXX, a
// surrogate pair above U+FFFF.
func AppendRuneEscape(b []byte, r rune) []byte {
	if r >= 0x10000 {
		r -= 0x10000
		b = appendU(b, 0xd800+(r>>10)&0x3ff)
		return appendU(b, 0xdc00+r&0x3ff)
	}
	return appendU(b, r)
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
