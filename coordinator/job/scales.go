package job

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
// ("datasets/d-...") to the scales attached to it. An axis without a scale (no reference, or a
// reference to a dataset that no longer exists) gets the zero value. An attribute that is not a
// list, or a scale whose JSON cannot be read, is an error naming the dataset and the scale: a
// scale names its axis, and a silently unnamed axis would turn into a misleading "no axis"
// later.
func dimensionScales(ctx context.Context, f *hdf.File, ds *hdf.Dataset) ([]scale, error) {
	out := make([]scale, len(ds.Dims))
	raw, ok := ds.Attribute("DIMENSION_LIST")
	if !ok {
		return out, nil
	}
	var list []any
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("dataset %s: attribute DIMENSION_LIST: want a list of references: %w", ds.ID, err)
	}
	for i := 0; i < len(out) && i < len(list); i++ {
		id := firstRef(list[i])
		if schema.Kind(id) != schema.KindDataset || schema.ValidateID(id) != nil {
			continue
		}
		obj, err := f.DatasetObject(ctx, id)
		if errors.Is(err, hdf.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dataset %s: dimension scale of axis %d: %w", ds.ID, i, err)
		}
		name, err := scaleName(ctx, f, obj)
		if err != nil {
			return nil, fmt.Errorf("dataset %s: dimension scale of axis %d: %w", ds.ID, i, err)
		}
		out[i] = scale{id: id, name: name}
	}
	return out, nil
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
// there for dimensions without a coordinate variable), else the last element of its h5path ("" for
// an unlinked scale).
func scaleName(ctx context.Context, f *hdf.File, obj *schema.Dataset) (string, error) {
	if a, ok := obj.Attributes["NAME"]; ok && a.Encoding == "" {
		var n string
		if json.Unmarshal(a.Value, &n) == nil && n != "" && !strings.ContainsAny(n, " /") {
			return n, nil
		}
	}
	paths, err := f.Aliases(ctx, obj.ID, 1)
	if err != nil {
		return "", fmt.Errorf("path of %s: %w", obj.ID, err)
	}
	if len(paths) > 0 {
		return path.Base(paths[0]), nil
	}
	return "", nil
}
