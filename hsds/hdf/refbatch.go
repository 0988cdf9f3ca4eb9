package hdf

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/hsfan/hsfan/hsds/store"
)

// Coalescing bounds of FetchChunks: byte ranges of one file at most DefaultCoalesceGap apart are
// fetched with one GetRange, as long as it spans at most DefaultCoalesceMax bytes. A gap of 64 KiB
// costs far less on S3 than a request (about 10-20 ms of first-byte latency each).
const (
	DefaultCoalesceGap = 64 << 10
	DefaultCoalesceMax = 16 << 20
)

// CoalesceOptions bound the ranges FetchChunks joins; zero fields take the defaults, a negative
// MaxGap turns coalescing off.
type CoalesceOptions struct {
	// MaxGap is the largest gap in bytes between two ranges fetched together.
	MaxGap int64
	// MaxBytes is the largest span in bytes of one joined fetch.
	MaxBytes int64
}

// FetchChunks returns the stored bytes of the chunks at indexes, as FetchChunk would one by one
// (raw[i] nil and rd[i].Exists false for a chunk never written). For reference layouts
// (H5D_CONTIGUOUS_REF, H5D_CHUNKED_REF, H5D_CHUNKED_REF_INDIRECT) the chunks' byte ranges in one
// file that are within opt.MaxGap of each other are fetched with one GetRange spanning at most
// opt.MaxBytes and split; other layouts fetch chunk by chunk. The raw slices of a joined fetch
// share its buffer: callers must not append to them.
func (d *Dataset) FetchChunks(ctx context.Context, indexes [][]int, opt CoalesceOptions) ([][]byte, []ChunkRead, error) {
	raws := make([][]byte, len(indexes))
	rds := make([]ChunkRead, len(indexes))
	if d.ref == nil || opt.MaxGap < 0 || len(indexes) < 2 {
		for i, index := range indexes {
			raw, rd, err := d.FetchChunk(ctx, index)
			if err != nil {
				return nil, nil, err
			}
			raws[i], rds[i] = raw, rd
		}
		return raws, rds, nil
	}
	if opt.MaxGap == 0 {
		opt.MaxGap = DefaultCoalesceGap
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultCoalesceMax
	}
	type loc struct {
		i      int
		uri    string
		off, n int64
	}
	var locs []loc
	for i, index := range indexes {
		if err := d.checkIndex(index); err != nil {
			return nil, nil, err
		}
		uri, off, n, err := d.refLocation(ctx, index)
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue // never written: fill
		case err != nil:
			return nil, nil, err
		}
		locs = append(locs, loc{i, uri, off, n})
	}
	slices.SortFunc(locs, func(a, b loc) int {
		return cmp.Or(cmp.Compare(a.uri, b.uri), cmp.Compare(a.off, b.off), cmp.Compare(a.n, b.n))
	})
	for start := 0; start < len(locs); {
		first := locs[start]
		end := first.off + first.n
		stop := start + 1
		for ; stop < len(locs); stop++ {
			next := locs[stop]
			nend := max(end, next.off+next.n)
			if next.uri != first.uri || next.off-end > opt.MaxGap || nend-first.off > opt.MaxBytes {
				break
			}
			end = nend
		}
		if stop == start+1 {
			b, err := d.readRange(ctx, first.uri, first.off, first.n)
			if err != nil {
				return nil, nil, err
			}
			raws[first.i], rds[first.i] = b, ChunkRead{Exists: true, StoredBytes: int64(len(b))}
			start = stop
			continue
		}
		b, err := d.readRange(ctx, first.uri, first.off, end-first.off)
		if err != nil {
			return nil, nil, err
		}
		for _, l := range locs[start:stop] {
			lo := l.off - first.off
			hi := min(lo+l.n, int64(len(b)))
			if lo > hi {
				// Past the end of the file: what a lone GetRange answers there (nothing).
				lo = hi
			}
			raws[l.i] = b[lo:hi:hi]
			rds[l.i] = ChunkRead{Exists: true, StoredBytes: hi - lo}
		}
		start = stop
	}
	return raws, rds, nil
}
