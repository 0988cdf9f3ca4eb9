package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Dataspace classes.
const (
	ShapeSimple = "H5S_SIMPLE"
	ShapeScalar = "H5S_SCALAR"
	ShapeNull   = "H5S_NULL"
)

// Layout classes.
const (
	LayoutChunked            = "H5D_CHUNKED"
	LayoutContiguous         = "H5D_CONTIGUOUS"
	LayoutCompact            = "H5D_COMPACT"
	LayoutContiguousRef      = "H5D_CONTIGUOUS_REF"
	LayoutChunkedRef         = "H5D_CHUNKED_REF"
	LayoutChunkedRefIndirect = "H5D_CHUNKED_REF_INDIRECT"
	unlimitedText            = "H5S_UNLIMITED"
)

// IsRefLayoutClass reports whether class locates data in an HDF5 file
// (H5D_CONTIGUOUS_REF, H5D_CHUNKED_REF, H5D_CHUNKED_REF_INDIRECT).
func IsRefLayoutClass(class string) bool {
	return class == LayoutContiguousRef || class == LayoutChunkedRef || class == LayoutChunkedRefIndirect
}

// Shape is a dataspace: {"class": "H5S_SIMPLE", "dims": [...], "maxdims": [...]}.
// MaxDims uses 0 for unlimited ("H5S_UNLIMITED" is accepted on read) and is
// nil when the dataset is not extensible.
type Shape struct {
	Class   string
	Dims    []int
	MaxDims []int
}

// Rank returns the number of dimensions (0 for scalar and null spaces).
func (s Shape) Rank() int { return len(s.Dims) }

// IsExtensible reports whether any dimension may grow (HSDS isExtensible).
func (s Shape) IsExtensible() bool {
	for i, m := range s.MaxDims {
		if m == 0 || (i < len(s.Dims) && m > s.Dims[i]) {
			return true
		}
	}
	return false
}

// NumElements returns the number of elements (1 for scalar, 0 for null)
// and false if the product overflows int64.
func (s Shape) NumElements() (int64, bool) {
	switch s.Class {
	case ShapeNull:
		return 0, true
	case ShapeScalar:
		return 1, true
	}
	n := int64(1)
	for _, d := range s.Dims {
		if d != 0 && n > math.MaxInt64/int64(d) {
			return 0, false
		}
		n *= int64(d)
	}
	return n, true
}

// MarshalJSON writes class, dims (simple only) and maxdims (when set).
func (s Shape) MarshalJSON() ([]byte, error) {
	w := newWriter()
	w.value("class", s.Class)
	if s.Class == ShapeSimple || s.Dims != nil {
		dims := s.Dims
		if dims == nil {
			dims = []int{}
		}
		w.value("dims", dims)
	}
	if s.MaxDims != nil {
		w.value("maxdims", s.MaxDims)
	}
	return w.bytes()
}

// UnmarshalJSON decodes and validates a dataspace.
func (s *Shape) UnmarshalJSON(b []byte) error {
	o, err := decodeObject(b)
	if err != nil {
		return err
	}
	var out Shape
	v := o.take("class")
	if v == nil {
		return errors.New("class: missing")
	}
	if out.Class, err = decodeString(v); err != nil {
		return fmt.Errorf("class: %w", err)
	}
	switch out.Class {
	case ShapeSimple:
		v := o.take("dims")
		if v == nil {
			return errors.New("dims: missing for H5S_SIMPLE")
		}
		if out.Dims, err = decodeInts(v, 0, "dims"); err != nil {
			return err
		}
		if len(out.Dims) == 0 {
			return errors.New("dims: empty for H5S_SIMPLE")
		}
	case ShapeScalar, ShapeNull:
		if v := o.take("dims"); v != nil {
			if d, err := decodeInts(v, 0, "dims"); err != nil || len(d) != 0 {
				return fmt.Errorf("dims: not allowed for %s", out.Class)
			}
		}
	default:
		return fmt.Errorf("class: unknown dataspace class %q", out.Class)
	}
	if v := o.take("maxdims"); v != nil {
		if out.MaxDims, err = decodeMaxDims(v, out.Dims); err != nil {
			return err
		}
	}
	*s = out
	return nil
}

