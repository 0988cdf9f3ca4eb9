package hdf

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/hsfan/hsfan/hsds/codec"
	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// maxVlenChunkBytes bounds the decoded size of one variable-length chunk read from the store.
const maxVlenChunkBytes = 256 << 20

// VlenDataset is an open dataset whose element type has variable length (vlen strings or
// sequences, or compounds containing them). Chunks hold the elements in HSDS's length-prefixed
// form, compressed as a whole by the dataset's compressor (never shuffled).
type VlenDataset struct {
	st     store.Store
	bucket string
	// ID is the dataset id.
	ID string
	// Obj is the stored .dataset.json.
	Obj schema.Dataset
	// Type is the parsed element type (Size() < 0).
	Type *h5type.Type
	// Dims is the current shape ([] for scalar datasets); ChunkDims the layout ([1] for scalar).
	Dims, ChunkDims []int

	pipeline   codec.Pipeline
	fill       []byte
	partitions int
	chunkElems int
}

// OpenVlenDataset builds a VlenDataset from its stored JSON.
func OpenVlenDataset(st store.Store, bucket string, obj *schema.Dataset) (*VlenDataset, error) {
	fail := func(err error) (*VlenDataset, error) { return nil, fmt.Errorf("dataset %s: %w", obj.ID, err) }
	t, err := h5type.Parse(obj.Type)
	if err != nil {
		return fail(err)
	}
	if !t.IsVariable() {
		return fail(errors.New("not a variable-length type"))
	}
	if _, ok := obj.RefLayout(); ok {
		return fail(fmt.Errorf("variable-length types with reference layouts: %w", ErrUnsupported))
	}
	d := &VlenDataset{st: st, bucket: bucket, ID: obj.ID, Obj: *obj, Type: t, partitions: obj.Layout.PartitionCount}
	switch obj.Shape.Class {
	case schema.ShapeNull:
		return fail(errors.New("H5S_NULL dataspace has no values"))
	case schema.ShapeScalar:
		d.Dims, d.ChunkDims = []int{}, []int{1}
	default:
		d.Dims = append([]int(nil), obj.Shape.Dims...)
		if d.ChunkDims, err = obj.ChunkLayout(); err != nil {
			return fail(err)
		}
	}
	d.chunkElems = 1
	for _, c := range d.ChunkDims {
		if c <= 0 || d.chunkElems > maxVlenChunkBytes/4/c {
			return fail(fmt.Errorf("chunk dims %v too large for a variable-length chunk", d.ChunkDims))
		}
		d.chunkElems *= c
	}
	filters, err := obj.Filters()
	if err != nil {
		return fail(err)
	}
	comp, level, _ := schema.Compression(filters)
	d.pipeline = codec.Pipeline{Compressor: comp, Level: level, ItemSize: 1}
	raw, enc := obj.FillValue()
	if d.fill, err = h5type.FillBytes(t, raw, enc); err != nil {
		return fail(fmt.Errorf("fillValue: %w", err))
	}
	return d, nil
}

