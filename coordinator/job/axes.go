package job

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

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

// axisNames returns the dimension names of ds: its DIMENSION_LABELS attribute (h5py's
// dims[i].label) where set, "dim<i>" otherwise. A DIMENSION_LABELS that is not a list of
// strings is an error naming the dataset.
func axisNames(ds *hdf.Dataset) ([]string, error) {
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
			names[i] = defaultAxisName(i)
		}
	}
	return names, nil
}

// defaultAxisName names an axis without a label or scale.
func defaultAxisName(i int) string { return "dim" + strconv.Itoa(i) }

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

// coordinate reads the selected values of the coordinate dataset of axis i: the dimension scale
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
	vals, err := readFloats(ctx, cd)
	if err != nil {
		return nil, nil, fmt.Errorf("coordinate %s: %w", cpath, err)
	}
	out := make([]float64, dim.Count())
	for k := range out {
		out[k] = vals[dim.Index(k)]
	}
	return cd, out, nil
}

// readFloats reads a whole numeric dataset as float64 (no CF decoding).
func readFloats(ctx context.Context, d *hdf.Dataset) ([]float64, error) {
	raw, _, err := d.Read(ctx, selection.All(d.Dims), 0)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(raw)/d.ItemSize)
	if err := toFloat64(out, raw, d); err != nil {
		return nil, err
	}
	return out, nil
}

// timeLabels turns CF time values ("seconds|minutes|hours|days since <date>") into ISO dates
// (or date-times when the values are not all at one time of day); nil when units are not CF time.
func timeLabels(units string, vals []float64) []string {
	parts := strings.SplitN(strings.TrimSpace(units), " since ", 2)
	if len(parts) != 2 {
		return nil
	}
	var unit time.Duration
	switch strings.ToLower(parts[0]) {
	case "seconds", "second", "secs", "s":
		unit = time.Second
	case "minutes", "minute", "mins":
		unit = time.Minute
	case "hours", "hour", "h":
		unit = time.Hour
	case "days", "day", "d":
		unit = 24 * time.Hour
	default:
		return nil
	}
	ref := strings.TrimSuffix(strings.TrimSpace(parts[1]), " UTC")
	var epoch time.Time
	var err error
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05Z", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if epoch, err = time.Parse(layout, ref); err == nil {
			break
		}
	}
	if err != nil {
		return nil
	}
	times := make([]time.Time, len(vals))
	sameClock := true
	for i, v := range vals {
		secs := v * unit.Seconds()
		if math.IsNaN(secs) || math.Abs(secs) > maxLabelSeconds {
			return nil // not a plausible time: keep the numbers
		}
		whole := math.Floor(secs)
		times[i] = time.Unix(epoch.Unix()+int64(whole), int64((secs-whole)*1e9)).UTC()
		if i > 0 && times[i].Sub(times[i].Truncate(24*time.Hour)) != times[0].Sub(times[0].Truncate(24*time.Hour)) {
			sameClock = false
		}
	}
	out := make([]string, len(vals))
	for i, t := range times {
		if sameClock {
			out[i] = t.Format("2006-01-02")
		} else {
			out[i] = t.Format(time.RFC3339)
		}
	}
	return out
}

// maxLabelSeconds bounds CF time offsets turned into dates (about 10,000 years).
const maxLabelSeconds = 3.2e11

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