func decodeMaxDims(v json.RawMessage, dims []int) ([]int, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(v, &items); err != nil {
		return nil, errors.New("maxdims: must be a list")
	}
	if len(items) != len(dims) {
		return nil, fmt.Errorf("maxdims: rank %d does not match dims rank %d", len(items), len(dims))
	}
	out := make([]int, len(items))
	for i, it := range items {
		if s, err := decodeString(it); err == nil {
			if s != unlimitedText {
				return nil, fmt.Errorf("maxdims: unexpected %q", s)
			}
			continue // 0 = unlimited
		}
		n, err := decodeInt(it)
		if err != nil || n < 0 || n > math.MaxInt64/2 {
			return nil, errors.New("maxdims: must be non-negative integers or \"H5S_UNLIMITED\"")
		}
		if n != 0 && int(n) < dims[i] {
			return nil, fmt.Errorf("maxdims: %d is smaller than dims[%d] = %d", n, i, dims[i])
		}
		out[i] = int(n)
	}
	return out, nil
}

// Layout is a dataset layout, both the top-level effective "layout" and a
// creationProperties.layout. Offset and Size are written only for
// H5D_CONTIGUOUS_REF or when non-zero.
type Layout struct {
	Class          string
	Dims           []int
	PartitionCount int
	FileURI        string
	Offset         int64
	Size           int64
	Chunks         map[string][2]int64 // H5D_CHUNKED_REF: "i_j" -> [offset, size]
	ChunkTable     string              // H5D_CHUNKED_REF_INDIRECT: a dataset id
	HyperDims      []int
	Extra          []Field
	order          []string // input key order, kept on round trip
}

// MarshalJSON writes class, dims, partition_count, file_uri, offset, size,
// chunks, chunk_table, hyper_dims (each when set) and unknown fields. A
// decoded layout keeps its input key order.
func (l Layout) MarshalJSON() ([]byte, error) {
	w := newWriter()
	done := map[string]bool{}
	emit := func(k string) {
		if done[k] {
			return
		}
		done[k] = true
		switch k {
		case "class":
			w.value(k, l.Class)
		case "dims":
			if l.Dims != nil {
				w.value(k, l.Dims)
			}
		case "partition_count":
			if l.PartitionCount != 0 {
				w.value(k, l.PartitionCount)
			}
		case "file_uri":
			if l.FileURI != "" {
				w.value(k, l.FileURI)
			}
		case "offset":
			if l.Class == LayoutContiguousRef || l.Offset != 0 || l.Size != 0 {
				w.value(k, l.Offset)
			}
		case "size":
			if l.Class == LayoutContiguousRef || l.Offset != 0 || l.Size != 0 {
				w.value(k, l.Size)
			}
		case "chunks":
			if l.Chunks != nil {
				w.value(k, l.Chunks)
			}
		case "chunk_table":
			if l.ChunkTable != "" {
				w.value(k, l.ChunkTable)
			}
		case "hyper_dims":
			if l.HyperDims != nil {
				w.value(k, l.HyperDims)
			}
		default:
			for _, f := range l.Extra {
				if f.Name == k {
					w.value(k, f.Value)
				}
			}
		}
	}
	for _, k := range l.order {
		emit(k)
	}
	for _, k := range []string{"class", "dims", "partition_count", "file_uri", "offset", "size", "chunks", "chunk_table", "hyper_dims"} {
		emit(k)
	}
	for _, f := range l.Extra {
		emit(f.Name)
	}
	return w.bytes()
}

