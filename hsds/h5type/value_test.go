package h5type

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func jsonValue(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	tCompoundVerified = `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I16LE"},{"name":"b","type":"H5T_IEEE_F32LE"},{"name":"s","type":{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLPAD","length":3}}]}`
	tVlenUTF8         = `{"class":"H5T_STRING","charSet":"H5T_CSET_UTF8","strPad":"H5T_STR_NULLTERM","length":"H5T_VARIABLE"}`
	tBool             = `{"class":"H5T_ENUM","base":{"class":"H5T_INTEGER","base":"H5T_STD_I8LE"},"mapping":{"FALSE":0,"TRUE":1}}`
)

// TestValueRoundTrip encodes a JSON value to hand-written bytes, decodes the
// bytes back and checks the JSON HSDS would emit.
func TestValueRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		typ   string
		value string
		shape []int
		hex   string
		out   string // MarshalValueJSON of DecodeValue; "" means same as value
	}{
		{"verified compound", tCompoundVerified, `[[1,1.5,"ab"],[-2,2.5,"xyz"]]`, []int{2},
			"0100 0000c03f 616200 feff 00002040 78797a", `[[1, 1.5, "ab"], [-2, 2.5, "xyz"]]`},
		{"verified vlen strings", tVlenUTF8, `["a","héllo",""]`, []int{3},
			"01000000 61 06000000 68c3a96c6c6f 00000000", `["a", "h\u00e9llo", 0]`},
		{"i8", `"H5T_STD_I8LE"`, `[-128, 127, 0]`, []int{3}, "80 7f 00", `[-128, 127, 0]`},
		{"u8", `"H5T_STD_U8LE"`, `[255, 0]`, []int{2}, "ff 00", `[255, 0]`},
		{"i16 le 2d", `"H5T_STD_I16LE"`, `[[1,-2],[256,-32768]]`, []int{2, 2}, "0100 feff 0001 0080", `[[1, -2], [256, -32768]]`},
		{"i16 be", `"H5T_STD_I16BE"`, `[1,-2]`, []int{2}, "0001 fffe", `[1, -2]`},
		{"u16 be", `{"class":"H5T_INTEGER","base":"H5T_STD_U16BE"}`, `[65535, 258]`, []int{2}, "ffff 0102", `[65535, 258]`},
		{"i32 le", `"H5T_STD_I32LE"`, `[1,256,65536,-1]`, []int{4}, "01000000 00010000 00000100 ffffffff", `[1, 256, 65536, -1]`},
		{"i32 be", `"H5T_STD_I32BE"`, `[1,-1]`, []int{2}, "00000001 ffffffff", `[1, -1]`},
		{"u32", `"H5T_STD_U32LE"`, `4294967295`, nil, "ffffffff", `4294967295`},
		{"i64 le", `"H5T_STD_I64LE"`, `[-9223372036854775808, 9223372036854775807]`, []int{2},
			"0000000000000080 ffffffffffffff7f", `[-9223372036854775808, 9223372036854775807]`},
		{"u64 beyond 2^53", `"H5T_STD_U64LE"`, `[18446744073709551615, 9007199254740993]`, []int{2},
			"ffffffffffffffff 0100000000002000", `[18446744073709551615, 9007199254740993]`},
		{"u64 be", `"H5T_STD_U64BE"`, `[1]`, []int{1}, "0000000000000001", `[1]`},
		{"f16 le", `"H5T_IEEE_F16LE"`, `[1.0, -2.0, 0.5, 65504, 5.960464477539063e-08]`, []int{5},
			"003c 00c0 0038 ff7b 0100", `[1.0, -2.0, 0.5, 65504.0, 5.960464477539063e-08]`},
		{"f16 be inf nan", `"H5T_IEEE_F16BE"`, `["Infinity", "-Infinity", "NaN"]`, []int{3},
			"7c00 fc00 7e00", `[Infinity, -Infinity, NaN]`},
		{"f32 le", `"H5T_IEEE_F32LE"`, `[1.5, -0.0, 1.1]`, []int{3}, "0000c03f 00000080 cdcc8c3f", `[1.5, -0.0, 1.100000023841858]`},
		{"f32 be", `"H5T_IEEE_F32BE"`, `[1.5, 2.5]`, []int{2}, "3fc00000 40200000", `[1.5, 2.5]`},
		{"f64 le", `"H5T_IEEE_F64LE"`, `[1e-05, 1e16, 0.1]`, []int{3},
			"f168e388b5f8e43e 0080e03779c34143 9a9999999999b93f", `[1e-05, 1e+16, 0.1]`},
		{"f64 be nan strings", `"H5T_IEEE_F64BE"`, `["nan", "inf", null]`, []int{3},
			"7ff8000000000000 7ff0000000000000 7ff8000000000000", `[NaN, Infinity, NaN]`},
		{"fixed string pad trunc", `{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLPAD","length":4}`,
			`["ab", "abcdef", ""]`, []int{3}, "61620000 61626364 00000000", `["ab", "abcd", ""]`},
		{"fixed utf8 string", `{"class":"H5T_STRING","charSet":"H5T_CSET_UTF8","length":6}`, `"héllo"`, nil,
			"68c3a96c6c6f", `"h\u00e9llo"`},
		{"scalar vlen empty", tVlenUTF8, `""`, nil, "00000000", `0`},
		{"vlen ascii", `{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","length":"H5T_VARIABLE"}`, `["xyz"]`, []int{1},
			"03000000 78797a", `["xyz"]`},
		{"enum", `{"class":"H5T_ENUM","base":{"class":"H5T_INTEGER","base":"H5T_STD_U16BE"},"mapping":{"RED":0,"GREEN":1,"BLUE":258}}`,
			`[0, 258, "GREEN"]`, []int{3}, "0000 0102 0001", `[0, 258, 1]`},
		{"bool", tBool, `[true, false, true]`, []int{3}, "01 00 01", `[true, false, true]`},
		{"bool from numbers", tBool, `[1, 0]`, []int{2}, "01 00", `[true, false]`},
		{"opaque", `{"class":"H5T_OPAQUE","size":4}`, `["ab", "wxyz"]`, []int{2}, "61620000 7778797a", `["ab\u0000\u0000", "wxyz"]`},
		{"reference", `{"class":"H5T_REFERENCE","base":"H5T_STD_REF_OBJ"}`, `"groups/g-1"`, nil,
			hex.EncodeToString(append([]byte("groups/g-1"), make([]byte, 38)...)), `"groups/g-1"`},
		{"array", `{"class":"H5T_ARRAY","dims":[2,2],"base":"H5T_STD_I16BE"}`, `[[[1,2],[3,4]]]`, []int{1},
			"0001 0002 0003 0004", `[[[1, 2], [3, 4]]]`},
		{"array flat input", `{"class":"H5T_ARRAY","dims":[2,2],"base":"H5T_STD_I16LE"}`, `[1,2,3,4]`, nil,
			"0100 0200 0300 0400", `[[1, 2], [3, 4]]`},
		{"vlen seq", `{"class":"H5T_VLEN","base":"H5T_STD_I16LE"}`, `[[1,2,3],[],[-1]]`, []int{3},
			"06000000 0100 0200 0300 00000000 02000000 ffff", `[[1, 2, 3], 0, [-1]]`},
		{"vlen seq of f64 be", `{"class":"H5T_VLEN","base":"H5T_IEEE_F64BE"}`, `[0.5]`, nil,
			"08000000 3fe0000000000000", `[0.5]`},
		{"compound with vlen", `{"class":"H5T_COMPOUND","fields":[{"name":"id","type":"H5T_STD_U8LE"},{"name":"s","type":` + tVlenUTF8 + `},{"name":"x","type":"H5T_IEEE_F32BE"}]}`,
			`[[7,"hi",1.5],[8,"",2]]`, []int{2}, "07 02000000 6869 3fc00000 08 00000000 40000000", `[[7, "hi", 1.5], [8, 0, 2.0]]`},
		{"nested compound", `{"class":"H5T_COMPOUND","fields":[{"name":"p","type":{"class":"H5T_COMPOUND","fields":[{"name":"x","type":"H5T_STD_I8LE"},{"name":"y","type":"H5T_STD_I8LE"}]}},{"name":"z","type":"H5T_STD_U16BE"}]}`,
			`[[1,2],3]`, nil, "01 02 0003", `[[1, 2], 3]`},
		{"compound shape 1 bare element", tCompoundVerified, `[1,1.5,"ab"]`, []int{1}, "0100 0000c03f 616200", `[[1, 1.5, "ab"]]`},
		{"flat list for 2d", `"H5T_STD_U8LE"`, `[1,2,3,4,5,6]`, []int{2, 3}, "010203040506", `[[1, 2, 3], [4, 5, 6]]`},
		{"scalar for shape 1", `"H5T_STD_U8LE"`, `9`, []int{1}, "09", `[9]`},
		{"integral float and string ints", `"H5T_STD_I32LE"`, `[2.0, "17", 3.9, true]`, []int{4},
			"02000000 11000000 03000000 01000000", `[2, 17, 3, 1]`},
		{"compound as object", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I8LE"},{"name":"b","type":"H5T_STD_I8LE"}]}`,
			`{"b":2,"a":1}`, nil, "01 02", `[1, 2]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ := mustParse(t, tc.typ)
			want := unhex(t, tc.hex)
			got, err := typ.EncodeValue(jsonValue(t, tc.value), tc.shape)
			if err != nil {
				t.Fatalf("EncodeValue: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("EncodeValue = %x, want %x", got, want)
			}
			v, err := typ.DecodeValue(want, tc.shape)
			if err != nil {
				t.Fatalf("DecodeValue: %v", err)
			}
			out, err := MarshalValueJSON(v, false)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tc.out {
				t.Errorf("decoded JSON = %s, want %s", out, tc.out)
			}
			direct, err := typ.AppendJSON([]byte("x"), want, tc.shape, false, DecodeOptions{})
			if err != nil || string(direct) != "x"+tc.out {
				t.Errorf("AppendJSON = %s, %v; want x%s", direct, err, tc.out)
			}
			// Decoded values encode back to the same bytes.
			again, err := typ.EncodeValue(v, tc.shape)
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			if !bytes.Equal(again, want) {
				t.Errorf("re-encode = %x, want %x", again, want)
			}
		})
	}
}

func TestDecodeValueGoTypes(t *testing.T) {
	typ := mustParse(t, `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I16BE"},{"name":"b","type":"H5T_STD_U64LE"},{"name":"c","type":"H5T_IEEE_F32LE"}]}`)
	v, err := typ.DecodeValue(unhex(t, "fffe ffffffffffffffff 0000c03f"), nil)
	if err != nil {
		t.Fatal(err)
	}
	l := v.([]any)
	if l[0] != int64(-2) || l[1] != uint64(math.MaxUint64) || l[2] != 1.5 {
		t.Errorf("values %#v", l)
	}
}

func TestDecodeOptions(t *testing.T) {
	s := mustParse(t, tVlenUTF8)
	v, err := s.DecodeValueOptions(unhex(t, "00000000"), nil, DecodeOptions{EmptyVlenAsEmpty: true})
	if err != nil || v != "" {
		t.Errorf("empty vlen string = %#v, %v", v, err)
	}
	seq := mustParse(t, `{"class":"H5T_VLEN","base":"H5T_STD_I8LE"}`)
	v, err = seq.DecodeValueOptions(unhex(t, "00000000"), nil, DecodeOptions{EmptyVlenAsEmpty: true})
	if l, ok := v.([]any); err != nil || !ok || len(l) != 0 {
		t.Errorf("empty vlen seq = %#v, %v", v, err)
	}
	op := mustParse(t, `{"class":"H5T_OPAQUE","size":3}`)
	v, err = op.DecodeValueOptions([]byte{0xff, 0, 1}, nil, DecodeOptions{OpaqueBase64: true})
	if err != nil || v != "/wAB" {
		t.Errorf("opaque base64 = %#v, %v", v, err)
	}
	if _, err := op.DecodeValue([]byte{0xff, 0, 1}, nil); !errors.Is(err, ErrNotUTF8) {
		t.Errorf("opaque non-UTF-8 = %v, want ErrNotUTF8", err)
	}
	fs := mustParse(t, `{"class":"H5T_STRING","length":2}`)
	if _, err := fs.DecodeValue([]byte{0xc3, 0x28}, []int{1}); !errors.Is(err, ErrNotUTF8) {
		t.Errorf("fixed string non-UTF-8 = %v, want ErrNotUTF8", err)
	}
}

func TestEncodeValueErrors(t *testing.T) {
	tests := []struct {
		name, typ, value string
		shape            []int
		want             string
	}{
		{"i8 overflow", `"H5T_STD_I8LE"`, `128`, nil, "out of range for int8"},
		{"u8 negative", `"H5T_STD_U8LE"`, `-1`, nil, "out of range for uint8"},
		{"u64 overflow", `"H5T_STD_U64LE"`, `18446744073709551616`, nil, "out of range"},
		{"i64 overflow", `"H5T_STD_I64LE"`, `9223372036854775808`, nil, "out of range"},
		{"int from nan", `"H5T_STD_I32LE"`, `"NaN"`, nil, "not an integer"},
		{"int from null", `"H5T_STD_I32LE"`, `null`, nil, "null is not an integer"},
		{"int from text", `"H5T_STD_I32LE"`, `"abc"`, nil, "not an integer"},
		{"float from text", `"H5T_IEEE_F32LE"`, `"abc"`, nil, "not a number"},
		{"float from list", `"H5T_IEEE_F32LE"`, `[1, 2]`, nil, "not a number"},
		{"ragged nesting", `"H5T_STD_I8LE"`, `[[[1,2,3]],[4,5,6]]`, []int{2, 3}, "expected a list of 3"},
		{"shape mismatch", `"H5T_STD_I8LE"`, `[1,2,3]`, []int{2}, "expected a list of 2"},
		{"shape nested mismatch", `"H5T_STD_I8LE"`, `[[1,2],[3]]`, []int{2, 2}, "expected a list of 2"},
		{"compound arity", tCompoundVerified, `[[1,2]]`, []int{1}, "2 items"},
		{"compound field error", tCompoundVerified, `[1,"x","ab"]`, nil, "field \"b\""},
		{"compound missing key", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I8LE"},{"name":"b","type":"H5T_STD_I8LE"}]}`,
			`{"a":1,"c":2}`, nil, "no field \"b\""},
		{"reference too long", `"H5T_STD_REF_OBJ"`, `"` + strings.Repeat("x", 49) + `"`, nil, "exceeds"},
		{"opaque too long", `{"class":"H5T_OPAQUE","size":2}`, `"abc"`, nil, "exceeds"},
		{"vlen seq scalar", `{"class":"H5T_VLEN","base":"H5T_STD_I8LE"}`, `5`, nil, "must be a list"},
		{"vlen seq bad item", `{"class":"H5T_VLEN","base":"H5T_STD_I8LE"}`, `[1, 999]`, nil, "sequence item 1"},
		{"bool from text", tBool, `"maybe"`, nil, "not a boolean"},
		{"array count", `{"class":"H5T_ARRAY","dims":[3],"base":"H5T_STD_I8LE"}`, `[1,2]`, nil, "2 items"},
		{"negative shape", `"H5T_STD_I8LE"`, `[]`, []int{-1}, "negative extent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ := mustParse(t, tc.typ)
			_, err := typ.EncodeValue(jsonValue(t, tc.value), tc.shape)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("EncodeValue error = %v, want mention of %q", err, tc.want)
			}
		})
	}
}

