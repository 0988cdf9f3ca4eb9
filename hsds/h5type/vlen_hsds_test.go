package h5type

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// hsdsBodies are the bodies HSDS's own arrayToBytes makes (what h5pyd and HSDS send for binary
// values of variable-length types), with the data length (the offset after copyElement) and
// getByteArraySize. Made by /usr/bin/python3 with the peers' hsds-0.9.4 on the path:
//
//	from hsds.util.arrayUtil import arrayToBytes, getByteArraySize, jsonToArray, copyElement
//	from hsds.util.hdf5dtype import createDataType
//	dt = createDataType(typ); arr = jsonToArray((len(value),), dt, value)
//	buf = bytearray(getByteArraySize(arr)); off = 0
//	for e in arr: off = copyElement(e, dt, buf, off)          # data
//	print(off, getByteArraySize(arr), arrayToBytes(arr).hex())  # data, hsds, hex
var hsdsBodies = []struct {
	name, typ, value string
	data, hsds       int
	hex              string
}{
	{name: "vlen_test", typ: `{"class": "H5T_COMPOUND", "fields": [{"name": "VALUE1", "type": {"class": "H5T_INTEGER", "base": "H5T_STD_U64BE"}}, {"name": "VALUE2", "type": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 8}}, {"name": "VALUE3", "type": {"class": "H5T_ARRAY", "dims": [2], "base": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}}}]}`, value: `[[1, "ABCDE", ["Hi! ", "Bye!"]], [2, "BCDEF", ["Hi! Hi! ", "Bye!Bye!"]], [3, "CDEFG", ["Hi! Hi! Hi! ", "Bye!Bye!Bye!"]], [4, "DEFGH", ["Hi! Hi! Hi! Hi! ", "Bye!Bye!Bye!Bye!"]]]`, data: 176, hsds: 192,
		hex: "010000000000000041424344450000000400000048692120040000004279652102000000000000004243444546000000080000004869212048692120080000004279652142796521030000000000000043444546470000000c0000004869212048692120486921200c000000427965214279652142796521040000000000000044454647480000001000000048692120486921204869212048692120100000004279652142796521427965214279652100000000000000000000000000000000"},
	{name: "two_arrays", typ: `{"class": "H5T_COMPOUND", "fields": [{"name": "a", "type": "H5T_STD_I32BE"}, {"name": "b", "type": {"class": "H5T_ARRAY", "dims": [3], "base": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}}}, {"name": "c", "type": {"class": "H5T_ARRAY", "dims": [2], "base": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}}}]}`, value: `[[-2, ["1", "23", ""], ["x", "yz"]], [70000, ["", "", "456"], ["", "ab"]]]`, data: 59, hsds: 75,
		hex: "feffffff010000003102000000323300000000010000007802000000797a701101000000000000000000030000003435360000000002000000616200000000000000000000000000000000"},
	{name: "nested", typ: `{"class": "H5T_COMPOUND", "fields": [{"name": "x", "type": "H5T_STD_I8LE"}, {"name": "inner", "type": {"class": "H5T_COMPOUND", "fields": [{"name": "p", "type": "H5T_IEEE_F64BE"}, {"name": "q", "type": {"class": "H5T_ARRAY", "dims": [2], "base": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}}}, {"name": "r", "type": {"class": "H5T_ARRAY", "dims": [2], "base": "H5T_STD_U16BE"}}]}}]}`, value: `[[1, [1.5, ["a", "bc"], [1, 258]]], [-1, [-0.25, ["", "d"], [3, 4]]], [7, [1e+300, ["ef", "g"], [65535, 0]]]]`, data: 70, hsds: 82,
		hex: "01000000000000f83f010000006102000000626300010102ff000000000000d0bf00000000010000006400030004079c7500883ce4377e0200000065660100000067ffff0000000000000000000000000000"},
	{name: "no_array", typ: `{"class": "H5T_COMPOUND", "fields": [{"name": "a", "type": "H5T_STD_U32BE"}, {"name": "s", "type": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}}, {"name": "f", "type": "H5T_IEEE_F32LE"}]}`, value: `[[1, "one", 0.5], [4000000000, "", -2.0]]`, data: 27, hsds: 27,
		hex: "01000000030000006f6e650000003f00286bee00000000000000c0"},
	{name: "vlen_seq", typ: `{"class": "H5T_VLEN", "base": "H5T_STD_I32BE"}`, value: `[[1, 2], [], [3]]`, data: 24, hsds: 24,
		hex: "080000000000000100000002000000000400000000000003"},
}

