package hdf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// DefaultReadConcurrency bounds the parallel chunk fetches of one Read or Write.
const DefaultReadConcurrency = 16

// IOStats counts the work of a Read or Write.
type IOStats struct {
	Chunks      int64 // chunks touched
	Allocated   int64 // chunks that existed in the store
	StoredBytes int64 // bytes fetched from the store
}

// Read returns the values of sel in C order (len = sel.Count() * ItemSize). Chunks are fetched
// in parallel, at most concurrency at a time (DefaultReadConcurrency when <= 0); missing chunks
// read as the fill value.
func (d *Dataset) Read(ctx context.Context, sel *selection.Selection, concurrency int) ([]byte, IOStats, error) {
	var st IOStats
	n := sel.Count()
	if n > int64(maxReadBytes)/int64(d.ItemSize) {
		return nil, st, fmt.Errorf("dataset %s: selection %s has %d elements of %d bytes, more than %d bytes: %w", d.ID, sel, n, d.ItemSize, maxReadBytes, ErrTooLarge)
	}
	out := make([]byte, n*int64(d.ItemSize))
	if n == 0 {
		return out, st, nil
	}
	rr, ranged := d.st.(store.RangesReader)
	ranged = ranged && d.ref == nil && d.Pipeline.Compressor == "" && d.Pipeline.Shuffle == 0 && len(d.Dims) > 0
	var fills fillList // chunks of sparse reads to cache after the read
	err := d.forChunks(ctx, sel, concurrency, func(ctx context.Context, index []int) error {
		if ranged {
			done, stored, err := d.readRanges(ctx, rr, sel, index, out)
			if err != nil {
				return err
			}
			if done {
				atomic.AddInt64(&st.Chunks, 1)
				if stored > 0 {
					atomic.AddInt64(&st.Allocated, 1)
					atomic.AddInt64(&st.StoredBytes, stored)
				}
				return nil
			}
		}
		var buf *[]byte
		need := d.sparseNeed(sel, index)
		if d.cache == nil || d.ref != nil || need != nil {
			// Not kept after the copy out: decoded into a recycled buffer (no allocation, no
			// first touch of fresh memory per chunk); a cached dataset's sparse reads queue
			// the chunk for the cache (chunkfill.go).
			buf = getChunkBuf(d.chunkBytes)
			defer putChunkBuf(buf)
		}
		chunk, planes, rd, err := d.readChunkCached(ctx, index, buf, need, &fills)
		if err != nil {
			return err
		}
		atomic.AddInt64(&st.Chunks, 1)
		if rd.Exists {
			atomic.AddInt64(&st.Allocated, 1)
			atomic.AddInt64(&st.StoredBytes, rd.StoredBytes)
		}
		if len(d.Dims) == 0 {
			copy(out, chunk[:d.ItemSize])
			return nil
		}
		if planes {
			return selection.CopyOutPlanes(out, sel, chunk, index, d.ChunkDims, d.ItemSize)
		}
		return selection.CopyOut(out, sel, chunk, index, d.ChunkDims, d.ItemSize)
	})
	d.cache.fillLater(fills.fills)
	if err != nil {
		return nil, st, err
	}
	return out, st, nil
}

// Ranged reads of uncompressed chunks: when a selection needs at most 1/rangedFraction of a
// stored (unfiltered) chunk in at most maxRanges pieces, only those bytes are read.
const (
	rangedFraction = 8
	maxRanges      = 4096
)

