package h5type

import (
	"encoding/binary"
	"math"
	"testing"
)

func TestFloat16(t *testing.T) {
	// Every non-NaN half round-trips through float64.
	for h := 0; h < 1<<16; h++ {
		f := Float16ToFloat64(uint16(h))
		if math.IsNaN(f) {
			if h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
				t.Fatalf("%#04x decoded as NaN", h)
			}
			continue
		}
		if back := Float64ToFloat16(f); back != uint16(h) {
			t.Fatalf("%#04x -> %v -> %#04x", h, f, back)
		}
	}
	tests := []struct {
		in   float64
		want uint16
	}{
		{1, 0x3c00},
		{65504, 0x7bff},
		{65520, 0x7c00},                    // rounds up to Inf
		{65519.99, 0x7bff},                 // rounds down
		{1 + math.Ldexp(1, -11), 0x3c00},   // tie, even stays
		{1 + 3*math.Ldexp(1, -11), 0x3c02}, // tie, odd rounds up
		{math.Ldexp(1, -24), 0x0001},       // smallest subnormal
		{math.Ldexp(1, -25), 0x0000},       // tie to even zero
		{math.Ldexp(1.5, -25), 0x0001},     // above tie
		{math.Ldexp(1023, -24), 0x03ff},    // largest subnormal
		{math.Ldexp(2047, -25), 0x0400},    // rounds into smallest normal
		{-math.Ldexp(1, -30), 0x8000},      // negative zero
		{math.Inf(-1), 0xfc00},
		{math.NaN(), 0x7e00},
		{1e300, 0x7c00},
	}
	for _, tc := range tests {
		if got := Float64ToFloat16(tc.in); got != tc.want {
			t.Errorf("Float64ToFloat16(%v) = %#04x, want %#04x", tc.in, got, tc.want)
		}
	}
}

func TestToFloat64(t *testing.T) {
	tests := []struct {
		typ  string
		hex  string
		want []float64
	}{
		{`"H5T_STD_I8LE"`, "80 7f ff", []float64{-128, 127, -1}},
		{`"H5T_STD_U8BE"`, "80 7f ff", []float64{128, 127, 255}},
		{`"H5T_STD_I16LE"`, "0080 ff7f ffff", []float64{-32768, 32767, -1}},
		{`"H5T_STD_I16BE"`, "8000 7fff ffff", []float64{-32768, 32767, -1}},
		{`"H5T_STD_U16LE"`, "ffff 0100", []float64{65535, 1}},
		{`"H5T_STD_U16BE"`, "ffff 0100", []float64{65535, 256}},
		{`"H5T_STD_I32LE"`, "ffffffff 00000080", []float64{-1, -2147483648}},
		{`"H5T_STD_I32BE"`, "ffffffff 80000000", []float64{-1, -2147483648}},
		{`"H5T_STD_U32LE"`, "ffffffff", []float64{4294967295}},
		{`"H5T_STD_U32BE"`, "00000102", []float64{258}},
		{`"H5T_STD_I64LE"`, "feffffffffffffff", []float64{-2}},
		{`"H5T_STD_I64BE"`, "fffffffffffffffe", []float64{-2}},
		{`"H5T_STD_U64LE"`, "ffffffffffffffff", []float64{18446744073709551615}},
		{`"H5T_STD_U64BE"`, "0000000000000003", []float64{3}},
		{`"H5T_IEEE_F16LE"`, "003c 00c0 0100", []float64{1, -2, math.Ldexp(1, -24)}},
		{`"H5T_IEEE_F16BE"`, "3c00 7c00", []float64{1, math.Inf(1)}},
		{`"H5T_IEEE_F32LE"`, "0000c03f 0000c0ff", []float64{1.5, math.NaN()}},
		{`"H5T_IEEE_F32BE"`, "3fc00000", []float64{1.5}},
		{`"H5T_IEEE_F64LE"`, "000000000000f83f", []float64{1.5}},
		{`"H5T_IEEE_F64BE"`, "3ff8000000000000", []float64{1.5}},
		{tBool, "00 01 05", []float64{0, 1, 1}},
		{`{"class":"H5T_ENUM","base":"H5T_STD_I16BE","mapping":{"A":-3}}`, "fffd", []float64{-3}},
	}
	for _, tc := range tests {
		t.Run(tc.typ, func(t *testing.T) {
			typ := mustParse(t, tc.typ)
			src := unhex(t, tc.hex)
			for _, shift := range []int{0, 1} { // aligned and misaligned source
				buf := make([]byte, len(src)+shift)
				copy(buf[shift:], src)
				dst := make([]float64, len(tc.want))
				if err := ToFloat64(dst, buf[shift:], typ); err != nil {
					t.Fatal(err)
				}
				for i := range dst {
					if dst[i] != tc.want[i] && !(math.IsNaN(dst[i]) && math.IsNaN(tc.want[i])) {
						t.Errorf("shift %d: dst[%d] = %v, want %v", shift, i, dst[i], tc.want[i])
					}
				}
			}
		})
	}
	if err := ToFloat64(make([]float64, 2), make([]byte, 3), mustParse(t, `"H5T_STD_I16LE"`)); err == nil {
		t.Error("size mismatch accepted")
	}
	if err := ToFloat64(nil, nil, mustParse(t, `{"class":"H5T_STRING","length":2}`)); err == nil {
		t.Error("string type accepted")
	}
}

