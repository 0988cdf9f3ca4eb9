package hdf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hsfan/hsfan/hsds/codec"
	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// Dataset is an open dataset: its stored JSON plus everything derived from it that chunk I/O
// needs. It is immutable after Open and safe for concurrent use.
type Dataset struct {
	st     store.Store
	bucket string

	// ID is the dataset id.
	ID string
	// Obj is the stored .dataset.json.
	Obj schema.Dataset
	// Type is the parsed element type.
	Type *h5type.Type
	// Dims is the current shape ([] for scalar datasets).
	Dims []int
	// ChunkDims is the chunk shape from the layout ([1] for scalar datasets).
	ChunkDims []int
	// ItemSize is the element size in bytes.
	ItemSize int
	// Pipeline decodes and encodes the stored chunk bytes.
	Pipeline codec.Pipeline

	fill       []byte // one element
	partitions int
	ref        *schema.Layout
	refs       RefPolicy
	chunkBytes int
	arange     *Arange     // chunks never written hold arange values, not the fill value
	cache      *ChunkCache // decoded chunks shared between readers (nil: none)
	tables     *tableMemo  // the chunk table of a reference layout, kept (DatasetOptions.TableMemo)
}

// Dataset opens the dataset id of this domain.
func (f *File) Dataset(ctx context.Context, id string) (*Dataset, error) {
	obj, err := f.DatasetObject(ctx, id)
	if err != nil {
		return nil, err
	}
	return OpenDatasetWith(f.st, f.bucket, obj, DatasetOptions{Refs: f.Refs})
}

// OpenDatasetPath resolves h5path and opens the dataset it names, following external links into
// other domains of the same bucket. Datasets of variable-length types fail with ErrUnsupported:
// open those with OpenVlenDatasetPath (DatasetObjectPath tells them apart).
func (f *File) OpenDatasetPath(ctx context.Context, h5path string) (*Dataset, error) {
	obj, err := f.DatasetObjectPath(ctx, h5path)
	if err != nil {
		return nil, err
	}
	return OpenDatasetWith(f.st, f.bucket, obj, DatasetOptions{Refs: f.Refs})
}

// OpenVlenDatasetPath resolves h5path as OpenDatasetPath does and opens the dataset, whose type
// must have variable length.
func (f *File) OpenVlenDatasetPath(ctx context.Context, h5path string) (*VlenDataset, error) {
	obj, err := f.DatasetObjectPath(ctx, h5path)
	if err != nil {
		return nil, err
	}
	return OpenVlenDataset(f.st, f.bucket, obj)
}

// DatasetObjectPath resolves h5path to the stored JSON of the dataset it names, following
// external links into other domains of the same bucket (so the result opens with this File's
// store and bucket).
func (f *File) DatasetObjectPath(ctx context.Context, h5path string) (*schema.Dataset, error) {
	return f.datasetObjectPath(ctx, h5path, 0)
}

func (f *File) datasetObjectPath(ctx context.Context, h5path string, hops int) (*schema.Dataset, error) {
	id, err := f.Resolve(ctx, h5path)
	var ext *ExternalLinkError
	if errors.As(err, &ext) {
		if hops >= maxExternalHops {
			return nil, fmt.Errorf("h5path %s: more than %d external links", h5path, maxExternalHops)
		}
		other, err := Open(ctx, f.st, f.bucket, ext.Domain)
		if err != nil {
			return nil, fmt.Errorf("h5path %s: external link %s: %w", h5path, ext.Link, err)
		}
		return other.datasetObjectPath(ctx, ext.Target(), hops+1)
	}
	if err != nil {
		return nil, err
	}
	if schema.Kind(id) != schema.KindDataset {
		return nil, fmt.Errorf("%s is not a dataset (id %s)", h5path, id)
	}
	return f.DatasetObject(ctx, id)
}

// DatasetOptions configure OpenDatasetWith.
type DatasetOptions struct {
	// Refs confines the objects a reference layout may read (zero: the dataset's own bucket).
	Refs RefPolicy
	// TableMemo keeps, for the Dataset's life, the chunk table of an H5D_CHUNKED_REF_INDIRECT
	// layout (its object and the table chunks read, up to maxTableMemo bytes), so reading N
	// chunks costs N ranged GETs instead of 3N requests. For readers of one snapshot (a worker's
	// task); off by default, since a long-lived Dataset would not see a table rewritten later
	// (hsfan index --append).
	TableMemo bool
}

// OpenDataset builds a Dataset from its stored JSON with the default options (references
// confined to the dataset's own bucket). obj must come from the store: it decides what the
// Dataset reads.
func OpenDataset(st store.Store, bucket string, obj *schema.Dataset) (*Dataset, error) {
	return OpenDatasetWith(st, bucket, obj, DatasetOptions{})
}

