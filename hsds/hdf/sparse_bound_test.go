package hdf

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/hsfan/hsfan/hsds/codec"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// sparseDataset creates a float64 dataset of nchunks chunks of 100 incompressible elements
// (stored bytes about the chunk's size) with filters, every chunk written, in a POSIX store.
func sparseDataset(t *testing.T, nchunks int, filters string) (*File, *Dataset, store.Store, string) {
	t.Helper()
	ctx := context.Background()
	dir, st, f := newPosixFile(t, "/m.h5")
	dims := []int{nchunks * 100}
	d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_IEEE_F64LE"`),
		Dims: dims, MaxDims: []int{0}, ChunkDims: []int{100}, ExactChunks: true, Filters: json.RawMessage(filters)})
	if err != nil {
		t.Fatal(err)
	}
	all := make([]byte, dims[0]*8)
	x := uint64(1)
	for i := range all {
		x = x*6364136223846793005 + 1442695040888963407
		all[i] = byte(x >> 56)
	}
	if err := d.Write(ctx, selection.All(dims), all, 0); err != nil {
		t.Fatal(err)
	}
	return f, d, st, dir
}

// TestSparseFillsHeldBounded: the stored bytes a Read holds for fills after it (chunks of
// sparse reads the cache does not hold) never exceed the cache's bound on waiting fills (a
// quarter of its size), however many chunks the read touches: a time series or a coordinate
// list over thousands of chunks must not keep every stored chunk in memory until it returns.
func TestSparseFillsHeldBounded(t *testing.T) {
	ctx := context.Background()
	for _, flt := range []string{`["shuffle","gzip"]`, `["shuffle","lz4"]`, `["shuffle"]`} {
		_, d, _, _ := sparseDataset(t, 64, flt)
		for _, max := range []int64{8000, 1 << 20, 100} {
			cache := NewChunkCache(max)
			d.SetChunkCache(cache)
			sel, err := selection.Parse("[::50]", d.Dims) // 2 of 100 elements per chunk: sparse
			if err != nil {
				t.Fatal(err)
			}
			var fills fillList
			var held int64
			for c := range 64 {
				buf := getChunkBuf(d.chunkBytes)
				need := d.sparseNeed(sel, []int{c})
				if need == nil {
					t.Fatal("not a sparse read")
				}
				if _, _, _, err := d.readChunkCached(ctx, []int{c}, buf, need, &fills); err != nil {
					t.Fatal(err)
				}
				putChunkBuf(buf)
			}
			for _, f := range fills.fills {
				held += int64(len(f.raw))
			}
			if held > max/4 {
				t.Errorf("%s, cache of %d bytes: a read of 64 chunks holds %d stored bytes (%d fills) for the cache, more than its bound %d",
					flt, max, held, len(fills.fills), max/4)
			}
			cache.fillLater(fills.fills)
			cache.WaitFills()
			// Nothing stays reserved: a later read can queue fills again.
			if cache.queued != 0 {
				t.Errorf("%s: %d bytes still counted as waiting after the fills ran", flt, cache.queued)
			}
		}
	}
}

// TestSparseReadsReferencedChunks: single elements (sparse selections) of chunks inside a
// referenced file (a zlib stream of HDF5-shuffled int32, as h5py writes gzip+shuffle) read the
// written values, with and without a chunk cache: such chunks are read sparsely (a need
// function; the zlib stream's shuffled planes gathered by selection.CopyOutPlanes) and never
// cached or queued for the cache.
func TestSparseReadsReferencedChunks(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	f, err := Create(ctx, st, bucket, "/linked_sparse.h5", CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]int32, 16*16)
	for i := range vals {
		vals[i] = int32(i*7 - 300)
	}
	raw := i32s(vals)
	// Two chunks of 8 x 16: HDF5-shuffled (4 planes), zlib streams, at 64 and after it.
	c0 := zlibBytes(codec.Shuffle(nil, raw[:512], 4))
	c1 := zlibBytes(codec.Shuffle(nil, raw[512:], 4))
	file := append(make([]byte, 64), c0...)
	off1 := len(file)
	file = append(file, c1...)
	if _, err := st.Put(ctx, "files", "d/sparse.h5", file, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Refs = RefPolicy{Allow: []string{"files/d"}}
	ds := putRefDataset(t, f, "ref", []int{16, 16}, []int{8, 16},
		map[string]any{"class": "H5D_CHUNKED_REF", "file_uri": "files/d/sparse.h5", "dims": []int{8, 16},
			"chunks": map[string][2]int64{"0_0": {64, int64(len(c0))}, "1_0": {int64(off1), int64(len(c1))}}}, `["shuffle","gzip"]`)
	for _, s := range []struct {
		sel  string
		want []int32
	}{{"[9,3]", vals[9*16+3 : 9*16+4]}, {"[[15,0,15],0]", []int32{vals[240], vals[0], vals[240]}}, {"[:,5]", func() []int32 {
		var c []int32
		for r := range 16 {
			c = append(c, vals[r*16+5])
		}
		return c
	}()}} {
		sel, err := selection.Parse(s.sel, ds.Dims)
		if err != nil {
			t.Fatal(err)
		}
		// Sparse (the shuffled planes of a zlib stream are gathered, no unshuffle pass), never cached.
		for r := range 2 {
			if _, touched := sel.Block([]int{r, 0}, ds.ChunkDims); touched && ds.sparseNeed(sel, []int{r, 0}) == nil {
				t.Fatalf("%s: no need function for chunk [%d, 0] inside a referenced file", s.sel, r)
			}
		}
		cache := NewChunkCache(1 << 20)
		for _, c := range []*ChunkCache{nil, cache, cache} {
			ds.SetChunkCache(c)
			got, _, err := ds.Read(ctx, sel, 2)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, i32s(s.want)) {
				t.Fatalf("%s: read %x, want %x", s.sel, got, i32s(s.want))
			}
			c.WaitFills()
		}
		if k, _ := cache.Len(); k != 0 || cache.queued != 0 {
			t.Fatalf("%s: %d chunks of a referenced file cached, %d bytes queued", s.sel, k, cache.queued)
		}
	}
}