// TestHSDSBodies: hsfan's encoding of each value, with the clients' little-endian scalar
// fields (SwapHSDSNativeFields) and HSDS's padding (JoinElementsHSDS), is byte for byte
// arrayToBytes' body; SplitElements takes that body, padded or not, back to the same elements.
func TestHSDSBodies(t *testing.T) {
	for _, tc := range hsdsBodies {
		t.Run(tc.name, func(t *testing.T) {
			typ := mustParse(t, tc.typ)
			d := json.NewDecoder(strings.NewReader(tc.value))
			d.UseNumber()
			var v []any
			if err := d.Decode(&v); err != nil {
				t.Fatal(err)
			}
			n := len(v)
			enc, err := typ.EncodeValue(v, []int{n})
			if err != nil {
				t.Fatal(err)
			}
			if len(enc) != tc.data {
				t.Errorf("encoding is %d bytes, copyElement writes %d", len(enc), tc.data)
			}
			if got := n * typ.HSDSPadding(); got != tc.hsds-tc.data {
				t.Errorf("padding %d bytes, getByteArraySize counts %d", got, tc.hsds-tc.data)
			}
			elems, err := SplitElements(slices.Clone(enc), typ, n)
			if err != nil {
				t.Fatal(err)
			}
			if err := typ.SwapHSDSNativeFields(elems); err != nil {
				t.Fatal(err)
			}
			want, _ := hex.DecodeString(tc.hex)
			if got := JoinElementsHSDS(elems, typ); !bytes.Equal(got, want) {
				t.Errorf("body\n got %x\nwant %x", got, want)
			}
			for _, body := range [][]byte{want, want[:tc.data]} {
				back, err := SplitElements(slices.Clone(body), typ, n)
				if err != nil {
					t.Fatalf("split the %d-byte body: %v", len(body), err)
				}
				if err := typ.SwapHSDSNativeFields(back); err != nil {
					t.Fatal(err)
				}
				if got := JoinElements(back); !bytes.Equal(got, enc) {
					t.Errorf("%d-byte body decodes to\n%x\nwant\n%x", len(body), got, enc)
				}
			}
		})
	}
}

// TestSplitElementsHSDSPaddingErrors: only the exact padding, all zero, may follow the data.
func TestSplitElementsHSDSPaddingErrors(t *testing.T) {
	tc := hsdsBodies[0]
	typ := mustParse(t, tc.typ)
	body, _ := hex.DecodeString(tc.hex)
	nonzero := slices.Clone(body)
	nonzero[len(nonzero)-3] = 1
	for _, b := range []struct {
		name string
		body []byte
	}{
		{"nonzero padding", nonzero},
		{"padding short by one", body[:len(body)-1]},
		{"padding long by four", append(slices.Clone(body), 0, 0, 0, 0)},
		{"half the padding", body[:tc.data+(tc.hsds-tc.data)/2]},
	} {
		t.Run(b.name, func(t *testing.T) {
			_, err := SplitElements(b.body, typ, 4)
			want := "trailing bytes: 4 elements take 176 bytes, or 192 with the 16 zero bytes HSDS's arrayToBytes pads them with, got "
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("SplitElements error = %v, want %q", err, want)
			}
		})
	}
	// A type HSDS does not pad takes no padding.
	if _, err := SplitElements(unhex(t, "01000000 61 00000000"), mustParse(t, tVlenUTF8), 1); err == nil || !strings.Contains(err.Error(), "4 trailing bytes: 1 elements take 5 bytes, got 9") {
		t.Errorf("unpadded type with trailing zeros: error = %v", err)
	}
}

// TestHSDSPaddingRule: types getByteArraySize counts exactly (no object arrays inside a
// compound of two or more fields) have no padding.
func TestHSDSPaddingRule(t *testing.T) {
	vstr := `{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLTERM","length":"H5T_VARIABLE"}`
	arr := `{"class":"H5T_ARRAY","dims":[3],"base":` + vstr + `}`
	tests := []struct {
		name, typ string
		want      int
	}{
		{"top-level array of vlen strings (numpy expands it into the shape)", arr, 0},
		{"vlen string", vstr, 0},
		{"one-field compound", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":` + arr + `}]}`, 0},
		{"array of fixed in compound", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":{"class":"H5T_ARRAY","dims":[2],"base":"H5T_STD_I32LE"}},{"name":"s","type":` + vstr + `}]}`, 0},
		{"vlen sequence in compound", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":{"class":"H5T_VLEN","base":"H5T_STD_I32LE"}},{"name":"s","type":` + vstr + `}]}`, 0},
		{"two arrays", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":` + arr + `},{"name":"b","type":` + arr + `}]}`, 8},
		{"fixed compound", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I32BE"},{"name":"b","type":"H5T_STD_I32BE"}]}`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustParse(t, tc.typ).HSDSPadding(); got != tc.want {
				t.Errorf("HSDSPadding() = %d, want %d", got, tc.want)
			}
		})
	}
	// Fixed-size compounds go through numpy's tobytes in the declared order: not swapped.
	fixed := mustParse(t, tests[len(tests)-1].typ)
	e := [][]byte{unhex(t, "00000001 00000002")}
	if err := fixed.SwapHSDSNativeFields(e); err != nil || !bytes.Equal(e[0], unhex(t, "00000001 00000002")) {
		t.Errorf("fixed compound swapped to %x (%v)", e[0], err)
	}
}