// readRanges copies the elements of sel in the uncompressed chunk at index into out, reading
// only their bytes (store.RangesReader). It reports done=false (and reads nothing) when the
// selection needs too much of the chunk or too many pieces, or when the stored chunk is not
// a whole raw chunk; the caller then reads the whole chunk. stored is the bytes read (0 for a
// chunk that does not exist, which reads as the fill value).
func (d *Dataset) readRanges(ctx context.Context, rr store.RangesReader, sel *selection.Selection, index []int, out []byte) (done bool, stored int64, err error) {
	b, ok := sel.Block(index, d.ChunkDims)
	if !ok {
		return true, 0, nil
	}
	is := int64(d.ItemSize)
	if b.Count()*rangedFraction > int64(d.chunkBytes)/is {
		return false, 0, nil
	}
	type piece struct{ out, n int64 } // output byte offset, bytes
	var ranges []store.Range
	var pieces []piece
	var total int64
	for r := range b.Runs() {
		if r.ChunkStride == 1 && r.OutStride == 1 {
			n := int64(r.Count) * is
			ranges = append(ranges, store.Range{Off: r.ChunkOffset * is, Len: n})
			pieces = append(pieces, piece{r.OutOffset * is, n})
			total += n
		} else {
			for k := range int64(r.Count) {
				ranges = append(ranges, store.Range{Off: (r.ChunkOffset + k*r.ChunkStride) * is, Len: is})
				pieces = append(pieces, piece{(r.OutOffset + k*r.OutStride) * is, is})
				total += is
			}
		}
		if len(ranges) > maxRanges {
			return false, 0, nil
		}
	}
	// The last byte of the chunk is read too when no range reaches it: a stored chunk shorter
	// than a whole raw chunk (one being rewritten in place, or a corrupt one) is then
	// io.ErrUnexpectedEOF and read whole, never answered from the bytes present.
	var end int64
	for _, r := range ranges {
		end = max(end, r.Off+r.Len)
	}
	read := total
	if end < int64(d.chunkBytes) {
		ranges = append(ranges, store.Range{Off: int64(d.chunkBytes) - 1, Len: 1})
		read++
	}
	buf := make([]byte, read)
	err = rr.ReadRanges(ctx, d.bucket, d.ChunkKey(index), ranges, buf)
	switch {
	case errors.Is(err, store.ErrNotFound):
		chunk := make([]byte, d.chunkBytes)
		d.fillChunk(index, chunk)
		return true, 0, selection.CopyOut(out, sel, chunk, index, d.ChunkDims, d.ItemSize)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, store.ErrChanged):
		// Not a whole raw chunk, or rewritten during the read: the whole read reports what
		// it is, reading it again while it changes (readStable).
		return false, 0, nil
	case err != nil:
		return false, 0, fmt.Errorf("read chunk %s: %w", d.ChunkKey(index), err)
	}
	var o int64
	for _, p := range pieces {
		copy(out[p.out:p.out+p.n], buf[o:o+p.n])
		o += p.n
	}
	return true, total, nil
}

// Write stores data (the values of sel in C order) with a conditional read-modify-write of every
// chunk the selection touches. A write racing a resize of the dataset is redone after it or fails
// with ErrResized; one racing a delete of the dataset removes what it wrote and fails with
// ErrNotFound (see guard.go).
func (d *Dataset) Write(ctx context.Context, sel *selection.Selection, data []byte, concurrency int) error {
	if err := d.checkWriteSize(sel, data); err != nil {
		return err
	}
	return d.guard(ctx, d.touchedChunks(sel), func(ctx context.Context) error {
		return d.forChunks(ctx, sel, concurrency, func(ctx context.Context, index []int) error {
			return d.UpdateChunk(ctx, index, func(chunk []byte) error {
				if len(d.Dims) == 0 {
					copy(chunk, data[:d.ItemSize])
					return nil
				}
				return selection.CopyIn(chunk, sel, data, index, d.ChunkDims, d.ItemSize)
			})
		})
	})
}

// ByteSpan is a byte range [Off, Off+Len) within one element.
type ByteSpan struct{ Off, Len int }

// WriteSpans is Write for a part of every element (the fields of a compound given by the REST
// fields= parameter, HSDS chunk_dn.py PUT_Chunk with select_dtype): data holds whole elements of
// sel in C order, of which only the bytes in spans are stored; the other bytes of each element
// keep their stored value. Each chunk is updated in one conditional read-modify-write, so a
// concurrent write of other fields is never lost.
func (d *Dataset) WriteSpans(ctx context.Context, sel *selection.Selection, data []byte, spans []ByteSpan, concurrency int) error {
	if err := d.checkWriteSize(sel, data); err != nil {
		return err
	}
	keep := keepSpans(spans, d.ItemSize)
	return d.guard(ctx, d.touchedChunks(sel), func(ctx context.Context) error {
		return d.forChunks(ctx, sel, concurrency, func(ctx context.Context, index []int) error {
			return d.UpdateChunk(ctx, index, func(chunk []byte) error {
				orig := append([]byte(nil), chunk...)
				if len(d.Dims) == 0 {
					copy(chunk, data[:d.ItemSize])
				} else if err := selection.CopyIn(chunk, sel, data, index, d.ChunkDims, d.ItemSize); err != nil {
					return err
				}
				RestoreSpans(chunk, orig, keep, d.ItemSize)
				return nil
			})
		})
	})
}

