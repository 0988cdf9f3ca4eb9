package reduce

import (
	"context"
	"fmt"
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

// coordinate reads the selected CF-decoded values of the coordinate of an axis (cf.Coordinate).
func coordinate(ctx context.Context, f *hdf.File, dataPath, name, scaleID string, extent int, dim selection.Dim) (*hdf.Dataset, []float64, error) {
	cd, vals, err := cf.Coordinate(ctx, f, dataPath, name, scaleID, extent)
	if cd == nil || err != nil {
		return nil, nil, err
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
