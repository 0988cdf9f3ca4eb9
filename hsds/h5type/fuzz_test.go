package h5type

import (
	"bytes"
	"encoding/json"
	"testing"
)

func FuzzParse(f *testing.F) {
	seeds := []string{
		`"H5T_STD_I16LE"`, `"H5T_IEEE_F16BE"`, `"H5T_STD_REF_OBJ"`, `"t-123"`, `"H5T_STD_U8"`,
		tCompoundVerified, tVlenUTF8, tBool,
		`{"class":"H5T_ARRAY","dims":[2,3],"base":{"class":"H5T_INTEGER","base":"H5T_STD_I32BE"}}`,
		`{"class":"H5T_VLEN","base":{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I8LE"}]}}`,
		`{"class":"H5T_OPAQUE","size":7,"tag":"x"}`,
		`{"class":"H5T_ENUM","base":"H5T_STD_U64BE","mapping":{"A":18446744073709551615}}`,
		`{"class":"H5T_COMPOUND","fields":[{"name":"v","type":{"class":"H5T_VLEN","base":"H5T_IEEE_F32LE"}}],"id":"t-1"}`,
		`{"class":"H5T_STRING","length":1e3}`, `{}`, `[]`, `null`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		typ, err := Parse(json.RawMessage(data))
		if err != nil {
			return
		}
		if typ.Size() == 0 || typ.Size() > MaxItemSize {
			t.Fatalf("size %d out of bounds for %s", typ.Size(), data)
		}
		js, err := typ.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		again, err := Parse(js)
		if err != nil {
			t.Fatalf("canonical %s does not parse: %v", js, err)
		}
		if !again.Equal(typ) {
			t.Fatalf("canonical %s parses to a different type", js)
		}
		if _, err := Normalize(json.RawMessage(data)); err != nil {
			t.Fatalf("Normalize failed on a valid type: %v", err)
		}
		// The zero element decodes and re-encodes to itself.
		z := typ.ZeroElement()
		v, err := typ.DecodeValueOptions(z, nil, DecodeOptions{OpaqueBase64: true})
		if err != nil {
			t.Fatalf("decode zero element of %s: %v", js, err)
		}
		if typ.Class() == ClassOpaque {
			return
		}
		b, err := typ.EncodeValue(v, nil)
		if err != nil {
			t.Fatalf("re-encode zero element of %s: %v", js, err)
		}
		if !bytes.Equal(b, z) {
			t.Fatalf("zero element of %s re-encodes as %x", js, b)
		}
	})
}

func FuzzSplitElements(f *testing.F) {
	types := []*Type{
		mustParse(f, tVlenUTF8),
		mustParse(f, `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_U8LE"},{"name":"s","type":`+tVlenUTF8+`},{"name":"v","type":{"class":"H5T_VLEN","base":"H5T_STD_I16BE"}}]}`),
		mustParse(f, `{"class":"H5T_VLEN","base":"H5T_STD_I32LE"}`),
		mustParse(f, tCompoundVerified),
	}
	f.Add([]byte{1, 0, 0, 0, 'a', 6, 0, 0, 0, 'h', 0xc3, 0xa9, 'l', 'l', 'o', 0, 0, 0, 0}, uint8(0), uint16(3))
	f.Add([]byte{7, 2, 0, 0, 0, 'h', 'i', 2, 0, 0, 0, 0, 1}, uint8(1), uint16(1))
	f.Add([]byte{8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0}, uint8(2), uint16(1))
	f.Add(make([]byte, 18), uint8(3), uint16(2))
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f}, uint8(0), uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, ti uint8, n uint16) {
		typ := types[int(ti)%len(types)]
		parts, err := SplitElements(data, typ, int(n))
		if err != nil {
			return
		}
		if len(parts) != int(n) {
			t.Fatalf("%d parts, want %d", len(parts), n)
		}
		if j := JoinElements(parts); !bytes.Equal(j, data) {
			t.Fatalf("join differs")
		}
		for i, p := range parts {
			if l, err := typ.ElementLen(p); err != nil || l != len(p) {
				t.Fatalf("part %d: ElementLen %d, %v", i, l, err)
			}
		}
		// Elements that split also decode, and UTF-8-valid ones re-encode to
		// bytes with the same JSON value (NaN payloads are not kept).
		opts := DecodeOptions{EmptyVlenAsEmpty: true}
		v, err := typ.DecodeValueOptions(data, []int{int(n)}, opts)
		if err != nil {
			return // e.g. invalid UTF-8 in a string
		}
		b, err := typ.EncodeValue(v, []int{int(n)})
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if len(b) != len(data) {
			t.Fatalf("re-encode %x != %x", b, data)
		}
		v2, err := typ.DecodeValueOptions(b, []int{int(n)}, opts)
		if err != nil {
			t.Fatalf("decode re-encoded: %v", err)
		}
		j1, _ := MarshalValueJSON(v, false)
		j2, _ := MarshalValueJSON(v2, false)
		if !bytes.Equal(j1, j2) {
			t.Fatalf("value changed: %s != %s", j1, j2)
		}
	})
}