// keepSpans returns the byte ranges of an element of itemsize bytes not covered by spans.
func keepSpans(spans []ByteSpan, itemsize int) []ByteSpan {
	set := make([]bool, itemsize)
	for _, s := range spans {
		for i := s.Off; i < s.Off+s.Len && i < itemsize; i++ {
			if i >= 0 {
				set[i] = true
			}
		}
	}
	var out []ByteSpan
	for i := 0; i < itemsize; {
		if set[i] {
			i++
			continue
		}
		j := i
		for j < itemsize && !set[j] {
			j++
		}
		out = append(out, ByteSpan{Off: i, Len: j - i})
		i = j
	}
	return out
}

// RestoreSpans copies the keep ranges of every element of orig back into dst (both whole
// elements of itemsize bytes, of equal length).
func RestoreSpans(dst, orig []byte, keep []ByteSpan, itemsize int) {
	if len(keep) == 0 || itemsize <= 0 {
		return
	}
	for e := 0; e+itemsize <= len(dst) && e+itemsize <= len(orig); e += itemsize {
		for _, k := range keep {
			copy(dst[e+k.Off:e+k.Off+k.Len], orig[e+k.Off:e+k.Off+k.Len])
		}
	}
}

// chunkBufs recycles the decoded-chunk buffers of uncached reads (*[]byte).
var chunkBufs sync.Pool

// getChunkBuf returns a buffer of n bytes (contents undefined) from chunkBufs.
func getChunkBuf(n int) *[]byte {
	if v, ok := chunkBufs.Get().(*[]byte); ok && cap(*v) >= n {
		*v = (*v)[:n]
		return v
	}
	b := make([]byte, n)
	return &b
}

// putChunkBuf gives b back to chunkBufs; buffers beyond maxPooledChunk are left to the GC.
func putChunkBuf(b *[]byte) {
	if cap(*b) <= maxPooledChunk {
		chunkBufs.Put(b)
	}
}

// maxPooledChunk bounds the buffers chunkBufs keeps (HSDS chunks are at most a few MiB).
const maxPooledChunk = 16 << 20

// maxReadBytes bounds a single in-memory Read (HSDS's max_request_size is 100 MiB; the CLI and
// workers read more, page by page, but never more than this at once).
const maxReadBytes = 2 << 30

// ErrTooLarge is returned for selections too large to hold in memory at once.
var ErrTooLarge = fmt.Errorf("selection too large")

// forChunks calls fn for every chunk sel touches, concurrency at a time.
func (d *Dataset) forChunks(ctx context.Context, sel *selection.Selection, concurrency int, fn func(context.Context, []int) error) error {
	if concurrency <= 0 {
		concurrency = DefaultReadConcurrency
	}
	if len(d.Dims) == 0 {
		return fn(ctx, []int{0})
	}
	grid := sel.Grid(d.ChunkDims)
	total := grid.Count()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for k := int64(0); k < total; k++ {
		if gctx.Err() != nil {
			break
		}
		index := grid.ChunkIndex(k, nil)
		g.Go(func() error { return fn(gctx, index) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// checkWriteSize requires data to hold exactly the elements of sel.
func (d *Dataset) checkWriteSize(sel *selection.Selection, data []byte) error {
	if n := sel.Count(); n > int64(len(data)) || n*int64(d.ItemSize) != int64(len(data)) {
		return fmt.Errorf("dataset %s: write of %d bytes to selection %s of %d elements of %d bytes", d.ID, len(data), sel, n, d.ItemSize)
	}
	return nil
}

// touchedChunks returns the function the write guard calls for the chunk indices a write of sel
// touches ([0] for a scalar dataset).
func (d *Dataset) touchedChunks(sel *selection.Selection) func() [][]int {
	return func() [][]int {
		if len(d.Dims) == 0 {
			return [][]int{{0}}
		}
		grid := sel.Grid(d.ChunkDims)
		out := make([][]int, 0, grid.Count())
		for k := range grid.Count() {
			out = append(out, grid.ChunkIndex(k, nil))
		}
		return out
	}
}
