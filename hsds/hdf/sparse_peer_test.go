package hdf

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/codec"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// TestSparseReadsHSDSStraddle: chunks the real HSDS writes (typesize-1 blosc frames of 128 or
// 256 KiB blocks) for element types of 3, 12 and 16 bytes, whose elements straddle block
// boundaries, read sparsely by hsfan (only the blocks holding selected bytes are decoded) give
// HSDS's own answer for selections of the elements on both sides of every block boundary,
// paired coordinate lists unsorted and repeated, rows, columns and steps, uncached, on first
// cached read and from the cache.
func TestSparseReadsHSDSStraddle(t *testing.T) {
	hsdspeer.RequireModules(t, "numcodecs")
	p := hsdspeer.Shared(t)
	ctx := context.Background()
	const dom = "/home/test_user1/sparse_straddle.h5"
	var root struct {
		Root string `json:"root"`
	}
	p.MustDo(t, http.MethodPut, "/", dom, nil, &root)
	dims := []int{130, 6000}
	types := []struct {
		name string
		typ  any
		size int
		rows int // rows of a chunk of 6000 columns, within HSDS's 4 MiB maximum; the last is partial
	}{
		{"str3", map[string]any{"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 3}, 3, 100},
		{"cmpd12", map[string]any{"class": "H5T_COMPOUND", "fields": []any{
			map[string]any{"name": "x", "type": "H5T_IEEE_F32LE"}, map[string]any{"name": "n", "type": "H5T_STD_I64LE"}}}, 12, 40},
		{"cmpd16", map[string]any{"class": "H5T_COMPOUND", "fields": []any{
			map[string]any{"name": "a", "type": "H5T_IEEE_F64LE"}, map[string]any{"name": "b", "type": "H5T_IEEE_F64LE"}}}, 16, 40},
	}
	filters := map[string][]any{"lz4_shuffle": {fShuffle, fLZ4}, "gzip_shuffle": {fShuffle, fGzip}, "zstd": {fZstd}}
	type dset struct {
		name, id   string
		size, rows int
	}
	var sets []dset
	for _, typ := range types {
		for fname, flt := range filters {
			n := dims[0] * dims[1]
			all := make([]byte, n*typ.size)
			for i := range all {
				e := i / typ.size
				all[i] = byte(e%6000/3 + e/6000*5 + i%typ.size*40)
			}
			if typ.name == "cmpd12" || typ.name == "cmpd16" {
				// Keep floats finite and non-NaN (HSDS round-trips bytes anyway).
				for e := range n {
					all[e*typ.size+3] &= 0x3f
				}
			}
			var created struct {
				ID string `json:"id"`
			}
			p.MustDo(t, http.MethodPost, "/datasets", dom, map[string]any{"type": typ.typ, "shape": dims,
				"creationProperties": map[string]any{"layout": map[string]any{"class": "H5D_CHUNKED", "dims": []int{typ.rows, 6000}}, "filters": flt}}, &created)
			name := typ.name + "_" + fname
			p.MustDo(t, http.MethodPut, "/groups/"+root.Root+"/links/"+name, dom, map[string]any{"id": created.ID}, nil)
			p.MustDo(t, http.MethodPut, "/datasets/"+created.ID+"/value", dom, all, nil)
			sets = append(sets, dset{name, created.ID, typ.size, typ.rows})
		}
	}
	p.Flush(t, dom)
	st := p.Store(t)
	f, err := Open(ctx, st, hsdspeer.Bucket, dom)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sets {
		t.Run(s.name, func(t *testing.T) {
			ds, err := f.OpenDatasetPath(ctx, "/"+s.name)
			if err != nil {
				t.Fatal(err)
			}
			if chunks := []int{s.rows, 6000}; !equalInts(ds.ChunkDims, chunks) {
				t.Fatalf("HSDS changed the chunk layout %v to %v", chunks, ds.ChunkDims)
			}
			raw, _, err := st.Get(ctx, hsdspeer.Bucket, ds.ChunkKey([]int{0, 0}))
			if err != nil {
				t.Fatal(err)
			}
			info, err := codec.BloscInfo(raw)
			if err != nil || info.TypeSize != 1 || info.BlockSize >= ds.chunkBytes || (s.size%2 == 1 || s.size == 12) != (info.BlockSize%s.size != 0) {
				t.Fatalf("HSDS's chunk is not a typesize-1 frame of several blocks (that elements of 3 and 12 bytes straddle): %+v, %v", info, err)
			}
			var rows, cols []string
			n := dims[0] * dims[1]
			// The first chunk and the last, partial one.
			for _, base := range []int{0, (dims[0] - 1) / s.rows * s.rows * 6000} {
				for bnd := info.BlockSize; bnd < s.rows*6000*s.size; bnd += info.BlockSize {
					for _, e := range []int{bnd/s.size - 1, bnd / s.size, (bnd + s.size) / s.size} {
						if e += base; e < n {
							rows = append(rows, fmt.Sprint(e/6000))
							cols = append(cols, fmt.Sprint(e%6000))
						}
					}
				}
			}
			rows = append([]string{rows[len(rows)-1]}, append(rows, rows[3])...)
			cols = append([]string{cols[len(cols)-1]}, append(cols, cols[3])...)
			sels := []string{"[[" + strings.Join(rows, ",") + "],[" + strings.Join(cols, ",") + "]]",
				"[" + rows[1] + ",:]", "[:," + cols[2] + "]", "[::7,1000:6000:333]", "[129,5999]", "[100,0]"}
			cache := NewChunkCache(64 << 20)
			for _, sstr := range sels {
				code, want := p.Do(t, hsdspeer.Request{Method: http.MethodGet, Path: "/datasets/" + s.id + "/value", Domain: dom,
					Query: url.Values{"select": {sstr}}, Accept: true})
				if code != http.StatusOK {
					t.Fatalf("HSDS GET %.80s: %d %.300s", sstr, code, want)
				}
				sel, err := selection.Parse(sstr, dims)
				if err != nil {
					t.Fatal(err)
				}
				readEveryWay(t, ds, cache, sstr, sel, 2, want, "HSDS")
			}
		})
	}
}
