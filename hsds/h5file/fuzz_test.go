package h5file

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// exercise reads everything the indexer reads; on malformed input it must return an error,
// never panic, hang or allocate without bound.
func exercise(data []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := Open(ctx, BytesSource(data), "fuzz.h5")
	if err != nil {
		return
	}
	_ = f.Walk(ctx, func(o *Object) error {
		for _, a := range o.Attrs {
			_, _ = f.Value(ctx, a)
		}
		if o.Dataset != nil && o.Dataset.Layout.Class == LayoutChunked {
			_, _ = f.Chunks(ctx, o.Dataset)
		}
		return nil
	})
}

// FuzzOpen is seeded with the files h5py and netCDF4-python write (testdata/gen.py) and with
// the inputs under testdata/fuzz/FuzzOpen that once found bugs.
func FuzzOpen(f *testing.F) {
	dir, man := generated(f)
	names := make([]string, 0, len(man))
	for n := range man {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		exercise(data)
	})
}
