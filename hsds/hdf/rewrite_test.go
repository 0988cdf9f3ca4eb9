package hdf

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// rewriteGen returns generation g of a dataset of n float64 elements: element i is g*1e6 + i.
func rewriteGen(g, n int) []byte {
	b := make([]byte, n*8)
	for i := range n {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(float64(g*1_000_000+i)))
	}
	return b
}

// rewriteInPlace rewrites the file at path with data as HSDS's hsds/util/fileClient.py
// put_object does (open "wb": truncate, then write), in pieces so that readers see the file
// empty, half written and whole.
func rewriteInPlace(path string, data []byte, pieces int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	step := (len(data) + pieces - 1) / pieces
	for o := 0; o < len(data); o += step {
		if _, err := f.Write(data[o:min(o+step, len(data))]); err != nil {
			_ = f.Close()
			return err
		}
		runtime.Gosched()
	}
	return f.Close()
}

// TestReadsRaceInPlaceRewrites: while another goroutine rewrites every chunk file in place, as
// HSDS does (truncate, then write in pieces), over and over between two generations of
// values, dense, sparse, point and ranged reads, uncached, through a shared cache and through a
// cache too small to keep a chunk, return for every chunk either the old or the new values
// (never an error other than ErrRewriting, never a corrupt-chunk error, never a chunk part old
// and part new or a value of neither). Run it with -race.
func TestReadsRaceInPlaceRewrites(t *testing.T) {
	ctx := context.Background()
	dims := []int{20, 4000}
	chunkRows := 10
	n := dims[0] * dims[1]
	dur := 1500 * time.Millisecond
	if testing.Short() {
		dur = 500 * time.Millisecond
	}
	for _, flt := range []string{`["shuffle","gzip"]`, `["shuffle","lz4"]`, `[]`, `["shuffle"]`} {
		t.Run(flt, func(t *testing.T) {
			dir, st, f := newPosixFile(t, "/w.h5")
			d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_IEEE_F64LE"`),
				Dims: dims, ChunkDims: []int{chunkRows, 4000}, ExactChunks: true, Filters: json.RawMessage(flt)})
			if err != nil {
				t.Fatal(err)
			}
			// The stored bytes of each chunk for generations 1 and 2 (as hsfan encodes them).
			var paths []string
			var stored [2][][]byte
			for g := range 2 {
				if err := d.Write(ctx, selection.All(dims), rewriteGen(g+1, n), 0); err != nil {
					t.Fatal(err)
				}
				for c := range dims[0] / chunkRows {
					key := d.ChunkKey([]int{c, 0})
					raw, _, err := st.Get(ctx, "b", key)
					if err != nil {
						t.Fatal(err)
					}
					stored[g] = append(stored[g], raw)
					if g == 0 {
						paths = append(paths, filepath.Join(dir, "b", filepath.FromSlash(key)))
					}
				}
			}
			var stop atomic.Bool
			var rewrites atomic.Int64
			var wg sync.WaitGroup
			wg.Go(func() {
				for i := 0; !stop.Load(); i++ {
					for c, p := range paths {
						if err := rewriteInPlace(p, stored[i%2][c], 1+i%4); err != nil {
							t.Error(err)
							return
						}
						rewrites.Add(1)
					}
				}
			})
			shared := NewChunkCache(64 << 20)
			caches := map[string]*ChunkCache{"uncached": nil, "shared cache": shared, "shared cache 2": shared, "tiny cache": NewChunkCache(1000)}
			sels := []string{"[:,:]", "[:,7]", "[5,::9]", "[[3,18,3],[3999,0,3999]]", "[2:4,10:20]", "[12,100:140]"}
			var reads, rewriting atomic.Int64
			rereads := chunkRereads.Load()
			var seen [3]atomic.Int64 // chunks read whole at generation 1 and 2
			deadline := time.Now().Add(dur)
			for name, cache := range caches {
				rd, err := f.Dataset(ctx, d.ID)
				if err != nil {
					t.Fatal(err)
				}
				rd.SetChunkCache(cache)
				wg.Go(func() {
					for k := 0; time.Now().Before(deadline) && !t.Failed(); k++ {
						s := sels[k%len(sels)]
						sel, err := selection.Parse(s, dims)
						if err != nil {
							t.Error(err)
							return
						}
						got, _, err := rd.Read(ctx, sel, 2)
						reads.Add(1)
						if errors.Is(err, ErrRewriting) && !errors.Is(err, ErrCorrupt) && !strings.Contains(err.Error(), "corrupt") {
							rewriting.Add(1)
							continue
						}
						if err != nil {
							t.Errorf("%s %s: %v", name, s, err)
							return
						}
						genOf := map[int]int{} // chunk row -> generation
						for k, i := range selIndices(sel, dims) {
							v := math.Float64frombits(binary.LittleEndian.Uint64(got[8*k:]))
							g := int(v) / 1_000_000
							if (g != 1 && g != 2) || int(v)-g*1_000_000 != i || v != math.Trunc(v) {
								t.Errorf("%s %s: element %d reads %v, neither generation 1 nor 2", name, s, i, v)
								return
							}
							c := i / dims[1] / chunkRows
							if old, ok := genOf[c]; ok && old != g {
								t.Errorf("%s %s: chunk %d mixes generations %d and %d", name, s, c, old, g)
								return
							}
							genOf[c] = g
						}
						if s == "[:,:]" {
							for _, g := range genOf {
								seen[g].Add(1)
							}
						}
					}
					if cache != nil {
						cache.WaitFills()
					}
				})
			}
			time.Sleep(time.Until(deadline))
			stop.Store(true)
			wg.Wait()
			t.Logf("%d reads (%d ErrRewriting, %d chunk reads repeated) during %d in-place rewrites; whole reads saw generation 1 %d times, 2 %d times",
				reads.Load(), rewriting.Load(), chunkRereads.Load()-rereads, rewrites.Load(), seen[1].Load(), seen[2].Load())
			if rewrites.Load() < 20 || reads.Load() < 20 || seen[1].Load() == 0 || seen[2].Load() == 0 {
				t.Fatalf("the race did not happen: %d rewrites, %d reads, generations seen %d and %d",
					rewrites.Load(), reads.Load(), seen[1].Load(), seen[2].Load())
			}
			if rewriting.Load()*4 > reads.Load() {
				t.Fatalf("%d of %d reads gave up (ErrRewriting): the re-reads do not work", rewriting.Load(), reads.Load())
			}
		})
	}
}

