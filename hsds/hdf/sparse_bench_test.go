package hdf

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hsfan/hsfan/hsds/selection"
)

// BenchmarkSparseCachedRead reads a chunk the cache holds with a step selection just under the
// sparse bound (1/8 of the chunk's elements) and one just over it (dense): both copy out of the
// cached chunk; ns/element shows what deciding and preparing the sparse read costs on a hit.
func BenchmarkSparseCachedRead(b *testing.B) {
	ctx := context.Background()
	_, _, f := newPosixFile(b, "/c.h5")
	dims := []int{25, 160, 160}
	d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I16LE"`),
		Dims: dims, ChunkDims: dims, ExactChunks: true, Filters: json.RawMessage(`["shuffle","gzip"]`)})
	if err != nil {
		b.Fatal(err)
	}
	all := make([]byte, 25*160*160*2)
	for i := range all {
		all[i] = byte(i / 3)
	}
	if err := d.Write(ctx, selection.All(dims), all, 0); err != nil {
		b.Fatal(err)
	}
	d.SetChunkCache(NewChunkCache(64 << 20))
	if _, _, err := d.Read(ctx, selection.All(dims), 1); err != nil { // cache the chunk
		b.Fatal(err)
	}
	for _, s := range []string{"[1::2,::2,::2]", "[0::2,::2,::2]", "[:,80,81]", "[3,:,:]"} {
		sel, err := selection.Parse(s, dims)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(s, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := d.Read(ctx, sel, 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(sel.Count()), "ns/element")
		})
	}
}