func TestDecodeValueErrors(t *testing.T) {
	tests := []struct {
		name, typ, hex string
		shape          []int
		want           string
	}{
		{"short fixed", `"H5T_STD_I32LE"`, "010000", []int{1}, "cannot hold"},
		{"long fixed", `"H5T_STD_I32LE"`, "0100000002", []int{1}, "5 bytes for 1 elements"},
		{"vlen truncated count", tVlenUTF8, "0100", []int{1}, "cannot hold"},
		{"vlen truncated data", tVlenUTF8, "05000000 6161", []int{1}, "needs 5 bytes"},
		{"vlen negative", tVlenUTF8, "ffffffff", nil, "negative"},
		{"vlen huge", tVlenUTF8, "41420f00", nil, "exceeds 1000000"},
		{"vlen trailing", tVlenUTF8, "01000000 61 00", nil, "trailing"},
		{"vlen seq ragged", `{"class":"H5T_VLEN","base":"H5T_STD_I16LE"}`, "03000000 010203", nil, "not a multiple"},
		{"empty huge shape", `"H5T_STD_I8LE"`, "", []int{1 << 25, 0}, "too large"},
		{"count beyond bytes", tVlenUTF8, "00000000", []int{1 << 40}, "cannot hold"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ := mustParse(t, tc.typ)
			_, err := typ.DecodeValue(unhex(t, tc.hex), tc.shape)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DecodeValue error = %v, want mention of %q", err, tc.want)
			}
		})
	}
}

