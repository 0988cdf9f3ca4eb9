package h5index

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/hsfan/hsfan/hsds/h5file"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// uriLen is the length of the chunk table's fixed-length file_uri field (bytes).
const uriLen = 256

// chunkTableType is the chunk table element: HSDS reads the fields positionally (offset, size,
// file_uri; dset_lib.getChunkLocations), h5pyd names them offset and size.
var chunkTableType = json.RawMessage(fmt.Sprintf(`{"class":"H5T_COMPOUND","fields":[`+
	`{"name":"offset","type":{"class":"H5T_INTEGER","base":"H5T_STD_I64LE"}},`+
	`{"name":"size","type":{"class":"H5T_INTEGER","base":"H5T_STD_I32LE"}},`+
	`{"name":"file_uri","type":{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","length":%d,"strPad":"H5T_STR_NULLPAD"}}]}`, uriLen))

const tableElem = 12 + uriLen

// scaleOf finds the dimension scale of the concat dimension in a file: the dataset /DIM.
func scaleOf(s *scan, dim, uri string) (*h5file.Object, error) {
	for _, o := range s.objects {
		if o.Path == "/"+dim {
			if o.Dataset == nil || len(o.Dataset.Space.Dims) != 1 {
				return nil, fmt.Errorf("%s: /%s is not a one-dimensional dataset (the dimension scale of --concat %s)", uri, dim, dim)
			}
			return o, nil
		}
	}
	return nil, fmt.Errorf("%s: no dataset /%s (the dimension scale of --concat %s)", uri, dim, dim)
}

// firstDimIs reports whether o's first dimension is the scale at addr (DIMENSION_LIST).
func firstDimIs(ctx context.Context, h *h5file.File, o *h5file.Object, addr uint64) (bool, error) {
	for _, a := range o.Attrs {
		if a.Name != "DIMENSION_LIST" {
			continue
		}
		v, err := h.Value(ctx, a)
		if err != nil {
			return false, err
		}
		list, _ := v.([]any)
		if len(list) == 0 {
			return false, nil
		}
		refs, _ := list[0].([]uint64)
		for _, r := range refs {
			if r == addr {
				return true, nil
			}
		}
	}
	return false, nil
}

func sameType(a, b *h5file.Datatype) bool {
	return a.Class == b.Class && a.Size == b.Size && a.Signed == b.Signed && a.BigEndian == b.BigEndian &&
		a.Padding == b.Padding && a.CharSet == b.CharSet
}

func filterIDs(fs []h5file.Filter) string {
	var ids []int
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return fmt.Sprint(ids)
}

// checkConcat finds the datasets joined along the concat dimension (by path, from the first
// file) and checks every other file against the first: the same objects, types, filters, chunk
// shapes and dimensions except the joined one.
func (w *writer) checkConcat() (map[uint64]bool, error) {
	ctx := context.Background()
	first := w.scans[0]
	scale, err := scaleOf(first, w.concat, w.gs[0].URI())
	if err != nil {
		return nil, err
	}
	w.scale = scale
	joined := map[uint64]bool{scale.Addr: true}
	w.joinedPaths = map[string]bool{scale.Path: true}
	for _, o := range first.objects {
		if o.Dataset == nil || o == scale {
			continue
		}
		ok, err := firstDimIs(ctx, first.h, o, scale.Addr)
		if err != nil {
			return nil, fmt.Errorf("%s: dataset %s: DIMENSION_LIST: %w", w.gs[0].URI(), o.Path, err)
		}
		if ok {
			joined[o.Addr] = true
			w.joinedPaths[o.Path] = true
		}
	}
	return joined, w.checkFiles(first, w.scans[1:], w.gs[1:], w.gs[0].URI())
}

// maxCompared bounds the coordinate values compared across files (bytes per dataset).
const maxCompared = 1 << 20

