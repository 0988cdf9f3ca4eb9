package h5type

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestSplitJoinElements(t *testing.T) {
	tests := []struct {
		name  string
		typ   string
		hex   string
		n     int
		parts []string
	}{
		{"verified vlen", tVlenUTF8, "01000000 61 06000000 68c3a96c6c6f 00000000", 3,
			[]string{"0100000061", "0600000068c3a96c6c6f", "00000000"}},
		{"fixed", `"H5T_STD_I16BE"`, "0001 0002 0003", 3, []string{"0001", "0002", "0003"}},
		{"compound vlen", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_U8LE"},{"name":"s","type":` + tVlenUTF8 + `}]}`,
			"07 02000000 6869 08 00000000", 2, []string{"07020000006869", "0800000000"}},
		{"vlen seq", `{"class":"H5T_VLEN","base":"H5T_STD_I32LE"}`, "08000000 0100000002000000 00000000", 2,
			[]string{"080000000100000002000000", "00000000"}},
		{"zero elements", tVlenUTF8, "", 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ := mustParse(t, tc.typ)
			b := unhex(t, tc.hex)
			parts, err := SplitElements(b, typ, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(parts) != len(tc.parts) {
				t.Fatalf("got %d parts, want %d", len(parts), len(tc.parts))
			}
			for i, p := range parts {
				if !bytes.Equal(p, unhex(t, tc.parts[i])) {
					t.Errorf("part %d = %x, want %s", i, p, tc.parts[i])
				}
				if l, err := typ.ElementLen(p); err != nil || l != len(p) {
					t.Errorf("ElementLen(part %d) = %d, %v", i, l, err)
				}
			}
			if j := JoinElements(parts); !bytes.Equal(j, b) {
				t.Errorf("JoinElements = %x, want %x", j, b)
			}
		})
	}
}

func TestSplitElementsErrors(t *testing.T) {
	tests := []struct {
		name, typ, hex string
		n              int
		want           string
	}{
		{"too few bytes", tVlenUTF8, "01000000 61", 2, "cannot hold"},
		{"trailing", tVlenUTF8, "01000000 61 00000000", 1, "trailing"},
		{"truncated piece", tVlenUTF8, "09000000 61 000000", 1, "truncated"},
		{"negative count", tVlenUTF8, "feffffff", 1, "negative"},
		{"over max", tVlenUTF8, "41420f00 00000000", 2, "exceeds 1000000"},
		{"ragged seq", `{"class":"H5T_VLEN","base":"H5T_STD_I32LE"}`, "02000000 0102", 1, "not a multiple"},
		{"fixed wrong size", `"H5T_STD_I32LE"`, "01000000 02", 1, "5 bytes for 1"},
		{"negative n", tVlenUTF8, "", -1, "negative count"},
		{"huge n", tVlenUTF8, "00000000", 1 << 40, "cannot hold"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SplitElements(unhex(t, tc.hex), mustParse(t, tc.typ), tc.n)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SplitElements error = %v, want mention of %q", err, tc.want)
			}
		})
	}
}

func TestFillBytes(t *testing.T) {
	tests := []struct {
		name, typ string
		fill      string
		encoding  string
		hex       string
	}{
		{"absent", `"H5T_STD_I32LE"`, "", "", "00000000"},
		{"null", `"H5T_STD_I32LE"`, "null", "", "00000000"},
		{"int 7", `"H5T_STD_I32LE"`, "7", "", "07000000"},
		{"int be", `"H5T_STD_I16BE"`, "-2", "", "fffe"},
		{"float nan", `"H5T_IEEE_F32LE"`, `"NaN"`, "", "0000c07f"},
		{"float bare", `"H5T_IEEE_F64LE"`, `-999.0`, "", "0000000000388fc0"},
		{"compound list", tCompoundVerified, `[1, 1.5, "ab"]`, "", "0100 0000c03f 616200"},
		{"base64", tCompoundVerified, `"AQAAAMA/YWIA"`, "base64", "0100 0000c03f 616200"},
		{"vlen absent", tVlenUTF8, "", "", "00000000"},
		{"vlen string", tVlenUTF8, `"na"`, "", "02000000 6e61"},
		{"vlen compound absent", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_U16LE"},{"name":"s","type":` + tVlenUTF8 + `}]}`, "", "", "0000 00000000"},
		{"bool", tBool, "true", "", "01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FillBytes(mustParse(t, tc.typ), json.RawMessage(tc.fill), tc.encoding)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tc.hex); !bytes.Equal(got, want) {
				t.Errorf("FillBytes = %x, want %x", got, want)
			}
		})
	}
	errs := []struct{ name, typ, fill, enc, want string }{
		{"bad base64", `"H5T_STD_I32LE"`, `"!!"`, "base64", "decode base64"},
		{"base64 wrong size", `"H5T_STD_I32LE"`, `"AQID"`, "base64", "truncated"},
		{"base64 too long", `"H5T_STD_I8LE"`, `"AQID"`, "base64", "3 base64 bytes"},
		{"base64 not string", `"H5T_STD_I8LE"`, `5`, "base64", "JSON string"},
		{"unknown encoding", `"H5T_STD_I8LE"`, `5`, "hex", "unknown fillValue_encoding"},
		{"out of range", `"H5T_STD_I8LE"`, `300`, "", "out of range"},
		{"bad json", `"H5T_STD_I8LE"`, `[1,`, "", "fill value"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FillBytes(mustParse(t, tc.typ), json.RawMessage(tc.fill), tc.enc)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("FillBytes error = %v, want mention of %q", err, tc.want)
			}
		})
	}
}

func TestRepeat(t *testing.T) {
	tests := []struct {
		name string
		elem []byte
		n    int
		cap  int
	}{
		{"one", []byte{1, 2, 3}, 1, 3},
		{"many", []byte{7, 0, 0, 0}, 1000, 4000},
		{"odd", []byte{1, 2, 3}, 77, 10},
		{"zeros reuse", []byte{0, 0}, 10, 100},
		{"none", []byte{1}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := bytes.Repeat([]byte{0xee}, tc.cap)
			got := Repeat(dst, tc.elem, tc.n)
			if want := bytes.Repeat(tc.elem, tc.n); !bytes.Equal(got, want) {
				t.Errorf("Repeat = %x, want %x", got, want)
			}
		})
	}
}
