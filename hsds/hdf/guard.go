package hdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// Writes that stay consistent with resizes and deletes (issue 9, classes 4 and 7).
//
// A value write validates its selection against the shape it read, then updates chunks; a
// resize or a DELETE of the dataset may land in between, on this server or another one sharing
// the store. Two rules keep every interleaving consistent without a lock across objects:
//
//   - A write is bracketed by reads of the dataset JSON: its ETag before (with the shape, which
//     must still be the one the selection was checked against) and after the chunk updates.
//     When it changed (a resize, possibly a shrink followed by an extension), the chunk updates
//     are done again against the current JSON, so the write takes effect after the resize; when
//     the shape now differs, the write fails with ErrResized (transient: 503 with Retry-After).
//     When the JSON is gone (the dataset was deleted), the chunks written are deleted again, so
//     none is left behind without its dataset, and the write fails with ErrNotFound.
//   - Growing a dataset (Resize, Extend) first resets to the fill value whatever lies beyond the
//     old extent in the chunks the new extent exposes (clearBeyond), before the new shape is
//     published: data a slow write left beyond a shrunk extent never reappears.
//
// Datasets without maxdims cannot be resized and skip the first read.

// ErrResized reports a write that raced a resize of its dataset and could not be applied to the
// shape its selection was checked against. It is transient: retry the request.
var ErrResized = errors.New("dataset resized during the write")

// guardAttempts bounds how often a write is redone because the dataset JSON changed under it.
const guardAttempts = 8

// guard runs write (which updates the chunks listed by touched) bracketed by reads of the
// dataset JSON, as described above.
func (d *Dataset) guard(ctx context.Context, touched func() [][]int, write func(context.Context) error) error {
	key, err := schema.ObjectKey(d.ID)
	if err != nil {
		return fmt.Errorf("write dataset %s: %w", d.ID, err)
	}
	resizable := len(d.Obj.Shape.MaxDims) > 0
	for range guardAttempts {
		var before string
		if resizable {
			raw, info, err := d.st.Get(ctx, d.bucket, key)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("dataset %s: %w", d.ID, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("read dataset %s: %w", d.ID, err)
			}
			var cur schema.Dataset
			if err := decodeStored(d.ID, key, raw, &cur); err != nil {
				return err
			}
			if !slices.Equal(cur.Shape.Dims, d.Obj.Shape.Dims) {
				return fmt.Errorf("write dataset %s: shape %v is now %v: %w", d.ID, d.Obj.Shape.Dims, cur.Shape.Dims, ErrResized)
			}
			before = info.ETag
		}
		if err := write(ctx); err != nil {
			return err
		}
		info, err := d.st.Stat(ctx, d.bucket, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return d.dropChunks(ctx, touched())
		case err != nil:
			return fmt.Errorf("read dataset %s: %w", d.ID, err)
		case !resizable || info.ETag == before:
			return nil
		}
	}
	return fmt.Errorf("write dataset %s: changed during %d attempts: %w", d.ID, guardAttempts, ErrResized)
}

// dropChunks deletes the chunks a write made after its dataset was deleted, and reports the
// dataset as not found.
func (d *Dataset) dropChunks(ctx context.Context, chunks [][]int) error {
	for _, index := range chunks {
		key := d.ChunkKey(index)
		if err := d.st.Delete(ctx, d.bucket, key); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("dataset %s deleted during a write: remove chunk %s: %w", d.ID, key, err)
		}
	}
	return fmt.Errorf("dataset %s (deleted during the write): %w", d.ID, ErrNotFound)
}

// WriteGuarded runs write, a set of UpdateChunk calls on the chunks listed by touched, with the
// consistency rules of Write against concurrent resizes and deletes (see ErrResized).
func (d *Dataset) WriteGuarded(ctx context.Context, touched func() [][]int, write func(context.Context) error) error {
	return d.guard(ctx, touched, write)
}

// errChunkClean aborts an UpdateChunk that has nothing to change.
var errChunkClean = errors.New("chunk clean")

// errShapeMoved aborts a growth whose dataset JSON changed while it cleared chunks: it is
// retried from the current JSON (see clearBeyond).
var errShapeMoved = errors.New("dataset JSON changed while clearing chunks")

// growAttempts bounds the retries of a growth after errShapeMoved.
const growAttempts = 16