// sameValues checks that a one-dimensional dataset that is not joined (a coordinate such as lat
// or lon, taken from the first file) holds the same values in file i as in the first file: a
// granule on another grid would otherwise be averaged on the first file's coordinates.
func (w *writer) sameValues(ctx context.Context, a, b *h5file.Dataset, i int) error {
	if len(a.Space.Dims) != 1 || int64(a.Space.Dims[0])*int64(a.Type.Size) > maxCompared {
		return nil
	}
	av, err := readValues(ctx, w.st, w.gs[0], w.scans[0].h, a)
	if err != nil {
		return fmt.Errorf("%s: %s values: %w", w.gs[0].URI(), a.Path, err)
	}
	bv, err := readValues(ctx, w.st, w.gs[i], w.scans[i].h, b)
	if err != nil {
		return fmt.Errorf("%s: %s values: %w", w.gs[i].URI(), b.Path, err)
	}
	if !bytes.Equal(av, bv) {
		k := 0
		for k < len(av) && av[k] == bv[k] {
			k++
		}
		return fmt.Errorf("%s: dataset %s: values differ from %s's (first at element %d): the files are not on one grid", w.gs[i].URI(), a.Path, w.gs[0].URI(), k/a.Type.Size)
	}
	return nil
}

// checkFiles compares each scan of others with ref (the first file or the domain's model).
func (w *writer) checkFiles(ref *scan, others []*scan, gs []Granule, refName string) error {
	for i, s := range others {
		uri := gs[i].URI()
		byPath := map[string]*h5file.Object{}
		for _, o := range s.objects {
			byPath[o.Path] = o
		}
		for _, o := range ref.objects {
			p, ok := byPath[o.Path]
			if !ok {
				return fmt.Errorf("%s: no %s (which %s has)", uri, o.Path, refName)
			}
			if o.IsGroup != p.IsGroup {
				return fmt.Errorf("%s: %s is a group in one file and a dataset in the other (%s)", uri, o.Path, refName)
			}
			if o.Dataset == nil {
				continue
			}
			a, b := o.Dataset, p.Dataset
			if !sameType(a.Type, b.Type) {
				return fmt.Errorf("%s: dataset %s: type (class %d, %d bytes) differs from %s's (class %d, %d bytes)", uri, o.Path, b.Type.Class, b.Type.Size, refName, a.Type.Class, a.Type.Size)
			}
			if len(a.Space.Dims) != len(b.Space.Dims) {
				return fmt.Errorf("%s: dataset %s: rank %d differs from %s's %d", uri, o.Path, len(b.Space.Dims), refName, len(a.Space.Dims))
			}
			from := 0
			if w.joinedPaths[o.Path] {
				from = 1
			}
			if fmt.Sprint(a.Space.Dims[from:]) != fmt.Sprint(b.Space.Dims[from:]) {
				return fmt.Errorf("%s: dataset %s: dimensions %v differ from %s's %v", uri, o.Path, b.Space.Dims, refName, a.Space.Dims)
			}
			if o.Path == w.scale.Path {
				continue // copied by value
			}
			if a.Layout.Class != b.Layout.Class || fmt.Sprint(a.Layout.ChunkDims) != fmt.Sprint(b.Layout.ChunkDims) {
				return fmt.Errorf("%s: dataset %s: layout class %d chunks %v differ from %s's class %d chunks %v", uri, o.Path, b.Layout.Class, b.Layout.ChunkDims, refName, a.Layout.Class, a.Layout.ChunkDims)
			}
			if filterIDs(a.Filters) != filterIDs(b.Filters) {
				return fmt.Errorf("%s: dataset %s: filters %s differ from %s's %s", uri, o.Path, filterIDs(b.Filters), refName, filterIDs(a.Filters))
			}
			if !w.joinedPaths[o.Path] {
				if err := w.sameValues(context.Background(), a, b, i+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// fileObject returns the object at path in scan i.
func (w *writer) fileObject(i int, path string) *h5file.Object {
	for _, o := range w.scans[i].objects {
		if o.Path == path {
			return o
		}
	}
	return nil
}

// concatDataset creates the joined dataset of o: the scale as values, the rest by reference.
func (w *writer) concatDataset(ctx context.Context, o *h5file.Object) (string, error) {
	if o.Addr == w.scale.Addr {
		return w.scaleDataset(ctx, o)
	}
	d := o.Dataset
	if d.Layout.Class != h5file.LayoutChunked {
		return "", fmt.Errorf("%s: dataset %s: joined along %s but not chunked: %w", w.gs[0].URI(), o.Path, w.concat, h5file.ErrUnsupported)
	}
	s, err := spec(ctx, w.scans[0].h, o)
	if err != nil {
		return "", err
	}
	if s.Filters, err = filtersJSON(d.Filters); err != nil {
		return "", fmt.Errorf("%s: dataset %s: %w", w.gs[0].URI(), o.Path, err)
	}
	s.ChunkDims = ints(d.Layout.ChunkDims)
	s.MaxDims = append([]int{0}, s.Dims[1:]...)
	s.Dims[0] = 0
	tid, err := w.newTable(ctx, s.Dims, s.ChunkDims)
	if err != nil {
		return "", fmt.Errorf("dataset %s: chunk table: %w", o.Path, err)
	}
	lb, _ := json.Marshal(map[string]any{"class": schema.LayoutChunkedRefIndirect, "dims": s.ChunkDims, "chunk_table": tid})
	obj, err := w.f.CreateDatasetWith(ctx, s, map[string]json.RawMessage{"layout": lb})
	if err != nil {
		return "", fmt.Errorf("dataset %s: %w", o.Path, err)
	}
	if err := w.appendChunks(ctx, obj.ID, o.Path, 0); err != nil {
		return "", err
	}
	return obj.ID, nil
}

// newTable creates an empty (extensible along dim 0) chunk table for a dataset of dims.
func (w *writer) newTable(ctx context.Context, dims, chunks []int) (string, error) {
	grid := make([]int, len(dims))
	max := make([]int, len(dims))
	tchunks := make([]int, len(dims))
	for i := range dims {
		grid[i] = (dims[i] + chunks[i] - 1) / chunks[i]
		max[i] = grid[i]
		tchunks[i] = max[i]
	}
	max[0] = 0
	tchunks[0] = 64
	obj, err := w.f.CreateDatasetWith(ctx, hdf.DatasetSpec{Type: chunkTableType, Dims: grid, MaxDims: max, ChunkDims: tchunks}, nil)
	if err != nil {
		return "", err
	}
	return obj.ID, nil
}

// appendChunks extends the dataset id (path in the files) and its chunk table by the files
// w.scans[from:], in order, writing each chunk's (offset, size, file_uri).
func (w *writer) appendChunks(ctx context.Context, id, path string, from int) error {
	ds, err := w.f.Dataset(ctx, id)
	if err != nil {
		return err
	}
	cl, _ := ds.Obj.RefLayout()
	tid := cl.ChunkTable
	chunk0 := ds.ChunkDims[0]
	start := ds.Dims[0]
	if start%chunk0 != 0 {
		return fmt.Errorf("dataset %s: %d elements along %s, not a multiple of the chunk's %d: files cannot be added", path, start, w.concat, chunk0)
	}
	total := start
	for i := from; i < len(w.scans); i++ {
		o := w.fileObject(i, path)
		n := int(o.Dataset.Space.Dims[0])
		if n%chunk0 != 0 && i != len(w.scans)-1 {
			return fmt.Errorf("%s: dataset %s: %d elements along %s, not a multiple of the chunk's %d (only the last file may end a chunk early)", w.gs[i].URI(), path, n, w.concat, chunk0)
		}
		total += n
	}
	if _, err := w.f.Resize(ctx, id, append([]int{total}, ds.Dims[1:]...)); err != nil {
		return fmt.Errorf("dataset %s: %w", path, err)
	}
	table, err := w.f.Dataset(ctx, tid)
	if err != nil {
		return fmt.Errorf("dataset %s: chunk table: %w", path, err)
	}
	grid0 := (total + chunk0 - 1) / chunk0
	if _, err := w.f.Resize(ctx, tid, append([]int{grid0}, table.Dims[1:]...)); err != nil {
		return fmt.Errorf("dataset %s: chunk table: %w", path, err)
	}
	if table, err = w.f.Dataset(ctx, tid); err != nil {
		return err
	}
	first := start / chunk0
	rows := grid0 - first
	if rows == 0 {
		return nil
	}
	per := 1
	for _, g := range table.Dims[1:] {
		per *= g
	}
	buf := make([]byte, rows*per*tableElem)
	at := start
	for i := from; i < len(w.scans); i++ {
		o := w.fileObject(i, path)
		uri := w.gs[i].URI()
		if len(uri) > uriLen {
			return fmt.Errorf("%s: file_uri longer than %d bytes", uri, uriLen)
		}
		chunks, err := w.scans[i].h.Chunks(ctx, o.Dataset)
		if err != nil {
			return err
		}
		for _, c := range chunks {
			if c.FilterMask != 0 {
				return fmt.Errorf("%s: dataset %s: chunk %v skips filters (mask %#x), which a reference layout cannot say: %w", uri, path, c.Offset, c.FilterMask, h5file.ErrUnsupported)
			}
			if c.Size > 1<<31-1 {
				return fmt.Errorf("%s: dataset %s: chunk of %d bytes", uri, path, c.Size)
			}
			lin := (at+int(c.Offset[0]))/chunk0 - first
			for k := 1; k < len(c.Offset); k++ {
				lin = lin*table.Dims[k] + int(c.Offset[k])/ds.ChunkDims[k]
			}
			e := buf[lin*tableElem : (lin+1)*tableElem]
			binary.LittleEndian.PutUint64(e[0:], uint64(c.Addr))
			binary.LittleEndian.PutUint32(e[8:], uint32(c.Size))
			copy(e[12:], uri)
		}
		w.r.Chunks += len(chunks)
		at += int(o.Dataset.Space.Dims[0])
	}
	sel, err := selection.Parse(fmt.Sprintf("[%d:%d%s]", first, grid0, strings.Repeat(",:", len(table.Dims)-1)), table.Dims)
	if err != nil {
		return err
	}
	return table.Write(ctx, sel, buf, 2)
}

// scaleDataset writes the concat scale as values: each file's own, in order.
func (w *writer) scaleDataset(ctx context.Context, o *h5file.Object) (string, error) {
	s, err := spec(ctx, w.scans[0].h, o)
	if err != nil {
		return "", err
	}
	s.MaxDims = []int{0}
	s.ChunkDims = []int{1024}
	s.Dims = []int{0}
	obj, err := w.f.CreateDatasetWith(ctx, s, nil)
	if err != nil {
		return "", fmt.Errorf("dataset %s: %w", o.Path, err)
	}
	return obj.ID, w.appendScale(ctx, obj.ID, o.Path, 0)
}

func (w *writer) appendScale(ctx context.Context, id, path string, from int) error {
	var vals []byte
	for i := from; i < len(w.scans); i++ {
		o := w.fileObject(i, path)
		b, err := readValues(ctx, w.st, w.gs[i], w.scans[i].h, o.Dataset)
		if err != nil {
			return fmt.Errorf("%s: %s values: %w", w.gs[i].URI(), path, err)
		}
		vals = append(vals, b...)
	}
	ds, err := w.f.Dataset(ctx, id)
	if err != nil {
		return err
	}
	start := ds.Dims[0]
	n := len(vals) / ds.ItemSize
	if _, err := w.f.Resize(ctx, id, []int{start + n}); err != nil {
		return fmt.Errorf("dataset %s: %w", path, err)
	}
	if ds, err = w.f.Dataset(ctx, id); err != nil {
		return err
	}
	sel, err := selection.Parse(fmt.Sprintf("[%d:%d]", start, start+n), ds.Dims)
	if err != nil {
		return err
	}
	return ds.Write(ctx, sel, vals, 1)
}

// readValues reads a one-dimensional dataset's values from the file (contiguous, or chunked
// with deflate/shuffle), little-endian as the file stores them.
func readValues(ctx context.Context, st store.Store, g Granule, h *h5file.File, d *h5file.Dataset) ([]byte, error) {
	n := int(d.Space.Dims[0])
	size := d.Type.Size
	out := make([]byte, n*size)
	if n == 0 {
		return out, nil
	}
	if d.Fill.Defined && len(d.Fill.Value) == size {
		for i := 0; i < n; i++ {
			copy(out[i*size:], d.Fill.Value)
		}
	}
	switch d.Layout.Class {
	case h5file.LayoutContiguous:
		if d.Layout.Addr == ^uint64(0) {
			return out, nil
		}
		b, err := st.GetRange(ctx, g.Bucket, g.Key, h.AbsOffset(d.Layout.Addr), int64(len(out)))
		if err != nil {
			return nil, err
		}
		copy(out, b)
		return out, nil
	case h5file.LayoutCompact:
		copy(out, d.Layout.Compact)
		return out, nil
	}
	chunks, err := h.Chunks(ctx, d)
	if err != nil {
		return nil, err
	}
	cb := int(d.ChunkBytes())
	for _, c := range chunks {
		raw, err := st.GetRange(ctx, g.Bucket, g.Key, c.Addr, c.Size)
		if err != nil {
			return nil, err
		}
		for k := len(d.Filters) - 1; k >= 0; k-- {
			if c.FilterMask&(1<<k) != 0 {
				continue
			}
			switch f := d.Filters[k]; f.ID {
			case h5file.FilterDeflate:
				zr, err := zlib.NewReader(bytes.NewReader(raw))
				if err != nil {
					return nil, fmt.Errorf("chunk at %d: %w", c.Addr, err)
				}
				raw, err = io.ReadAll(io.LimitReader(zr, int64(cb)+1))
				if err != nil {
					return nil, fmt.Errorf("chunk at %d: %w", c.Addr, err)
				}
			case h5file.FilterShuffle:
				if len(raw) == cb && size > 1 {
					u := make([]byte, cb)
					m := cb / size
					for e := 0; e < m; e++ {
						for b := 0; b < size; b++ {
							u[e*size+b] = raw[b*m+e]
						}
					}
					raw = u
				}
			default:
				return nil, fmt.Errorf("filter %s: %w", filterName(f), h5file.ErrUnsupported)
			}
		}
		if len(raw) != cb {
			return nil, fmt.Errorf("chunk at %d: %d bytes decoded, want %d", c.Addr, len(raw), cb)
		}
		off := int(c.Offset[0])
		m := min(int(d.Layout.ChunkDims[0]), n-off)
		if off < 0 || m <= 0 {
			continue
		}
		copy(out[off*size:(off+m)*size], raw[:m*size])
	}
	return out, nil
}

// Append adds granules to a domain written by Index with Options.Concat: the files must match
// the domain's first file (re-read from the chunk table's first entry) and are joined after the
// domain's last element along the concat dimension.
func Append(ctx context.Context, st store.Store, f *hdf.File, gs []Granule, o Options) (Report, error) {
	var r Report
	if o.Concat == "" {
		return r, fmt.Errorf("append: --concat is required")
	}
	// The model file: the first file of the domain, named by the scale's joined datasets'
	// chunk tables. Its URI is kept in the root attribute written by Index.
	root, err := f.ObjectAttributes(ctx, f.RootID())
	if err != nil {
		return r, err
	}
	a, ok := root[concatAttr]
	if !ok {
		return r, fmt.Errorf("append: domain has no %s attribute: it was not written by hsfan index --concat", concatAttr)
	}
	var model struct {
		Dim   string `json:"dim"`
		First string `json:"first"`
	}
	var sval string
	if err := json.Unmarshal(a.Value, &sval); err != nil || json.Unmarshal([]byte(sval), &model) != nil {
		return r, fmt.Errorf("append: attribute %s: %s", concatAttr, a.Value)
	}
	if model.Dim != o.Concat {
		return r, fmt.Errorf("append: the domain is joined along %s, not %s", model.Dim, o.Concat)
	}
	first, isS3 := strings.CutPrefix(model.First, "s3://")
	bucket, key, _ := cutURI(first)
	all := append([]Granule{{Bucket: bucket, Key: key, S3: isS3}}, gs...)
	scans, sizes, err := scanAll(ctx, st, all)
	if err != nil {
		return r, err
	}
	for _, size := range sizes[1:] {
		r.FileBytes += size
	}
	w := &writer{f: f, st: st, gs: all, scans: scans, concat: o.Concat, ids: map[uint64]string{}, r: &r}
	if _, err := w.checkConcat(); err != nil {
		return r, err
	}
	for p := range w.joinedPaths {
		id, err := f.Resolve(ctx, p)
		if err != nil {
			return r, fmt.Errorf("append: %s: %w", p, err)
		}
		if p == w.scale.Path {
			err = w.appendScale(ctx, id, p, 1)
		} else {
			err = w.appendChunks(ctx, id, p, 1)
		}
		if err != nil {
			return r, err
		}
	}
	for _, s := range scans[1:] {
		b, n := s.h.Stats()
		r.BytesRead += b
		r.Reads += n
	}
	r.Files = len(gs)
	r.Datasets = len(w.joinedPaths)
	return r, nil
}

// concatAttr is the root attribute recording how a --concat domain was joined (JSON
// {"dim": DIM, "first": FILE_URI}), read by Append.
const concatAttr = "hsfan_concat"

func cutURI(u string) (string, string, bool) {
	for i := 0; i < len(u); i++ {
		if u[i] == '/' {
			return u[:i], u[i+1:], true
		}
	}
	return u, "", false
}

func (w *writer) markConcat(ctx context.Context) error {
	b, _ := json.Marshal(map[string]string{"dim": w.concat, "first": w.gs[0].URI()})
	return w.f.SetAttribute(ctx, w.f.RootID(), concatAttr,
		json.RawMessage(`{"class":"H5T_STRING","charSet":"H5T_CSET_UTF8","length":"H5T_VARIABLE","strPad":"H5T_STR_NULLTERM"}`), nil, string(b))
}