func TestEncodeEmptyShape(t *testing.T) {
	typ := mustParse(t, `"H5T_STD_I8LE"`)
	b, err := typ.EncodeValue([]any{}, []int{0})
	if err != nil || len(b) != 0 {
		t.Errorf("EncodeValue([] , [0]) = %x, %v", b, err)
	}
	v, err := typ.DecodeValue(nil, []int{2, 0})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := MarshalValueJSON(v, false)
	if string(out) != "[[], []]" {
		t.Errorf("decode [2,0] = %s", out)
	}
}

func TestAppendJSONErrors(t *testing.T) {
	typ := mustParse(t, `"H5T_IEEE_F32LE"`)
	if _, err := typ.AppendJSON(nil, make([]byte, 7), []int{2}, false, DecodeOptions{}); err == nil {
		t.Error("short buffer accepted")
	}
	out, err := typ.AppendJSON(nil, unhex(t, "0000c07f 0000803f"), []int{2}, true, DecodeOptions{})
	if err != nil || string(out) != "[null, 1.0]" {
		t.Errorf("ignoreNaN = %s, %v", out, err)
	}
	s := mustParse(t, tVlenUTF8)
	if _, err := s.AppendJSON(nil, unhex(t, "01000000 61 00"), []int{1}, false, DecodeOptions{}); err == nil {
		t.Error("trailing bytes accepted")
	}
}

