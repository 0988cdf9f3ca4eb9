package hdf

import (
	"cmp"
	"slices"
	"sync"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
)

// Sparse reads and deferred cache fills.
//
// A read that needs a small part of a chunk (at most 1/sparseFraction of its elements, such as
// the time series [:, y, x] of a cube chunked (25, 160, 160), which needs 25 of 640,000) does not
// decode the chunk into memory of its own on the request's path: it decodes into a recycled
// buffer (no first touch of fresh pages, which costs as much as inflating highly compressible
// data), keeps a byte-shuffled chunk in its shuffled layout (codec.Pipeline.DecodePlanes: no
// unshuffle pass over the whole chunk; selection.CopyOutPlanes gathers the few elements), and
// hands the stored bytes to the chunk cache, which decodes and keeps the chunk after the read
// has returned (ChunkCache.fillLater). The next read of the chunk finds it cached, validated
// against the stored version as every cached chunk is. Reads that need more of a chunk decode
// it once, into the memory the cache keeps.

// sparseFraction: a read is sparse in a chunk when it needs at most 1/sparseFraction of the
// chunk's elements (the ranged reads of uncompressed chunks use the same bound).
const sparseFraction = rangedFraction

// sparseNeed returns, when sel needs at most 1/sparseFraction of the elements of the chunk at
// index, the need function of codec.Pipeline.DecodePlanes: whether the byte range [start, end)
// of the decoded chunk holds an element sel selects. It returns nil for other reads, for scalar
// datasets and for contiguous data inside a referenced file (read raw); chunks inside referenced
// files (H5D_CHUNKED_REF, _INDIRECT: an HDF5 file's shuffle + deflate chunks are zlib streams of
// byte-shuffled data) are read sparsely too, but never cached. The byte ranges are gathered on the first
// call, so a read that never asks (the chunk comes from the cache, or is a zlib stream or raw
// bytes, decoded whole) does not pay for them (BenchmarkSparseCachedRead: a step selection just
// under the bound took 20x as long as one just over it from the cache when they were gathered
// up front). The function is not safe for concurrent use (one chunk's decode calls it).
func (d *Dataset) sparseNeed(sel *selection.Selection, index []int) func(start, end int) bool {
	if len(d.Dims) == 0 || d.ItemSize <= 0 || (d.ref != nil && d.ref.Class == schema.LayoutContiguousRef) {
		return nil
	}
	b, ok := sel.Block(index, d.ChunkDims)
	if !ok || b.Count()*sparseFraction > int64(d.chunkBytes/d.ItemSize) {
		return nil
	}
	is := int64(d.ItemSize)
	var merged [][2]int64 // byte ranges of selected elements, sorted and merged; nil: not gathered yet
	gather := func() {
		spans := make([][2]int64, 0, 16)
		sorted := true
		add := func(lo, hi int64) {
			if n := len(spans); n > 0 {
				last := &spans[n-1]
				if lo >= last[0] && lo <= last[1] { // in order and touching: merge now
					last[1] = max(last[1], hi)
					return
				}
				sorted = sorted && lo > last[1]
			}
			spans = append(spans, [2]int64{lo, hi})
		}
		for r := range b.Runs() {
			if r.ChunkStride == 1 {
				add(r.ChunkOffset*is, (r.ChunkOffset+int64(r.Count))*is)
				continue
			}
			for k := range int64(r.Count) {
				o := (r.ChunkOffset + k*r.ChunkStride) * is
				add(o, o+is)
			}
		}
		if !sorted {
			slices.SortFunc(spans, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
			out := spans[:1]
			for _, s := range spans[1:] {
				if n := len(out); s[0] <= out[n-1][1] {
					out[n-1][1] = max(out[n-1][1], s[1])
					continue
				}
				out = append(out, s)
			}
			spans = out
		}
		merged = spans
	}
	return func(start, end int) bool {
		if merged == nil {
			gather()
		}
		i, _ := slices.BinarySearchFunc(merged, int64(start), func(s [2]int64, t int64) int {
			if s[1] <= t {
				return -1
			}
			return 1
		})
		return i < len(merged) && merged[i][0] < int64(end)
	}
}

// pendingFill is a chunk a sparse read decoded into a recycled buffer: its stored bytes and the
// version they are, to be decoded into the cache later.
type pendingFill struct {
	d            *Dataset
	index        []int
	key, version string
	raw          []byte
}

// fillList collects the pending fills of one Read (its chunks are read concurrently). A fill's
// stored bytes are reserved in the cache's bound on waiting fills when it is added (add), so
// that a read touching thousands of chunks does not hold every stored chunk until it returns:
// beyond the bound a fill is dropped at once. fillLater hands the reserved fills to the cache.
type fillList struct {
	mu    sync.Mutex
	fills []pendingFill
}

// add reserves f's stored bytes in c and keeps f, or drops it when c would not take it.
func (l *fillList) add(c *ChunkCache, f pendingFill) {
	if !c.reserveFill(f) {
		return
	}
	l.mu.Lock()
	l.fills = append(l.fills, f)
	l.mu.Unlock()
}

// reserveFill counts f's stored bytes as waiting and reports true, or reports false when f's
// chunk is larger than a quarter of the cache (put would not keep it) or the stored bytes
// waiting would exceed a quarter of the cache.
func (c *ChunkCache) reserveFill(f pendingFill) bool {
	if c == nil {
		return false
	}
	n := int64(len(f.raw))
	c.fmu.Lock()
	defer c.fmu.Unlock()
	if int64(f.d.chunkBytes) > c.max/4 || c.queued+n > c.max/4 {
		return false
	}
	c.queued += n
	return true
}

// fillLater queues fills (reserved by fillList.add) to be decoded into the cache by one
// background goroutine (started when none runs, ending when the queue is empty). The stored
// bytes reserved or waiting are bounded by a quarter of the cache's size; fills beyond it, and
// chunks the cache would not keep (larger than a quarter of it), were dropped by add: a later
// read decodes them again. Nothing is ever served from a fill before the read path validates
// its version (see ChunkCache).
func (c *ChunkCache) fillLater(fills []pendingFill) {
	if c == nil || len(fills) == 0 {
		return
	}
	c.fmu.Lock()
	defer c.fmu.Unlock()
	c.queue = append(c.queue, fills...)
	if !c.filling {
		c.filling = true
		go c.runFills()
	}
}

// runFills decodes queued fills into the cache until the queue is empty.
func (c *ChunkCache) runFills() {
	for {
		c.fmu.Lock()
		if len(c.queue) == 0 {
			c.filling = false
			c.fdone.Broadcast()
			c.fmu.Unlock()
			return
		}
		f := c.queue[0]
		c.queue[0] = pendingFill{}
		c.queue = c.queue[1:]
		c.queued -= int64(len(f.raw))
		c.fmu.Unlock()
		if c.has(f.key, f.version) {
			continue // another read cached it meanwhile
		}
		// The read that queued it decoded only the blosc blocks it needed: a corrupt block it
		// skipped fails here, and only means the chunk is not cached (the next read that needs
		// the block reports the corruption, ErrCorrupt, as every read of it did before).
		if out, err := f.d.DecodeChunk(f.index, f.raw, true, nil); err == nil {
			c.put(f.key, f.version, out)
		}
	}
}

// has reports whether the cache holds key at version (without touching its recency).
func (c *ChunkCache) has(key, version string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[key]
	return ok && el.Value.(*cacheEntry).version == version
}

// WaitFills waits until the chunks queued by sparse reads are decoded into the cache (or
// dropped). Tests use it (nothing else needs to: a fill touches memory only), also while reads
// still run and queue fills (a sync.WaitGroup would not allow that: Add from zero concurrent
// with Wait); reads never wait for fills.
func (c *ChunkCache) WaitFills() {
	if c == nil {
		return
	}
	c.fmu.Lock()
	defer c.fmu.Unlock()
	for c.filling {
		c.fdone.Wait()
	}
}