func TestViews(t *testing.T) {
	raw := make([]byte, 17)
	for i := range raw {
		raw[i] = byte(i + 1)
	}
	for _, shift := range []int{0, 1} {
		b := raw[shift : shift+16]
		i16 := Int16s(b)
		if len(i16) != 8 || i16[0] != int16(binary.LittleEndian.Uint16(b)) || i16[7] != int16(binary.LittleEndian.Uint16(b[14:])) {
			t.Errorf("Int16s shift %d = %v", shift, i16)
		}
		if u := Uint16s(b); u[1] != binary.LittleEndian.Uint16(b[2:]) {
			t.Errorf("Uint16s = %v", u)
		}
		if v := Int32s(b); len(v) != 4 || v[3] != int32(binary.LittleEndian.Uint32(b[12:])) {
			t.Errorf("Int32s = %v", v)
		}
		if v := Uint32s(b); v[2] != binary.LittleEndian.Uint32(b[8:]) {
			t.Errorf("Uint32s = %v", v)
		}
		if v := Int64s(b); len(v) != 2 || v[1] != int64(binary.LittleEndian.Uint64(b[8:])) {
			t.Errorf("Int64s = %v", v)
		}
		if v := Uint64s(b); v[0] != binary.LittleEndian.Uint64(b) {
			t.Errorf("Uint64s = %v", v)
		}
		if v := Float32s(b); v[0] != math.Float32frombits(binary.LittleEndian.Uint32(b)) {
			t.Errorf("Float32s = %v", v)
		}
		if v := Float64s(b); math.Float64bits(v[1]) != binary.LittleEndian.Uint64(b[8:]) {
			t.Errorf("Float64s = %v", v)
		}
		if v := Int8s(b); len(v) != 16 || v[0] != int8(b[0]) {
			t.Errorf("Int8s = %v", v)
		}
	}
	// Odd length: trailing byte ignored; empty input gives an empty view.
	if v := Int16s(raw[:3]); len(v) != 1 {
		t.Errorf("Int16s(3 bytes) len %d", len(v))
	}
	if v := Float64s(nil); v == nil || len(v) != 0 {
		t.Errorf("Float64s(nil) = %#v", v)
	}
	// Aligned views alias their bytes on little-endian hosts.
	if hostLE {
		b := make([]byte, 8)
		Int32s(b)[1] = -1
		if binary.LittleEndian.Uint32(b[4:]) != math.MaxUint32 {
			t.Error("aligned Int32s view does not alias")
		}
	}
}

func benchToFloat64(b *testing.B, typ string, size int) {
	const n = 1 << 20
	t := mustParse(b, typ)
	src := make([]byte, n*size)
	for i := range src {
		src[i] = byte(i * 7)
	}
	dst := make([]float64, n)
	b.SetBytes(int64(len(src)))
	b.ResetTimer()
	for b.Loop() {
		if err := ToFloat64(dst, src, t); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/elem")
}

func BenchmarkToFloat64Int16LE(b *testing.B)   { benchToFloat64(b, `"H5T_STD_I16LE"`, 2) }
func BenchmarkToFloat64Int16BE(b *testing.B)   { benchToFloat64(b, `"H5T_STD_I16BE"`, 2) }
func BenchmarkToFloat64Float32LE(b *testing.B) { benchToFloat64(b, `"H5T_IEEE_F32LE"`, 4) }
func BenchmarkToFloat64Float32BE(b *testing.B) { benchToFloat64(b, `"H5T_IEEE_F32BE"`, 4) }
func BenchmarkToFloat64Float16LE(b *testing.B) { benchToFloat64(b, `"H5T_IEEE_F16LE"`, 2) }

// BenchmarkToFloat64Int16LEMisaligned measures the encoding/binary fallback.
func BenchmarkToFloat64Int16LEMisaligned(b *testing.B) {
	const n = 1 << 20
	t := mustParse(b, `"H5T_STD_I16LE"`)
	buf := make([]byte, 2*n+1)
	src := buf[1:]
	dst := make([]float64, n)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if err := ToFloat64(dst, src, t); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/elem")
}
