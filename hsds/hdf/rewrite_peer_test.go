package hdf

import (
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// TestReadsRaceHSDSRewrites: the real HSDS rewrites a shuffle+gzip dataset 15 times (a write of
// all its values, then a flush, which rewrites every chunk file in place: hsds/util/fileClient.py
// put_object) while hsfan reads it from the same POSIX store, dense and sparse, uncached and
// through a cache: every read gives, for each chunk, the values of one of HSDS's generations
// (never an error other than ErrRewriting, never a corrupt-chunk error, never a chunk of mixed
// generations), and the last read gives HSDS's own answer.
func TestReadsRaceHSDSRewrites(t *testing.T) {
	p := hsdspeer.Shared(t)
	ctx := context.Background()
	const dom = "/home/test_user1/rewrite_race.h5"
	p.MustDo(t, http.MethodPut, "/", dom, nil, nil)
	dims := []int{80, 8000} // chunks of 1.28 MB: HSDS enlarges chunks under 1 MB (min_chunk_size)
	const chunkRows = 40
	n := dims[0] * dims[1]
	var created struct {
		ID string `json:"id"`
	}
	p.MustDo(t, http.MethodPost, "/datasets", dom, map[string]any{"type": "H5T_STD_I32LE", "shape": dims,
		"creationProperties": map[string]any{"layout": map[string]any{"class": "H5D_CHUNKED", "dims": []int{chunkRows, 8000}},
			"filters": []any{fShuffle, fGzip}}}, &created)
	gen := func(g int) []byte {
		b := make([]byte, 4*n)
		for i := range n {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(g*10_000_000+i))
		}
		return b
	}
	p.MustDo(t, http.MethodPut, "/datasets/"+created.ID+"/value", dom, gen(1), nil)
	p.Flush(t, dom)
	f, err := Open(ctx, p.Store(t), hsdspeer.Bucket, dom)
	if err != nil {
		t.Fatal(err)
	}
	sels := []string{"[:,:]", "[:,7]", "[5,::9]", "[[3,78,3],[7999,0,7999]]", "[12,100:140]"}
	indices := map[string][]int{}
	for _, s := range sels {
		sel, err := selection.Parse(s, dims)
		if err != nil {
			t.Fatal(err)
		}
		indices[s] = selIndices(sel, dims)
	}
	var stop atomic.Bool
	var reads, rewriting atomic.Int64
	rereads := chunkRereads.Load()
	var wg sync.WaitGroup
	for _, cache := range []*ChunkCache{nil, NewChunkCache(64 << 20), NewChunkCache(1000), nil} {
		d, err := f.Dataset(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !equalInts(d.ChunkDims, []int{chunkRows, 8000}) {
			t.Fatalf("HSDS changed the chunk layout to %v", d.ChunkDims)
		}
		d.SetChunkCache(cache)
		wg.Go(func() {
			for k := 0; !stop.Load() && !t.Failed(); k++ {
				s := sels[k%len(sels)]
				sel, err := selection.Parse(s, dims)
				if err != nil {
					t.Error(err)
					return
				}
				got, _, err := d.Read(ctx, sel, 2)
				reads.Add(1)
				if errors.Is(err, ErrRewriting) && !errors.Is(err, ErrCorrupt) {
					rewriting.Add(1)
					continue
				}
				if err != nil {
					t.Errorf("cache %v, %s: %v", cache != nil, s, err)
					return
				}
				genOf := map[int]int{}
				for k, i := range indices[s] {
					v := int(binary.LittleEndian.Uint32(got[4*k:]))
					g := v / 10_000_000
					if g < 1 || g > 2 || v-g*10_000_000 != i {
						t.Errorf("cache %v, %s: element %d reads %d, of no generation HSDS wrote", cache != nil, s, i, v)
						return
					}
					c := i / dims[1] / chunkRows
					if old, ok := genOf[c]; ok && old != g {
						t.Errorf("cache %v, %s: chunk %d mixes generations %d and %d", cache != nil, s, c, old, g)
						return
					}
					genOf[c] = g
				}
			}
		})
	}
	rewrites := 15
	if testing.Short() {
		rewrites = 5
	}
	start := time.Now()
	for i := range rewrites {
		if t.Failed() {
			break
		}
		p.MustDo(t, http.MethodPut, "/datasets/"+created.ID+"/value", dom, gen(2-i%2), nil)
		p.Flush(t, dom)
	}
	readsDuring := reads.Load()
	stop.Store(true)
	wg.Wait()
	t.Logf("%d hsfan reads during %d HSDS rewrites + flushes (%v): %d ErrRewriting, %d chunk reads repeated",
		readsDuring, rewrites, time.Since(start).Round(time.Millisecond), rewriting.Load(), chunkRereads.Load()-rereads)
	if readsDuring < int64(rewrites) {
		t.Fatalf("only %d reads ran while HSDS rewrote the chunks", readsDuring)
	}
	if rewriting.Load()*4 > reads.Load() {
		t.Fatalf("%d of %d reads gave up (ErrRewriting)", rewriting.Load(), reads.Load())
	}
	want := p.Value(t, dom, created.ID)
	d, err := f.Dataset(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	cache := NewChunkCache(64 << 20)
	for _, s := range sels {
		sel, _ := selection.Parse(s, dims)
		wantSel := make([]byte, 0, sel.Count()*4)
		for _, i := range indices[s] {
			wantSel = append(wantSel, want[4*i:4*i+4]...)
		}
		readEveryWay(t, d, cache, s, sel, 2, wantSel, "HSDS")
	}
}
