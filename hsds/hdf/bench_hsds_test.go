package hdf

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// BenchmarkReadHSDSColumn is issue 10's speed case at 1/10 scale, on chunks the real HSDS
// wrote: a 1000 x 160 x 160 int16 cube with shuffle + deflate level 6 in (25, 160, 160) chunks
// (40 chunks of 1.25 MiB decoded, blosc zlib frames of typesize 1 with 256 KiB blocks), read
// [:, 80, 81] from HSDS's POSIX storage. "cold" reads without a cache (every chunk fetched and
// decoded into recycled buffers: a sparse read), "warm" through a ChunkCache that holds them
// all (filled after the first read; every chunk validated by one stat). MB/s is of decoded chunk bytes; cpu-ms/op is process CPU time, which holds on a
// shared machine where wall time does not. Skipped without the HSDS peer.
func BenchmarkReadHSDSColumn(b *testing.B) {
	p := hsdspeer.Shared(b)
	ctx := context.Background()
	const dom = "/home/test_user1/bench_hsds_column.h5"
	const rows = 1000
	var root struct {
		Root string `json:"root"`
	}
	p.MustDo(b, http.MethodPut, "/", dom, nil, &root)
	fGzip6 := map[string]any{"class": "H5Z_FILTER_DEFLATE", "id": 1, "level": 6, "name": "deflate"}
	var created struct {
		ID string `json:"id"`
	}
	p.MustDo(b, http.MethodPost, "/datasets", dom, map[string]any{"type": "H5T_STD_I16LE", "shape": []int{rows, 160, 160},
		"creationProperties": map[string]any{"layout": map[string]any{"class": "H5D_CHUNKED", "dims": []int{25, 160, 160}},
			"filters": []any{fShuffle, fGzip6}}}, &created)
	p.MustDo(b, http.MethodPut, "/groups/"+root.Root+"/links/i16gz", dom, map[string]any{"id": created.ID}, nil)
	want := make([]byte, 2*rows)
	for z := 0; z < rows; z += 250 {
		slab := make([]byte, 250*160*160*2)
		for i := range 250 * 160 * 160 {
			zz, y, x := z+i/25600, i/160%160, i%160
			v := uint16((zz*7 + y*3 + x) % 30011 % 32000)
			binary.LittleEndian.PutUint16(slab[2*i:], v)
			if y == 80 && x == 81 {
				binary.LittleEndian.PutUint16(want[2*zz:], v)
			}
		}
		code, out := p.Do(b, hsdspeer.Request{Method: http.MethodPut, Path: "/datasets/" + created.ID + "/value", Domain: dom,
			Query: url.Values{"select": {fmt.Sprintf("[%d:%d,:,:]", z, z+250)}}, Body: slab, Binary: true})
		if code != http.StatusOK {
			b.Fatalf("HSDS PUT rows %d-%d: %d %.300s", z, z+250, code, out)
		}
	}
	p.Flush(b, dom)
	f, err := Open(ctx, p.Store(b), hsdspeer.Bucket, dom)
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"cold", "warm"} {
		b.Run(mode, func(b *testing.B) {
			ds, err := f.OpenDatasetPath(ctx, "/i16gz")
			if err != nil {
				b.Fatal(err)
			}
			if mode == "warm" {
				ds.SetChunkCache(NewChunkCache(256 << 20))
			}
			sel, err := selection.Parse("[:,80,81]", ds.Dims)
			if err != nil {
				b.Fatal(err)
			}
			read := func() {
				got, _, err := ds.Read(ctx, sel, 0)
				if err != nil {
					b.Fatal(err)
				}
				if string(got) != string(want) {
					b.Fatal("[:, 80, 81] differs from the values written through HSDS")
				}
			}
			if mode == "warm" {
				read()
				ds.cache.WaitFills() // the first read's chunks are decoded into the cache after it
			}
			b.SetBytes(int64(rows / 25 * ds.ChunkBytes()))
			cpu0 := processCPU()
			b.ResetTimer()
			for b.Loop() {
				read()
			}
			b.ReportMetric((processCPU()-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// processCPU returns the user+system CPU time of the process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
