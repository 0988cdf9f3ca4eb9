package h5type

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/hsds/pyjson"
)

// toInteger converts a decoded JSON value to an integer of the given
// signedness and width, returned as uint64 two's complement (sign-extended
// for signed types). Fractional values truncate toward zero, as numpy does;
// values out of range are errors.
func toInteger(v any, signed bool, bits int) (uint64, error) {
	switch x := v.(type) {
	case json.Number:
		return parseIntText(string(x), signed, bits)
	case string:
		if f, ok := pyjson.Float(x); ok {
			return floatToInteger(f, signed, bits)
		}
		return parseIntText(strings.TrimSpace(x), signed, bits)
	case float64:
		return floatToInteger(x, signed, bits)
	case float32:
		return floatToInteger(float64(x), signed, bits)
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case int:
		return checkSigned(int64(x), signed, bits)
	case int8:
		return checkSigned(int64(x), signed, bits)
	case int16:
		return checkSigned(int64(x), signed, bits)
	case int32:
		return checkSigned(int64(x), signed, bits)
	case int64:
		return checkSigned(x, signed, bits)
	case uint:
		return checkUnsigned(uint64(x), signed, bits)
	case uint8:
		return checkUnsigned(uint64(x), signed, bits)
	case uint16:
		return checkUnsigned(uint64(x), signed, bits)
	case uint32:
		return checkUnsigned(uint64(x), signed, bits)
	case uint64:
		return checkUnsigned(x, signed, bits)
	case nil:
		return 0, errors.New("null is not an integer")
	}
	return 0, fmt.Errorf("%s is not an integer", describe(v))
}

func parseIntText(s string, signed bool, bits int) (uint64, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return checkSigned(i, signed, bits)
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return checkUnsigned(u, signed, bits)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", truncText(s))
	}
	return floatToInteger(f, signed, bits)
}

func floatToInteger(f float64, signed bool, bits int) (uint64, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%v is not an integer", f)
	}
	f = math.Trunc(f)
	if signed {
		if f < -math.Ldexp(1, bits-1) || f >= math.Ldexp(1, bits-1) {
			return 0, fmt.Errorf("%v out of range for int%d", f, bits)
		}
		return uint64(int64(f)), nil
	}
	if f < 0 || f >= math.Ldexp(1, bits) {
		return 0, fmt.Errorf("%v out of range for uint%d", f, bits)
	}
	return uint64(f), nil
}

func checkSigned(i int64, signed bool, bits int) (uint64, error) {
	if signed {
		if bits < 64 && (i < -(1<<(bits-1)) || i >= 1<<(bits-1)) {
			return 0, fmt.Errorf("%d out of range for int%d", i, bits)
		}
		return uint64(i), nil
	}
	if i < 0 {
		return 0, fmt.Errorf("%d out of range for uint%d", i, bits)
	}
	return checkUnsigned(uint64(i), false, bits)
}

func checkUnsigned(u uint64, signed bool, bits int) (uint64, error) {
	limit := bits
	if signed {
		limit--
	}
	if limit < 64 && u >= 1<<limit {
		if signed {
			return 0, fmt.Errorf("%d out of range for int%d", u, bits)
		}
		return 0, fmt.Errorf("%d out of range for uint%d", u, bits)
	}
	return u, nil
}

// toFloat converts a decoded JSON value to float64. The pyjson sentinels
// (Python's bare NaN, Infinity, -Infinity tokens) and the strings "NaN",
// "Infinity", "-Infinity" (and "inf"/"nan" in any case) are accepted, null is
// NaN (numpy's conversion of None), numbers beyond float64 are ±Inf.
func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case json.Number:
		return parseFloatText(string(x))
	case string:
		if f, ok := pyjson.Float(x); ok {
			return f, nil
		}
		return parseFloatText(strings.TrimSpace(x))
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case int:
		return float64(x), nil
	case int8:
		return float64(x), nil
	case int16:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint:
		return float64(x), nil
	case uint8:
		return float64(x), nil
	case uint16:
		return float64(x), nil
	case uint32:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case nil:
		return quietNaN, nil
	}
	return 0, fmt.Errorf("%s is not a number", describe(v))
}

// quietNaN is numpy's (and C's) default NaN, 0x7ff8000000000000; Go's
// math.NaN() has a different payload.
var quietNaN = math.Float64frombits(0x7ff8000000000000)

func parseFloatText(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if math.IsNaN(f) {
		if strings.HasPrefix(s, "-") {
			return math.Copysign(quietNaN, -1), nil
		}
		return quietNaN, nil
	}
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return f, nil
		}
		return 0, fmt.Errorf("%q is not a number", truncText(s))
	}
	return f, nil
}

// toBool converts to a numpy bool: true/false, or a number (non-zero true).
func toBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case nil:
		return false, errors.New("null is not a boolean")
	case string:
		switch strings.ToUpper(x) {
		case "TRUE":
			return true, nil
		case "FALSE":
			return false, nil
		}
	}
	f, err := toFloat(v)
	if err != nil || math.IsNaN(f) {
		return false, fmt.Errorf("%s is not a boolean", describe(v))
	}
	return f != 0, nil
}

// toText returns the bytes of a string value; numbers give their text.
func toText(v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		if f, ok := pyjson.Float(x); ok {
			return nil, fmt.Errorf("%v is not a string", f)
		}
		return []byte(x), nil
	case json.Number:
		return []byte(x), nil
	case []byte:
		return x, nil
	}
	return nil, fmt.Errorf("%s is not a string", describe(v))
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case []any:
		return fmt.Sprintf("list of %d", len(x))
	case map[string]any:
		return "object"
	case string:
		if f, ok := pyjson.Float(x); ok {
			return fmt.Sprint(f)
		}
		return strconv.Quote(truncText(x))
	}
	return fmt.Sprintf("%T %v", v, v)
}

func truncText(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
