package hdf

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/codec"
	"github.com/hsfan/hsfan/hsds/selection"
)

// numpyOracle returns, for each HSDS select string, the bytes numpy gives for the same
// selection of the C-order array all (dims, numpy dtype descr such as "V3" or "u1"), in C order.
// A single index becomes i:i+1 (HSDS keeps the dimension; numpy would treat an int next to a
// coordinate list as an advanced index and move the point axis).
func numpyOracle(t *testing.T, all []byte, dims []int, itemsize int, sels []string) [][]byte {
	t.Helper()
	if out, err := exec.Command(python, "-c", "import numpy").CombinedOutput(); err != nil {
		t.Skipf("SKIP: %s cannot import numpy: %v: %s", python, err, out)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.bin"), all, 0o644); err != nil {
		t.Fatal(err)
	}
	single := regexp.MustCompile(`^\d+$`)
	var idx []string
	for _, s := range sels {
		inner := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
		// Split the top-level commas (lists keep theirs).
		var parts []string
		depth, start := 0, 0
		for i, r := range inner {
			switch r {
			case '[':
				depth++
			case ']':
				depth--
			case ',':
				if depth == 0 {
					parts = append(parts, inner[start:i])
					start = i + 1
				}
			}
		}
		parts = append(parts, inner[start:])
		for i, p := range parts {
			if single.MatchString(p) {
				parts[i] = p + ":" + p + "+1"
			}
		}
		idx = append(idx, "np.s_["+strings.Join(parts, ",")+"]")
	}
	script := fmt.Sprintf(`
import numpy as np, sys
a = np.fromfile(%q, dtype="V%d").reshape(%s)
for k, ix in enumerate([%s]):
    a[ix].tofile(%q + "/out%%d.bin" %% k)
`, filepath.Join(dir, "a.bin"), itemsize, pyTuple(dims), strings.Join(idx, ","), dir)
	if out, err := exec.Command(python, "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("numpy: %v: %s", err, out)
	}
	res := make([][]byte, len(sels))
	for k := range sels {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("out%d.bin", k)))
		if err != nil {
			t.Fatal(err)
		}
		res[k] = b
	}
	return res
}

const python = "/usr/bin/python3"

func pyTuple(dims []int) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(s, ",") + ",)"
}

