// Package h5index writes HSDS domains whose datasets point at the chunks inside netCDF-4/HDF5
// files (the "hsload --link" of hsfan): it reads each file's metadata with ranged reads
// (hsds/h5file) and stores, per dataset, a reference layout in creationProperties.layout as
// h5pyd's hsload --link does (hsds/util/dsetUtil.py getDatasetLayout, dset_lib.getChunkLocations):
//
//   - chunked datasets of one file: H5D_CHUNKED_REF {file_uri, dims = the file's chunk shape,
//     chunks: {"i_j_k": [offset, size]}};
//   - chunked datasets concatenated along a dimension over several files (Options.Concat):
//     H5D_CHUNKED_REF_INDIRECT {dims, chunk_table} with a chunk table dataset of compound
//     (offset int64, size int32, file_uri fixed-length string) whose shape is the chunk grid;
//   - contiguous datasets: H5D_CONTIGUOUS_REF {file_uri, offset, size}.
//
// file_uri is "bucket/key" of the store the domain lives in (HSDS datanode_lib.get_chunk
// resolves it below its ROOT_DIR for POSIX and as s3://bucket/key on S3), so hsfan and HSDS
// read the chunks from the same objects. References to another bucket than the domain's need
// that bucket in the readers' allow-list (hsfan --ref-allow; HSDS reads any bucket it can).
package h5index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/hsfan/hsfan/hsds/h5file"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// Granule is one file to index, an object of the domain's store.
type Granule struct {
	Bucket, Key string
	// S3 writes file_uri as "s3://bucket/key" (what hsload --link writes for S3 files; HSDS's
	// S3 driver reads it) instead of "bucket/key" (the default driver's form, POSIX ROOT_DIR).
	S3 bool
}

// URI is the file_uri written into layouts.
func (g Granule) URI() string {
	if g.S3 {
		return "s3://" + g.Bucket + "/" + g.Key
	}
	return g.Bucket + "/" + g.Key
}

// Options configure Index.
type Options struct {
	// Concat names the dimension (a netCDF dimension: the dimension scale's link name) along
	// which several files are joined into one dataset; "" indexes one file.
	Concat string
	// Log receives one line per file (nil: none).
	Log io.Writer
}

// Report is what Index did.
type Report struct {
	Files     int
	Datasets  int
	Chunks    int
	BytesRead int64 // metadata bytes read from the files
	Reads     int   // ranged reads
	FileBytes int64 // total size of the files
	Skipped   []string
}

// storeSource reads one store object by ranges.
type storeSource struct {
	ctx         context.Context
	st          store.Store
	bucket, key string
	size        int64
}

func (s *storeSource) ReadRange(ctx context.Context, off, n int64) ([]byte, error) {
	b, err := s.st.GetRange(ctx, s.bucket, s.key, off, n)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) != n {
		return nil, fmt.Errorf("read %s/%s bytes %d+%d: got %d bytes", s.bucket, s.key, off, n, len(b))
	}
	return b, nil
}

func (s *storeSource) Size() int64 { return s.size }

// openGranule opens the HDF5 metadata of g.
func openGranule(ctx context.Context, st store.Store, g Granule) (*h5file.File, int64, error) {
	info, err := st.Stat(ctx, g.Bucket, g.Key)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", g.URI(), err)
	}
	h, err := h5file.Open(ctx, &storeSource{st: st, bucket: g.Bucket, key: g.Key, size: info.Size}, g.URI())
	if err != nil {
		return nil, 0, err
	}
	return h, info.Size, nil
}

// scan reads every object of a file.
type scan struct {
	h       *h5file.File
	objects []*h5file.Object
	byAddr  map[uint64]*h5file.Object
}

func readAll(ctx context.Context, h *h5file.File) (*scan, error) {
	s := &scan{h: h, byAddr: map[uint64]*h5file.Object{}}
	err := h.Walk(ctx, func(o *h5file.Object) error {
		s.objects = append(s.objects, o)
		s.byAddr[o.Addr] = o
		return nil
	})
	return s, err
}

// Index writes the groups, datasets and attributes of the granules into f (an empty domain).
func Index(ctx context.Context, st store.Store, f *hdf.File, gs []Granule, o Options) (Report, error) {
	var r Report
	if len(gs) == 0 {
		return r, errors.New("index: no files")
	}
	if o.Concat == "" && len(gs) > 1 {
		return r, fmt.Errorf("index: %d files need --concat DIM to become one domain", len(gs))
	}
	scans, sizes, err := scanAll(ctx, st, gs)
	if err != nil {
		return r, err
	}
	for i, s := range scans {
		r.FileBytes += sizes[i]
		if o.Log != nil && len(gs) <= 10 {
			b, n := s.h.Stats()
			fmt.Fprintf(o.Log, "index: %s: %d objects, %d metadata bytes in %d reads of %d\n", gs[i].URI(), len(s.objects), b, n, sizes[i])
		}
	}
	w := &writer{f: f, st: st, gs: gs, scans: scans, concat: o.Concat, ids: map[uint64]string{}, r: &r}
	err = w.write(ctx)
	for _, s := range scans {
		b, n := s.h.Stats()
		r.BytesRead += b
		r.Reads += n
	}
	r.Files = len(gs)
	return r, err
}

