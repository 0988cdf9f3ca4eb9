package job

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/cf"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/selection"
)

// Axis is one dimension of the selection.
type Axis struct {
	// Name is the dimension name (from DIMENSION_LABELS, else "dimN").
	Name string
	// Reduced is true when the axis is reduced away.
	Reduced bool
	// Values are the selected coordinate values (nil when there is no coordinate dataset);
	// Labels are ISO dates for time coordinates.
	Values []float64
	Labels []string
	// Indices are the selected dataset indices of a coordinate-list axis (nil for slices).
	Indices []int
	// Members are the dataset axes of a point axis (coordinate lists paired element by element
	// into one output axis, named "a+b"); nil otherwise. The i-th position of the point axis is
	// position i of every member.
	Members []Axis
}

// resolveReduce maps the --reduce list (names or indices) to a per-axis flag; an empty list
// reduces every axis.
func resolveReduce(names []string, reduce []string) ([]bool, error) {
	out := make([]bool, len(names))
	if len(reduce) == 0 {
		for i := range out {
			out[i] = true
		}
		return out, nil
	}
	for _, r := range reduce {
		r = strings.TrimSpace(r)
		idx := -1
		for i, n := range names {
			if strings.EqualFold(n, r) {
				idx = i
			}
		}
		if idx < 0 {
			if n, err := strconv.Atoi(r); err == nil && n >= 0 && n < len(names) {
				idx = n
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("reduce: no axis %q (axes: %s)", r, strings.Join(names, ", "))
		}
		if out[idx] {
			return nil, fmt.Errorf("reduce: axis %q given twice", r)
		}
		out[idx] = true
	}
	return out, nil
}

// coordinate reads the selected CF-decoded values of the coordinate dataset of axis i: the dimension scale
// scaleID when there is one, else a 1-D dataset named like the axis next to the data (e.g. /lat);
// nil when there is none.
func coordinate(ctx context.Context, f *hdf.File, dataPath, name, scaleID string, extent int, dim selection.Dim) (*hdf.Dataset, []float64, error) {
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
		return nil, nil, nil // not a coordinate of this axis
	}
	vals, err := cf.ReadDecoded(ctx, cd, nil) // packed coordinates are decoded, as xarray does
	if err != nil {
		return nil, nil, fmt.Errorf("coordinate %s: %w", cpath, err)
	}
	out := make([]float64, dim.Count())
	for k := range out {
		out[k] = vals[dim.Index(k)]
	}
	return cd, out, nil
}

// dimString renders one selection dimension in select syntax.
func dimString(d selection.Dim) string {
	if d.IsList() {
		p := make([]string, len(d.Coords))
		for i, c := range d.Coords {
			p[i] = strconv.Itoa(c)
		}
		return "[" + strings.Join(p, ",") + "]"
	}
	return fmt.Sprintf("%d:%d:%d", d.Start, d.Stop, d.Step)
}
