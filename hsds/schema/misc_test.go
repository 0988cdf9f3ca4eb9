package schema

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestShapeNumElements(t *testing.T) {
	tests := []struct {
		s    Shape
		n    int64
		ok   bool
		rank int
	}{
		{Shape{Class: ShapeSimple, Dims: []int{4, 8}}, 32, true, 2},
		{Shape{Class: ShapeSimple, Dims: []int{0, 8}}, 0, true, 2},
		{Shape{Class: ShapeScalar}, 1, true, 0},
		{Shape{Class: ShapeNull}, 0, true, 0},
		{Shape{Class: ShapeSimple, Dims: []int{1 << 40, 1 << 40}}, 0, false, 2},
	}
	for _, tc := range tests {
		n, ok := tc.s.NumElements()
		if n != tc.n || ok != tc.ok || tc.s.Rank() != tc.rank {
			t.Errorf("%+v: NumElements = %d %v rank %d", tc.s, n, ok, tc.s.Rank())
		}
	}
}

func TestFilterListDecoding(t *testing.T) {
	var fs []Filter
	if err := json.Unmarshal([]byte(`["gzip", {"class": "H5Z_FILTER_SHUFFLE"}, 32015]`), &fs); err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 || fs[0].Name != "gzip" || fs[1].ID != 2 || fs[2].Class != FilterZstd {
		t.Fatalf("decoded %+v", fs)
	}
	fs, err := NormalizeFilterList([]any{"deflate", map[string]any{"class": "H5Z_FILTER_USER", "name": "lz4", "level": 3}})
	if err != nil {
		t.Fatal(err)
	}
	if fs[0].Name != "gzip" || fs[1].ID != 32004 || fs[1].LevelOr(0) != 3 {
		t.Fatalf("normalized %+v", fs)
	}
	if _, err := NormalizeFilterList([]any{"szip"}); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("szip err %v", err)
	}
	if got := SupportedCompressors(); len(got) != 6 || got[4] != "gzip" {
		t.Fatalf("SupportedCompressors = %v", got)
	}
}

func TestMarshalEscapesLikePython(t *testing.T) {
	l := Link{Class: LinkSoft, H5Path: "/a<b>/é/😀", Created: 1}
	out, err := Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"h5path": "/a<b>/\u00e9/\ud83d\ude00", "class": "H5L_TYPE_SOFT", "created": 1.0}`
	if string(out) != want {
		t.Fatalf("Marshal = %s, want %s", out, want)
	}
	var back Link
	if err := json.Unmarshal(out, &back); err != nil || back.H5Path != l.H5Path {
		t.Fatalf("round trip %q %v", back.H5Path, err)
	}
	if _, err := Marshal(Domain{Owner: "a", Created: math.NaN()}); err == nil {
		t.Fatal("NaN timestamp accepted")
	}
}

func TestMiscHelpers(t *testing.T) {
	if a := FullACL(); !a.Create || !a.UpdateACL {
		t.Fatal("FullACL")
	}
	if Kind("") != 0 || Kind(exDset) != KindDataset {
		t.Fatal("Kind")
	}
	for _, tc := range []struct{ id, p, d, want string }{
		{exDset, "", "", LinkHard}, {"", "/a", "", LinkSoft}, {"", "/a", "/d.h5", LinkExternal}, {"", "", "", ""},
	} {
		if got := InferLinkClass(tc.id, tc.p, tc.d); got != tc.want {
			t.Errorf("InferLinkClass(%q,%q,%q) = %q", tc.id, tc.p, tc.d, got)
		}
	}
}
