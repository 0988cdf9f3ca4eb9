package hdf

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// sparseDataset creates a float64 dataset of nchunks chunks of 100 incompressible elements
// (stored bytes about the chunk's size) with filters, every chunk written, in a POSIX store.
func sparseDataset(t *testing.T, nchunks int, filters string) (*File, *Dataset, store.Store, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Create(ctx, st, "b", "/m.h5", CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
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
