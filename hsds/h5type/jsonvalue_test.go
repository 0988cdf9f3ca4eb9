package h5type

import (
	"encoding/json"
	"math"
	"testing"
)

func TestAppendPyFloat(t *testing.T) {
	// Expected strings are Python 3 repr(float) outputs.
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-2.5, "-2.5"},
		{0.1, "0.1"},
		{1.100000023841858, "1.100000023841858"},
		{123456.789, "123456.789"},
		{1e15, "1000000000000000.0"},
		{1e16, "1e+16"},
		{1.5e16, "1.5e+16"},
		{123456789012345680, "1.2345678901234568e+17"},
		{0.0001, "0.0001"},
		{0.00012345, "0.00012345"},
		{1e-05, "1e-05"},
		{1.5e-07, "1.5e-07"},
		{1e-300, "1e-300"},
		{5e-324, "5e-324"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{1e22, "1e+22"},
		{9999999999999998, "9999999999999998.0"},
		{20.52885965, "20.52885965"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := string(AppendPyFloat(nil, tc.in, false)); got != tc.want {
				t.Errorf("AppendPyFloat(%v) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestMarshalValueJSON(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name      string
		in        any
		ignoreNaN bool
		want      string
	}{
		{"nan tokens", []any{nan, inf, -inf, 1.0}, false, `[NaN, Infinity, -Infinity, 1.0]`},
		{"ignore nan", []any{nan, inf, -inf, 1.0}, true, `[null, null, null, 1.0]`},
		{"float64 slice", []float64{nan, 2}, false, `[NaN, 2.0]`},
		{"float32", float32(0.1), false, `0.1`}, // float32 values print at float32 precision (numpy repr)
		{"float32 0.42", float32(0.42), false, `0.42`},
		{"float32 big", float32(1e20), false, `1e+20`},
		{"float32 small", float32(1.5e-5), false, `1.5e-05`},
		{"ints", []any{int64(-1), uint64(math.MaxUint64), 3, int8(-4), uint16(5)}, false, `[-1, 18446744073709551615, 3, -4, 5]`},
		{"int64 slice", []int64{1, -2}, false, `[1, -2]`},
		{"nested", []any{[]any{}, []any{true, false, nil}}, false, `[[], [true, false, null]]`},
		{"string escapes", "a\"b\\c\n\t\r\b\f\x01\x7f/<", false, `"a\"b\\c\n\t\r\b\f\u0001\u007f/<"`},
		{"unicode", "héllo €𝄞", false, `"h\u00e9llo \u20ac\ud834\udd1e"`},
		{"invalid utf8", "a\xffb", false, `"a\ufffdb"`},
		{"string slice", []string{"x", "y"}, false, `["x", "y"]`},
		{"map sorted", map[string]any{"b": 1, "a": []any{2.5}}, false, `{"a": [2.5], "b": 1}`},
		{"json number", json.Number("12.50"), false, `12.50`},
		{"fallback", struct{ A int }{3}, false, `{"A":3}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MarshalValueJSON(tc.in, tc.ignoreNaN)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := MarshalValueJSON(json.Number("1x"), false); err == nil {
		t.Error("invalid json.Number accepted")
	}
}

// TestPyFloatRoundTrip checks that the Python-style text parses back to the
// same float64 for many values.
func TestPyFloatRoundTrip(t *testing.T) {
	x := 1.0
	for i := 0; i < 2000; i++ {
		for _, f := range []float64{x, -x, 1 / x, x * 1.37} {
			s := AppendPyFloat(nil, f, false)
			var back float64
			if err := json.Unmarshal(s, &back); err != nil || back != f {
				t.Fatalf("%v -> %s -> %v (%v)", f, s, back, err)
			}
		}
		x *= 1.7
		if math.IsInf(x, 0) {
			x = 3.3e-300
		}
	}
}
