package main

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

const (
	vlenUTF8  = `{"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}`
	vlenASCII = `{"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}`
	vlenI32   = `{"class": "H5T_VLEN", "base": {"class": "H5T_INTEGER", "base": "H5T_STD_I32LE"}}`
	vlenCmp   = `{"class": "H5T_COMPOUND", "fields": [{"name": "a", "type": {"class": "H5T_INTEGER", "base": "H5T_STD_I16LE"}}, {"name": "s", "type": ` + vlenUTF8 + `}, {"name": "v", "type": ` + vlenI32 + `}]}`
)

// writeVlen creates the linked dataset name of a variable-length type in f and writes value.
func writeVlen(t *testing.T, f *hdf.File, name, typ string, dims []int, value string) {
	t.Helper()
	ctx := context.Background()
	obj, err := f.CreateVlenDataset(ctx, hdf.DatasetSpec{Type: json.RawMessage(typ), Dims: dims}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Link(ctx, f.RootID(), name, schema.Link{Class: schema.LinkHard, ID: obj.ID}); err != nil {
		t.Fatal(err)
	}
	vd, err := hdf.OpenVlenDataset(f.Store(), f.Bucket(), obj)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(value))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	data, err := vd.Type.EncodeValue(v, dims)
	if err != nil {
		t.Fatal(err)
	}
	sel := selection.All(dims)
	elems, err := h5type.SplitElements(data, vd.Type, int(sel.Count()))
	if err != nil {
		t.Fatal(err)
	}
	if err := vd.Write(ctx, sel, elems); err != nil {
		t.Fatal(err)
	}
}

