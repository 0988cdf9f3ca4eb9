package incremental

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/cf"
	"github.com/hsfan/hsfan/hsds/hdf"
)

// axisInfo is the time axis of the dataset.
type axisInfo struct {
	index           int
	name            string
	values          []float64
	times           []cf.DateTime
	units, calendar string
	// cal is the parsed calendar (cf.ParseCalendar of calendar).
	cal cf.Calendar
}

// timeAxis finds the time dimension (Window.Axis, else the first axis whose coordinate has CF
// time units), decodes its coordinate with its calendar, and checks that it is the first kept
// axis (so the table's rows are grouped by step).
func (j *Job) timeAxis(ctx context.Context, f *hdf.File, ds *hdf.Dataset) (axisInfo, error) {
	names, scales, err := cf.Names(ctx, f, ds)
	if err != nil {
		return axisInfo{}, err
	}
	want := ""
	if j.Window != nil {
		want = j.Window.Axis
	}
	reduced, err := reducedAxes(names, j.Spec.Reduce)
	if err != nil {
		return axisInfo{}, err
	}
	for i, n := range names {
		if want != "" && n != want {
			continue
		}
		cd, vals, err := cf.Coordinate(ctx, f, j.Spec.Dataset, n, scales[i].ID, ds.Dims[i])
		if err != nil {
			return axisInfo{}, err
		}
		if cd == nil {
			if want != "" {
				return axisInfo{}, fmt.Errorf("window axis %s: no coordinate dataset", want)
			}
			continue
		}
		units, _ := cf.AttrString(&cd.Obj, "units")
		if !strings.Contains(units, " since ") {
			if want != "" {
				return axisInfo{}, fmt.Errorf("window axis %s: units %q are not CF time units", want, units)
			}
			continue
		}
		calendar, _ := cf.AttrString(&cd.Obj, "calendar")
		c, err := cf.ParseCalendar(calendar)
		if err != nil {
			return axisInfo{}, fmt.Errorf("time axis %s: %w", n, err)
		}
		times, err := cf.DecodeTimes(vals, units, c)
		if err != nil {
			return axisInfo{}, fmt.Errorf("time axis %s: %w", n, err)
		}
		if reduced[i] {
			return axisInfo{}, fmt.Errorf("incremental run: the time axis %s is reduced: keep it (reduce the other axes) so the table has a row per step", n)
		}
		for k := 0; k < i; k++ {
			if !reduced[k] {
				return axisInfo{}, fmt.Errorf("incremental run: axis %s is kept before the time axis %s: the time axis must be the first kept axis", names[k], n)
			}
		}
		return axisInfo{index: i, name: n, values: vals, times: times, units: units, calendar: calendar, cal: c}, nil
	}
	if want != "" {
		return axisInfo{}, fmt.Errorf("window axis %s: not an axis of %s (axes %s)", want, j.Spec.Dataset, strings.Join(names, ", "))
	}
	return axisInfo{}, fmt.Errorf("incremental run: %s has no time axis (a coordinate with CF time units); axes %s", j.Spec.Dataset, strings.Join(names, ", "))
}

// reducedAxes maps reduce (names or indices, empty: all) to a flag per axis.
func reducedAxes(names, reduce []string) ([]bool, error) {
	out := make([]bool, len(names))
	if len(reduce) == 0 {
		for i := range out {
			out[i] = true
		}
		return out, nil
	}
	for _, r := range reduce {
		found := false
		for i, n := range names {
			if n == r || strconv.Itoa(i) == r {
				out[i], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("reduce %q: not an axis (axes %s)", r, strings.Join(names, ", "))
		}
	}
	return out, nil
}
