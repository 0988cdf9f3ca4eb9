package schema

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func dsetJSON(shape, layout, cpl string) string {
	s := `{"id": "` + exDset + `", "root": "` + exRoot + `", "created": 1795315538.0, "lastModified": 1795315538.0, "type": {"class": "H5T_INTEGER", "base": "H5T_STD_I32LE"}, "shape": ` + shape + `, "attributes": {}`
	if cpl != "" {
		s += `, "creationProperties": ` + cpl
	}
	if layout != "" {
		s += `, "layout": ` + layout
	}
	return s + "}"
}

func TestDatasetRoundTripBytes(t *testing.T) {
	in := dsetJSON(`{"class": "H5S_SIMPLE", "dims": [4, 8], "maxdims": [0, 8]}`,
		`{"class": "H5D_CHUNKED", "dims": [4, 8]}`,
		`{"fillValue": 7, "filters": [{"class": "H5Z_FILTER_DEFLATE", "id": 1, "level": 6, "name": "gzip"}, {"class": "H5Z_FILTER_SHUFFLE", "id": 2, "name": "shuffle"}], "fillTime": "H5D_FILL_TIME_ALLOC"}`)
	var d Dataset
	if err := json.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Fatalf("Marshal =\n%s\nwant\n%s", out, in)
	}
	dims, err := d.ChunkLayout()
	if err != nil || !cmp.Equal(dims, []int{4, 8}) {
		t.Fatalf("ChunkLayout = %v %v", dims, err)
	}
	if !d.Shape.IsExtensible() {
		t.Fatal("IsExtensible = false")
	}
	fv, enc := d.FillValue()
	if string(fv) != "7" || enc != "" {
		t.Fatalf("FillValue = %s %q", fv, enc)
	}
	fs, err := d.Filters()
	if err != nil || len(fs) != 2 {
		t.Fatalf("Filters = %v %v", fs, err)
	}
	c, lvl, sh := Compression(fs)
	if c != "gzip" || lvl != 6 || sh != 1 {
		t.Fatalf("Compression = %q %d %d", c, lvl, sh)
	}
	if _, ok := d.RefLayout(); ok {
		t.Fatal("RefLayout on native dataset")
	}
}

func TestDatasetScalarAndNull(t *testing.T) {
	var d Dataset
	if err := json.Unmarshal([]byte(dsetJSON(`{"class": "H5S_SCALAR"}`, `{"class": "H5D_CHUNKED", "dims": [1]}`, "")), &d); err != nil {
		t.Fatal(err)
	}
	dims, err := d.ChunkLayout()
	if err != nil || !cmp.Equal(dims, []int{1}) {
		t.Fatalf("scalar ChunkLayout = %v %v", dims, err)
	}
	if n, _ := d.Shape.NumElements(); n != 1 {
		t.Fatalf("scalar NumElements = %d", n)
	}
	if err := json.Unmarshal([]byte(dsetJSON(`{"class": "H5S_NULL"}`, "", "")), &d); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ChunkLayout(); err == nil {
		t.Fatal("null dataset has a chunk layout")
	}
	out, _ := Marshal(d)
	if strings.Contains(string(out), "layout") {
		t.Fatalf("null dataset wrote a layout: %s", out)
	}
}

func TestDatasetUnlimitedText(t *testing.T) {
	var d Dataset
	in := dsetJSON(`{"class": "H5S_SIMPLE", "dims": [10], "maxdims": ["H5S_UNLIMITED"]}`, `{"class": "H5D_CHUNKED", "dims": [1024]}`, "")
	if err := json.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(d.Shape.MaxDims, []int{0}) {
		t.Fatalf("maxdims %v", d.Shape.MaxDims)
	}
	out, _ := Marshal(d)
	if !strings.Contains(string(out), `"maxdims": [0]`) {
		t.Fatalf("unlimited not written as 0: %s", out)
	}
}

