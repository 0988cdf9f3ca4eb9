package hdf

import (
	"context"
	"errors"
	"fmt"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// ErrShape is returned for shape changes the dataset's maxdims do not allow.
var ErrShape = errors.New("invalid shape change")

// Resize changes the extents of an extensible dataset to dims (PUT /datasets/{id}/shape).
// Growing past a finite maxdim fails with ErrShape. Growing first resets to the fill value what
// lies beyond the old extent (see clearBeyond in guard.go). Shrinking deletes the chunks entirely
// outside the new shape and resets the part of edge chunks beyond it to the fill value, as
// HSDS's reduceShape does. It returns the updated dataset JSON.
func (f *File) Resize(ctx context.Context, dsetID string, dims []int) (*schema.Dataset, error) {
	key, err := f.objectKey(ctx, dsetID)
	if err != nil {
		return nil, err
	}
	var before, after schema.Dataset
	err = retryGrowth(dsetID, func() error {
		_, err := store.Update(ctx, f.st, f.bucket, key, func(old []byte, exists bool) ([]byte, error) {
			if !exists || len(old) == 0 {
				return nil, fmt.Errorf("dataset %s: %w", dsetID, ErrNotFound)
			}
			before = schema.Dataset{}
			if err := decodeStored(dsetID, key, old, &before); err != nil {
				return nil, err
			}
			if err := checkResize(before.Shape, dims); err != nil {
				return nil, fmt.Errorf("resize %s: %w", dsetID, err)
			}
			if err := f.clearBeyond(ctx, &before, dims, old); err != nil {
				return nil, fmt.Errorf("resize %s: %w", dsetID, err)
			}
			after = before
			after.Shape.Dims = append([]int(nil), dims...)
			after.LastModified = schema.Now()
			return schema.Marshal(after)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := f.trimChunks(ctx, &before, dims); err != nil {
		return nil, err
	}
	return &after, nil
}

// Extend grows dimension dim of an extensible dataset by n, atomically (concurrent appends each
// get their own region), and returns the updated JSON and the old extent, where the appended
// region starts.
func (f *File) Extend(ctx context.Context, dsetID string, dim, n int) (*schema.Dataset, int, error) {
	key, err := f.objectKey(ctx, dsetID)
	if err != nil {
		return nil, 0, err
	}
	if n <= 0 || n > MaxExtent {
		return nil, 0, fmt.Errorf("extend %s: %w: %d elements", dsetID, ErrShape, n)
	}
	var after schema.Dataset
	start := 0
	err = retryGrowth(dsetID, func() error {
		_, err := store.Update(ctx, f.st, f.bucket, key, func(old []byte, exists bool) ([]byte, error) {
			if !exists || len(old) == 0 {
				return nil, fmt.Errorf("dataset %s: %w", dsetID, ErrNotFound)
			}
			var before schema.Dataset
			if err := decodeStored(dsetID, key, old, &before); err != nil {
				return nil, err
			}
			if dim < 0 || dim >= len(before.Shape.Dims) {
				return nil, fmt.Errorf("extend %s: %w: dimension %d of rank %d", dsetID, ErrShape, dim, len(before.Shape.Dims))
			}
			dims := append([]int(nil), before.Shape.Dims...)
			start = dims[dim]
			if n > MaxExtent-start {
				return nil, fmt.Errorf("extend %s: %w: extent %d + %d is too large", dsetID, ErrShape, start, n)
			}
			dims[dim] += n
			if err := checkResize(before.Shape, dims); err != nil {
				return nil, fmt.Errorf("extend %s: %w", dsetID, err)
			}
			if err := f.clearBeyond(ctx, &before, dims, old); err != nil {
				return nil, fmt.Errorf("extend %s: %w", dsetID, err)
			}
			after = before
			after.Shape.Dims = dims
			after.LastModified = schema.Now()
			return schema.Marshal(after)
		})
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return &after, start, nil
}

// MaxExtent is the largest extent of a dimension (2^53: exact in JSON numbers everywhere).
const MaxExtent = 1 << 53

func checkResize(s schema.Shape, dims []int) error {
	if s.Class != schema.ShapeSimple {
		return fmt.Errorf("%w: %s dataspace cannot be resized", ErrShape, s.Class)
	}
	if len(s.MaxDims) == 0 {
		return fmt.Errorf("%w: dataset is not extensible (no maxdims)", ErrShape)
	}
	if len(dims) != len(s.Dims) {
		return fmt.Errorf("%w: rank of %v differs from %v", ErrShape, dims, s.Dims)
	}
	for i, n := range dims {
		if n < 0 || n > MaxExtent {
			return fmt.Errorf("%w: extent %d out of range in %v", ErrShape, n, dims)
		}
		if m := s.MaxDims[i]; m != 0 && n > m {
			return fmt.Errorf("%w: extent %d of dimension %d exceeds maxdim %d", ErrShape, n, i, m)
		}
	}
	return nil
}

// trimChunks deletes or resets the chunk content outside a shrunk shape.
func (f *File) trimChunks(ctx context.Context, old *schema.Dataset, dims []int) error {
	shrunk := false
	for i, n := range dims {
		if n < old.Shape.Dims[i] {
			shrunk = true
		}
	}
	if !shrunk {
		return nil
	}
	d, err := OpenDataset(f.st, f.bucket, old)
	if err != nil || d.ref != nil {
		return err
	}
	prefix := schema.DatasetPrefix(old.ID)
	var keys []string
	if err := f.st.List(ctx, f.bucket, prefix, "", func(e store.Entry) error {
		if !e.IsPrefix {
			keys = append(keys, e.Key)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("list chunks of %s: %w", old.ID, err)
	}
	for _, k := range keys {
		_, index, _, err := schema.ParseChunkKey(k)
		if err != nil || len(index) != len(dims) {
			continue // .dataset.json and foreign keys
		}
		outside, edge := false, false
		for i, c := range index {
			lo, hi := c*d.ChunkDims[i], (c+1)*d.ChunkDims[i]
			if lo >= dims[i] {
				outside = true
			} else if hi > dims[i] && dims[i] < old.Shape.Dims[i] {
				edge = true
			}
		}
		switch {
		case outside:
			if err := f.st.Delete(ctx, f.bucket, k); err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("delete chunk %s: %w", k, err)
			}
		case edge:
			if err := d.UpdateChunk(ctx, index, func(chunk []byte) error {
				return resetOutside(chunk, d, index, dims)
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

// resetOutside writes the fill value into the elements of chunk index that lie beyond dims.
func resetOutside(chunk []byte, d *Dataset, index, dims []int) error {
	// Visit every element of the chunk; chunks are at most a few MiB.
	n := len(chunk) / d.ItemSize
	pos := make([]int, len(dims))
	for e := 0; e < n; e++ {
		rem := e
		out := false
		for i := len(dims) - 1; i >= 0; i-- {
			pos[i] = rem % d.ChunkDims[i]
			rem /= d.ChunkDims[i]
			if index[i]*d.ChunkDims[i]+pos[i] >= dims[i] {
				out = true
			}
		}
		if out {
			copy(chunk[e*d.ItemSize:(e+1)*d.ItemSize], d.fill)
		}
	}
	return nil
}
