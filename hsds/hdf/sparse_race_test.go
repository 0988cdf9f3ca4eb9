package hdf

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// TestSparseReadsRaceWrites: sparse reads through a shared chunk cache (fills queued after each
// read) run while another handle, as another server on the same store would, rewrites every
// chunk generation after generation, then shrinks the dataset, extends it again and deletes it.
// Every value a read returns is element i of a generation at least the one completed before the
// read began (never stale from the cache, never from an undecoded block or a mis-gathered
// element), and after the shrink, the re-extension and the delete the old handle reads the fill
// value where the chunks were dropped. Run it with -race.
func TestSparseReadsRaceWrites(t *testing.T) {
	ctx := context.Background()
	dims := []int{40, 100}
	for _, flt := range []string{`["shuffle","gzip"]`, `["shuffle","lz4"]`, `["shuffle"]`} {
		t.Run(flt, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "b"), 0o755); err != nil {
				t.Fatal(err)
			}
			open := func() store.Store {
				st, err := store.Open(ctx, "file://"+dir, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
			f, err := Create(ctx, open(), "b", "/r.h5", CreateOptions{Owner: "u"})
			if err != nil {
				t.Fatal(err)
			}
			d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_IEEE_F64LE"`),
				Dims: dims, MaxDims: []int{0, 100}, ChunkDims: []int{10, 100}, ExactChunks: true,
				Filters: json.RawMessage(flt), FillValue: json.RawMessage(`-1`)})
			if err != nil {
				t.Fatal(err)
			}
			// The writer: another store handle and file handle (no shared cache).
			wf, err := Open(ctx, open(), "b", "/r.h5")
			if err != nil {
				t.Fatal(err)
			}
			w, err := wf.Dataset(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			gen := func(g int) []byte {
				b := make([]byte, 40*100*8)
				for i := range 40 * 100 {
					binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(float64(g*1_000_000+i)))
				}
				return b
			}
			if err := w.Write(ctx, selection.All(dims), gen(1), 0); err != nil {
				t.Fatal(err)
			}
			cache := NewChunkCache(1 << 20)
			d.SetChunkCache(cache)
			sels := []string{"[:,7]", "[[3,38,3,17],[99,0,99,50]]", "[5,::9]", "[::13,[98,1]]"}
			var done atomic.Int64 // the last generation completely written
			done.Store(1)
			check := func(s string, got []byte, lo int64, fillFrom func(row int) bool) {
				sel, _ := selection.Parse(s, dims)
				k := 0
				for _, idx := range selIndices(sel, dims) {
					v := math.Float64frombits(binary.LittleEndian.Uint64(got[8*k:]))
					k++
					if fillFrom != nil && fillFrom(idx/100) {
						if v != -1 {
							t.Errorf("%s: element %d reads %v, want the fill value -1", s, idx, v)
						}
						continue
					}
					g := int64(v) / 1_000_000
					if int(v)%1_000_000 != idx || g < lo {
						t.Errorf("%s: element %d reads %v: not element %d of a generation >= %d", s, idx, v, idx, lo)
					}
				}
			}
			var wg sync.WaitGroup
			stop := make(chan struct{})
			for r := range 3 {
				wg.Go(func() {
					for k := 0; ; k++ {
						select {
						case <-stop:
							return
						default:
						}
						s := sels[(r+k)%len(sels)]
						sel, _ := selection.Parse(s, dims)
						lo := done.Load()
						got, _, err := d.Read(ctx, sel, 2)
						if err != nil {
							t.Error(err)
							return
						}
						check(s, got, lo, nil)
					}
				})
			}
			for g := 2; g <= 30; g++ {
				if err := w.Write(ctx, selection.All(dims), gen(g), 0); err != nil {
					t.Fatal(err)
				}
				done.Store(int64(g))
			}
			close(stop)
			wg.Wait()
			// Fills still queued from the last reads hold older generations: never served.
			for _, s := range sels {
				sel, _ := selection.Parse(s, dims)
				got, _, err := d.Read(ctx, sel, 2)
				if err != nil {
					t.Fatal(err)
				}
				check(s, got, 30, nil)
			}
			cache.WaitFills()
			// Shrink to 15 rows (chunks of rows 20-39 deleted, rows 15-19 reset), extend back.
			if _, err := wf.Resize(ctx, d.ID, []int{15, 100}); err != nil {
				t.Fatal(err)
			}
			for round := range 2 {
				for _, s := range sels {
					sel, _ := selection.Parse(s, dims)
					got, _, err := d.Read(ctx, sel, 2)
					if err != nil {
						t.Fatal(err)
					}
					check(s, got, 30, func(row int) bool { return row >= 15 })
				}
				cache.WaitFills()
				if round == 0 {
					if _, err := wf.Resize(ctx, d.ID, dims); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := wf.DeleteObject(ctx, d.ID); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				for _, s := range sels {
					sel, _ := selection.Parse(s, dims)
					got, _, err := d.Read(ctx, sel, 2)
					if err != nil {
						t.Fatal(err)
					}
					check(s, got, 0, func(int) bool { return true })
				}
				cache.WaitFills()
			}
		})
	}
}

