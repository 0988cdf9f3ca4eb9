package hdf

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// TestRangedReads: selections of uncompressed chunks in a POSIX store (ranged reads of only the
// bytes needed) read the same values as the whole-chunk path (the memory store), for existing
// chunks, a missing chunk (fill value) and a truncated chunk (falls back to the full read,
// which reports the damage).
func TestRangedReads(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	posix, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := posix.(store.RangesReader); !ok {
		t.Fatal("the POSIX store does not read ranges")
	}
	dims := []int{50, 8, 8}
	n := 50 * 8 * 8
	data := make([]byte, 4*n)
	for i := range n {
		binary.LittleEndian.PutUint32(data[4*i:], uint32(i*7))
	}
	open := func(st store.Store) *Dataset {
		f, err := Create(ctx, st, "b", "/r.h5", CreateOptions{Owner: "u"})
		if err != nil {
			t.Fatal(err)
		}
		d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I32LE"`),
			Dims: dims, ChunkDims: []int{10, 8, 8}, ExactChunks: true, FillValue: json.RawMessage(`-5`)})
		if err != nil {
			t.Fatal(err)
		}
		// Every chunk but [2,0,0] (rows 20-29) is written.
		for _, s := range []string{"[0:20,:,:]", "[30:50,:,:]"} {
			sel, err := selection.Parse(s, dims)
			if err != nil {
				t.Fatal(err)
			}
			lo := sel.Dim(0).Start * 64 * 4
			if err := d.Write(ctx, sel, data[lo:lo+int(sel.Count())*4], 0); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	mem, dp := open(store.NewMemory()), open(posix)
	for _, s := range []string{"[:,3,4]", "[5:40:3,1:3,7]", "[:,0,:]", "[12,[1,5],[2,7]]", "[[1,33,47],2,:]", "[0:50:7,7,0:8:3]", "[21:24,4,4]"} {
		sel, err := selection.Parse(s, dims)
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := mem.Read(ctx, sel, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, io, err := dp.Read(ctx, sel, 0)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: ranged read %x, whole chunks %x", s, got, want)
		}
		if io.StoredBytes >= int64(dp.ChunkBytes()) {
			t.Errorf("%s: %d stored bytes read, want only the selected ones", s, io.StoredBytes)
		}
	}
	// A truncated chunk is not read as if it were whole.
	key := dp.ChunkKey([]int{4, 0, 0})
	raw, _, err := posix.Get(ctx, "b", key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := posix.Put(ctx, "b", key, raw[:100], store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	sel, _ := selection.Parse("[:,7,7]", dims)
	if _, _, err := dp.Read(ctx, sel, 0); err == nil {
		t.Error("read of a truncated uncompressed chunk succeeded")
	}
}
