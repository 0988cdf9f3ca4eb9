package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/schema"
)

func rawJSON(v any) json.RawMessage {
	b, err := schema.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

func (s *Server) datasetJSON(r *http.Request, f *hdf.File, d *schema.Dataset, dom string, includeAttrs bool) *jobj {
	var cp any = d.CreationProperties
	if len(d.CreationProperties) == 0 {
		cp = json.RawMessage("{}")
	} else if truthyParam(r, "ignore_nan") {
		cp = fillNaNAsString(d.CreationProperties)
	}
	o := obj("id", d.ID, "root", d.Root, "shape", rawJSON(d.Shape), "type", d.Type,
		"creationProperties", cp)
	if d.Layout.Class != "" {
		o.set("layout", rawJSON(d.Layout))
	}
	o.set("attributeCount", len(d.Attributes)).set("created", d.Created).
		set("lastModified", d.LastModified).set("domain", f.Path())
	if includeAttrs {
		o.set("attributes", attrsMap(d.Attributes))
	}
	p := "/datasets/" + d.ID
	hrefs := []*jobj{s.href(r, "self", p, dom), s.href(r, "root", "/groups/"+d.Root, dom),
		s.href(r, "home", "/", dom), s.href(r, "attributes", p+"/attributes", dom)}
	n, _ := d.Shape.NumElements()
	if d.Shape.Class == schema.ShapeSimple && n > 100 {
		pv := s.href(r, "preview", p+"/value", dom)
		pv.set("href", s.url(r, p+"/value", dom)+"&select="+previewSelect(d.Shape.Dims))
		hrefs = append(hrefs, pv)
	} else if d.Shape.Class != schema.ShapeNull {
		hrefs = append(hrefs, s.href(r, "data", p+"/value", dom))
	}
	return o.set("hrefs", hrefs)
}

// fillNaNAsString returns creationProperties with a NaN fillValue written as the string "nan",
// as HSDS's respJsonAssemble (hsds/util/httpUtil.py) does for ignore_nan; other members (and an
// infinite fillValue) are kept as they are, in their order. It returns cp itself when there is
// nothing to change, else a *jobj.
func fillNaNAsString(cp json.RawMessage) any {
	var m map[string]json.RawMessage
	if json.Unmarshal(cp, &m) != nil {
		return cp
	}
	var fill string
	if json.Unmarshal(m["fillValue"], &fill) != nil {
		return cp
	}
	if f, ok := pyjson.Float(fill); !ok || !math.IsNaN(f) {
		return cp
	}
	dec := json.NewDecoder(bytes.NewReader(cp))
	if _, err := dec.Token(); err != nil { // the opening brace
		return cp
	}
	o := obj()
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return cp
		}
		k, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return cp
		}
		if k == "fillValue" {
			o.set(k, "nan")
		} else {
			o.set(k, raw)
		}
	}
	return o
}

