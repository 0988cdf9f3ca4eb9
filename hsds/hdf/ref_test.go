package hdf

import (
	"bytes"
	"compress/zlib"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// putRefDataset stores a dataset object whose creationProperties.layout references bytes of an
// HDF5 file, the way hsload --link writes it.
func putRefDataset(t testing.TB, f *File, name string, dims, chunks []int, cpLayout map[string]any, filters string) *Dataset {
	t.Helper()
	ctx := context.Background()
	id, err := schema.NewObjID(f.RootID(), schema.KindDataset, crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cp := map[string]any{"layout": cpLayout}
	if filters != "" {
		cp["filters"] = json.RawMessage(filters)
	}
	cpb, _ := json.Marshal(cp)
	obj := schema.Dataset{ID: id, Root: f.RootID(), Type: json.RawMessage(`{"class":"H5T_INTEGER","base":"H5T_STD_I32LE"}`),
		Shape: schema.Shape{Class: schema.ShapeSimple, Dims: dims}, Layout: schema.Layout{Class: schema.LayoutChunked, Dims: chunks},
		CreationProperties: cpb}
	if err := f.putObject(ctx, id, obj, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.Link(ctx, f.RootID(), name, schema.Link{ID: id}); err != nil {
		t.Fatal(err)
	}
	ds, err := f.Dataset(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func i32s(vals []int32) []byte {
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return b
}

func zlibBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestReferenceLayouts(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	f, err := Create(ctx, st, bucket, "/linked.h5", CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	// A 6 x 4 int32 array 0..23 and how an HDF5 file would hold it.
	want := make([]int32, 24)
	for i := range want {
		want[i] = int32(i * 10)
	}
	raw := i32s(want)
	// Contiguous: the array at offset 100 of the file.
	file := append(bytes.Repeat([]byte{0xee}, 100), raw...)
	// Chunked (3 x 4 chunks): chunk 1 zlib-compressed at 300, chunk 0 raw at 200.
	c0, c1 := raw[:48], zlibBytes(raw[48:])
	file = append(file, bytes.Repeat([]byte{0}, 200-len(file))...)
	file = append(file, c0...)
	file = append(file, bytes.Repeat([]byte{0}, 300-len(file))...)
	file = append(file, c1...)
	if _, err := st.Put(ctx, "files", "data/file.h5", file, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	// The file lives in another bucket: allow it (the default allows the dataset's own only).
	f.Refs = RefPolicy{Allow: []string{"files/data"}}
	contig := putRefDataset(t, f, "contig", []int{6, 4}, []int{3, 4},
		map[string]any{"class": "H5D_CONTIGUOUS_REF", "file_uri": "s3://files/data/file.h5", "offset": 100, "size": 96}, "")
	// Chunk 0 is stored uncompressed and chunk 1 as zlib: the reader tells them apart as HSDS does
	// (zlib only when the filter says gzip; so use two datasets).
	chunkedRaw := putRefDataset(t, f, "chunked_raw", []int{3, 4}, []int{3, 4},
		map[string]any{"class": "H5D_CHUNKED_REF", "file_uri": "files/data/file.h5", "dims": []int{3, 4},
			"chunks": map[string][2]int64{"0_0": {200, 48}}}, "")
	chunkedGz := putRefDataset(t, f, "chunked_gz", []int{6, 4}, []int{3, 4},
		map[string]any{"class": "H5D_CHUNKED_REF", "file_uri": "files/data/file.h5", "dims": []int{3, 4},
			"chunks": map[string][2]int64{"1_0": {300, int64(len(c1))}}}, `["gzip"]`)
	// Indirect: a chunk table dataset (compound offset int64, size int32) with one entry per chunk.
	tblID, _ := schema.NewObjID(f.RootID(), schema.KindDataset, crand.Reader)
	tbl := schema.Dataset{ID: tblID, Root: f.RootID(),
		Type:   json.RawMessage(`{"class":"H5T_COMPOUND","fields":[{"name":"offset","type":"H5T_STD_I64LE"},{"name":"size","type":"H5T_STD_I32LE"}]}`),
		Shape:  schema.Shape{Class: schema.ShapeSimple, Dims: []int{2, 1}},
		Layout: schema.Layout{Class: schema.LayoutChunked, Dims: []int{2, 1}}}
	if err := f.putObject(ctx, tblID, tbl, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	tds, err := f.Dataset(ctx, tblID)
	if err != nil {
		t.Fatal(err)
	}
	entries := make([]byte, 24)
	binary.LittleEndian.PutUint64(entries[0:], 200)
	binary.LittleEndian.PutUint32(entries[8:], 48)
	binary.LittleEndian.PutUint64(entries[12:], 100+48)
	binary.LittleEndian.PutUint32(entries[20:], 48)
	if err := tds.WriteChunk(ctx, []int{0, 0}, entries); err != nil {
		t.Fatal(err)
	}
	indirect := putRefDataset(t, f, "indirect", []int{6, 4}, []int{3, 4},
		map[string]any{"class": "H5D_CHUNKED_REF_INDIRECT", "file_uri": "files/data/file.h5", "dims": []int{3, 4}, "chunk_table": tblID}, "")

	for _, tc := range []struct {
		ds   *Dataset
		want []int32
	}{
		{contig, want},
		{chunkedRaw, want[:12]},
		{chunkedGz, append(make([]int32, 12), want[12:]...)}, // chunk 0 unallocated: zeros
		{indirect, want},
	} {
		t.Run(tc.ds.Obj.ID, func(t *testing.T) {
			got, _, err := tc.ds.Read(ctx, selection.All(tc.ds.Dims), 0)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, i32s(tc.want)) {
				t.Errorf("read %x\nwant %x", got, i32s(tc.want))
			}
			if err := tc.ds.WriteChunk(ctx, []int{0, 0}, make([]byte, tc.ds.ChunkBytes())); err == nil {
				t.Error("writing a reference dataset succeeded")
			}
		})
	}
}