// CreateVlenDataset creates an unlinked dataset of a variable-length type (CreateDataset
// handles fixed-size types only). Chunk dims are sized with 128 bytes per element as HSDS does;
// extra creation properties are kept as sent.
func (f *File) CreateVlenDataset(ctx context.Context, spec DatasetSpec, extra map[string]json.RawMessage) (*schema.Dataset, error) {
	if f.Domain.IsFolder() {
		return nil, fmt.Errorf("create dataset in %s: %w", f.path, ErrIsFolder)
	}
	id, err := schema.NewObjID(f.Domain.Root, schema.KindDataset, f.rand)
	if err != nil {
		return nil, err
	}
	now := schema.Now()
	obj := schema.Dataset{ID: id, Root: f.Domain.Root, Created: now, LastModified: now, Type: spec.Type,
		Attributes: map[string]schema.Attribute{}}
	cp := map[string]json.RawMessage{}
	for k, v := range extra {
		cp[k] = v
	}
	if spec.Dims == nil {
		obj.Shape = schema.Shape{Class: schema.ShapeScalar}
		obj.Layout = schema.Layout{Class: schema.LayoutChunked, Dims: []int{1}}
	} else {
		obj.Shape = schema.Shape{Class: schema.ShapeSimple, Dims: append([]int(nil), spec.Dims...), MaxDims: spec.MaxDims}
		chunks := positiveChunks(schema.ChooseChunk(spec.ChunkDims, spec.Dims, spec.MaxDims, -1, MinChunkBytes, MaxChunkBytes))
		obj.Layout = schema.Layout{Class: schema.LayoutChunked, Dims: chunks}
	}
	if len(spec.Filters) > 0 {
		filters, err := schema.NormalizeFilters(spec.Filters)
		if err != nil {
			return nil, fmt.Errorf("create dataset: %w", err)
		}
		cp["filters"], _ = json.Marshal(filters)
	}
	if spec.FillValue != nil {
		cp["fillValue"] = spec.FillValue
	}
	if obj.CreationProperties, err = marshalSorted(cp); err != nil {
		return nil, err
	}
	if _, err := OpenVlenDataset(f.st, f.bucket, &obj); err != nil {
		return nil, fmt.Errorf("create dataset: %w", err)
	}
	if err := f.putObject(ctx, id, obj, store.PutOptions{IfNoneMatch: true}); err != nil {
		return nil, err
	}
	return &obj, nil
}

func (d *VlenDataset) chunkKey(index []int) string {
	if len(d.Dims) == 0 {
		return schema.DatasetPrefix(d.ID) + "0"
	}
	return schema.ChunkKey(d.ID, index, d.partitions)
}

// decodeChunk turns stored bytes into the chunk's elements (the fill element for a missing
// chunk).
func (d *VlenDataset) decodeChunk(raw []byte, exists bool) ([][]byte, error) {
	if !exists {
		out := make([][]byte, d.chunkElems)
		for i := range out {
			out[i] = d.fill
		}
		return out, nil
	}
	b := raw
	if d.pipeline.Compressor != "" && codec.IsBloscFrame(raw) && len(raw) >= 16 {
		n := int(binary.LittleEndian.Uint32(raw[4:8]))
		if n > maxVlenChunkBytes {
			return nil, fmt.Errorf("dataset %s: chunk of %d decoded bytes is too large", d.ID, n)
		}
		var err error
		if b, err = d.pipeline.Decode(nil, raw, n); err != nil {
			return nil, fmt.Errorf("dataset %s: decode chunk: %w", d.ID, err)
		}
	}
	elems, err := h5type.SplitElements(b, d.Type, d.chunkElems)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: chunk: %w", d.ID, err)
	}
	return elems, nil
}

// index buffers: one uint64 per element, used to map chunk elements to selection positions
// through selection.CopyOut/CopyIn.
func putIndex(buf []byte, i int, v uint64) { binary.LittleEndian.PutUint64(buf[8*i:], v) }
func getIndex(buf []byte, i int) uint64    { return binary.LittleEndian.Uint64(buf[8*i:]) }

// maxVlenElements bounds one Read of a variable-length dataset (each element is a slice).
const maxVlenElements = 1 << 26