// TestStablyCorruptChunkIsErrCorrupt: a chunk file that stays cut short, empty or overwritten
// with other bytes is still ErrCorrupt (not ErrRewriting), naming the chunk, the dataset and the
// key, for dense, sparse and ranged reads, uncached, cached and from ReadChunk, within the
// short wait that tells it from a chunk being rewritten; and it is not cached.
func TestStablyCorruptChunkIsErrCorrupt(t *testing.T) {
	ctx := context.Background()
	dims := []int{20, 4000}
	for _, flt := range []string{`["shuffle","gzip"]`, `["shuffle","lz4"]`, `[]`} {
		for _, damage := range []string{"cut short", "empty", "other bytes"} {
			t.Run(flt+" "+damage, func(t *testing.T) {
				dir, _, f := newPosixFile(t, "/c.h5")
				d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_IEEE_F64LE"`),
					Dims: dims, ChunkDims: []int{10, 4000}, ExactChunks: true, Filters: json.RawMessage(flt)})
				if err != nil {
					t.Fatal(err)
				}
				if err := d.Write(ctx, selection.All(dims), rewriteGen(1, dims[0]*dims[1]), 0); err != nil {
					t.Fatal(err)
				}
				key := d.ChunkKey([]int{0, 0})
				path := filepath.Join(dir, "b", filepath.FromSlash(key))
				raw, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				switch damage {
				case "cut short":
					raw = raw[:len(raw)/2]
				case "empty":
					raw = nil
				default:
					for i := range raw {
						raw[i] = byte(i*7 + 3)
					}
					if flt == `[]` {
						// A raw chunk of other bytes is other values: make it too long (read
						// whole; a ranged read reads only the bytes it needs).
						raw = append(raw, 1)
					}
				}
				if err := rewriteInPlace(path, raw, 1); err != nil {
					t.Fatal(err)
				}
				cache := NewChunkCache(64 << 20)
				for _, mode := range []string{"uncached", "cached"} {
					d.SetChunkCache(nil)
					if mode == "cached" {
						d.SetChunkCache(cache)
					}
					for _, s := range []string{"[:,:]", "[:,7]", "[2:4,10:20]"} {
						if flt == `[]` && damage == "other bytes" && s != "[:,:]" {
							continue // read by ranges: only the bytes needed, which are values
						}
						sel, _ := selection.Parse(s, dims)
						start := time.Now()
						_, _, err := d.Read(ctx, sel, 2)
						checkCorrupt(t, fmt.Sprintf("%s %s", mode, s), err, d, key)
						if el := time.Since(start); el > 2*time.Second {
							t.Errorf("%s %s: the corrupt chunk took %v to report", mode, s, el)
						}
					}
				}
				cache.WaitFills()
				if _, _, ok := cache.lookup("b/" + key); ok {
					t.Errorf("the corrupt chunk was cached")
				}
				_, _, err = d.ReadChunk(ctx, []int{0, 0}, nil)
				checkCorrupt(t, "ReadChunk", err, d, key)
			})
		}
	}
}

func checkCorrupt(t *testing.T, what string, err error, d *Dataset, key string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: the corrupt chunk read without an error", what)
	case !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrRewriting):
		t.Errorf("%s: %v, want ErrCorrupt", what, err)
	case !strings.Contains(err.Error(), "corrupt chunk 0_0 of dataset "+d.ID+", key "+key):
		t.Errorf("%s: %q does not name the chunk, dataset and key", what, err)
	}
}

