package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/pyjson"
)

// genericEncode is the decoding decodeListValue replaces (and the one other values still take):
// the whole value as a tree of Go values (pyjson.DecodeValue), then h5type.EncodeValue, with
// putValue's broadcast of a single element.
func genericEncode(t *h5type.Type, value []byte, shape []int) ([]byte, error) {
	std, err := pyjson.ToStd(value)
	if err != nil {
		return nil, err
	}
	if !json.Valid(std) {
		return nil, fmt.Errorf("invalid JSON")
	}
	v, err := pyjson.DecodeValue(std)
	if err != nil {
		return nil, err
	}
	// No broadcast without element_count (HSDS PUT_Value: jsonToArray needs the selection's
	// element count).
	return t.EncodeValue(v, shape)
}

var listTypes = []string{
	`"H5T_STD_I8LE"`, `"H5T_STD_U8LE"`, `"H5T_STD_I16BE"`, `"H5T_STD_I32LE"`, `"H5T_STD_U32LE"`,
	`"H5T_STD_I64LE"`, `"H5T_STD_U64BE"`, `"H5T_IEEE_F16LE"`, `"H5T_IEEE_F32LE"`, `"H5T_IEEE_F64LE"`,
	`"H5T_IEEE_F64BE"`,
	`{"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 3}`,
	`{"class": "H5T_ENUM", "base": {"class": "H5T_INTEGER", "base": "H5T_STD_I8LE"}, "mapping": {"FALSE": 0, "TRUE": 1}}`,
	`{"class": "H5T_ENUM", "base": {"class": "H5T_INTEGER", "base": "H5T_STD_U16LE"}, "mapping": {"RED": 0, "GREEN": 7}}`,
}

// TestDecodeListValueMatchesGeneric: for every leaf type and a table of values (nestings that
// do and do not match the shape, non-finite tokens, numbers out of range or with fractions,
// strings, literals, objects, syntax errors), the streaming decoder accepts exactly what the
// generic decoder accepts and gives the same bytes.
func TestDecodeListValueMatchesGeneric(t *testing.T) {
	values := []struct {
		value string
		shape []int
	}{
		{`[1, 2, 3, 4, 5, 6]`, []int{2, 3}},
		{`[[1, 2, 3], [4, 5, 6]]`, []int{2, 3}},
		{`[[1, 2], [3, 4], [5, 6]]`, []int{2, 3}},
		{`[[1, 2, 3], [4, 5]]`, []int{5}},
		{`[1, [2, [3, [4]]], [], 5]`, []int{5}},
		{`[1, 2, 3]`, []int{2, 3}},
		{`[1, 2, 3, 4, 5, 6, 7]`, []int{2, 3}},
		{`[]`, []int{0}},
		{`[[]]`, []int{1}},
		{`[[7]]`, []int{1}},
		{`[7]`, []int{4}},
		{` [ -0 , 0.5 , -1.5e2 , 1E+2 ] `, []int{4}},
		{`[127, -128, 255, 256]`, []int{4}},
		{`[32767, -32768, 65535, 4294967295]`, []int{4}},
		{`[9223372036854775807, -9223372036854775808, 18446744073709551615, 18446744073709551616]`, []int{4}},
		{`[1e400, -1e400, 1e-400, 65520]`, []int{4}},
		{`[NaN, Infinity, -Infinity, 1]`, []int{4}},
		{`[true, false, null, 0]`, []int{4}},
		{`["1", " 2 ", "abc", "abcd"]`, []int{4}},
		{`["TRUE", "FALSE", "RED", "GREEN"]`, []int{4}},
		{`["\u0000NaN", 1]`, []int{2}},
		{`["NaN", "Infinity"]`, []int{2}},
		{`[{"a": 1}, 2]`, []int{2}},
		{`[1, 2,]`, []int{2}},
		{`[1 2]`, []int{2}},
		{`[1, 2]]`, []int{2}},
		{`[[1, 2]`, []int{2}},
		{`[01, 2]`, []int{2}},
		{`[1., 2]`, []int{2}},
		{`[.5, 2]`, []int{2}},
		{`[+1, 2]`, []int{2}},
		{`[0x10, 2]`, []int{2}},
		{`[-NaN, 2]`, []int{2}},
		{`[NaNa, 2]`, []int{2}},
		{`[Infinityx, 2]`, []int{2}},
		{`[1e5, 2e, 3]`, []int{3}},
		{`[1, 2] x`, []int{2}},
		{`[1, "2]`, []int{2}},
		{`[tru, 2]`, []int{2}},
		{`[1.9, -1.9, 2.5, 1e2]`, []int{4}},
		{`[[[1, 2]], [3, 4]]`, []int{2, 2}},
		{`[[1, 2], [[3, 4]]]`, []int{2, 2}},
		{`[[1, [2]], [3, 4, 5]]`, []int{5}},
		{`[[1, [2]], [3, 4]]`, []int{2, 2}},
		{`[[1, 2], 3, 4]`, []int{2, 2}},
		{`[1, [2, 3], 4]`, []int{2, 2}},
		{`[[], 5]`, []int{2}},
		{`[[], []]`, []int{2, 0}},
		{`[[[7]]]`, []int{1}},
		{`[[[7]]]`, []int{1, 1}},
		{`[[7, 8]]`, []int{1, 2}},
	}
	for _, ts := range listTypes {
		typ, err := h5type.Parse(json.RawMessage(ts))
		if err != nil {
			t.Fatalf("parse %s: %v", ts, err)
		}
		for _, v := range values {
			want, werr := genericEncode(typ, []byte(v.value), v.shape)
			got, gerr := decodeListValue(nil, typ, []byte(v.value), v.shape)
			switch {
			case werr == nil && gerr != nil:
				t.Errorf("%s %s shape %v: streaming refused (%v), generic gave %x", ts, v.value, v.shape, gerr, want)
			case werr != nil && gerr == nil:
				t.Errorf("%s %s shape %v: streaming gave %x, generic refused (%v)", ts, v.value, v.shape, got, werr)
			case werr == nil && !bytes.Equal(got, want):
				t.Errorf("%s %s shape %v: streaming %x, generic %x", ts, v.value, v.shape, got, want)
			}
		}
	}
}