// Read returns the elements of sel in C order, each in the length-prefixed form.
func (d *VlenDataset) Read(ctx context.Context, sel *selection.Selection, concurrency int) ([][]byte, error) {
	if sel.Count() > maxVlenElements {
		return nil, fmt.Errorf("dataset %s: selection of %d variable-length elements, more than %d: %w", d.ID, sel.Count(), maxVlenElements, ErrTooLarge)
	}
	n := int(sel.Count())
	out := make([][]byte, n)
	if n == 0 {
		return out, nil
	}
	if len(d.Dims) == 0 {
		raw, exists, err := d.fetch(ctx, d.chunkKey(nil))
		if err != nil {
			return nil, err
		}
		elems, err := d.decodeChunk(raw, exists)
		if err != nil {
			return nil, err
		}
		out[0] = elems[0]
		return out, nil
	}
	grid := sel.Grid(d.ChunkDims)
	if err := grid.Err(); err != nil {
		return nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(concurrency, 1))
	total := grid.Count()
	for k := int64(0); k < total && gctx.Err() == nil; k++ {
		index := grid.ChunkIndex(k, nil)
		g.Go(func() error {
			b, ok := sel.Block(index, d.ChunkDims)
			if !ok {
				return nil
			}
			raw, exists, err := d.fetch(gctx, d.chunkKey(index))
			if err != nil {
				return err
			}
			elems, err := d.decodeChunk(raw, exists)
			if err != nil {
				return err
			}
			// Each chunk fills its own output positions: no two goroutines write one slot.
			for r := range b.Runs() {
				for i := 0; i < r.Count; i++ {
					c := r.ChunkOffset + int64(i)*r.ChunkStride
					o := r.OutOffset + int64(i)*r.OutStride
					if c < 0 || c >= int64(len(elems)) || o < 0 || o >= int64(n) {
						return fmt.Errorf("dataset %s: chunk %v: element %d out of range", d.ID, index, c)
					}
					out[o] = elems[c]
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, ctx.Err()
}

func (d *VlenDataset) fetch(ctx context.Context, key string) ([]byte, bool, error) {
	raw, _, err := d.st.Get(ctx, d.bucket, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read chunk %s: %w", key, err)
	}
	return raw, true, nil
}

// Write stores elems (the elements of sel in C order, length-prefixed form) with a conditional
// read-modify-write of every chunk sel touches.
func (d *VlenDataset) Write(ctx context.Context, sel *selection.Selection, elems [][]byte) error {
	if int64(len(elems)) != sel.Count() {
		return fmt.Errorf("dataset %s: %d elements for a selection of %d", d.ID, len(elems), sel.Count())
	}
	if len(elems) == 0 {
		return nil
	}
	src := make([]byte, 8*len(elems))
	for i := range elems {
		putIndex(src, i, uint64(i)+1) // 0 marks "not written"
	}
	indices := [][]int{{0}}
	if len(d.Dims) > 0 {
		grid := sel.Grid(d.ChunkDims)
		if err := grid.Err(); err != nil {
			return err
		}
		indices = indices[:0]
		for k := int64(0); k < grid.Count(); k++ {
			indices = append(indices, grid.ChunkIndex(k, nil))
		}
	}
	for _, index := range indices {
		m := make([]byte, 8*d.chunkElems)
		if len(d.Dims) == 0 {
			putIndex(m, 0, 1)
		} else if err := selection.CopyIn(m, sel, src, index, d.ChunkDims, 8); err != nil {
			return err
		}
		key := d.chunkKey(index)
		_, err := store.Update(ctx, d.st, d.bucket, key, func(old []byte, exists bool) ([]byte, error) {
			cur, err := d.decodeChunk(old, exists)
			if err != nil {
				return nil, err
			}
			for i := range cur {
				if v := getIndex(m, i); v != 0 {
					cur[i] = elems[v-1]
				}
			}
			return d.pipeline.Encode(nil, h5type.JoinElements(cur))
		})
		if err != nil {
			return fmt.Errorf("update chunk %s: %w", key, err)
		}
	}
	return nil
}

// WritePoints stores elems[i] (length-prefixed form) at pts[i] (validated coordinates, one per
// dimension), chunk by chunk with a conditional read-modify-write; a point given twice gets
// its last element, as in numpy (HSDS chunk_sn.py _doPointWrite).
func (d *VlenDataset) WritePoints(ctx context.Context, pts [][]int, elems [][]byte) error {
	if len(pts) != len(elems) {
		return fmt.Errorf("dataset %s: %d elements for %d points", d.ID, len(elems), len(pts))
	}
	groups, err := selection.GroupPoints(pts, d.ChunkDims)
	if err != nil {
		return err
	}
	for _, g := range groups {
		key := d.chunkKey(g.Index)
		_, err := store.Update(ctx, d.st, d.bucket, key, func(old []byte, exists bool) ([]byte, error) {
			cur, err := d.decodeChunk(old, exists)
			if err != nil {
				return nil, err
			}
			for _, p := range g.Points {
				cur[p.Offset] = elems[p.Point]
			}
			return d.pipeline.Encode(nil, h5type.JoinElements(cur))
		})
		if err != nil {
			return fmt.Errorf("update chunk %s: %w", key, err)
		}
	}
	return nil
}