// retryGrowth runs a resize or extension (one store.Update of the dataset JSON) again while it
// fails with errShapeMoved.
func retryGrowth(dsetID string, update func() error) error {
	for range growAttempts {
		if err := update(); !errors.Is(err, errShapeMoved) {
			return err
		}
	}
	return fmt.Errorf("resize %s: %w after %d attempts: %w", dsetID, errShapeMoved, growAttempts, store.ErrContended)
}

// clearBeyond prepares the growth of dataset old (stored as oldJSON) to dims: in every
// stored chunk that reaches beyond the old extent, the elements beyond it are reset to the fill
// value. Chunks already clean are not rewritten. Each reset is a conditional chunk update that
// first checks that the dataset JSON still has etag: a writer that validated against a newer
// shape either updates the chunk after the reset, or makes the reset's conditional put fail and
// the check then aborts the growth with errShapeMoved. Either way no write is lost.
// Chunks that do not exist are not created.
func (f *File) clearBeyond(ctx context.Context, old *schema.Dataset, dims []int, oldJSON []byte) error {
	grows := -1
	for i, n := range dims {
		if n > old.Shape.Dims[i] {
			if grows >= 0 {
				grows = len(dims) // several dimensions grow
			} else {
				grows = i
			}
		}
	}
	if grows < 0 {
		return nil
	}
	d, err := OpenDataset(f.st, f.bucket, old)
	if err != nil || d.ref != nil || len(d.Dims) == 0 {
		return err
	}
	jsonKey, err := schema.ObjectKey(old.ID)
	if err != nil {
		return err
	}
	oldDims := old.Shape.Dims
	etag := "" // read when a first chunk needs clearing
	var keys []string
	collect := func(prefix string) error {
		return f.st.List(ctx, f.bucket, prefix, "", func(e store.Entry) error {
			if !e.IsPrefix {
				keys = append(keys, e.Key)
			}
			return nil
		})
	}
	base := schema.DatasetPrefix(old.ID)
	lo, hi := 0, 0
	if grows == 0 && d.partitions < 2 {
		lo, hi = oldDims[0]/d.ChunkDims[0], (dims[0]+d.ChunkDims[0]-1)/d.ChunkDims[0]
	}
	if hi > lo && hi-lo <= 64 {
		// Only the first dimension grows: list the chunk rows it exposes.
		for c := lo; c < hi; c++ {
			p := base + fmt.Sprint(c)
			if len(dims) > 1 {
				p += "_"
			}
			if err := collect(p); err != nil {
				return fmt.Errorf("list chunks of %s: %w", old.ID, err)
			}
		}
	} else if err := collect(base); err != nil {
		return fmt.Errorf("list chunks of %s: %w", old.ID, err)
	}
	for _, k := range keys {
		_, index, _, err := schema.ParseChunkKey(k)
		if err != nil || len(index) != len(dims) || d.ChunkKey(index) != k {
			continue // .dataset.json, foreign keys, a longer index sharing the prefix
		}
		beyond := false
		for i, c := range index {
			if (c+1)*d.ChunkDims[i] > oldDims[i] {
				beyond = true
			}
		}
		if !beyond {
			continue
		}
		err = d.updateChunk(ctx, index, func(chunk []byte) error {
			before := slices.Clone(chunk)
			if err := resetOutside(chunk, d, index, oldDims); err != nil {
				return err
			}
			if slices.Equal(before, chunk) {
				return errChunkClean
			}
			if etag == "" {
				// The store's ETag of the JSON the growth started from (not always an MD5).
				raw, info, err := f.st.Get(ctx, f.bucket, jsonKey)
				if err != nil {
					return fmt.Errorf("read dataset %s: %w", old.ID, err)
				}
				if !bytes.Equal(raw, oldJSON) {
					return errShapeMoved
				}
				etag = info.ETag
				return nil
			}
			info, err := f.st.Stat(ctx, f.bucket, jsonKey)
			if err != nil {
				return fmt.Errorf("stat dataset %s: %w", old.ID, err)
			}
			if store.NormalizeETag(info.ETag) != store.NormalizeETag(etag) {
				return errShapeMoved
			}
			return nil
		})
		if err != nil && !errors.Is(err, errChunkClean) {
			return err
		}
	}
	return nil
}