// TestGetVlen: hsfan get on variable-length datasets. The bin bytes are HSDS's wire form
// (hsds-format 1.8, VERIFIED against HSDS for ["a","héllo",""]); json and csv print empty
// strings as "" and empty sequences as [] (HSDS's GET value says 0 for both).
func TestGetVlen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf.Create(ctx, st, "hsfan", "/v.h5", hdf.CreateOptions{Owner: "test", Parents: true})
	if err != nil {
		t.Fatal(err)
	}
	writeVlen(t, f, "utf8", vlenUTF8, []int{3}, `["a", "héllo", ""]`)
	writeVlen(t, f, "ascii", vlenASCII, []int{2, 3}, `[["x,y", "", "say \"hi\""], ["multi\nline", "b", "c"]]`)
	writeVlen(t, f, "vint", vlenI32, []int{4}, `[[1, 2, 3], [], [-4], [5, 6]]`)
	writeVlen(t, f, "cmp", vlenCmp, []int{2}, `[[1, "a", [1, 2]], [-2, "", []]]`)
	writeVlen(t, f, "scalar", vlenUTF8, nil, `"only"`)
	st2 := []string{"--store", "file://" + dir, "--bucket", "hsfan", "--domain", "/v.h5"}
	get := func(t *testing.T, args ...string) string {
		t.Helper()
		code, out, errs := run(t, append(append([]string{"get"}, args...), st2...)...)
		if code != 0 {
			t.Fatalf("get %v: exit %d: %s", args, code, errs)
		}
		return out
	}
	for _, tc := range []struct {
		dataset, sel   string
		json, bin, csv string
	}{
		{"/utf8", "", `{"shape": [3], "value": ["a", "h\u00e9llo", ""]}`, "01000000" + "61" + "06000000" + "68c3a96c6c6f" + "00000000", "dim0_index,utf8\n0,a\n1,héllo\n2,\n"},
		{"/utf8", "[[2,0,0]]", `{"shape": [3], "value": ["", "a", "a"]}`, "00000000" + "0100000061" + "0100000061", "dim0_index,utf8\n2,\n0,a\n0,a\n"},
		{"/ascii", "", `{"shape": [2,3], "value": [["x,y", "", "say \"hi\""], ["multi\nline", "b", "c"]]}`, "",
			"dim0_index,dim1_index,ascii\n0,0,\"x,y\"\n0,1,\n0,2,\"say \"\"hi\"\"\"\n1,0,\"multi\nline\"\n1,1,b\n1,2,c\n"},
		{"/ascii", "[[1,0],[0,2]]", `{"shape": [2], "value": ["multi\nline", "say \"hi\""]}`, "", ""},
		{"/vint", "", `{"shape": [4], "value": [[1, 2, 3], [], [-4], [5, 6]]}`,
			"0c000000010000000200000003000000" + "00000000" + "04000000fcffffff" + "080000000500000006000000", "dim0_index,vint\n0,\"[1, 2, 3]\"\n1,[]\n2,[-4]\n3,\"[5, 6]\"\n"},
		{"/cmp", "", `{"shape": [2], "value": [[1, "a", [1, 2]], [-2, "", []]]}`,
			"0100" + "0100000061" + "080000000100000002000000" + "feff" + "00000000" + "00000000", "dim0_index,cmp\n0,\"[1, \"\"a\"\", [1, 2]]\"\n1,\"[-2, \"\"\"\", []]\"\n"},
		{"/scalar", "", `{"shape": [], "value": "only"}`, "040000006f6e6c79", "scalar\nonly\n"},
	} {
		t.Run(tc.dataset+tc.sel, func(t *testing.T) {
			args := []string{"--dataset", tc.dataset}
			if tc.sel != "" {
				args = append(args, "--select", tc.sel)
			}
			if got := strings.TrimSpace(get(t, append(args, "--format", "json")...)); got != tc.json {
				t.Errorf("json %s\nwant %s", got, tc.json)
			}
			if tc.bin != "" {
				if got := hex.EncodeToString([]byte(get(t, append(args, "--format", "bin")...))); got != tc.bin {
					t.Errorf("bin %s\nwant %s", got, tc.bin)
				}
			}
			if tc.csv != "" {
				got := get(t, append(args, "--format", "csv")...)
				if got != tc.csv {
					t.Errorf("csv %q\nwant %q", got, tc.csv)
				}
				if _, err := csv.NewReader(strings.NewReader(got)).ReadAll(); err != nil && !strings.Contains(err.Error(), "wrong number of fields") {
					t.Errorf("csv does not parse back: %v", err)
				}
			}
		})
	}
	// csv parses back to the values
	recs, err := csv.NewReader(strings.NewReader(get(t, "--dataset", "/ascii", "--format", "csv"))).ReadAll()
	if err != nil || !reflect.DeepEqual(recs, [][]string{{"dim0_index", "dim1_index", "ascii"}, {"0", "0", "x,y"}, {"0", "1", ""},
		{"0", "2", `say "hi"`}, {"1", "0", "multi\nline"}, {"1", "1", "b"}, {"1", "2", "c"}}) {
		t.Errorf("csv records %q %v", recs, err)
	}
	// Paged csv and bin equal the one-shot read.
	for _, format := range []string{"bin", "csv"} {
		one := get(t, "--dataset", "/ascii", "--select", "[[1,0,1],[0,2,2]]", "--format", format)
		pageBytes = 1
		paged := get(t, "--dataset", "/ascii", "--select", "[[1,0,1],[0,2,2]]", "--format", format)
		pageBytes = 64 << 20
		if one != paged {
			t.Errorf("%s: paged %q, one-shot %q", format, paged, one)
		}
	}
	code, out, errs := run(t, append([]string{"ls"}, "--store", "file://"+dir, "--bucket", "hsfan", "/v.h5")...)
	for _, want := range []string{"vlen str (utf-8) (3)", "vlen str (ascii) (2, 3)", "vlen<int32> (4)",
		"compound{a: int16, s: vlen str (utf-8), v: vlen<int32>} (2)", "vlen str (utf-8) scalar"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("ls: exit %d, want %q in\n%s%s", code, want, out, errs)
		}
	}
}

func TestTypeName(t *testing.T) {
	for _, tc := range []struct{ typ, want string }{
		{`"H5T_STD_I16LE"`, "int16"},
		{`{"class": "H5T_FLOAT", "base": "H5T_IEEE_F32BE"}`, "float32be"},
		{`{"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 8}`, "str[8] (ascii)"},
		{vlenUTF8, "vlen str (utf-8)"},
		{`{"class": "H5T_VLEN", "base": {"class": "H5T_FLOAT", "base": "H5T_IEEE_F64LE"}}`, "vlen<float64>"},
		{`{"class": "H5T_ARRAY", "dims": [3, 4], "base": "H5T_STD_U8LE"}`, "uint8[3x4]"},
		{`{"class": "H5T_ENUM", "base": {"class": "H5T_INTEGER", "base": "H5T_STD_I8LE"}, "mapping": {"FALSE": 0, "TRUE": 1}}`, "bool"},
		{`{"class": "H5T_OPAQUE", "size": 16}`, "opaque[16]"},
		{`{"class": "H5T_REFERENCE", "base": "H5T_STD_REF_OBJ"}`, "reference"},
		{`{"nope": 1}`, "?"},
	} {
		if got := typeName(json.RawMessage(tc.typ)); got != tc.want {
			t.Errorf("typeName(%s) = %q, want %q", tc.typ, got, tc.want)
		}
	}
}