func benchJSON(b *testing.B, direct bool) {
	const n = 1 << 18
	typ := mustParse(b, `"H5T_IEEE_F32LE"`)
	src := make([]byte, 4*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(src[4*i:], math.Float32bits(float32(i)*0.37))
	}
	var buf []byte
	for b.Loop() {
		if direct {
			buf, _ = typ.AppendJSON(buf[:0], src, []int{n}, false, DecodeOptions{})
			continue
		}
		v, err := typ.DecodeValue(src, []int{n})
		if err != nil {
			b.Fatal(err)
		}
		buf, _ = AppendValueJSON(buf[:0], v, false)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/elem")
}

// BenchmarkJSONFloat32Direct: AppendJSON of 256Ki float32 values.
func BenchmarkJSONFloat32Direct(b *testing.B) { benchJSON(b, true) }

// BenchmarkJSONFloat32Tree: DecodeValue then AppendValueJSON.
func BenchmarkJSONFloat32Tree(b *testing.B) { benchJSON(b, false) }

func TestEncodeGoTypes(t *testing.T) {
	i32 := mustParse(t, `"H5T_STD_I32BE"`)
	f32 := mustParse(t, `"H5T_IEEE_F32LE"`)
	ints := []any{int(1), int8(1), int16(1), int32(1), int64(1), uint(1), uint8(1), uint16(1), uint32(1), uint64(1), float32(1.9), 1.2, true, json.Number("1")}
	for _, v := range ints {
		b, err := i32.EncodeValue(v, nil)
		if err != nil || !bytes.Equal(b, []byte{0, 0, 0, 1}) {
			t.Errorf("i32 EncodeValue(%T %v) = %x, %v", v, v, b, err)
		}
		b, err = f32.EncodeValue(v, nil)
		if err != nil || b[3] != 0x3f || len(b) != 4 {
			t.Errorf("f32 EncodeValue(%T %v) = %x, %v", v, v, b, err)
		}
	}
	for _, v := range []any{false, int8(0), uint64(0)} {
		if b, err := f32.EncodeValue(v, nil); err != nil || !bytes.Equal(b, make([]byte, 4)) {
			t.Errorf("f32 EncodeValue(%T %v) = %x, %v", v, v, b, err)
		}
	}
	for _, v := range []any{uint64(1 << 31), int64(-1 << 40), math.Inf(1), float32(3e9), map[string]any{}} {
		if _, err := i32.EncodeValue(v, nil); err == nil {
			t.Errorf("i32 EncodeValue(%T %v) accepted", v, v)
		}
	}
	s := mustParse(t, `{"class":"H5T_STRING","length":3}`)
	for _, v := range []any{[]byte("ab"), json.Number("12"), nil} {
		if _, err := s.EncodeValue(v, nil); err != nil {
			t.Errorf("string EncodeValue(%T %v): %v", v, v, err)
		}
	}
	if _, err := s.EncodeValue(3.5, nil); err == nil {
		t.Error("string from float accepted")
	}
}

func TestTypeStringAccessors(t *testing.T) {
	s := mustParse(t, `{"class":"H5T_STRING","charSet":"H5T_CSET_UTF8","strPad":"H5T_STR_SPACEPAD","length":4}`)
	if s.Length() != 4 || s.CharSet() != CharSetUTF8 || s.StrPad() != StrPadSpace || s.BaseName() != "" || s.Bits() != 0 || s.IsSigned() {
		t.Errorf("string accessors %d %s %s", s.Length(), s.CharSet(), s.StrPad())
	}
	if got := s.String(); !strings.Contains(got, `"length":4`) {
		t.Errorf("String() = %s", got)
	}
	if ClassVlen.String() != "H5T_VLEN" || Class(99).String() != "Class(99)" {
		t.Error("Class.String")
	}
	f := mustParse(t, `"H5T_IEEE_F16BE"`)
	if !f.IsSigned() || f.Bits() != 16 || f.BaseName() != "H5T_IEEE_F16BE" {
		t.Error("f16 accessors")
	}
	if f.Equal(mustParse(t, `"H5T_IEEE_F16LE"`)) || !f.Equal(mustParse(t, `{"class":"H5T_FLOAT","base":"H5T_IEEE_F16BE"}`)) {
		t.Error("Equal on floats")
	}
	var nilType *Type
	if nilType.Equal(f) || !nilType.Equal(nil) {
		t.Error("Equal on nil")
	}
}
