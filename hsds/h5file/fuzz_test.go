package h5file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync/atomic"
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
	progress := os.Getenv("HSFAN_FUZZ_PROGRESS") // a file that gets the exec count and slowest input (ms)
	var execs, slowest atomic.Int64
	f.Fuzz(func(t *testing.T, data []byte) {
		t0 := time.Now()
		defer func() {
			if ms := time.Since(t0).Milliseconds(); ms > slowest.Load() {
				slowest.Store(ms)
			}
			if n := execs.Add(1); progress != "" && n%1000 == 0 {
				_ = os.WriteFile(progress, []byte(fmt.Sprintf("%d execs, slowest %d ms\n", n, slowest.Load())), 0o644)
			}
		}()
		// A hang is a failure too: the input is kept by the fuzzer like a crash.
		done := make(chan struct{})
		go func() { exercise(data); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			panic(fmt.Sprintf("exercise of a %d-byte input did not return in 20s:\n%s", len(data), buf[:n]))
		}
	})
}