type writer struct {
	f      *hdf.File
	st     store.Store
	gs     []Granule
	scans  []*scan
	concat string
	ids    map[uint64]string // object header address (first file) -> HSDS id
	r      *Report

	scale       *h5file.Object  // concat: the dimension scale (first file)
	joinedPaths map[string]bool // concat: datasets joined along it
}

func (w *writer) write(ctx context.Context) error {
	first := w.scans[0]
	var joined map[uint64]bool
	if w.concat != "" {
		var err error
		if joined, err = w.checkConcat(); err != nil {
			return err
		}
	}
	paths := map[string]string{"/": w.f.RootID()}
	for _, o := range first.objects {
		if o.Path == "/" {
			w.ids[o.Addr] = w.f.RootID()
			continue
		}
		parent, name := splitPath(o.Path)
		pid, ok := paths[parent]
		if !ok {
			return fmt.Errorf("%s: parent group %s not indexed", o.Path, parent)
		}
		var id string
		if o.IsGroup {
			g, err := w.f.NewGroup(ctx, nil)
			if err != nil {
				return fmt.Errorf("group %s: %w", o.Path, err)
			}
			id = g.ID
		} else {
			var err error
			if joined[o.Addr] {
				id, err = w.concatDataset(ctx, o)
			} else {
				id, err = w.dataset(ctx, first.h, w.gs[0], o)
			}
			// A dataset a reference layout cannot serve (scalar, compact, vlen) or that uses a
			// feature hsfan refuses (a filter it cannot decode, ...) is left out and listed; a
			// joined dataset of --concat is not (the series would silently lose a variable).
			if errors.Is(err, errSkip) || (errors.Is(err, h5file.ErrUnsupported) && !joined[o.Addr]) {
				w.r.Skipped = append(w.r.Skipped, fmt.Sprintf("%s: %v", o.Path, err))
				continue
			}
			if err != nil {
				return err
			}
			w.r.Datasets++
		}
		if err := w.f.Link(ctx, pid, name, schema.Link{ID: id}); err != nil {
			return fmt.Errorf("link %s: %w", o.Path, err)
		}
		paths[o.Path] = id
		w.ids[o.Addr] = id
	}
	for _, o := range first.objects {
		id, ok := w.ids[o.Addr]
		if !ok {
			continue
		}
		if err := w.attributes(ctx, first.h, o, id); err != nil {
			return err
		}
	}
	if w.concat != "" {
		return w.markConcat(ctx)
	}
	return nil
}

func splitPath(p string) (string, string) {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/", p[i+1:]
	}
	return p[:i], p[i+1:]
}

// errSkip marks datasets left out of the domain (listed in Report.Skipped).
var errSkip = errors.New("not indexed")

func ints(u []uint64) []int {
	out := make([]int, len(u))
	for i, v := range u {
		out[i] = int(v)
	}
	return out
}

func maxDims(d *h5file.Dataset) []int {
	if d.Space.MaxDims == nil {
		return nil
	}
	out := make([]int, len(d.Space.MaxDims))
	for i, m := range d.Space.MaxDims {
		if m < 0 {
			out[i] = 0
		} else {
			out[i] = int(m)
		}
	}
	return out
}

func fillJSON(ctx context.Context, h *h5file.File, d *h5file.Dataset) (json.RawMessage, error) {
	if !d.Fill.Defined {
		return nil, nil
	}
	v, err := h.Value(ctx, h5file.Attribute{Name: "fill value", Type: d.Type, Raw: d.Fill.Value})
	if err != nil {
		return nil, err
	}
	j, err := valueJSON(v, true)
	if err != nil {
		return nil, err
	}
	return json.Marshal(j)
}

// spec builds the DatasetSpec common to every layout.
func spec(ctx context.Context, h *h5file.File, o *h5file.Object) (hdf.DatasetSpec, error) {
	d := o.Dataset
	var s hdf.DatasetSpec
	if d.Space.Null {
		return s, fmt.Errorf("null dataspace: %w", errSkip)
	}
	t, err := typeJSON(d.Type)
	if err != nil {
		return s, fmt.Errorf("%v: %w", err, errSkip)
	}
	fill, err := fillJSON(ctx, h, d)
	if err != nil {
		return s, fmt.Errorf("%s: fill value: %w", o.Path, err)
	}
	s = hdf.DatasetSpec{Type: t, Dims: ints(d.Space.Dims), MaxDims: maxDims(d), FillValue: fill, ExactChunks: true}
	if len(s.Dims) == 0 {
		s.Dims, s.MaxDims = nil, nil
	}
	return s, nil
}

