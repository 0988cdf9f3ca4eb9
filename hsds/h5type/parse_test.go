package h5type

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func mustParse(t testing.TB, s string) *Type {
	t.Helper()
	typ, err := Parse(json.RawMessage(s))
	if err != nil {
		t.Fatalf("Parse(%s): %v", s, err)
	}
	return typ
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		class Class
		size  int
		canon string
	}{
		{"bare int", `"H5T_STD_I16LE"`, ClassInteger, 2, `{"class":"H5T_INTEGER","base":"H5T_STD_I16LE"}`},
		{"bare uint BE", `"H5T_STD_U64BE"`, ClassInteger, 8, `{"class":"H5T_INTEGER","base":"H5T_STD_U64BE"}`},
		{"bare no suffix", `"H5T_STD_I32"`, ClassInteger, 4, `{"class":"H5T_INTEGER","base":"H5T_STD_I32LE"}`},
		{"bare f16", `"H5T_IEEE_F16LE"`, ClassFloat, 2, `{"class":"H5T_FLOAT","base":"H5T_IEEE_F16LE"}`},
		{"bare f64be", `"H5T_IEEE_F64BE"`, ClassFloat, 8, `{"class":"H5T_FLOAT","base":"H5T_IEEE_F64BE"}`},
		{"bare ref", `"H5T_STD_REF_OBJ"`, ClassReference, 48, `{"class":"H5T_REFERENCE","base":"H5T_STD_REF_OBJ"}`},
		{"int obj", `{"class":"H5T_INTEGER","base":"H5T_STD_U8LE"}`, ClassInteger, 1, `{"class":"H5T_INTEGER","base":"H5T_STD_U8LE"}`},
		{"float obj", `{"base":"H5T_IEEE_F32LE","class":"H5T_FLOAT"}`, ClassFloat, 4, `{"class":"H5T_FLOAT","base":"H5T_IEEE_F32LE"}`},
		{"fixed string", `{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLPAD","length":5}`, ClassString, 5,
			`{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLPAD","length":5}`},
		{"vlen string", `{"class":"H5T_STRING","charSet":"H5T_CSET_UTF8","strPad":"H5T_STR_NULLTERM","length":"H5T_VARIABLE"}`, ClassString, -1,
			`{"class":"H5T_STRING","charSet":"H5T_CSET_UTF8","strPad":"H5T_STR_NULLTERM","length":"H5T_VARIABLE"}`},
		{"string defaults", `{"class":"H5T_STRING","length":3}`, ClassString, 3,
			`{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLPAD","length":3}`},
		{"compound", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I16LE"},{"name":"b","type":{"class":"H5T_FLOAT","base":"H5T_IEEE_F32LE"}},{"name":"s","type":{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLPAD","length":3}}]}`,
			ClassCompound, 9,
			`{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I16LE"},{"name":"b","type":{"class":"H5T_FLOAT","base":"H5T_IEEE_F32LE"}},{"name":"s","type":{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLPAD","length":3}}]}`},
		{"compound vlen", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I8LE"},{"name":"s","type":{"class":"H5T_STRING","length":"H5T_VARIABLE"}}]}`,
			ClassCompound, -1,
			`{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I8LE"},{"name":"s","type":{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLTERM","length":"H5T_VARIABLE"}}]}`},
		{"array", `{"class":"H5T_ARRAY","dims":[2,3],"base":{"class":"H5T_INTEGER","base":"H5T_STD_I32BE"}}`, ClassArray, 24,
			`{"class":"H5T_ARRAY","dims":[2,3],"base":{"class":"H5T_INTEGER","base":"H5T_STD_I32BE"}}`},
		{"array int dims", `{"class":"H5T_ARRAY","dims":4,"base":"H5T_IEEE_F64LE"}`, ClassArray, 32,
			`{"class":"H5T_ARRAY","dims":[4],"base":"H5T_IEEE_F64LE"}`},
		{"enum", `{"class":"H5T_ENUM","base":{"class":"H5T_INTEGER","base":"H5T_STD_U16LE"},"mapping":{"RED":0,"GREEN":1,"BLUE":2}}`, ClassEnum, 2,
			`{"class":"H5T_ENUM","base":{"class":"H5T_INTEGER","base":"H5T_STD_U16LE"},"mapping":{"RED":0,"GREEN":1,"BLUE":2}}`},
		{"bool", `{"class":"H5T_ENUM","base":{"class":"H5T_INTEGER","base":"H5T_STD_I8LE"},"mapping":{"FALSE":0,"TRUE":1}}`, ClassEnum, 1,
			`{"class":"H5T_ENUM","base":{"class":"H5T_INTEGER","base":"H5T_STD_I8LE"},"mapping":{"FALSE":0,"TRUE":1}}`},
		{"opaque", `{"class":"H5T_OPAQUE","size":7,"tag":""}`, ClassOpaque, 7, `{"class":"H5T_OPAQUE","size":7,"tag":""}`},
		{"vlen seq", `{"class":"H5T_VLEN","base":{"class":"H5T_INTEGER","base":"H5T_STD_I32LE"}}`, ClassVlen, -1,
			`{"class":"H5T_VLEN","base":{"class":"H5T_INTEGER","base":"H5T_STD_I32LE"}}`},
		{"reference", `{"class":"H5T_REFERENCE","base":"H5T_STD_REF_DSETREG"}`, ClassReference, 48,
			`{"class":"H5T_REFERENCE","base":"H5T_STD_REF_DSETREG"}`},
		{"committed id kept", `{"class":"H5T_INTEGER","base":"H5T_STD_I64LE","id":"t-1234"}`, ClassInteger, 8,
			`{"class":"H5T_INTEGER","base":"H5T_STD_I64LE","id":"t-1234"}`},
		{"complex", `{"class":"H5T_COMPOUND","fields":[{"name":"r","type":"H5T_IEEE_F64LE"},{"name":"i","type":"H5T_IEEE_F64LE"}]}`, ClassCompound, 16,
			`{"class":"H5T_COMPOUND","fields":[{"name":"r","type":"H5T_IEEE_F64LE"},{"name":"i","type":"H5T_IEEE_F64LE"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ := mustParse(t, tc.in)
			if typ.Class() != tc.class || typ.Size() != tc.size {
				t.Errorf("class/size = %s/%d, want %s/%d", typ.Class(), typ.Size(), tc.class, tc.size)
			}
			if typ.IsVariable() != (tc.size < 0) {
				t.Errorf("IsVariable = %v", typ.IsVariable())
			}
			got, err := json.Marshal(typ)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.canon {
				t.Errorf("MarshalJSON =\n %s\nwant\n %s", got, tc.canon)
			}
			// The canonical form parses back to an equal type.
			again := mustParse(t, string(got))
			if !again.Equal(typ) {
				t.Errorf("reparse of %s differs", got)
			}
		})
	}
}

func TestParseAccessors(t *testing.T) {
	c := mustParse(t, `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I16BE"},{"name":"v","type":{"class":"H5T_VLEN","base":"H5T_STD_U8LE"}},{"name":"b","type":"H5T_IEEE_F32LE"}]}`)
	fs := c.Fields()
	if len(fs) != 3 || fs[0].Offset != 0 || fs[1].Offset != 2 || fs[2].Offset != -1 {
		t.Fatalf("offsets = %+v", fs)
	}
	a, ok := c.Field("a")
	if !ok || a.Type.Order() != binary.ByteOrder(binary.BigEndian) || !a.Type.IsSigned() || a.Type.Bits() != 16 {
		t.Errorf("field a = %+v", a)
	}
	if _, ok := c.Field("zz"); ok {
		t.Error("Field(zz) found")
	}
	if c.Order() != nil || c.IsNumeric() {
		t.Error("compound has order or is numeric")
	}
	u := mustParse(t, `"H5T_STD_U32LE"`)
	if u.IsSigned() || u.IsFloat() || !u.IsNumeric() || u.Order() != binary.ByteOrder(binary.LittleEndian) {
		t.Error("u32 accessors")
	}
	e := mustParse(t, `{"class":"H5T_ENUM","base":"H5T_STD_I8BE","mapping":{"TRUE":1,"FALSE":0}}`)
	if !e.IsBool() || e.Order() != binary.ByteOrder(binary.BigEndian) || len(e.Mapping()) != 2 || e.Mapping()[0].Name != "TRUE" {
		t.Errorf("bool enum accessors: %v %v", e.IsBool(), e.Mapping())
	}
	ne := mustParse(t, `{"class":"H5T_ENUM","base":"H5T_STD_U8LE","mapping":{"TRUE":1,"FALSE":0}}`)
	if ne.IsBool() {
		t.Error("u8 TRUE/FALSE enum must not be bool (numpy bool needs int8)")
	}
	ar := mustParse(t, `{"class":"H5T_ARRAY","dims":[2,2],"base":"H5T_STD_I16LE"}`)
	if d := ar.Dims(); len(d) != 2 || ar.Base().Size() != 2 {
		t.Errorf("array dims %v", d)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", ``, "empty type"},
		{"number", `5`, "string or an object"},
		{"unknown name", `"H5T_STD_X8LE"`, "unknown predefined type name"},
		{"bad bits", `"H5T_STD_I12LE"`, "unsupported size"},
		{"f8", `"H5T_IEEE_F8LE"`, "unsupported size"},
		{"no class", `{"base":"H5T_STD_I8LE"}`, "no \"class\""},
		{"unknown class", `{"class":"H5T_TIME"}`, "unknown type class \"H5T_TIME\""},
		{"int no base", `{"class":"H5T_INTEGER"}`, "has no \"base\""},
		{"int float base", `{"class":"H5T_INTEGER","base":"H5T_IEEE_F32LE"}`, "of class H5T_FLOAT"},
		{"string no length", `{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII"}`, "no \"length\""},
		{"string zero length", `{"class":"H5T_STRING","length":0}`, "at least 1"},
		{"string neg length", `{"class":"H5T_STRING","length":-3}`, "must be an integer"},
		{"string huge", `{"class":"H5T_STRING","length":1e12}`, "must be an integer"},
		{"string bad charset", `{"class":"H5T_STRING","length":3,"charSet":"LATIN1"}`, "charSet"},
		{"string bad var", `{"class":"H5T_STRING","length":"VAR"}`, "H5T_VARIABLE"},
		{"compound no fields", `{"class":"H5T_COMPOUND"}`, "no \"fields\""},
		{"compound empty", `{"class":"H5T_COMPOUND","fields":[]}`, "no fields"},
		{"compound dup", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I8LE"},{"name":"a","type":"H5T_STD_I8LE"}]}`, "duplicated"},
		{"compound non ascii", `{"class":"H5T_COMPOUND","fields":[{"name":"é","type":"H5T_STD_I8LE"}]}`, "not ASCII"},
		{"compound no type", `{"class":"H5T_COMPOUND","fields":[{"name":"a"}]}`, "has no type"},
		{"compound bad field type", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"nope"}]}`, "field \"a\""},
		{"array no dims", `{"class":"H5T_ARRAY","base":"H5T_STD_I8LE"}`, "no \"dims\""},
		{"array zero dim", `{"class":"H5T_ARRAY","dims":[0],"base":"H5T_STD_I8LE"}`, "positive"},
		{"array too big", `{"class":"H5T_ARRAY","dims":[65536,65536,65536],"base":"H5T_STD_I8LE"}`, "exceeds"},
		{"array of vlen", `{"class":"H5T_ARRAY","dims":[2],"base":{"class":"H5T_VLEN","base":"H5T_STD_I8LE"}}`, "got H5T_VLEN"},
		{"array of compound", `{"class":"H5T_ARRAY","dims":[2],"base":{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I8LE"}]}}`, "integer, float, string or array"},
		{"enum float base", `{"class":"H5T_ENUM","base":"H5T_IEEE_F32LE","mapping":{"A":1}}`, "integer type"},
		{"enum no mapping", `{"class":"H5T_ENUM","base":"H5T_STD_I8LE"}`, "no \"mapping\""},
		{"enum empty mapping", `{"class":"H5T_ENUM","base":"H5T_STD_I8LE","mapping":{}}`, "empty"},
		{"enum out of range", `{"class":"H5T_ENUM","base":"H5T_STD_I8LE","mapping":{"A":300}}`, "out of range"},
		{"enum string value", `{"class":"H5T_ENUM","base":"H5T_STD_I8LE","mapping":{"A":"x"}}`, "must be an integer"},
		{"opaque no size", `{"class":"H5T_OPAQUE"}`, "no \"size\""},
		{"opaque zero", `{"class":"H5T_OPAQUE","size":0}`, "at least 1"},
		{"vlen of vlen", `{"class":"H5T_VLEN","base":{"class":"H5T_VLEN","base":"H5T_STD_I8LE"}}`, "fixed-size"},
		{"dims on integer", `{"class":"H5T_INTEGER","base":"H5T_STD_I8LE","dims":[2]}`, "only allowed on H5T_ARRAY"},
		{"ref bad base", `{"class":"H5T_REFERENCE","base":"H5T_STD_I8LE"}`, "H5T_STD_REF_OBJ"},
		{"deep", strings.Repeat(`{"class":"H5T_VLEN","base":`, 40) + `"H5T_STD_I8LE"` + strings.Repeat(`}`, 40), "deeper"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(json.RawMessage(tc.in))
			if err == nil {
				t.Fatalf("Parse(%s) succeeded", tc.in)
			}
			if !errors.Is(err, ErrInvalidType) {
				t.Errorf("error %v does not match ErrInvalidType", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestParseCommitted(t *testing.T) {
	for _, in := range []string{`"t-0a1b2c3d-aaaa"`, `{"class":"H5T_COMPOUND","fields":[{"name":"x","type":"t-77"}]}`} {
		_, err := Parse(json.RawMessage(in))
		if !errors.Is(err, ErrCommittedType) {
			t.Fatalf("Parse(%s) = %v, want ErrCommittedType", in, err)
		}
		var ce *CommittedTypeError
		if !errors.As(err, &ce) || !strings.HasPrefix(ce.ID, "t-") {
			t.Errorf("no CommittedTypeError with id in %v", err)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"H5T_IEEE_F32LE"`, `{"class":"H5T_FLOAT","base":"H5T_IEEE_F32LE"}`},
		{`"H5T_STD_REF_OBJ"`, `{"class":"H5T_REFERENCE","base":"H5T_STD_REF_OBJ"}`},
		{"{ \"class\": \"H5T_COMPOUND\",\n \"fields\": [{\"name\": \"a\", \"type\": \"H5T_STD_I16LE\"}] }",
			`{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I16LE"}]}`},
		{`{"length": 5, "class": "H5T_STRING", "charSet": "H5T_CSET_ASCII"}`, `{"length":5,"class":"H5T_STRING","charSet":"H5T_CSET_ASCII"}`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Normalize(json.RawMessage(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("Normalize = %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := Normalize(json.RawMessage(`"t-1"`)); !errors.Is(err, ErrCommittedType) {
		t.Errorf("Normalize(t-1) = %v", err)
	}
	if _, err := Normalize(json.RawMessage(`{"class":"H5T_FOO"}`)); !errors.Is(err, ErrInvalidType) {
		t.Errorf("Normalize(bad) = %v", err)
	}
}

func TestWithID(t *testing.T) {
	typ := mustParse(t, `"H5T_STD_I8LE"`).WithID("t-abc")
	b, _ := json.Marshal(typ)
	if string(b) != `{"class":"H5T_INTEGER","base":"H5T_STD_I8LE","id":"t-abc"}` || typ.ID() != "t-abc" {
		t.Errorf("WithID JSON = %s", b)
	}
}

// TestVariableStringsInArrays: arrays of variable-length strings (alone and in compounds) are
// variable-length types; their elements are the strings' length-prefixed pieces one after the
// other (HSDS arrayUtil.py copyElement); a sequence of variable-length strings parses but
// refuses values.
func TestVariableStringsInArrays(t *testing.T) {
	arr, err := Parse([]byte(`{"class": "H5T_COMPOUND", "fields": [{"name": "a", "type": "H5T_STD_U64LE"}, {"name": "s", "type": {"class": "H5T_ARRAY", "dims": [2], "base": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !arr.IsVariable() {
		t.Fatal("compound with an array of vlen strings is not variable")
	}
	v := []any{[]any{int64(1), []any{"Hi! ", "Bye!"}}, []any{int64(2), []any{"", "x"}}}
	b, err := arr.EncodeValue(v, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	want := "\x01\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00Hi! \x04\x00\x00\x00Bye!" +
		"\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00x"
	if string(b) != want {
		t.Errorf("encoded %q\nwant    %q", b, want)
	}
	parts, err := SplitElements(b, arr, 2)
	if err != nil || len(parts) != 2 || len(parts[0]) != 24 {
		t.Fatalf("split: %v %v", parts, err)
	}
	got, err := arr.DecodeValueOptions(b, []int{2}, DecodeOptions{EmptyVlenAsEmpty: true})
	if err != nil || fmt.Sprint(got) != fmt.Sprint(v) {
		t.Errorf("decoded %v, %v; want %v", got, err, v)
	}
	vv, err := Parse([]byte(`{"class": "H5T_VLEN", "base": {"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLPAD", "length": "H5T_VARIABLE"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vv.EncodeValue([]any{"one"}, nil); !errors.Is(err, ErrVlenOfVlen) {
		t.Errorf("vlen of vlen value: %v, want ErrVlenOfVlen", err)
	}
	if got, err := vv.DecodeValue([]byte{0, 0, 0, 0}, nil); err != nil || got != int64(0) {
		t.Errorf("empty vlen of vlen: %v, %v", got, err)
	}
}