func TestDatasetRefLayouts(t *testing.T) {
	tests := []struct {
		name, cpl, layout string
		wantClass         string
		wantDims          []int
		check             func(*Layout) bool
	}{
		{"chunked ref", `{"layout": {"class": "H5D_CHUNKED_REF", "file_uri": "s3://b/f.h5", "dims": [2, 8], "chunks": {"0_0": [4016, 64], "1_0": [4080, 64]}}}`,
			`{"class": "H5D_CHUNKED", "dims": [2, 8]}`, LayoutChunkedRef, []int{2, 8},
			func(l *Layout) bool { return l.FileURI == "s3://b/f.h5" && l.Chunks["1_0"] == [2]int64{4080, 64} }},
		{"contiguous ref dims from layout", `{"layout": {"class": "H5D_CONTIGUOUS_REF", "file_uri": "b/f.h5", "offset": 0, "size": 128}}`,
			`{"class": "H5D_CHUNKED", "dims": [4, 8]}`, LayoutContiguousRef, []int{4, 8},
			func(l *Layout) bool { return l.Size == 128 && l.Offset == 0 }},
		{"indirect", `{"layout": {"class": "H5D_CHUNKED_REF_INDIRECT", "dims": [2, 4], "chunk_table": "d-b30ad98c-55a249ba-0000-000000-000001", "hyper_dims": [1, 2]}}`,
			`{"class": "H5D_CHUNKED", "dims": [2, 4]}`, LayoutChunkedRefIndirect, []int{2, 4},
			func(l *Layout) bool { return l.ChunkTable != "" && cmp.Equal(l.HyperDims, []int{1, 2}) }},
		{"top-level ref", "", `{"class": "H5D_CHUNKED_REF", "file_uri": "b/f.h5", "dims": [4, 8], "chunks": {}}`,
			LayoutChunkedRef, []int{4, 8}, func(l *Layout) bool { return l.FileURI == "b/f.h5" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d Dataset
			in := dsetJSON(`{"class": "H5S_SIMPLE", "dims": [4, 8]}`, tc.layout, tc.cpl)
			if err := json.Unmarshal([]byte(in), &d); err != nil {
				t.Fatal(err)
			}
			l, ok := d.RefLayout()
			if !ok || l.Class != tc.wantClass || !cmp.Equal(l.Dims, tc.wantDims) || !tc.check(l) {
				t.Fatalf("RefLayout = %+v %v", l, ok)
			}
			out, err := Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != in {
				t.Fatalf("Marshal =\n%s\nwant\n%s", out, in)
			}
		})
	}
}

func TestDatasetErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"negative dims", dsetJSON(`{"class": "H5S_SIMPLE", "dims": [-1, 8]}`, "", ""), "dataset " + exDset + ": shape: dims must be non-negative integers"},
		{"float dims", dsetJSON(`{"class": "H5S_SIMPLE", "dims": [1.5]}`, "", ""), "shape: dims must be non-negative integers"},
		{"no dims", dsetJSON(`{"class": "H5S_SIMPLE"}`, "", ""), "dims: missing"},
		{"bad class", dsetJSON(`{"class": "H5S_ODD"}`, "", ""), "unknown dataspace class"},
		{"maxdims rank", dsetJSON(`{"class": "H5S_SIMPLE", "dims": [4], "maxdims": [4, 4]}`, "", ""), "maxdims: rank"},
		{"maxdims small", dsetJSON(`{"class": "H5S_SIMPLE", "dims": [4], "maxdims": [2]}`, "", ""), "smaller than dims"},
		{"huge rank", dsetJSON(`{"class": "H5S_SIMPLE", "dims": [`+strings.Repeat("1,", 40)+`1]}`, "", ""), "at most 32"},
		{"layout no class", dsetJSON(`{"class": "H5S_SIMPLE", "dims": [4]}`, `{"dims": [4]}`, ""), "layout: class: missing"},
		{"layout chunks", dsetJSON(`{"class": "H5S_SIMPLE", "dims": [4]}`, `{"class": "H5D_CHUNKED_REF", "chunks": {"0": "x"}}`, ""), "layout: chunks"},
		{"cpl layout", dsetJSON(`{"class": "H5S_SIMPLE", "dims": [4]}`, `{"class": "H5D_CHUNKED", "dims": [4]}`, `{"layout": {"class": "H5D_CONTIGUOUS_REF", "offset": -5}}`), "creationProperties: layout: offset"},
		{"no type", `{"id": "` + exDset + `", "root": "` + exRoot + `", "shape": {"class": "H5S_SCALAR"}}`, "type: missing"},
		{"no shape", `{"id": "` + exDset + `", "root": "` + exRoot + `", "type": "H5T_STD_I8LE"}`, "shape: missing"},
		{"bad id", `{"id": "d-1", "root": "` + exRoot + `"}`, "dataset: id:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d Dataset
			err := json.Unmarshal([]byte(tc.in), &d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want containing %q", err, tc.want)
			}
		})
	}
}

