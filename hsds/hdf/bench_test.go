package hdf_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
)

// BenchmarkReadColumn reads [:, 80, 81] of a scaled seed-001 cube (float32, chunks of
// 25 x 160 x 160 compressed as HSDS stores gzip with shuffle) from the POSIX store: every chunk
// is fetched and decoded for one element each. MB/s is of stored chunk bytes.
func BenchmarkReadColumn(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "hsfan"), 0o755); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	f, err := hdf.Create(ctx, st, "hsfan", "/seed001.h5", hdf.CreateOptions{Owner: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	if err := synth.WriteCube(ctx, f, synth.CubeOptions{Shape: []int{1000, 160, 160}, Chunks: []int{25, 160, 160},
		Type: "float32", Compressor: "gzip", Shuffle: true}); err != nil {
		b.Fatal(err)
	}
	ds, err := f.OpenDatasetPath(ctx, "/data")
	if err != nil {
		b.Fatal(err)
	}
	sel, err := selection.Parse("[:,80,81]", ds.Dims)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, io, err := ds.Read(ctx, sel, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(io.StoredBytes)
	}
}