// selIndices returns the flat C-order indices of the elements of sel in output order (a
// brute-force reference: every element of the dataset is probed with a one-element copy).
func selIndices(sel *selection.Selection, dims []int) []int {
	n := 1
	for _, x := range dims {
		n *= x
	}
	// Copy out a chunk holding each element's own index, the whole dataset as one chunk.
	chunk := make([]byte, n*8)
	for i := range n {
		binary.LittleEndian.PutUint64(chunk[8*i:], uint64(i))
	}
	out := make([]byte, sel.Count()*8)
	if err := selection.CopyOut(out, sel, chunk, make([]int, len(dims)), dims, 8); err != nil {
		panic(err)
	}
	idx := make([]int, sel.Count())
	for k := range idx {
		idx[k] = int(binary.LittleEndian.Uint64(out[8*k:]))
	}
	return idx
}

// TestWaitFillsRacesReads: WaitFills while reads start fill goroutines (a shutdown waiting for
// the fills while requests still run) neither panics nor races (run with -race).
func TestWaitFillsRacesReads(t *testing.T) {
	ctx := context.Background()
	_, d, _, _ := sparseDataset(t, 40, `["shuffle","gzip"]`)
	sel, err := selection.Parse("[::50]", d.Dims)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var cache atomic.Pointer[ChunkCache]
	cache.Store(NewChunkCache(1 << 20))
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			cache.Load().WaitFills()
		}
	})
	for range 200 {
		// A new cache each time: every read queues fills and starts a fill goroutine.
		c := NewChunkCache(1 << 20)
		cache.Store(c)
		d.SetChunkCache(c)
		if _, _, err := d.Read(ctx, sel, 4); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

// TestSparseFillAfterDeleteOrRewrite: a fill queued by a sparse read and decoded only after the
// chunk was rewritten (same size) or its dataset deleted is never served: the next reads see
// the new values, or the fill value.
func TestSparseFillAfterDeleteOrRewrite(t *testing.T) {
	ctx := context.Background()
	for _, what := range []string{"rewrite", "delete"} {
		f, d, _, _ := sparseDataset(t, 4, `["shuffle","gzip"]`)
		sel, err := selection.Parse("[::50]", d.Dims)
		if err != nil {
			t.Fatal(err)
		}
		cache := NewChunkCache(1 << 20)
		d.SetChunkCache(cache)
		// Hold the fill goroutine back: the fills stay queued.
		cache.fmu.Lock()
		cache.filling = true
		cache.fmu.Unlock()
		before, _, err := d.Read(ctx, sel, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(cache.queue) != 4 {
			t.Fatalf("%d fills queued, want 4", len(cache.queue))
		}
		want := make([]byte, len(before))
		switch what {
		case "rewrite":
			for i := range want {
				want[i] = before[i] ^ 0x5a
			}
			if err := d.Write(ctx, sel, want, 0); err != nil {
				t.Fatal(err)
			}
		case "delete":
			if err := f.DeleteObject(ctx, d.ID); err != nil {
				t.Fatal(err)
			}
			// No fill value was set: zeros.
		}
		go cache.runFills() // the held-back goroutine, now
		cache.WaitFills()
		if k, _ := cache.Len(); k != 4 {
			t.Fatalf("%s: %d chunks cached from the fills, want the 4 stale ones (to be refused)", what, k)
		}
		for i := range 2 {
			got, _, err := d.Read(ctx, sel, 2)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s, read %d: a stale fill was served", what, i)
			}
			cache.WaitFills()
		}
	}
}

// TestSparseScalarAndTiny: scalar and one-element datasets, and a chunk cache too small to hold
// a chunk (nothing is queued or cached), read right through the sparse code paths.
func TestSparseScalarAndTiny(t *testing.T) {
	ctx := context.Background()
	_, _, f := newPosixFile(t, "/t.h5")
	for _, c := range []struct {
		name string
		dims []int
		sel  string
	}{{"scalar", nil, ""}, {"one", []int{1}, "[0]"}, {"thousand", []int{1000}, "[[999,0,999]]"}} {
		for _, flt := range []string{`["shuffle","gzip"]`, `["shuffle"]`, `["shuffle","lz4"]`} {
			spec := DatasetSpec{Type: json.RawMessage(`"H5T_IEEE_F64LE"`), Dims: c.dims, Filters: json.RawMessage(flt), FillValue: json.RawMessage(`7`)}
			if c.dims != nil {
				spec.ChunkDims, spec.ExactChunks = c.dims, true
			}
			d, err := f.CreateDataset(ctx, f.RootID(), c.name+flt, spec)
			if err != nil {
				t.Fatal(err)
			}
			n := 1
			if c.dims != nil {
				n = c.dims[0]
			}
			all := make([]byte, 8*n)
			for i := range n {
				binary.LittleEndian.PutUint64(all[8*i:], math.Float64bits(float64(i)+0.5))
			}
			if err := d.Write(ctx, selection.All(d.Dims), all, 0); err != nil {
				t.Fatal(err)
			}
			sel, err := selection.Parse(c.sel, d.Dims)
			if err != nil {
				t.Fatal(err)
			}
			want := all[:8]
			if c.name == "thousand" {
				want = slices.Concat(all[8*999:], all[:8], all[8*999:])
			}
			for _, cache := range []*ChunkCache{nil, NewChunkCache(1), NewChunkCache(1 << 20)} {
				d.SetChunkCache(cache)
				for range 2 {
					got, _, err := d.Read(ctx, sel, 2)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, want) {
						t.Fatalf("%s %s: got % x, want % x", c.name, flt, got, want)
					}
					cache.WaitFills()
				}
				if cache != nil && cache.max == 1 {
					if k, _ := cache.Len(); k != 0 || cache.queued != 0 {
						t.Fatalf("%s %s: a cache of 1 byte holds %d chunks, %d bytes queued", c.name, flt, k, cache.queued)
					}
				}
			}
		}
	}
}