// UnmarshalJSON decodes a layout strictly for the known fields.
func (l *Layout) UnmarshalJSON(b []byte) error {
	o, err := decodeObject(b)
	if err != nil {
		return err
	}
	out := Layout{order: append([]string(nil), o.keys...)}
	v := o.take("class")
	if v == nil {
		return errors.New("class: missing")
	}
	if out.Class, err = decodeString(v); err != nil {
		return fmt.Errorf("class: %w", err)
	}
	if v := o.take("dims"); v != nil {
		if out.Dims, err = decodeInts(v, 0, "dims"); err != nil {
			return err
		}
	}
	if v := o.take("partition_count"); v != nil {
		n, err := decodeInt(v)
		if err != nil || n < 0 || n > 1<<31 {
			return errors.New("partition_count: must be a non-negative integer")
		}
		out.PartitionCount = int(n)
	}
	if v := o.take("file_uri"); v != nil {
		if out.FileURI, err = decodeString(v); err != nil {
			return fmt.Errorf("file_uri: %w", err)
		}
	}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"offset", &out.Offset}, {"size", &out.Size}} {
		if v := o.take(f.name); v != nil {
			n, err := decodeInt(v)
			if err != nil || n < 0 {
				return fmt.Errorf("%s: must be a non-negative integer", f.name)
			}
			*f.dst = n
		}
	}
	if v := o.take("chunks"); v != nil {
		if err := json.Unmarshal(v, &out.Chunks); err != nil {
			return errors.New("chunks: must map \"i_j\" keys to [offset, size] integer pairs")
		}
		for k, c := range out.Chunks {
			if c[0] < 0 || c[1] < 0 {
				return fmt.Errorf("chunks: %q: negative offset or size", k)
			}
		}
	}
	if v := o.take("chunk_table"); v != nil {
		if out.ChunkTable, err = decodeString(v); err != nil {
			return fmt.Errorf("chunk_table: %w", err)
		}
	}
	if v := o.take("hyper_dims"); v != nil {
		if out.HyperDims, err = decodeInts(v, 1, "hyper_dims"); err != nil {
			return err
		}
	}
	out.Extra = o.rest()
	*l = out
	return nil
}

// Dataset is the content of a .dataset.json.
type Dataset struct {
	ID                 string
	Root               string
	Created            float64
	LastModified       float64
	Type               json.RawMessage // parsed by h5type
	Shape              Shape
	Layout             Layout // the effective layout; Class "" when absent (H5S_NULL)
	CreationProperties json.RawMessage
	Attributes         map[string]Attribute
	Extra              []Field
}

// MarshalJSON writes id, root, created, lastModified, type, shape,
// attributes, creationProperties, layout (HSDS's order) and unknown fields.
func (d Dataset) MarshalJSON() ([]byte, error) {
	w := newWriter()
	w.value("id", d.ID)
	w.value("root", d.Root)
	w.float("created", d.Created)
	w.float("lastModified", d.LastModified)
	w.value("type", d.Type)
	w.value("shape", d.Shape)
	attrs := d.Attributes
	if attrs == nil {
		attrs = map[string]Attribute{}
	}
	w.value("attributes", attrs)
	if len(d.CreationProperties) > 0 {
		w.value("creationProperties", d.CreationProperties)
	}
	if d.Layout.Class != "" {
		w.value("layout", d.Layout)
	}
	w.extras(d.Extra)
	return w.bytes()
}

// UnmarshalJSON decodes a .dataset.json; errors name the dataset and field,
// e.g. "dataset d-...: shape: dims must be non-negative integers".
func (d *Dataset) UnmarshalJSON(b []byte) error {
	o, err := decodeObject(b)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	var out Dataset
	if out.ID, err = takeID(o, "id", KindDataset); err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	fail := func(err error) error { return fmt.Errorf("dataset %s: %w", out.ID, err) }
	if out.Root, err = takeID(o, "root", KindGroup); err != nil {
		return fail(err)
	}
	if err := takeTimes(o, &out.Created, &out.LastModified); err != nil {
		return fail(err)
	}
	if out.Type = o.take("type"); out.Type == nil {
		return fail(errors.New("type: missing"))
	}
	v := o.take("shape")
	if v == nil {
		return fail(errors.New("shape: missing"))
	}
	if err := json.Unmarshal(v, &out.Shape); err != nil {
		return fail(fmt.Errorf("shape: %w", err))
	}
	if v := o.take("layout"); v != nil {
		if err := json.Unmarshal(v, &out.Layout); err != nil {
			return fail(fmt.Errorf("layout: %w", err))
		}
	}
	if v := o.take("creationProperties"); v != nil {
		cp, err := decodeObject(v)
		if err != nil {
			return fail(errors.New("creationProperties: must be an object"))
		}
		if lv := cp.take("layout"); lv != nil {
			var l Layout
			if err := json.Unmarshal(lv, &l); err != nil {
				return fail(fmt.Errorf("creationProperties: layout: %w", err))
			}
		}
		out.CreationProperties = v
	}
	out.Attributes = map[string]Attribute{}
	if v := o.take("attributes"); v != nil {
		if out.Attributes, err = decodeAttrs(v); err != nil {
			return fail(err)
		}
	}
	out.Extra = o.rest()
	*d = out
	return nil
}