// TestSparseReadsAdversarial: sparse reads (chunkfill.go: recycled buffers, blosc blocks
// decoded on need, byte-shuffled chunks gathered from their planes, fills after the read) of
// item sizes 1, 3, 12 and 16 (unsigned bytes, a fixed string, compounds), of extents that are
// not multiples of the chunk (partial edge chunks), with coordinate lists unsorted and
// repeated, paired lists, steps and single elements on chunk edges, give numpy's answer for
// the same selection of the written array, uncached, cached on first read and from the cache
// (the fills the first reads queued), for every filter pipeline; incompressible values make
// blosc store memcpyed frames.
func TestSparseReadsAdversarial(t *testing.T) {
	ctx := context.Background()
	dims := []int{23, 17, 9}
	chunks := []int{5, 4, 9} // 180 elements: a sparse read takes at most 22 of them
	sels := []string{
		"[:,3,4]", "[22,16,8]", "[4,3,8]", "[5,4,0]", "[20:23,16,0:9:8]",
		"[[22,0,5,5,22,4],3,8]", "[[7,1,7,1],[16,0,16,3],[8,8,0,2]]",
		"[::4,[16,3,3,0],::8]", "[1:23:7,0:17:5,[8,0]]", "[:,[16],4]", "[0,0,[8,7,6,5,4,3,2,1,0]]",
		"[3,:,:]", "[[3],:,[0]]", "[0:23,0:17,0:9]",
	}
	types := []struct {
		name, typ string
		size      int
	}{
		{"u8", `"H5T_STD_U8LE"`, 1},
		{"str3", `{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLPAD","length":3}`, 3},
		{"cmpd12", `{"class":"H5T_COMPOUND","fields":[{"name":"x","type":"H5T_IEEE_F32LE"},{"name":"n","type":"H5T_STD_I64LE"}]}`, 12},
		{"cmpd16", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_IEEE_F64LE"},{"name":"b","type":"H5T_STD_I32LE"},{"name":"c","type":"H5T_STD_U16LE"},{"name":"d","type":"H5T_STD_U8LE"},{"name":"e","type":"H5T_STD_U8LE"}]}`, 16},
	}
	filters := []string{`[]`, `["shuffle"]`, `["gzip"]`, `["shuffle","gzip"]`, `["shuffle","lz4"]`, `["lz4"]`, `["shuffle","blosclz"]`, `["shuffle","zstd"]`, `["bitshuffle"]`, `["bitshuffle","lz4"]`, `["bitshuffle","gzip"]`}
	n := dims[0] * dims[1] * dims[2]
	for _, typ := range types {
		for _, random := range []bool{false, true} {
			all := make([]byte, n*typ.size)
			x := uint64(typ.size) * 0x9E3779B97F4A7C15
			for i := range all {
				if random {
					x = x*6364136223846793005 + 1442695040888963407
					all[i] = byte(x >> 56)
				} else {
					all[i] = byte(i/typ.size*7 + i%typ.size*50)
				}
			}
			// The chunks of rows 10-14 are never written: zero (no fill value) is expected.
			want := bytes.Clone(all)
			clear(want[10*17*9*typ.size : 15*17*9*typ.size])
			oracle := numpyOracle(t, want, dims, typ.size, sels)
			for _, flt := range filters {
				name := fmt.Sprintf("%s/random=%v/%s", typ.name, random, flt)
				t.Run(name, func(t *testing.T) {
					_, _, f := newPosixFile(t, "/a.h5")
					d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(typ.typ),
						Dims: dims, ChunkDims: chunks, ExactChunks: true, Filters: json.RawMessage(flt)})
					if err != nil {
						t.Fatal(err)
					}
					if strings.Contains(flt, "bitshuffle") && d.Pipeline.Shuffle != codec.ShuffleBit {
						t.Fatalf("%s: pipeline %+v is not bitshuffle", flt, d.Pipeline)
					}
					for _, s := range []string{"[0:10,:,:]", "[15:23,:,:]"} {
						sel, err := selection.Parse(s, dims)
						if err != nil {
							t.Fatal(err)
						}
						lo := sel.Dim(0).Start * 17 * 9 * typ.size
						if err := d.Write(ctx, sel, all[lo:lo+int(sel.Count())*typ.size], 0); err != nil {
							t.Fatal(err)
						}
					}
					cache := NewChunkCache(1 << 20)
					for k, s := range sels {
						sel, err := selection.Parse(s, dims)
						if err != nil {
							t.Fatalf("%s: %v", s, err)
						}
						readEveryWay(t, d, cache, s, sel, 3, oracle[k], "numpy")
					}
				})
			}
		}
	}
}

