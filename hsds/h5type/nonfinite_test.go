package h5type

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/pyjson"
)

// TestNonFiniteValues converts Python-dialect JSON values (as HSDS stores and accepts them) of
// every float form to element bytes, through pyjson as the REST and hdf layers do.
func TestNonFiniteValues(t *testing.T) {
	nan32 := binary.LittleEndian.AppendUint32(nil, 0x7fc00000)
	inf32 := binary.LittleEndian.AppendUint32(nil, 0x7f800000)
	ninf32 := binary.LittleEndian.AppendUint32(nil, 0xff800000)
	nan64 := binary.LittleEndian.AppendUint64(nil, 0x7ff8000000000000)
	inf64 := binary.LittleEndian.AppendUint64(nil, 0x7ff0000000000000)
	ninf64 := binary.LittleEndian.AppendUint64(nil, 0xfff0000000000000)
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	cases := []struct {
		name, typ, value string
		shape            []int
		want             []byte
	}{
		{"f32 NaN", `"H5T_IEEE_F32LE"`, `NaN`, nil, nan32},
		{"f32 list", `"H5T_IEEE_F32LE"`, `[NaN, Infinity, -Infinity]`, []int{3}, cat(nan32, inf32, ninf32)},
		{"f32 big endian", `"H5T_IEEE_F32BE"`, `-Infinity`, nil, []byte{0xff, 0x80, 0, 0}},
		{"f64 list", `"H5T_IEEE_F64LE"`, `[NaN, Infinity, -Infinity]`, []int{3}, cat(nan64, inf64, ninf64)},
		{"f16", `"H5T_IEEE_F16LE"`, `[NaN, Infinity, -Infinity]`, []int{3}, []byte{0x00, 0x7e, 0x00, 0x7c, 0x00, 0xfc}},
		{"2-d", `"H5T_IEEE_F64LE"`, `[[NaN, 1.5], [-Infinity, Infinity]]`, []int{2, 2},
			cat(nan64, binary.LittleEndian.AppendUint64(nil, math.Float64bits(1.5)), ninf64, inf64)},
		{"compound", `{"class": "H5T_COMPOUND", "fields": [{"name": "x", "type": "H5T_IEEE_F32LE"}, {"name": "n", "type": "H5T_STD_I16LE"}]}`,
			`[NaN, 3]`, nil, cat(nan32, []byte{3, 0})},
		{"compound object", `{"class": "H5T_COMPOUND", "fields": [{"name": "x", "type": "H5T_IEEE_F64LE"}]}`, `{"x": -Infinity}`, nil, ninf64},
		{"array", `{"class": "H5T_ARRAY", "base": "H5T_IEEE_F32LE", "dims": [2]}`, `[Infinity, NaN]`, nil, cat(inf32, nan32)},
		{"vlen", `{"class": "H5T_VLEN", "base": "H5T_IEEE_F32LE"}`, `[NaN, -Infinity]`, nil, cat([]byte{8, 0, 0, 0}, nan32, ninf32)},
		{"string tokens stay strings", `"H5T_IEEE_F32LE"`, `["NaN", "-inf"]`, []int{2}, cat(nan32, ninf32)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			typ, err := Parse(json.RawMessage(c.typ))
			if err != nil {
				t.Fatal(err)
			}
			std, err := pyjson.ToStd([]byte(c.value))
			if err != nil {
				t.Fatal(err)
			}
			v, err := pyjson.DecodeValue(std)
			if err != nil {
				t.Fatal(err)
			}
			got, err := typ.EncodeValue(v, c.shape)
			if err != nil {
				t.Fatalf("EncodeValue(%s): %v", c.value, err)
			}
			if string(got) != string(c.want) {
				t.Fatalf("EncodeValue(%s) = %x, want %x", c.value, got, c.want)
			}
			// A sentinel string reaching EncodeValue undecoded is read the same way.
			var raw any
			if err := json.Unmarshal(std, &raw); err != nil {
				t.Fatal(err)
			}
			if again, err := typ.EncodeValue(raw, c.shape); err != nil || string(again) != string(c.want) {
				t.Fatalf("EncodeValue of sentinel strings = %x, %v", again, err)
			}
			// Fill values take the same path.
			if c.shape == nil {
				fill, err := FillBytes(typ, std, "")
				if err != nil || string(fill) != string(c.want) {
					t.Fatalf("FillBytes(%s) = %x, %v", std, fill, err)
				}
			}
			// And back: DecodeValue + MarshalValueJSON write Python's tokens.
			dec, err := typ.DecodeValue(got, c.shape)
			if err != nil {
				t.Fatal(err)
			}
			js, err := MarshalValueJSON(dec, false)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(c.value, "NaN") && !strings.Contains(string(js), "NaN") {
				t.Fatalf("MarshalValueJSON = %s, lost NaN", js)
			}
		})
	}
}

// TestNonFiniteNotAllowed: non-finite numbers for integer, enum and string types are errors
// naming the value (HSDS answers 400 "cannot convert float NaN to integer").
func TestNonFiniteNotAllowed(t *testing.T) {
	for _, c := range []struct{ typ, value, want string }{
		{`"H5T_STD_I32LE"`, `NaN`, "NaN is not an integer"},
		{`"H5T_STD_U8LE"`, `Infinity`, "+Inf is not an integer"},
		{`"H5T_STD_I64LE"`, `[1, -Infinity]`, "-Inf is not an integer"},
		{`{"class": "H5T_COMPOUND", "fields": [{"name": "n", "type": "H5T_STD_I16LE"}]}`, `[NaN]`, `field "n": NaN is not an integer`},
		{`{"class": "H5T_ENUM", "base": "H5T_STD_I8LE", "mapping": {"A": 0, "B": 1}}`, `NaN`, "NaN is not an integer"},
		{`{"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}`, `NaN`, "is not a string"},
		{`{"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 4}`, `Infinity`, "is not a string"},
	} {
		typ, err := Parse(json.RawMessage(c.typ))
		if err != nil {
			t.Fatal(err)
		}
		std, err := pyjson.ToStd([]byte(c.value))
		if err != nil {
			t.Fatal(err)
		}
		shape := []int(nil)
		if strings.HasPrefix(c.value, "[1") {
			shape = []int{2}
		}
		if _, err := FillBytes(typ, std, ""); shape == nil && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("FillBytes(%s, %s) error %v, want %q", c.typ, c.value, err, c.want)
		}
		for _, v := range []func() (any, error){
			func() (any, error) { return pyjson.DecodeValue(std) },
			func() (any, error) { var v any; return v, json.Unmarshal(std, &v) },
		} {
			val, err := v()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := typ.EncodeValue(val, shape); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("EncodeValue(%s, %s) error %v, want %q", c.typ, c.value, err, c.want)
			}
		}
	}
}