// creationProperty returns one field of creationProperties (nil if absent).
func (d *Dataset) creationProperty(name string) json.RawMessage {
	if len(d.CreationProperties) == 0 {
		return nil
	}
	o, err := decodeObject(d.CreationProperties)
	if err != nil {
		return nil
	}
	return o.take(name)
}

// ChunkLayout returns the chunk dims used to store the dataset
// (layout.dims; [1] for scalar datasets). It fails for null dataspaces and
// for missing, mis-ranked or non-positive chunk dims, except that a zero
// chunk extent is read as 1 on a dimension of extent 0 of a dataset that
// cannot grow (no maxdims):
// HSDS makes the whole dataspace the chunk of a dataset smaller than
// min_chunk_size (hsds/util/chunkUtil.py expandChunk), so a [4, 0] dataset
// gets chunk dims [4, 0]; such a dimension holds no element and no chunk.
func (d *Dataset) ChunkLayout() ([]int, error) {
	switch d.Shape.Class {
	case ShapeNull:
		return nil, fmt.Errorf("dataset %s: null dataspace has no chunks", d.ID)
	case ShapeScalar:
		if len(d.Layout.Dims) == 1 && d.Layout.Dims[0] == 1 {
			return []int{1}, nil
		}
		if len(d.Layout.Dims) == 0 {
			return []int{1}, nil
		}
		return nil, fmt.Errorf("dataset %s: layout: scalar dataset needs dims [1], got %v", d.ID, d.Layout.Dims)
	}
	dims := d.Layout.Dims
	if len(dims) == 0 {
		return nil, fmt.Errorf("dataset %s: layout: no chunk dims", d.ID)
	}
	if len(dims) != len(d.Shape.Dims) {
		return nil, fmt.Errorf("dataset %s: layout: chunk rank %d does not match shape rank %d", d.ID, len(dims), len(d.Shape.Dims))
	}
	out := cloneInts(dims)
	for i, c := range dims {
		if c == 0 && d.Shape.Dims[i] == 0 && d.Shape.MaxDims == nil {
			out[i] = 1
			continue
		}
		if c <= 0 {
			return nil, fmt.Errorf("dataset %s: layout: chunk dims must be positive, got %v", d.ID, dims)
		}
	}
	return out, nil
}

// RefLayout returns the reference layout locating the dataset's data in an
// HDF5 file, if any. creationProperties.layout with a *_REF class has
// priority (HSDS getDatasetLayout); its missing dims are taken from the
// effective layout. A top-level layout with a *_REF class (older writers)
// is used otherwise.
func (d *Dataset) RefLayout() (*Layout, bool) {
	if v := d.creationProperty("layout"); v != nil {
		var l Layout
		if err := json.Unmarshal(v, &l); err == nil && IsRefLayoutClass(l.Class) {
			if len(l.Dims) == 0 {
				l.Dims = cloneInts(d.Layout.Dims)
			}
			return &l, true
		}
	}
	if IsRefLayoutClass(d.Layout.Class) {
		l := d.Layout
		l.Dims = cloneInts(l.Dims)
		return &l, true
	}
	return nil, false
}

// FillValue returns creationProperties.fillValue (nil when unset) and
// fillValue_encoding ("base64" or "").
func (d *Dataset) FillValue() (raw json.RawMessage, encoding string) {
	raw = d.creationProperty("fillValue")
	if v := d.creationProperty("fillValue_encoding"); v != nil {
		encoding, _ = decodeString(v)
	}
	return raw, encoding
}

// Filters returns the dataset's creationProperties.filters as stored,
// without the creation-time support checks (see ParseFilters).
func (d *Dataset) Filters() ([]Filter, error) {
	v := d.creationProperty("filters")
	if v == nil {
		return nil, nil
	}
	fs, err := ParseFilters(v)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: creationProperties: %w", d.ID, err)
	}
	return fs, nil
}