func TestChunkLayoutErrors(t *testing.T) {
	for name, tc := range map[string]struct{ shape, layout string }{
		"no dims":                      {`{"class": "H5S_SIMPLE", "dims": [4, 8]}`, `{"class": "H5D_CHUNKED"}`},
		"rank":                         {`{"class": "H5S_SIMPLE", "dims": [4, 8]}`, `{"class": "H5D_CHUNKED", "dims": [4]}`},
		"zero":                         {`{"class": "H5S_SIMPLE", "dims": [4, 8]}`, `{"class": "H5D_CHUNKED", "dims": [4, 0]}`},
		"zero on a growable dimension": {`{"class": "H5S_SIMPLE", "dims": [4, 0], "maxdims": [4, 0]}`, `{"class": "H5D_CHUNKED", "dims": [4, 0]}`},
		"no layout":                    {`{"class": "H5S_SIMPLE", "dims": [4, 8]}`, ``},
	} {
		t.Run(name, func(t *testing.T) {
			var d Dataset
			if err := json.Unmarshal([]byte(dsetJSON(tc.shape, tc.layout, "")), &d); err != nil {
				t.Fatal(err)
			}
			if dims, err := d.ChunkLayout(); err == nil {
				t.Fatalf("ChunkLayout = %v", dims)
			}
		})
	}
}

// TestChunkLayoutZeroExtent: HSDS gives a [4, 0] dataset (smaller than min_chunk_size, not
// extensible) the chunk dims [4, 0] (chunkUtil.expandChunk: the whole dataspace); hsfan reads
// such a dataset (found by the interop suite) with a chunk extent of 1 where there is no element.
func TestChunkLayoutZeroExtent(t *testing.T) {
	var d Dataset
	if err := json.Unmarshal([]byte(dsetJSON(`{"class": "H5S_SIMPLE", "dims": [4, 0]}`, `{"class": "H5D_CHUNKED", "dims": [4, 0]}`, "")), &d); err != nil {
		t.Fatal(err)
	}
	dims, err := d.ChunkLayout()
	if err != nil || len(dims) != 2 || dims[0] != 4 || dims[1] != 1 {
		t.Fatalf("ChunkLayout = %v, %v; want [4 1]", dims, err)
	}
}

func TestFillValueBase64(t *testing.T) {
	var d Dataset
	in := dsetJSON(`{"class": "H5S_SIMPLE", "dims": [4]}`, `{"class": "H5D_CHUNKED", "dims": [4]}`, `{"fillValue": "AQAAAA==", "fillValue_encoding": "base64"}`)
	if err := json.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	fv, enc := d.FillValue()
	if string(fv) != `"AQAAAA=="` || enc != "base64" {
		t.Fatalf("FillValue = %s %q", fv, enc)
	}
}
