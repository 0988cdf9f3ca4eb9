package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/codec"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
)

// makeLegacy rewrites every chunk of a dataset as hsfan wrote it before the chunk format fix:
// HDF5 byte shuffle, then a typesize-1 blosc frame without blosc's shuffle flag.
func makeLegacy(t *testing.T, storeURL, bucket, domain, h5path string) int {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, storeURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf.Open(ctx, st, bucket, domain)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.OpenDatasetPath(ctx, h5path)
	if err != nil {
		t.Fatal(err)
	}
	p := ds.Pipeline
	cname := map[string]string{"gzip": "zlib"}[p.Compressor]
	if cname == "" {
		cname = p.Compressor
	}
	n := 0
	grid := make([]int, len(ds.Dims))
	for i := range grid {
		grid[i] = (ds.Dims[i] + ds.ChunkDims[i] - 1) / ds.ChunkDims[i]
	}
	idx := make([]int, len(grid))
	for {
		vals, rd, err := ds.ReadChunk(ctx, idx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rd.Exists {
			frame, err := codec.BloscEncode(codec.Shuffle(nil, vals, p.ItemSize), cname, p.Level, false, 1)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Put(ctx, bucket, ds.ChunkKey(idx), frame, store.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			n++
		}
		k := len(idx) - 1
		for k >= 0 {
			idx[k]++
			if idx[k] < grid[k] {
				break
			}
			idx[k] = 0
			k--
		}
		if k < 0 {
			return n
		}
	}
}

func TestRepackCommand(t *testing.T) {
	dir := t.TempDir()
	url := "file://" + dir
	st := []string{"--store", url, "--bucket", "hsfan"}
	with := func(args ...string) []string { return append(args, st...) }
	const dom = "/shared/sst/legacy.h5"
	if code, _, errs := run(t, with("gen", "sst", "--domain", dom, "--days", "3")...); code != 0 {
		t.Fatalf("gen sst: %s", errs)
	}
	want := filepath.Join(dir, "want.bin")
	if code, _, errs := run(t, with("get", "--domain", dom, "--dataset", "/analysed_sst", "--format", "bin", "-o", want)...); code != 0 {
		t.Fatalf("get: %s", errs)
	}
	if code, out, errs := run(t, with("repack", "--domain", dom, "--check")...); code != 0 || !strings.Contains(out, "no legacy chunks") {
		t.Fatalf("repack --check on a current domain: exit %d\n%s%s", code, out, errs)
	}
	if n := makeLegacy(t, url, "hsfan", dom, "/analysed_sst"); n != 3 {
		t.Fatalf("%d legacy chunks written, want 3", n)
	}
	code, _, errs := run(t, with("get", "--domain", dom, "--dataset", "/analysed_sst", "--select", "[0,0:2,0:2]")...)
	if code != 1 || !strings.Contains(errs, "legacy hsfan chunk") || !strings.Contains(errs, "hsfan repack") || !strings.Contains(errs, "/d/") {
		t.Fatalf("get of legacy chunks: exit %d: %s", code, errs)
	}
	code, out, errs := run(t, with("repack", "--domain", dom, "--check")...)
	if code != 1 || !strings.Contains(out, "/analysed_sst") || !strings.Contains(out, "3 of 3 chunks") || !strings.Contains(errs, "hsfan repack --domain "+dom) {
		t.Fatalf("repack --check: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = run(t, with("repack", "--domain", dom, "--dataset", "/analysed_sst")...)
	if code != 0 || !strings.Contains(out, "3 legacy chunks in 1 datasets, 3 rewritten") {
		t.Fatalf("repack: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = run(t, with("repack", "--domain", dom)...)
	if code != 0 || !strings.Contains(out, "0 legacy chunks in 0 datasets, 0 rewritten") {
		t.Fatalf("second repack: exit %d\n%s%s", code, out, errs)
	}
	got := filepath.Join(dir, "got.bin")
	if code, _, errs := run(t, with("get", "--domain", dom, "--dataset", "/analysed_sst", "--format", "bin", "-o", got)...); code != 0 {
		t.Fatalf("get after repack: %s", errs)
	}
	a, _ := os.ReadFile(want)
	b, _ := os.ReadFile(got)
	if len(a) != 3*720*1440*2 || !bytes.Equal(a, b) {
		t.Fatalf("values after repack differ from the generated ones (%d, %d bytes)", len(a), len(b))
	}
	if code, _, errs := run(t, with("repack")...); code != 2 || !strings.Contains(errs, "--domain is required") {
		t.Fatalf("repack without --domain: exit %d %s", code, errs)
	}
	if code, _, errs := run(t, with("repack", "--domain", "/nope.h5")...); code != 1 || !strings.Contains(errs, "not found") {
		t.Fatalf("repack of a missing domain: exit %d %s", code, errs)
	}
}
