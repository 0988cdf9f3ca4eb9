package hdf

import (
	"context"
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/hsfan/hsfan/hsds/selection"
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
	err := d.forChunks(ctx, sel, concurrency, func(ctx context.Context, index []int) error {
		chunk, rd, err := d.ReadChunk(ctx, index, nil)
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
		return selection.CopyOut(out, sel, chunk, index, d.ChunkDims, d.ItemSize)
	})
	if err != nil {
		return nil, st, err
	}
	return out, st, nil
}

// Write stores data (the values of sel in C order) with a conditional read-modify-write of every
// chunk the selection touches. A write racing a resize of the dataset is redone after it or fails
// with ErrResized; one racing a delete of the dataset removes what it wrote and fails with
// ErrNotFound (see guard.go).
func (d *Dataset) Write(ctx context.Context, sel *selection.Selection, data []byte, concurrency int) error {
	if n := sel.Count(); n > int64(len(data)) || n*int64(d.ItemSize) != int64(len(data)) {
		return fmt.Errorf("dataset %s: write of %d bytes to selection %s of %d elements of %d bytes", d.ID, len(data), sel, n, d.ItemSize)
	}
	touched := func() [][]int {
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
	return d.guard(ctx, touched, func(ctx context.Context) error {
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
	if n := sel.Count(); n > int64(len(data)) || n*int64(d.ItemSize) != int64(len(data)) {
		return fmt.Errorf("dataset %s: write of %d bytes to selection %s of %d elements of %d bytes", d.ID, len(data), sel, n, d.ItemSize)
	}
	keep := keepSpans(spans, d.ItemSize)
	touched := func() [][]int {
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
	return d.guard(ctx, touched, func(ctx context.Context) error {
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
