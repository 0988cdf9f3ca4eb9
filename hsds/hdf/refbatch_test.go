package hdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/store"
)

// countingStore counts GetRange calls and the bytes they return.
type countingStore struct {
	store.Store
	ranges, bytes, maxN atomic.Int64
}

func (c *countingStore) GetRange(ctx context.Context, bucket, key string, off, n int64) ([]byte, error) {
	b, err := c.Store.GetRange(ctx, bucket, key, off, n)
	c.ranges.Add(1)
	if n > c.maxN.Load() {
		c.maxN.Store(n)
	}
	c.bytes.Add(int64(len(b)))
	return b, err
}

// refGranule stores an HDF5-like file of nChunks zlib chunks of chunkLen int32 each and a
// H5D_CHUNKED_REF dataset over it: the first half back to back (small gaps of gapA bytes), then a
// gap of gapB bytes, then the second half in reverse order; chunk missing (if >= 0) unallocated.
func refGranule(t testing.TB, nChunks, chunkLen, gapA, gapB, missing int) (*Dataset, *countingStore, []int32) {
	t.Helper()
	ctx := context.Background()
	mem, _ := store.Open(ctx, "mem://", store.Options{})
	cs := &countingStore{Store: mem}
	f, err := Create(ctx, cs, bucket, "/granule.h5", CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int32, nChunks*chunkLen)
	for i := range want {
		want[i] = int32(i*7 - 3)
	}
	file := bytes.Repeat([]byte{0xee}, 512)
	chunks := map[string][2]int64{}
	place := func(c int) {
		z := zlibBytes(i32s(want[c*chunkLen : (c+1)*chunkLen]))
		chunks[fmt.Sprint(c)] = [2]int64{int64(len(file)), int64(len(z))}
		file = append(file, z...)
		file = append(file, bytes.Repeat([]byte{0xaa}, gapA)...)
	}
	for c := range nChunks / 2 {
		place(c)
	}
	file = append(file, bytes.Repeat([]byte{0xbb}, gapB)...)
	for c := nChunks - 1; c >= nChunks/2; c-- {
		place(c)
	}
	if missing >= 0 {
		delete(chunks, fmt.Sprint(missing))
		clear(want[missing*chunkLen : (missing+1)*chunkLen])
	}
	if _, err := cs.Put(ctx, bucket, "files/granule.nc", file, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	ds := putRefDataset(t, f, "sst", []int{nChunks * chunkLen}, []int{chunkLen},
		map[string]any{"class": "H5D_CHUNKED_REF", "file_uri": bucket + "/files/granule.nc", "dims": []int{chunkLen}, "chunks": chunks}, `["gzip"]`)
	cs.ranges.Store(0)
	cs.bytes.Store(0)
	return ds, cs, want
}

func TestFetchChunksCoalesces(t *testing.T) {
	ctx := context.Background()
	const n, clen = 64, 256
	for _, tc := range []struct {
		name       string
		gapA, gapB int
		opt        CoalesceOptions
		wantRanges int64
	}{
		// Two runs: chunks 0..31 and, past a 100 KiB gap, 32..63 (less the missing 40).
		{"default", 16, 100 << 10, CoalesceOptions{}, 2},
		// A gap above MaxGap splits; the small gaps between chunks do not.
		{"gap bound", 16, 100 << 10, CoalesceOptions{MaxGap: 8}, 63},
		{"off", 0, 100 << 10, CoalesceOptions{MaxGap: -1}, 63},
		// A span bound: no joined fetch longer than MaxBytes.
		{"span bound", 0, 0, CoalesceOptions{MaxBytes: 4096}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, cs, want := refGranule(t, n, clen, tc.gapA, tc.gapB, 40)
			idx := make([][]int, n)
			for i := range idx {
				idx[i] = []int{i}
			}
			raws, rds, err := ds.FetchChunks(ctx, idx, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			got := cs.ranges.Load()
			if tc.wantRanges > 0 && got != tc.wantRanges {
				t.Errorf("%d GetRange calls, want %d", got, tc.wantRanges)
			}
			if tc.wantRanges == 0 && (got <= 2 || cs.maxN.Load() > tc.opt.MaxBytes) {
				t.Errorf("%d GetRange calls, longest %d bytes: want more than 2, none over %d", got, cs.maxN.Load(), tc.opt.MaxBytes)
			}
			// Each chunk decodes to what FetchChunk one by one gives, and to the values.
			for i := range idx {
				one, rd1, err := ds.FetchChunk(ctx, idx[i])
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(one, raws[i]) || rd1 != rds[i] {
					t.Fatalf("chunk %d: batch %d bytes %+v, alone %d bytes %+v", i, len(raws[i]), rds[i], len(one), rd1)
				}
				dec, err := ds.DecodeChunk(idx[i], raws[i], rds[i].Exists, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(dec, i32s(want[i*clen:(i+1)*clen])) {
					t.Fatalf("chunk %d decodes wrong", i)
				}
			}
		})
	}
}

// TestFetchChunksPolicy: a joined fetch goes through the same reference policy as a lone one.
func TestFetchChunksPolicy(t *testing.T) {
	ds, _, _ := refGranule(t, 8, 16, 0, 0, -1)
	ds.ref.FileURI = "otherbucket/files/granule.nc" // only the dataset's own bucket is allowed
	if _, _, err := ds.FetchChunks(context.Background(), [][]int{{0}, {1}}, CoalesceOptions{}); !errors.Is(err, ErrRefNotAllowed) {
		t.Fatalf("err %v, want ErrRefNotAllowed", err)
	}
}

// BenchmarkFetchChunks compares fetching the 256 chunks of a granule one GetRange each with the
// coalesced fetch, on a store that charges each request 2 ms of latency (an S3 first byte is
// 10-20 ms): requests/op and ns/op side by side.
func BenchmarkFetchChunks(b *testing.B) {
	ctx := context.Background()
	for _, mode := range []struct {
		name string
		opt  CoalesceOptions
	}{{"single", CoalesceOptions{MaxGap: -1}}, {"coalesced", CoalesceOptions{}}} {
		b.Run(mode.name, func(b *testing.B) {
			ds, cs, _ := refGranule(b, 256, 4096, 64, 1<<20, -1)
			ds.st = &latencyStore{Store: ds.st}
			idx := make([][]int, 256)
			for i := range idx {
				idx[i] = []int{i}
			}
			b.ResetTimer()
			for range b.N {
				if _, _, err := ds.FetchChunks(ctx, idx, mode.opt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cs.ranges.Load())/float64(b.N), "requests/op")
			b.ReportMetric(float64(cs.bytes.Load())/float64(b.N), "bytes/op")
		})
	}
}

// latencyStore charges each GetRange a fixed latency, as a remote store would.
type latencyStore struct{ store.Store }

func (l *latencyStore) GetRange(ctx context.Context, bucket, key string, off, n int64) ([]byte, error) {
	time.Sleep(2 * time.Millisecond)
	return l.Store.GetRange(ctx, bucket, key, off, n)
}