// dataset creates the dataset of o (one file) with a reference layout into g.
func (w *writer) dataset(ctx context.Context, h *h5file.File, g Granule, o *h5file.Object) (string, error) {
	d := o.Dataset
	s, err := spec(ctx, h, o)
	if err != nil {
		return "", err
	}
	if len(d.Space.Dims) == 0 || d.Layout.Class == h5file.LayoutCompact {
		return w.copied(ctx, h, g, o, s)
	}
	var layout map[string]any
	switch d.Layout.Class {
	case h5file.LayoutContiguous:
		if d.Layout.Addr == ^uint64(0) || d.Layout.Size == 0 {
			s.ChunkDims = nil
			s.ExactChunks = false
			break // never written: fill values
		}
		s.MaxDims = nil
		s.ChunkDims = schema.ContiguousLayout(s.Dims, d.Type.Size)
		layout = map[string]any{"class": schema.LayoutContiguousRef, "file_uri": g.URI(),
			"offset": h.AbsOffset(d.Layout.Addr), "size": d.Layout.Size}
	case h5file.LayoutChunked:
		filters, err := filtersJSON(d.Filters)
		if err != nil {
			return "", fmt.Errorf("%s: dataset %s: %w", g.URI(), o.Path, err)
		}
		s.Filters = filters
		s.ChunkDims = ints(d.Layout.ChunkDims)
		chunks, err := h.Chunks(ctx, d)
		if err != nil {
			return "", err
		}
		m := map[string][2]int64{}
		for _, c := range chunks {
			if c.FilterMask != 0 {
				return "", fmt.Errorf("%s: dataset %s: chunk %v skips filters (mask %#x), which a reference layout cannot say: %w",
					g.URI(), o.Path, c.Offset, c.FilterMask, h5file.ErrUnsupported)
			}
			idx := make([]int, len(c.Offset))
			for i := range idx {
				idx[i] = int(c.Offset[i] / d.Layout.ChunkDims[i])
			}
			m[schema.IndexString(idx)] = [2]int64{c.Addr, c.Size}
		}
		w.r.Chunks += len(chunks)
		layout = map[string]any{"class": schema.LayoutChunkedRef, "file_uri": g.URI(), "dims": s.ChunkDims, "chunks": m}
	default:
		return "", fmt.Errorf("compact layout: %w", errSkip)
	}
	var extra map[string]json.RawMessage
	if layout != nil {
		lb, err := json.Marshal(layout)
		if err != nil {
			return "", err
		}
		extra = map[string]json.RawMessage{"layout": lb}
	}
	obj, err := w.f.CreateDatasetWith(ctx, s, extra)
	if err != nil {
		return "", fmt.Errorf("dataset %s: %w", o.Path, err)
	}
	return obj.ID, nil
}

// attributes copies o's attributes to the object id. DIMENSION_LIST becomes a list of
// "datasets/<id>" references to the scales' new ids (as hsload writes it); REFERENCE_LIST (the
// scales' back references, compound with references) is not copied.
func (w *writer) attributes(ctx context.Context, h *h5file.File, o *h5file.Object, id string) error {
	attrs := append([]h5file.Attribute(nil), o.Attrs...)
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].Name < attrs[j].Name })
	for _, a := range attrs {
		if a.Name == "REFERENCE_LIST" {
			continue
		}
		v, err := h.Value(ctx, a)
		if err != nil {
			w.r.Skipped = append(w.r.Skipped, fmt.Sprintf("%s: attribute %s: %v", o.Path, a.Name, err))
			continue
		}
		if a.Name == "DIMENSION_LIST" {
			if err := w.dimensionList(ctx, o, id, a, v); err != nil {
				return err
			}
			continue
		}
		t, err := typeJSON(a.Type)
		if err != nil {
			w.r.Skipped = append(w.r.Skipped, fmt.Sprintf("%s: attribute %s: %v", o.Path, a.Name, err))
			continue
		}
		if len(a.Space.Dims) > 1 {
			w.r.Skipped = append(w.r.Skipped, fmt.Sprintf("%s: attribute %s: rank %d", o.Path, a.Name, len(a.Space.Dims)))
			continue
		}
		val, err := valueJSON(v, a.Space.NumElements() == 1 && len(a.Space.Dims) == 0)
		if err != nil {
			w.r.Skipped = append(w.r.Skipped, fmt.Sprintf("%s: attribute %s: %v", o.Path, a.Name, err))
			continue
		}
		var dims []int
		if len(a.Space.Dims) > 0 {
			dims = ints(a.Space.Dims)
		}
		if err := w.f.SetAttribute(ctx, id, a.Name, t, dims, val); err != nil {
			return fmt.Errorf("%s: attribute %s: %w", o.Path, a.Name, err)
		}
	}
	return nil
}

