package job

import (
	"context"
	"encoding/json"
	"path"
	"strings"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
)

// scale is the dimension scale attached to one axis (HDF5 dimension scales, as h5py and netCDF-4
// write them and hsload keeps them): the dataset it references and its name.
type scale struct {
	id   string
	name string
}

// dimensionScales reads the DIMENSION_LIST attribute of ds: per axis, a list of object references
// ("datasets/d-...") to the scales attached to it. An axis without a scale gets the zero value.
// Unreadable entries are skipped: scales only name axes and find coordinates.
func dimensionScales(ctx context.Context, f *hdf.File, ds *hdf.Dataset) []scale {
	out := make([]scale, len(ds.Dims))
	raw, ok := ds.Attribute("DIMENSION_LIST")
	if !ok {
		return out
	}
	var list []any
	if json.Unmarshal(raw, &list) != nil {
		return out
	}
	for i := 0; i < len(out) && i < len(list); i++ {
		id := firstRef(list[i])
		if schema.Kind(id) != schema.KindDataset || schema.ValidateID(id) != nil {
			continue
		}
		obj, err := f.DatasetObject(ctx, id)
		if err != nil {
			continue
		}
		out[i] = scale{id: id, name: scaleName(ctx, f, obj)}
	}
	return out
}

// firstRef returns the first reference of a DIMENSION_LIST entry ("datasets/<id>" or a list of
// them), without its collection prefix.
func firstRef(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimPrefix(strings.TrimPrefix(x, "datasets/"), "/datasets/")
	case []any:
		if len(x) > 0 {
			return firstRef(x[0])
		}
	}
	return ""
}

// scaleName is the scale's NAME attribute when it is a plain name (netCDF-4 writes a sentence
// there for dimensions without a coordinate variable), else the last element of its h5path.
func scaleName(ctx context.Context, f *hdf.File, obj *schema.Dataset) string {
	if a, ok := obj.Attributes["NAME"]; ok {
		var n string
		if json.Unmarshal(a.Value, &n) == nil && n != "" && !strings.ContainsAny(n, " /") {
			return n
		}
	}
	if paths, err := f.Aliases(ctx, obj.ID, 1); err == nil && len(paths) > 0 {
		return path.Base(paths[0])
	}
	return ""
}