// previewSelect is the selection of a dataset's preview href: at most about 100 elements of
// its last two dimensions, index 0 of the others (hsds/util/dsetUtil.py getPreviewQuery).
func previewSelect(dims []int) string {
	rank := len(dims)
	ncols, nrows := dims[rank-1], 1
	if rank > 1 {
		nrows = dims[rank-2]
	}
	ncols, nrows = min(ncols, 100), min(nrows, 100)
	if nrows*ncols > 100 {
		if nrows > ncols {
			nrows = 100 / ncols
		} else {
			ncols = 100 / nrows
		}
	}
	parts := make([]string, rank)
	for i := range parts {
		switch i {
		case rank - 1:
			parts[i] = fmt.Sprintf("0:%d", ncols)
		case rank - 2:
			parts[i] = fmt.Sprintf("0:%d", nrows)
		default:
			parts[i] = "0:1"
		}
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func (s *Server) postDataset(w http.ResponseWriter, r *http.Request) error {
	rq, err := s.open(r, actCreate)
	if err != nil {
		return err
	}
	body, err := decodeBody(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rawType, ok := body["type"]
	if !ok {
		return httpErr(http.StatusBadRequest, "POST /datasets needs a type")
	}
	typ, err := rq.f.ResolveType(ctx, rawType)
	if err != nil {
		return badRequestIfInvalid(err)
	}
	pt, err := h5type.Parse(typ)
	if err != nil {
		return badRequest(err)
	}
	spec := hdf.DatasetSpec{Type: typ}
	isNull := false
	if raw, ok := body["shape"]; ok && string(raw) != "null" {
		var sname string
		if json.Unmarshal(raw, &sname) == nil {
			switch sname {
			case schema.ShapeScalar:
			case schema.ShapeNull:
				isNull = true
			default:
				return httpErr(http.StatusBadRequest, "invalid shape %q", sname)
			}
		} else {
			dims, err := parseDims(raw, "shape", false)
			if err != nil {
				return err
			}
			if len(dims) > 0 {
				spec.Dims = dims
			}
		}
	}
	if raw, ok := body["maxdims"]; ok && string(raw) != "null" {
		if spec.Dims == nil {
			return httpErr(http.StatusBadRequest, "maxdims given for a scalar dataset")
		}
		if spec.MaxDims, err = parseDims(raw, "maxdims", true); err != nil {
			return err
		}
		if len(spec.MaxDims) != len(spec.Dims) {
			return httpErr(http.StatusBadRequest, "maxdims %v: rank differs from shape %v", spec.MaxDims, spec.Dims)
		}
		for i, m := range spec.MaxDims {
			if m != 0 && m < spec.Dims[i] {
				return httpErr(http.StatusBadRequest, "maxdims %v smaller than shape %v", spec.MaxDims, spec.Dims)
			}
		}
	}
	extra := map[string]json.RawMessage{}
	if raw, ok := body["creationProperties"]; ok && string(raw) != "null" {
		cp := map[string]json.RawMessage{}
		if err := json.Unmarshal(raw, &cp); err != nil {
			return httpErr(http.StatusBadRequest, "creationProperties must be an object: %v", err)
		}
		if err := applyCreationProperties(&spec, cp, extra); err != nil {
			return err
		}
		if raw, ok := cp["layout"]; ok {
			if err := s.refLayout(r, rq, &spec, pt, isNull, raw, extra); err != nil {
				return err
			}
		}
	}
	parent, name, err := s.creationLink(r, rq, body)
	if err != nil {
		return err
	}
	if parent != "" {
		if g, err := rq.f.Group(ctx, parent); err != nil {
			return s.objectGone(parent, err)
		} else if _, ok := g.Links[name]; ok {
			return httpErr(http.StatusConflict, "link %s already exists in group %s", name, parent)
		}
	}
	var d *schema.Dataset
	if isNull {
		d, err = rq.f.CreateNullDataset(ctx, typ)
	} else if pt.IsVariable() {
		d, err = rq.f.CreateVlenDataset(ctx, spec, extra)
	} else {
		d, err = rq.f.CreateDatasetWith(ctx, spec, extra)
	}
	if err != nil {
		return badRequestIfInvalid(err)
	}
	if err := s.linkNew(r, rq, parent, name, d.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, obj("id", d.ID, "root", d.Root, "created", d.Created,
		"type", d.Type, "shape", rawJSON(d.Shape), "lastModified", d.LastModified, "attributeCount", 0))
}

// applyCreationProperties moves layout, filters and fillValue into spec and keeps every other
// property (as sent) in extra.
func applyCreationProperties(spec *hdf.DatasetSpec, cp, extra map[string]json.RawMessage) error {
	for k, v := range cp {
		switch k {
		case "filters":
			if _, err := schema.NormalizeFilters(v); err != nil {
				return badRequest(err)
			}
			spec.Filters = v
		case "fillValue":
			if _, enc := cp["fillValue_encoding"]; enc {
				extra[k] = v
			} else {
				spec.FillValue = v
			}
		case "layout":
			var l struct {
				Class string          `json:"class"`
				Dims  json.RawMessage `json:"dims"`
			}
			if err := json.Unmarshal(v, &l); err != nil {
				return httpErr(http.StatusBadRequest, "creationProperties.layout: %v", err)
			}
			switch {
			case schema.IsRefLayoutClass(l.Class):
				// postDataset's refLayout checks it (it needs the type and the domain).
			case l.Class == schema.LayoutChunked && len(l.Dims) > 0:
				dims, err := parseDims(l.Dims, "layout dims", false)
				if err != nil {
					return err
				}
				if len(dims) != len(spec.Dims) {
					return httpErr(http.StatusBadRequest, "layout dims %v: rank differs from shape %v", dims, spec.Dims)
				}
				for _, c := range dims {
					if c <= 0 {
						return httpErr(http.StatusBadRequest, "layout dims %v must be positive", dims)
					}
				}
				spec.ChunkDims = dims
				extra[k] = v // kept as sent, as HSDS does; the effective chunks are in layout
			case l.Class == schema.LayoutContiguous || l.Class == schema.LayoutChunked || l.Class == schema.LayoutCompact:
				if l.Class != schema.LayoutChunked {
					extra[k] = v // kept as sent; data stays chunked
				}
			default:
				return httpErr(http.StatusBadRequest, "unknown layout class %q", l.Class)
			}
		default:
			extra[k] = v
		}
	}
	return nil
}

// refLayout validates a reference layout of a dataset create (creationProperties.layout of class
// H5D_CONTIGUOUS_REF, H5D_CHUNKED_REF or H5D_CHUNKED_REF_INDIRECT) as HSDS's POST_Dataset does
// (dset_sn.py validateChunkLayout and the layout code after it): no variable-length types;
// CONTIGUOUS_REF needs file_uri, offset and size and no dims, and gets HSDS's contiguous
// chunking (chunkUtil.py getContiguousLayout); CHUNKED_REF needs file_uri, dims and chunks;
// CHUNKED_REF_INDIRECT needs dims and chunk_table, a dataset of this domain of the same rank
// that is not H5S_NULL. The chunked ones keep their dims as the chunk shape, unadjusted. The
// layout is stored as sent in creationProperties; the data stays where it is, and reading
// it is subject to the store's rules for file URIs. Other layout classes are left alone.
func (s *Server) refLayout(r *http.Request, rq *request, spec *hdf.DatasetSpec, t *h5type.Type, isNull bool, raw json.RawMessage, extra map[string]json.RawMessage) error {
	var l schema.Layout
	if err := json.Unmarshal(raw, &l); err != nil {
		return httpErr(http.StatusBadRequest, "creationProperties.layout: %v", err)
	}
	if !schema.IsRefLayoutClass(l.Class) {
		return nil
	}
	var keys map[string]json.RawMessage
	_ = json.Unmarshal(raw, &keys)
	need := func(k string) error {
		if _, ok := keys[k]; !ok {
			return httpErr(http.StatusBadRequest, "layout %s needs the %q key", l.Class, k)
		}
		return nil
	}
	if t.IsVariable() {
		return httpErr(http.StatusBadRequest, "datasets of variable-length types cannot use the %s layout", l.Class)
	}
	if isNull {
		return httpErr(http.StatusBadRequest, "H5S_NULL datasets cannot use the %s layout", l.Class)
	}
	switch l.Class {
	case schema.LayoutContiguousRef:
		for _, k := range []string{"file_uri", "offset", "size"} {
			if err := need(k); err != nil {
				return err
			}
		}
		if _, ok := keys["dims"]; ok {
			return httpErr(http.StatusBadRequest, "layout %s cannot have dims (the data is contiguous)", l.Class)
		}
		if l.Offset < 0 || l.Size < 0 {
			return httpErr(http.StatusBadRequest, "layout %s: offset %d and size %d must not be negative", l.Class, l.Offset, l.Size)
		}
		spec.ChunkDims = schema.ContiguousLayoutMax(spec.Dims, t.Size(), hdf.MaxChunkBytes)
	case schema.LayoutChunkedRef, schema.LayoutChunkedRefIndirect:
		keysNeeded := []string{"file_uri", "dims", "chunks"}
		if l.Class == schema.LayoutChunkedRefIndirect {
			keysNeeded = []string{"dims", "chunk_table"}
		}
		for _, k := range keysNeeded {
			if err := need(k); err != nil {
				return err
			}
		}
		if len(l.Dims) != len(spec.Dims) {
			return httpErr(http.StatusBadRequest, "layout %s dims %v: rank differs from shape %v", l.Class, l.Dims, spec.Dims)
		}
		for _, c := range l.Dims {
			if c <= 0 {
				return httpErr(http.StatusBadRequest, "layout %s dims %v must be positive", l.Class, l.Dims)
			}
		}
		if l.Class == schema.LayoutChunkedRefIndirect {
			if err := schema.ValidateID(l.ChunkTable); err != nil || schema.Kind(l.ChunkTable) != schema.KindDataset {
				return httpErr(http.StatusBadRequest, "invalid chunk table id %q", l.ChunkTable)
			}
			if err := rq.f.CheckMember(r.Context(), l.ChunkTable); err != nil {
				return err
			}
			ct, err := rq.f.DatasetObject(r.Context(), l.ChunkTable)
			if err != nil {
				return s.objectGone(l.ChunkTable, err)
			}
			if ct.Shape.Class == schema.ShapeNull {
				return httpErr(http.StatusBadRequest, "chunk table %s is an H5S_NULL dataset", l.ChunkTable)
			}
			if len(ct.Shape.Dims) != len(spec.Dims) {
				return httpErr(http.StatusBadRequest, "chunk table %s: rank %d differs from the dataset's %d", l.ChunkTable, len(ct.Shape.Dims), len(spec.Dims))
			}
		}
		spec.ChunkDims = append([]int(nil), l.Dims...)
	}
	spec.ExactChunks = true
	extra["layout"] = raw // kept as sent, as HSDS does
	return nil
}

// badRequestIfInvalid maps type and definition errors of a create to 400 (storage errors keep
// their own status).
func badRequestIfInvalid(err error) error {
	ae := (&Server{}).toAPIError(err)
	if ae.code == http.StatusInternalServerError && !strings.Contains(err.Error(), "write object") {
		return badRequest(err)
	}
	return err
}

func (s *Server) datasetFor(r *http.Request, act aclAction) (*request, *schema.Dataset, error) {
	rq, err := s.open(r, act)
	if err != nil {
		return nil, nil, err
	}
	id, err := s.objectID(r, rq, schema.KindDataset)
	if err != nil {
		return nil, nil, err
	}
	d, err := rq.f.DatasetObject(r.Context(), id)
	if err != nil {
		return nil, nil, s.objectGone(id, err)
	}
	return rq, d, nil
}

func (s *Server) getDataset(w http.ResponseWriter, r *http.Request) error {
	rq, d, err := s.datasetFor(r, actRead)
	if err != nil {
		return err
	}
	o := s.datasetJSON(r, rq.f, d, rq.dom, boolParam(r, "include_attrs"))
	if boolParam(r, "verbose") {
		n, size, err := rq.f.ChunkStats(r.Context(), d.ID)
		if err != nil {
			return err
		}
		o.set("num_chunks", n).set("allocated_size", size)
	}
	if err := s.addAlias(r, rq.f, d.ID, o); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (s *Server) getShape(w http.ResponseWriter, r *http.Request) error {
	rq, d, err := s.datasetFor(r, actRead)
	if err != nil {
		return err
	}
	p := "/datasets/" + d.ID
	return writeJSON(w, http.StatusOK, obj("shape", rawJSON(d.Shape), "hrefs", []*jobj{
		s.href(r, "self", p+"/shape", rq.dom), s.href(r, "owner", p, rq.dom), s.href(r, "root", "/groups/"+d.Root, rq.dom)},
		"created", d.Created, "lastModified", d.LastModified))
}

func (s *Server) putShape(w http.ResponseWriter, r *http.Request) error {
	rq, d, err := s.datasetFor(r, actUpdate)
	if err != nil {
		return err
	}
	body, err := decodeBody(r)
	if err != nil {
		return err
	}
	if d.Shape.Class != schema.ShapeSimple {
		return httpErr(http.StatusBadRequest, "%s datasets cannot be resized", d.Shape.Class)
	}
	if len(d.Shape.MaxDims) == 0 {
		return httpErr(http.StatusBadRequest, "dataset %s is not extensible", d.ID)
	}
	dims := append([]int(nil), d.Shape.Dims...)
	var resp *jobj
	if raw, ok := body["shape"]; ok {
		if dims, err = parseDims(raw, "shape", false); err != nil {
			return err
		}
		if len(dims) != len(d.Shape.Dims) {
			return httpErr(http.StatusBadRequest, "shape %v: rank differs from %v", dims, d.Shape.Dims)
		}
		resp = obj()
		// dset_lib.py updateShape: growing one dimension (and shrinking none) goes to the data
		// node as an extend, whose answer names the new region.
		grown, shrunk := -1, false
		for i, n := range dims {
			switch {
			case n < d.Shape.Dims[i]:
				shrunk = true
			case n > d.Shape.Dims[i] && grown == -1:
				grown = i
			case n > d.Shape.Dims[i]:
				shrunk = true // two grown dimensions: a plain shape update
			}
		}
		if grown >= 0 && !shrunk {
			sel := make([]string, len(dims))
			for i := range sel {
				sel[i] = ":"
			}
			sel[grown] = fmt.Sprintf("%d:%d", d.Shape.Dims[grown], dims[grown])
			resp = obj("selection", "["+strings.Join(sel, ",")+"]")
		}
	} else if _, ok := body["extend"]; ok {
		var ext, dim int
		if _, err := field(body, "extend", &ext); err != nil {
			return err
		}
		if _, err := field(body, "extend_dim", &dim); err != nil {
			return err
		}
		if ext < 0 || dim < 0 || dim >= len(dims) {
			return httpErr(http.StatusBadRequest, "invalid extend %d / extend_dim %d", ext, dim)
		}
		sel := make([]string, len(dims))
		for i := range sel {
			sel[i] = ":"
		}
		sel[dim] = fmt.Sprintf("%d:%d", dims[dim], dims[dim]+ext)
		dims[dim] += ext
		resp = obj("selection", "["+strings.Join(sel, ",")+"]")
	} else {
		return httpErr(http.StatusBadRequest, "PUT shape needs shape or extend in the body")
	}
	if _, err := rq.f.Resize(r.Context(), d.ID, dims); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, resp)
}

func (s *Server) getType(w http.ResponseWriter, r *http.Request) error {
	rq, d, err := s.datasetFor(r, actRead)
	if err != nil {
		return err
	}
	p := "/datasets/" + d.ID
	return writeJSON(w, http.StatusOK, obj("type", d.Type, "hrefs", []*jobj{
		s.href(r, "self", p+"/type", rq.dom), s.href(r, "owner", p, rq.dom), s.href(r, "root", "/groups/"+d.Root, rq.dom)}))
}

// addAlias adds "alias" (the h5paths of id) when getalias=1, as h5pyd uses for obj.name.
func (s *Server) addAlias(r *http.Request, f *hdf.File, id string, o *jobj) error {
	if !boolParam(r, "getalias") {
		return nil
	}
	paths, err := f.Aliases(r.Context(), id, 16)
	if err != nil {
		return err
	}
	list := make([]any, len(paths))
	for i, p := range paths {
		list[i] = p
	}
	o.set("alias", list)
	return nil
}
