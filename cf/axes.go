package cf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
)

// Scale is the dimension scale attached to one axis (HDF5 dimension scales, as h5py and netCDF-4
// write them and hsload keeps them): the dataset it references and its name.
type Scale struct {
	ID   string
	Name string
}

// DimensionScales reads the DIMENSION_LIST attribute of ds: per axis, a list of object references
// ("datasets/d-...") to the scales attached to it. An axis without a scale (no reference, or a
// reference to a dataset that no longer exists) gets the zero value. An attribute that is not a
// list, or a scale whose JSON cannot be read, is an error naming the dataset and the scale: a
// scale names its axis, and a silently unnamed axis would turn into a misleading "no axis"
// later.
func DimensionScales(ctx context.Context, f *hdf.File, ds *hdf.Dataset) ([]Scale, error) {
	out := make([]Scale, len(ds.Dims))
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
		out[i] = Scale{ID: id, Name: name}
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

// AxisNames returns the dimension names of ds from its own attributes: its DIMENSION_LABELS attribute (h5py's
// dims[i].label) where set, "dim<i>" otherwise. A DIMENSION_LABELS that is not a list of
// strings is an error naming the dataset.
func AxisNames(ds *hdf.Dataset) ([]string, error) {
	names := make([]string, len(ds.Dims))
	var labels []string
	if raw, ok := ds.Attribute("DIMENSION_LABELS"); ok {
		if err := json.Unmarshal(raw, &labels); err != nil {
			return nil, fmt.Errorf("dataset %s: attribute DIMENSION_LABELS: want a list of strings: %w", ds.ID, err)
		}
	}
	for i := range names {
		if i < len(labels) && labels[i] != "" {
			names[i] = labels[i]
		} else {
			names[i] = DefaultAxisName(i)
		}
	}
	return names, nil
}

// DefaultAxisName names an axis without a label or scale.
func DefaultAxisName(i int) string { return "dim" + strconv.Itoa(i) }

// Names returns the dimension names of ds as xarray names them: DIMENSION_LABELS where set, else
// the name of the axis's dimension scale (DimensionScales), else "dim<i>"; and the scales.
func Names(ctx context.Context, f *hdf.File, ds *hdf.Dataset) ([]string, []Scale, error) {
	names, err := AxisNames(ds)
	if err != nil {
		return nil, nil, err
	}
	scales, err := DimensionScales(ctx, f, ds)
	if err != nil {
		return nil, nil, err
	}
	for i, sc := range scales {
		if sc.Name != "" && names[i] == DefaultAxisName(i) {
			names[i] = sc.Name
		}
	}
	return names, scales, nil
}

// Coordinate finds and reads the coordinate variable of the axis called name of the dataset at
// dataPath, extent long: its dimension scale scaleID when there is one, else a 1-D dataset named
// like the axis next to the data (e.g. /lat for /analysed_sst), as xarray pairs a netCDF
// dimension with its coordinate variable. The values are CF-decoded (ReadDecoded: a packed int16
// lat with scale_factor 0.01 gives degrees). It returns nil when there is none, or when the
// candidate is not a numeric 1-D dataset of that extent.
func Coordinate(ctx context.Context, f *hdf.File, dataPath, name, scaleID string, extent int) (*hdf.Dataset, []float64, error) {
	cpath := path.Join(path.Dir(dataPath), name)
	if cpath == dataPath && scaleID == "" {
		return nil, nil, nil
	}
	var cd *hdf.Dataset
	var err error
	if scaleID != "" {
		cpath = scaleID
		cd, err = f.Dataset(ctx, scaleID)
	} else {
		cd, err = f.OpenDatasetPath(ctx, cpath)
	}
	if errors.Is(err, hdf.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("coordinate %s: %w", cpath, err)
	}
	if len(cd.Dims) != 1 || cd.Dims[0] != extent || !cd.Type.IsNumeric() {
		return nil, nil, nil
	}
	vals, err := ReadDecoded(ctx, cd, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("coordinate %s: %w", cpath, err)
	}
	return cd, vals, nil
}