// alwaysChanging is a POSIX store whose chunk reads always find the object changed during the
// read (a chunk rewritten without end).
type alwaysChanging struct {
	*store.Posix
	reads atomic.Int64
}

func (a *alwaysChanging) GetVersion(ctx context.Context, bucket, key string) ([]byte, string, error) {
	a.reads.Add(1)
	return nil, "", fmt.Errorf("get %s/%s: %w", bucket, key, store.ErrChanged)
}

// TestChunkAlwaysChangingIsErrRewriting: a chunk that changes during every read is
// ErrRewriting after rewriteReads reads, naming the chunk, dataset and key, not ErrCorrupt, and
// a cancelled context stops the re-reads.
func TestChunkAlwaysChangingIsErrRewriting(t *testing.T) {
	ctx := context.Background()
	_, st, f := newPosixFile(t, "/a.h5")
	d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_IEEE_F64LE"`),
		Dims: []int{10, 10}, ChunkDims: []int{10, 10}, Filters: json.RawMessage(`["shuffle","gzip"]`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Write(ctx, selection.All([]int{10, 10}), rewriteGen(1, 100), 0); err != nil {
		t.Fatal(err)
	}
	ac := &alwaysChanging{Posix: st.(*store.Posix)}
	af, err := Open(ctx, ac, "b", "/a.h5")
	if err != nil {
		t.Fatal(err)
	}
	ad, err := af.Dataset(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, cache := range []*ChunkCache{nil, NewChunkCache(1 << 20)} {
		ad.SetChunkCache(cache)
		ac.reads.Store(0)
		_, _, err := ad.Read(ctx, selection.All([]int{10, 10}), 1)
		want := fmt.Sprintf("chunk 0_0 of dataset %s, key %s: being rewritten (it changed during each of %d reads)", d.ID, d.ChunkKey([]int{0, 0}), rewriteReads)
		if !errors.Is(err, ErrRewriting) || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), want) {
			t.Fatalf("cache %v: %v, want ErrRewriting: %s", cache != nil, err, want)
		}
		if n := ac.reads.Load(); n != rewriteReads {
			t.Fatalf("%d reads, want %d", n, rewriteReads)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := ad.Read(cctx, selection.All([]int{10, 10}), 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v, want context.Canceled", err)
	}
}

// TestMetadataRaceInPlaceRewrites: while the domain's JSON and a dataset's JSON are rewritten in
// place over and over (as HSDS rewrites them: truncate, then write in pieces), opening the
// domain and the dataset never fails (no 404 for an object caught empty, no JSON error for
// one cut short); a domain JSON that stays empty is still not found, one that stays cut short
// still an error naming it.
func TestMetadataRaceInPlaceRewrites(t *testing.T) {
	ctx := context.Background()
	dir, st, f := newPosixFile(t, "/m.h5")
	d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_IEEE_F64LE"`),
		Dims: []int{10}, ChunkDims: []int{10}})
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{filepath.Join(dir, "b", "m.h5", ".domain.json"), ""}
	if err := filepath.WalkDir(filepath.Join(dir, "b"), func(p string, e os.DirEntry, err error) error {
		if err == nil && e.Name() == ".dataset.json" {
			paths[1] = p
		}
		return err
	}); err != nil || paths[1] == "" {
		t.Fatalf("%v: %v", paths, err)
	}
	var contents [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		contents = append(contents, b)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; !stop.Load(); i++ {
			for k, p := range paths {
				if err := rewriteInPlace(p, contents[k], 1+i%3); err != nil {
					t.Error(err)
					return
				}
			}
			time.Sleep(100 * time.Microsecond)
		}
	})
	deadline := time.Now().Add(time.Second)
	reads, rewriting := 0, 0
	for ; time.Now().Before(deadline) && !t.Failed(); reads++ {
		of, err := Open(ctx, st, "b", "/m.h5")
		if err == nil {
			_, err = of.Dataset(ctx, d.ID)
		}
		if errors.Is(err, ErrRewriting) {
			rewriting++
		} else if err != nil {
			t.Errorf("open: %v", err)
			break
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d opens of the domain and the dataset, %d ErrRewriting", reads, rewriting)
	if reads < 20 || rewriting*4 > reads {
		t.Fatalf("%d opens, %d ErrRewriting", reads, rewriting)
	}
	for _, c := range []struct {
		content []byte
		want    error
		text    string
	}{{nil, ErrNotFound, "domain /m.h5"}, {contents[0][:len(contents[0])/2], nil, "domain /m.h5 ("}} {
		if err := os.WriteFile(paths[0], c.content, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(ctx, st, "b", "/m.h5")
		if err == nil || c.want != nil && !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("domain JSON of %d bytes: %v, want %v naming %q", len(c.content), err, c.want, c.text)
		}
	}
}