// OpenDatasetWith is OpenDataset with options.
func OpenDatasetWith(st store.Store, bucket string, obj *schema.Dataset, opts DatasetOptions) (*Dataset, error) {
	d := &Dataset{st: st, bucket: bucket, ID: obj.ID, Obj: *obj, refs: opts.Refs}
	if opts.TableMemo {
		d.tables = &tableMemo{chunks: map[string][]byte{}}
	}
	fail := func(err error) (*Dataset, error) { return nil, fmt.Errorf("dataset %s: %w", obj.ID, err) }
	t, err := h5type.Parse(obj.Type)
	if err != nil {
		return fail(fmt.Errorf("type: %w", err))
	}
	d.Type = t
	d.ItemSize = t.Size()
	if d.ItemSize <= 0 {
		return fail(fmt.Errorf("variable-length element types: %w", ErrUnsupported))
	}
	switch obj.Shape.Class {
	case schema.ShapeNull:
		return fail(errors.New("H5S_NULL dataspace has no values"))
	case schema.ShapeScalar:
		d.Dims = []int{}
		d.ChunkDims = []int{1}
	default:
		d.Dims = append([]int(nil), obj.Shape.Dims...)
		if d.ChunkDims, err = obj.ChunkLayout(); err != nil {
			return fail(err)
		}
		if len(d.ChunkDims) != len(d.Dims) {
			return fail(fmt.Errorf("layout rank %d != shape rank %d", len(d.ChunkDims), len(d.Dims)))
		}
	}
	n := d.ItemSize
	for _, c := range d.ChunkDims {
		if c <= 0 {
			return fail(fmt.Errorf("layout dims %v: must be positive", d.ChunkDims))
		}
		if n > maxChunkBytes/c {
			return fail(fmt.Errorf("chunk of %v x %d bytes exceeds %d bytes", d.ChunkDims, d.ItemSize, maxChunkBytes))
		}
		n *= c
	}
	d.chunkBytes = n
	d.partitions = obj.Layout.PartitionCount
	filters, err := obj.Filters()
	if err != nil {
		return fail(err)
	}
	comp, level, shuffle := schema.Compression(filters)
	d.Pipeline = codec.Pipeline{Compressor: comp, Level: level, Shuffle: shuffle, ItemSize: d.ItemSize}
	raw, enc := obj.FillValue()
	if d.fill, err = h5type.FillBytes(t, raw, enc); err != nil {
		return fail(fmt.Errorf("fillValue: %w", err))
	}
	if ref, ok := obj.RefLayout(); ok {
		d.ref = ref
	}
	if d.arange, err = initializerOf(obj, t, len(d.Dims)); err != nil {
		return fail(err)
	}
	return d, nil
}

// maxExternalHops bounds chains of external links (and cycles between domains).
const maxExternalHops = 8

// maxChunkBytes bounds the decoded size of one chunk (HSDS keeps chunks within a few MiB; this
// guards against absurd layouts in untrusted JSON).
const maxChunkBytes = 1 << 30

// ChunkBytes returns the decoded size of one chunk.
func (d *Dataset) ChunkBytes() int { return d.chunkBytes }

// Fill returns the bytes of one fill element (zeros when the dataset has no fill value).
func (d *Dataset) Fill() []byte { return d.fill }

// ChunkKey returns the storage key of the chunk with the given chunk index.
func (d *Dataset) ChunkKey(index []int) string {
	if len(d.Dims) == 0 {
		return schema.DatasetPrefix(d.ID) + "0"
	}
	return schema.ChunkKey(d.ID, index, d.partitions)
}

// Attribute decodes the value of attribute name (nil, false when absent).
func (d *Dataset) Attribute(name string) (json.RawMessage, bool) {
	a, ok := d.Obj.Attributes[name]
	if !ok {
		return nil, false
	}
	return a.Value, true
}

// fillChunk writes what chunk index holds before it is written into dst: the arange values of
// an arange initializer, else the fill value in every element.
func (d *Dataset) fillChunk(index []int, dst []byte) {
	if d.arange != nil && len(index) == 1 {
		d.arange.fill(dst, index[0], d.Type)
		return
	}
	h5type.Repeat(dst, d.fill, len(dst)/d.ItemSize)
}

// Sibling opens another dataset of the same store and bucket (and reference policy) from its
// stored JSON.
func (d *Dataset) Sibling(obj *schema.Dataset) (*Dataset, error) {
	return OpenDatasetWith(d.st, d.bucket, obj, DatasetOptions{Refs: d.refs})
}
