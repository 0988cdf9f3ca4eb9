package hdf

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// axisRange is start, start+step, ... below stop.
func axisRange(start, stop, step int) []int {
	var out []int
	for i := start; i < stop; i += step {
		out = append(out, i)
	}
	return out
}

// gather is the values at the cartesian product of per-axis indices of a C-order array of dims.
func gather(all []byte, dims []int, axes [][]int, itemsize int) []byte {
	var out []byte
	idx := make([]int, len(dims))
	var rec func(d int)
	rec = func(d int) {
		if d == len(dims) {
			off := 0
			for k := range dims {
				off = off*dims[k] + idx[k]
			}
			out = append(out, all[off*itemsize:(off+1)*itemsize]...)
			return
		}
		for _, i := range axes[d] {
			idx[d] = i
			rec(d + 1)
		}
	}
	rec(0)
	return out
}

// TestSparseReads: reads that need a small part of each chunk (decoded into recycled buffers,
// byte-shuffled chunks gathered in their shuffled layout, the chunk cached after the read) give
// the same values as the values written, for every filter pipeline, with and without a chunk
// cache; the chunks they queue end up in the cache and serve the next read; a chunk rewritten
// by another handle after such a read is never served stale from the cache.
func TestSparseReads(t *testing.T) {
	ctx := context.Background()
	dims := []int{50, 40, 30}
	chunks := []int{10, 20, 30}
	cases := []struct {
		sel  string
		axes [][]int
	}{
		{"[:,3,4]", [][]int{axisRange(0, 50, 1), {3}, {4}}},
		{"[7,:,:]", [][]int{{7}, axisRange(0, 40, 1), axisRange(0, 30, 1)}},
		{"[::3,5,::7]", [][]int{axisRange(0, 50, 3), {5}, axisRange(0, 30, 7)}},
		{"[[1,20,33],2,5]", [][]int{{1, 20, 33}, {2}, {5}}},
		{"[44,39,29]", [][]int{{44}, {39}, {29}}},
		{"[0:50,0:40,0:30]", [][]int{axisRange(0, 50, 1), axisRange(0, 40, 1), axisRange(0, 30, 1)}},
		{"[2:9,1:19,0:30]", [][]int{axisRange(2, 9, 1), axisRange(1, 19, 1), axisRange(0, 30, 1)}},
	}
	types := []struct {
		name string
		size int
		put  func(b []byte, v float64)
	}{
		{"H5T_STD_I16LE", 2, func(b []byte, v float64) { binary.LittleEndian.PutUint16(b, uint16(int16(v))) }},
		{"H5T_IEEE_F64LE", 8, func(b []byte, v float64) { binary.LittleEndian.PutUint64(b, math.Float64bits(v)) }},
	}
	filters := []string{`[]`, `["shuffle"]`, `["gzip"]`, `["shuffle", "gzip"]`, `["shuffle", "lz4"]`}
	n := dims[0] * dims[1] * dims[2]
	for _, typ := range types {
		for _, flt := range filters {
			t.Run(typ.name+flt, func(t *testing.T) {
				dir, _, f := newPosixFile(t, "/s.h5")
				d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"` + typ.name + `"`),
					Dims: dims, ChunkDims: chunks, ExactChunks: true, Filters: json.RawMessage(flt), FillValue: json.RawMessage(`-3`)})
				if err != nil {
					t.Fatal(err)
				}
				values := func(seed int) []byte {
					b := make([]byte, n*typ.size)
					for i := range n {
						typ.put(b[i*typ.size:], float64((i*seed)%20011-10000))
					}
					return b
				}
				// Rows 20-29 (chunks [2,*,*]) are never written: they read as the fill value.
				write := func(d *Dataset, data []byte) {
					t.Helper()
					for _, s := range []string{"[0:20,:,:]", "[30:50,:,:]"} {
						sel, err := selection.Parse(s, dims)
						if err != nil {
							t.Fatal(err)
						}
						lo := sel.Dim(0).Start * dims[1] * dims[2] * typ.size
						if err := d.Write(ctx, sel, data[lo:lo+int(sel.Count())*typ.size], 0); err != nil {
							t.Fatal(err)
						}
					}
				}
				expect := func(data []byte) []byte {
					out := bytes.Clone(data)
					for i := 20 * dims[1] * dims[2]; i < 30*dims[1]*dims[2]; i++ {
						typ.put(out[i*typ.size:], -3)
					}
					return out
				}
				written := values(7)
				write(d, written)
				want := expect(written)
				cached := NewChunkCache(64 << 20)
				for _, c := range cases {
					sel, err := selection.Parse(c.sel, dims)
					if err != nil {
						t.Fatal(err)
					}
					readEveryWay(t, d, cached, c.sel, sel, 3, gather(want, dims, c.axes, typ.size), "the values written")
				}
				// Every written chunk a read touched is cached now (the queued fills included).
				if k, _ := cached.Len(); k != 8 {
					t.Errorf("%d chunks cached, want the 8 written", k)
				}
				// Another handle rewrites every chunk; sparse reads, before and after the
				// fills they queue, see the new values.
				st2, err := store.Open(ctx, "file://"+dir, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				f2, err := Open(ctx, st2, "b", "/s.h5")
				if err != nil {
					t.Fatal(err)
				}
				w, err := f2.Dataset(ctx, d.ID)
				if err != nil {
					t.Fatal(err)
				}
				rewritten := values(13)
				write(w, rewritten)
				want = expect(rewritten)
				for _, c := range cases {
					sel, _ := selection.Parse(c.sel, dims)
					for i := range 2 {
						got, _, err := d.Read(ctx, sel, 3)
						if err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(got, gather(want, dims, c.axes, typ.size)) {
							t.Fatalf("%s after the rewrite, read %d: stale values", c.sel, i)
						}
					}
				}
				cached.WaitFills()
			})
		}
	}
}

// TestSparseFillsBounded: the stored bytes reserved by reads' fill lists or waiting to be
// decoded into the cache never exceed a quarter of its size, and chunks larger than a quarter of
// it are not kept at all.
func TestSparseFillsBounded(t *testing.T) {
	d := &Dataset{chunkBytes: 1000}
	c := NewChunkCache(8000) // a quarter: 2000 bytes
	c.fmu.Lock()
	c.filling = true // no goroutine: look at the queue
	c.fmu.Unlock()
	var l fillList
	for i := range 5 {
		l.add(c, pendingFill{d: d, key: fmt.Sprint(i), raw: make([]byte, 600)})
	}
	if len(l.fills) != 3 || c.queued != 1800 {
		t.Fatalf("%d fills kept (%d bytes), want 3 (1800)", len(l.fills), c.queued)
	}
	c.fillLater(l.fills)
	if len(c.queue) != 3 || c.queued != 1800 {
		t.Fatalf("%d fills queued (%d bytes), want 3 (1800)", len(c.queue), c.queued)
	}
	big := &Dataset{chunkBytes: 2001}
	c.queue, c.queued = nil, 0
	var lb fillList
	lb.add(c, pendingFill{d: big, key: "big", raw: make([]byte, 10)})
	if len(lb.fills) != 0 || c.queued != 0 {
		t.Fatal("a chunk larger than a quarter of the cache was kept")
	}
	var none *ChunkCache
	var ln fillList
	ln.add(none, pendingFill{d: d, raw: make([]byte, 1)}) // no cache: nothing, no panic
	none.fillLater(ln.fills)
	none.WaitFills()
	if len(ln.fills) != 0 {
		t.Fatal("a fill kept without a cache")
	}
}

// TestSparseNeed: the need function of a sparse read names exactly the byte ranges of the chunk
// that hold a selected element (brute force over ranges of several sizes), and reads that need
// more than 1/8 of a chunk get none.
func TestSparseNeed(t *testing.T) {
	dims := []int{50, 40, 30}
	chunks := []int{10, 20, 30}
	cases := []struct {
		sel    string
		axes   [][]int
		sparse bool
	}{
		{"[:,3,4]", [][]int{axisRange(0, 50, 1), {3}, {4}}, true},
		{"[7,:,:]", [][]int{{7}, axisRange(0, 40, 1), axisRange(0, 30, 1)}, true},
		{"[::3,5,::7]", [][]int{axisRange(0, 50, 3), {5}, axisRange(0, 30, 7)}, true},
		{"[[33,1,20,1],2,5]", [][]int{{33, 1, 20, 1}, {2}, {5}}, true},
		{"[3,2:9,10:25]", [][]int{{3}, axisRange(2, 9, 1), axisRange(10, 25, 1)}, true},
		{"[0:2,:,:]", [][]int{axisRange(0, 2, 1), axisRange(0, 40, 1), axisRange(0, 30, 1)}, false},
	}
	for _, itemsize := range []int{2, 8} {
		d := &Dataset{Dims: dims, ChunkDims: chunks, ItemSize: itemsize, chunkBytes: 10 * 20 * 30 * itemsize}
		for _, c := range cases {
			sel, err := selection.Parse(c.sel, dims)
			if err != nil {
				t.Fatal(err)
			}
			for ci := range 5 * 2 {
				index := []int{ci / 2, ci % 2, 0}
				// The bytes of the chunk holding selected elements.
				selected := make([]bool, d.chunkBytes)
				for _, z := range c.axes[0] {
					for _, y := range c.axes[1] {
						for _, x := range c.axes[2] {
							if z/10 != index[0] || y/20 != index[1] {
								continue
							}
							e := ((z%10)*20+y%20)*30 + x
							for k := range itemsize {
								selected[e*itemsize+k] = true
							}
						}
					}
				}
				hit := slices.Contains(selected, true)
				need := d.sparseNeed(sel, index)
				if !hit || !c.sparse {
					if need != nil && !c.sparse {
						t.Fatalf("%s chunk %v: a dense read got a need function", c.sel, index)
					}
					continue
				}
				if need == nil {
					t.Fatalf("%s chunk %v (item %d): no need function for a sparse read", c.sel, index, itemsize)
				}
				for _, size := range []int{1, 7, 64, 1000, 4096} {
					for lo := 0; lo < d.chunkBytes; lo += size {
						hi := min(lo+size, d.chunkBytes)
						if want := slices.Contains(selected[lo:hi], true); need(lo, hi) != want {
							t.Fatalf("%s chunk %v item %d: need(%d, %d) = %v, want %v", c.sel, index, itemsize, lo, hi, !want, want)
						}
					}
				}
			}
		}
	}
}
