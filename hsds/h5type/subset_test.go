package h5type

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestSubsetFields(t *testing.T) {
	c := mustParse(t, tCompoundVerified)
	sub, err := c.SubsetFields([]string{"s", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if sub.Size() != 5 {
		t.Errorf("subset size = %d, want 5", sub.Size())
	}
	fs := sub.Fields()
	if fs[0].Name != "s" || fs[0].Offset != 0 || fs[1].Name != "a" || fs[1].Offset != 3 {
		t.Errorf("subset fields = %+v", fs)
	}
	js, _ := json.Marshal(sub)
	want := `{"class":"H5T_COMPOUND","fields":[{"name":"s","type":{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLPAD","length":3}},{"name":"a","type":"H5T_STD_I16LE"}]}`
	if string(js) != want {
		t.Errorf("subset JSON = %s", js)
	}
	src := unhex(t, "0100 0000c03f 616200 feff 00002040 78797a")
	got, err := ExtractFields(nil, src, c, sub, 2)
	if err != nil {
		t.Fatal(err)
	}
	if wantB := unhex(t, "616200 0100 78797a feff"); !bytes.Equal(got, wantB) {
		t.Errorf("ExtractFields = %x, want %x", got, wantB)
	}
	// Write side: replace a and s, keep b.
	dst := append([]byte(nil), src...)
	if err := InsertFields(dst, unhex(t, "717171 0900 727272 0a00"), c, sub, 2); err != nil {
		t.Fatal(err)
	}
	if wantB := unhex(t, "0900 0000c03f 717171 0a00 00002040 727272"); !bytes.Equal(dst, wantB) {
		t.Errorf("InsertFields = %x, want %x", dst, wantB)
	}

	errs := []struct {
		names []string
		want  string
	}{
		{nil, "no field names"},
		{[]string{"zz"}, `field "zz" is not defined`},
		{[]string{"a", "a"}, "given twice"},
	}
	for _, tc := range errs {
		if _, err := c.SubsetFields(tc.names); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SubsetFields(%v) = %v, want %q", tc.names, err, tc.want)
		}
	}
	if _, err := mustParse(t, `"H5T_STD_I8LE"`).SubsetFields([]string{"a"}); err == nil {
		t.Error("subset of a non-compound accepted")
	}
	if _, err := ExtractFields(nil, src[:5], c, sub, 2); err == nil {
		t.Error("short source accepted")
	}
	other := mustParse(t, `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_STD_I32LE"}]}`)
	if _, err := ExtractFields(nil, src, c, other, 2); err == nil {
		t.Error("foreign subset type accepted")
	}
}

func TestExtractFieldsVlen(t *testing.T) {
	c := mustParse(t, `{"class":"H5T_COMPOUND","fields":[{"name":"id","type":"H5T_STD_U8LE"},{"name":"s","type":`+tVlenUTF8+`},{"name":"x","type":"H5T_STD_U8LE"}]}`)
	sub, err := c.SubsetFields([]string{"x", "s"})
	if err != nil {
		t.Fatal(err)
	}
	if sub.Size() != -1 || sub.Fields()[1].Offset != 1 {
		t.Errorf("vlen subset size %d fields %+v", sub.Size(), sub.Fields())
	}
	src := unhex(t, "07 02000000 6869 01 08 00000000 02")
	got, err := ExtractFields(nil, src, c, sub, 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "01 02000000 6869 02 00000000"); !bytes.Equal(got, want) {
		t.Errorf("ExtractFields = %x, want %x", got, want)
	}
	v, err := sub.DecodeValue(got, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := MarshalValueJSON(v, false); string(out) != `[[1, "hi"], [2, 0]]` {
		t.Errorf("decoded subset = %s", out)
	}
	if err := InsertFields(make([]byte, 10), got, c, sub, 2); err == nil {
		t.Error("InsertFields accepted a vlen compound")
	}
}