func (w *writer) dimensionList(ctx context.Context, o *h5file.Object, id string, a h5file.Attribute, v any) error {
	list, ok := v.([]any)
	if !ok {
		w.r.Skipped = append(w.r.Skipped, fmt.Sprintf("%s: attribute DIMENSION_LIST of type %T", o.Path, v))
		return nil
	}
	out := make([][]string, len(list))
	for i, e := range list {
		refs, _ := e.([]uint64)
		out[i] = []string{}
		for _, addr := range refs {
			if sid, ok := w.ids[addr]; ok && schema.Kind(sid) == schema.KindDataset {
				out[i] = append(out[i], "datasets/"+sid)
			}
		}
	}
	ref := json.RawMessage(`{"class":"H5T_VLEN","base":{"class":"H5T_REFERENCE","base":"H5T_STD_REF_OBJ"}}`)
	if err := w.f.SetAttribute(ctx, id, "DIMENSION_LIST", ref, []int{len(out)}, out); err != nil {
		return fmt.Errorf("%s: attribute DIMENSION_LIST: %w", o.Path, err)
	}
	return nil
}

// maxCopied bounds the values copied into the domain for datasets a reference cannot serve.
const maxCopied = 1 << 20

// copied creates a dataset holding o's values (scalars, e.g. CF grid_mapping variables, and
// compact layouts, whose bytes live in the object header): hsload copies those too.
func (w *writer) copied(ctx context.Context, h *h5file.File, g Granule, o *h5file.Object, s hdf.DatasetSpec) (string, error) {
	d := o.Dataset
	if d.Type.Class == h5file.ClassVlen {
		return "", fmt.Errorf("variable-length values: %w", errSkip)
	}
	n := int64(d.Space.NumElements()) * int64(d.Type.Size)
	if n > maxCopied {
		return "", fmt.Errorf("%d bytes in a compact or scalar dataset: %w", n, errSkip)
	}
	var data []byte
	switch d.Layout.Class {
	case h5file.LayoutCompact:
		data = d.Layout.Compact
	case h5file.LayoutContiguous:
		if d.Layout.Addr != ^uint64(0) && d.Layout.Size > 0 {
			b, err := w.st.GetRange(ctx, g.Bucket, g.Key, h.AbsOffset(d.Layout.Addr), n)
			if err != nil {
				return "", fmt.Errorf("%s: dataset %s: %w", g.URI(), o.Path, err)
			}
			data = b
		}
	default:
		return "", fmt.Errorf("scalar with layout class %d: %w", d.Layout.Class, errSkip)
	}
	s.ChunkDims, s.ExactChunks = nil, false
	obj, err := w.f.CreateDatasetWith(ctx, s, nil)
	if err != nil {
		return "", fmt.Errorf("dataset %s: %w", o.Path, err)
	}
	if data == nil {
		return obj.ID, nil // never written: fill values
	}
	if int64(len(data)) != n {
		return "", fmt.Errorf("%s: dataset %s: %d bytes of values, want %d: %w", g.URI(), o.Path, len(data), n, h5file.ErrFormat)
	}
	ds, err := w.f.Dataset(ctx, obj.ID)
	if err != nil {
		return "", err
	}
	if err := ds.Write(ctx, selection.All(ds.Dims), data, 1); err != nil {
		return "", fmt.Errorf("dataset %s: write values: %w", o.Path, err)
	}
	return obj.ID, nil
}

// scanParallel is how many files scanAll reads at once (ranged reads are latency-bound on S3).
const scanParallel = 8

// scanAll opens and reads the metadata of every granule, scanParallel at a time; the first
// error (in file order) is returned.
func scanAll(ctx context.Context, st store.Store, gs []Granule) ([]*scan, []int64, error) {
	scans := make([]*scan, len(gs))
	sizes := make([]int64, len(gs))
	errs := make([]error, len(gs))
	sem := make(chan struct{}, scanParallel)
	var wg sync.WaitGroup
	for i, g := range gs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			h, size, err := openGranule(ctx, st, g)
			if err == nil {
				scans[i], err = readAll(ctx, h)
			}
			sizes[i], errs[i] = size, err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return scans, sizes, nil
}