// TestSparseReadsBlockEdges: sparse reads of chunks stored as blosc frames of several blocks
// (hsfan's frames, blocks of up to 1 MiB and a multiple of the item size, and HSDS's, typesize 1
// and 128 or 256 KiB blocks, where elements of 3 and 12 bytes straddle two blocks), selecting the
// elements on each side of every block boundary, alone (paired coordinate lists, unsorted, one
// repeated) and in rows and columns, give numpy's answer, uncached, on first cached read and
// from the cache; the recycled buffers are dirtied first so an undecoded byte shows.
func TestSparseReadsBlockEdges(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP: -short (writes 50 MB of chunks)")
	}
	ctx := context.Background()
	dims := []int{130, 6000}
	types := []struct {
		name, typ string
		size      int
		rows      int // of a chunk of 6000 columns (1-2 MB); the last row of chunks is partial
	}{
		{"u8", `"H5T_STD_U8LE"`, 1, 100},
		{"str3", `{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLPAD","length":3}`, 3, 100},
		{"cmpd12", `{"class":"H5T_COMPOUND","fields":[{"name":"x","type":"H5T_IEEE_F32LE"},{"name":"n","type":"H5T_STD_I64LE"}]}`, 12, 20},
		{"cmpd16", `{"class":"H5T_COMPOUND","fields":[{"name":"a","type":"H5T_IEEE_F64LE"},{"name":"b","type":"H5T_IEEE_F64LE"}]}`, 16, 20},
	}
	filters := []string{`["shuffle","lz4"]`, `["shuffle","gzip"]`, `["zstd"]`}
	n := dims[0] * dims[1]
	for _, typ := range types {
		all := make([]byte, n*typ.size)
		for i := range all {
			e := i / typ.size
			all[i] = byte(e%6000/3 + e/6000*5 + i%typ.size*40) // compressible, every byte varies
		}
		for _, flt := range filters {
			for _, hsdsFrames := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/hsdsFrames=%v", typ.name, flt, hsdsFrames), func(t *testing.T) {
					_, st, f := newPosixFile(t, "/a.h5")
					d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(typ.typ),
						Dims: dims, ChunkDims: []int{typ.rows, 6000}, ExactChunks: true, Filters: json.RawMessage(flt)})
					if err != nil {
						t.Fatal(err)
					}
					d.Pipeline.HSDSFrames = hsdsFrames
					if err := d.Write(ctx, selection.All(dims), all, 0); err != nil {
						t.Fatal(err)
					}
					raw, _, err := st.Get(ctx, "b", d.ChunkKey([]int{0, 0}))
					if err != nil {
						t.Fatal(err)
					}
					info, err := codec.BloscInfo(raw)
					if err != nil || info.BlockSize >= d.chunkBytes || (hsdsFrames && info.TypeSize != 1) {
						t.Fatalf("chunk is not a frame of several blocks (typesize 1 for HSDS's): %+v, %v", info, err)
					}
					// The elements on both sides of every block boundary of the first chunk and
					// of the partial one (its boundaries are counted from its own start).
					var rows, cols []string
					var sels []string
					for _, base := range []int{0, (dims[0] - 1) / typ.rows * typ.rows * 6000} {
						for bnd := info.BlockSize; bnd < typ.rows*6000*typ.size; bnd += info.BlockSize {
							for _, e := range []int{bnd/typ.size - 1, bnd / typ.size, (bnd - 1) / typ.size, (bnd + typ.size) / typ.size} {
								e += base
								if e < 0 || e >= n {
									continue
								}
								rows = append(rows, fmt.Sprint(e/6000))
								cols = append(cols, fmt.Sprint(e%6000))
							}
						}
					}
					// Unsorted (last first) and one point repeated.
					rows = append([]string{rows[len(rows)-1]}, append(rows, rows[3])...)
					cols = append([]string{cols[len(cols)-1]}, append(cols, cols[3])...)
					sels = append(sels, "["+"["+strings.Join(rows, ",")+"],["+strings.Join(cols, ",")+"]]")
					sels = append(sels, "["+rows[1]+",:]", "[:,"+cols[2]+"]", "[::7,1000:6000:333]")
					sels = append(sels, "[129,5999]", "[99,5999]", "[100,0]", "[119,0]", "[120,5999]")
					oracle := numpyOracle(t, all, dims, typ.size, sels)
					cache := NewChunkCache(64 << 20)
					for k, s := range sels {
						sel, err := selection.Parse(s, dims)
						if err != nil {
							t.Fatalf("%s: %v", s, err)
						}
						readEveryWay(t, d, cache, s, sel, 2, oracle[k], "numpy")
					}
				})
			}
		}
	}
}

// dirtyChunkBufs puts four buffers of n bytes of 0xee in the recycled chunk buffers, so that a
// byte a sparse read does not decode shows in its answer.
func dirtyChunkBufs(n int) {
	dirty := bytes.Repeat([]byte{0xee}, n)
	for range 4 {
		b := getChunkBuf(n)
		copy(*b, dirty)
		putChunkBuf(b)
	}
}

// readEveryWay reads sel (named s in messages) from d uncached, then through cache (its first
// read, then from the cache once that read's fills ran), each time with the recycled chunk
// buffers dirtied first (a byte not decoded must never reach the answer), and fails unless
// every answer is want (from whom names its source: numpy, HSDS, the values written).
func readEveryWay(t *testing.T, d *Dataset, cache *ChunkCache, s string, sel *selection.Selection, concurrency int, want []byte, from string) {
	t.Helper()
	ctx := context.Background()
	for _, mode := range []string{"uncached", "cached, first read", "cached, from the cache"} {
		d.SetChunkCache(nil)
		if mode != "uncached" {
			d.SetChunkCache(cache)
		}
		dirtyChunkBufs(d.chunkBytes)
		got, _, err := d.Read(ctx, sel, concurrency)
		if err != nil {
			t.Fatalf("%.80s %s: %v", s, mode, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%.80s %s: %d bytes that differ from %s (%d bytes) at byte %d", s, mode, len(got), from, len(want), firstDiffBytes(got, want))
		}
		cache.WaitFills()
	}
}
