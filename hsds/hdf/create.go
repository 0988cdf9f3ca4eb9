package hdf

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// Server chunk-size window (HSDS config min_chunk_size and max_chunk_size).
const (
	MinChunkBytes = 1 << 20
	MaxChunkBytes = 4 << 20
)

// DatasetSpec describes a dataset to create.
type DatasetSpec struct {
	// Type is the HDF5 type JSON (a predefined name string or an object).
	Type json.RawMessage
	// Dims is the shape; nil means a scalar dataset.
	Dims []int
	// MaxDims is the maximum shape (0 = unlimited); nil means not extensible.
	MaxDims []int
	// ChunkDims are the requested chunk dims; they are adjusted into the server's 1-4 MiB window
	// exactly as HSDS does unless ExactChunks is set.
	ChunkDims []int
	// ExactChunks keeps ChunkDims as given.
	ExactChunks bool
	// Filters is the creation-property filter list in any form HSDS accepts (names, ids, objects).
	Filters json.RawMessage
	// FillValue is the JSON fill value (nil for none) in pyjson's internal form: NaN and ±Inf
	// as sentinel strings, e.g. pyjson.Float64(math.NaN()).
	FillValue json.RawMessage
}

// CreateDataset creates a dataset and links it as name in group parentID.
func (f *File) CreateDataset(ctx context.Context, parentID, name string, spec DatasetSpec) (*Dataset, error) {
	if f.Domain.IsFolder() {
		return nil, fmt.Errorf("create dataset in %s: %w", f.path, ErrIsFolder)
	}
	norm, err := h5type.Normalize(spec.Type)
	if err != nil {
		return nil, fmt.Errorf("create dataset %s: type: %w", name, err)
	}
	t, err := h5type.Parse(norm)
	if err != nil {
		return nil, fmt.Errorf("create dataset %s: type: %w", name, err)
	}
	id, err := schema.NewObjID(f.Domain.Root, schema.KindDataset, f.rand)
	if err != nil {
		return nil, err
	}
	now := schema.Now()
	obj := schema.Dataset{ID: id, Root: f.Domain.Root, Created: now, LastModified: now, Type: norm,
		Attributes: map[string]schema.Attribute{}}
	itemsize := t.Size()
	if spec.Dims == nil {
		obj.Shape = schema.Shape{Class: schema.ShapeScalar}
		obj.Layout = schema.Layout{Class: schema.LayoutChunked, Dims: []int{1}}
	} else {
		for _, n := range spec.Dims {
			if n < 0 {
				return nil, fmt.Errorf("create dataset %s: dims %v: extents must be >= 0", name, spec.Dims)
			}
		}
		if spec.MaxDims != nil && len(spec.MaxDims) != len(spec.Dims) {
			return nil, fmt.Errorf("create dataset %s: maxdims %v: rank differs from dims %v", name, spec.MaxDims, spec.Dims)
		}
		obj.Shape = schema.Shape{Class: schema.ShapeSimple, Dims: append([]int(nil), spec.Dims...), MaxDims: spec.MaxDims}
		chunks := spec.ChunkDims
		if chunks != nil && len(chunks) != len(spec.Dims) {
			return nil, fmt.Errorf("create dataset %s: chunk dims %v: rank differs from dims %v", name, chunks, spec.Dims)
		}
		if !spec.ExactChunks || chunks == nil {
			chunks = schema.ChooseChunk(chunks, spec.Dims, spec.MaxDims, itemsize, MinChunkBytes, MaxChunkBytes)
		}
		// A dimension of extent 0 that cannot grow gets chunk extent 1: HSDS keeps 0 there
		// (chunkUtil.py guessChunk), which no chunked layout allows (HDF5 wants positive
		// chunk dims); no chunk of such a dataset is ever stored. Exact chunks are kept as
		// given (H5D_CONTIGUOUS_REF of a zero extent: getContiguousLayout's dims, which
		// HSDS's dataset_test asserts).
		if !spec.ExactChunks {
			chunks = positiveChunks(chunks)
		}
		obj.Layout = schema.Layout{Class: schema.LayoutChunked, Dims: chunks}
	}
	cp := map[string]any{}
	if len(spec.Filters) > 0 {
		filters, err := schema.NormalizeFilters(spec.Filters)
		if err != nil {
			return nil, fmt.Errorf("create dataset %s: %w", name, err)
		}
		cp["filters"] = filters
	}
	if spec.FillValue != nil {
		cp["fillValue"] = spec.FillValue
	}
	if obj.CreationProperties, err = json.Marshal(cp); err != nil {
		return nil, err
	}
	d, err := OpenDataset(f.st, f.bucket, &obj)
	if err != nil {
		return nil, fmt.Errorf("create dataset %s: %w", name, err)
	}
	if err := f.putObject(ctx, id, obj, store.PutOptions{IfNoneMatch: true}); err != nil {
		return nil, err
	}
	if parentID != "" {
		if err := f.Link(ctx, parentID, name, schema.Link{Class: schema.LinkHard, ID: id}); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// positiveChunks returns chunks with every extent below 1 made 1 (see CreateDataset).
func positiveChunks(chunks []int) []int {
	out := append([]int(nil), chunks...)
	for i, c := range out {
		if c <= 0 {
			out[i] = 1
		}
	}
	return out
}

// Refresh re-reads the dataset's JSON (after attributes were added, say).
func (f *File) Refresh(ctx context.Context, d *Dataset) (*Dataset, error) {
	return f.Dataset(ctx, d.ID)
}