// FuzzDecodeListValue checks the same agreement on arbitrary list texts.
func FuzzDecodeListValue(f *testing.F) {
	for _, s := range []string{`[1, 2, 3]`, `[[1.5, NaN], [-Infinity, "4"]]`, `[true, null, {"a": 1}]`, `[[], [[9]]]`, `["abc", 1e999]`} {
		f.Add(s, uint8(0), uint8(3))
	}
	types := make([]*h5type.Type, len(listTypes))
	for i, ts := range listTypes {
		types[i], _ = h5type.Parse(json.RawMessage(ts))
	}
	f.Fuzz(func(t *testing.T, value string, ti, n uint8) {
		typ := types[int(ti)%len(types)]
		shape := []int{int(n % 16)}
		if strings.TrimSpace(value) == "" || strings.TrimLeft(value, " \t\r\n")[0] != '[' {
			return
		}
		want, werr := genericEncode(typ, []byte(value), shape)
		got, gerr := decodeListValue(nil, typ, []byte(value), shape)
		if (werr == nil) != (gerr == nil) || werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("%q into %s shape %v: streaming %x, %v; generic %x, %v", value, typ, shape, got, gerr, want, werr)
		}
	})
}

// TestSplitValueField: the value member is cut out of plainly spelled bodies and left to the
// generic decoder otherwise.
func TestSplitValueField(t *testing.T) {
	for _, tc := range []struct {
		body, rest, value string
		ok                bool
	}{
		{`{"value": [1, 2]}`, `{"value": null}`, `[1, 2]`, true},
		{` {"select": "[0:2]", "value" : [[1], [2]] , "x": {"value": 3}} `, ` {"select": "[0:2]", "value" : null , "x": {"value": 3}} `, `[[1], [2]]`, true},
		{`{"points": [[1, 2]], "value": [NaN]}`, `{"points": [[1, 2]], "value": null}`, `[NaN]`, true},
		{`{"a": "]}\"", "value": 5}`, `{"a": "]}\"", "value": null}`, `5`, true},
		{`{"valu\u0065": [1]}`, "", "", false},
		{`{"value": [1], "value": [2]}`, "", "", false},
		{`{"select": "[0:2]"}`, "", "", false},
		{`{"value": [1, 2}`, "", "", false},
		{`{"value": [1]} x`, "", "", false},
		{`[1, 2]`, "", "", false},
		{`{}`, "", "", false},
	} {
		rest, value, ok := splitValueField([]byte(tc.body))
		if ok != tc.ok || string(rest) != tc.rest || string(value) != tc.value {
			t.Errorf("%s: got %q, %q, %v; want %q, %q, %v", tc.body, rest, value, ok, tc.rest, tc.value, tc.ok)
		}
	}
}

// numbersBody is a JSON value of n float64 numbers as numpy's tolist() and json.dumps write them.
func numbersBody(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	b := []byte(`{"value": [`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendFloat(b, rng.NormFloat64()*1000, 'g', -1, 64)
	}
	return append(b, "]}"...)
}

// TestDecodeListValueMemory: decoding a large numeric body allocates its packed data and a
// small constant, never a tree of values: at most 1.5 times the packed size in total, and a
// handful of allocations (the generic path allocates at least one per element).
func TestDecodeListValueMemory(t *testing.T) {
	const n = 200_000
	body := numbersBody(n)
	typ, _ := h5type.Parse(json.RawMessage(`"H5T_IEEE_F64LE"`))
	_, value, ok := splitValueField(body)
	if !ok {
		t.Fatal("body not split")
	}
	var out []byte
	allocs := testing.AllocsPerRun(3, func() {
		var err error
		if out, err = decodeListValue(make([]byte, 0, n*8), typ, value, []int{n}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 5 {
		t.Errorf("%v allocations to decode %d numbers, want at most 5", allocs, n)
	}
	if len(out) != n*8 {
		t.Fatalf("decoded %d bytes, want %d", len(out), n*8)
	}
	want, err := genericEncode(typ, value, []int{n})
	if err != nil || !bytes.Equal(out, want) {
		t.Fatalf("streaming and generic disagree (generic err %v)", err)
	}
	bytesPer := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_, _ = decodeListValue(make([]byte, 0, n*8), typ, value, []int{n})
		}
	}).AllocedBytesPerOp()
	if bytesPer > int64(n*8*3/2) {
		t.Errorf("decoding %d bytes of JSON allocated %d bytes, want at most 1.5x the %d packed bytes", len(value), bytesPer, n*8)
	}
}

// BenchmarkJSONValueDecode compares the streaming decoder with the generic one (the old path of
// JSON value writes) side by side on the same 1M-number body.
func BenchmarkJSONValueDecode(b *testing.B) {
	const n = 1 << 20
	body := numbersBody(n)
	typ, _ := h5type.Parse(json.RawMessage(`"H5T_IEEE_F64LE"`))
	b.Run("streaming", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			rest, v, ok := splitValueField(body)
			if !ok || len(rest) == 0 {
				b.Fatal("not split")
			}
			if _, err := decodeListValue(make([]byte, 0, n*8), typ, v, []int{n}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("generic", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			m, err := parseBodyObject(body)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := genericEncode(typ, m["value"], []int{n}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
