package output

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// newPlot is a plot with the table's title (def when t.Meta has none) and fonts sized for a
// 1200 x 600 slide.
func newPlot(t Table, def string) *plot.Plot {
	p := plot.New()
	p.Title.Text = metaString(t.Meta, MetaTitle, def)
	p.Title.TextStyle.Font.Size = 15
	p.Title.Padding = 6
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = 13
		a.Tick.Label.Font.Size = 11
	}
	return p
}

// valueLabel is the label of the value column y: t.Meta["y_label"], else "y (units)" with the
// units as people write them (DisplayUnits).
func valueLabel(t Table, y string) string {
	if l := metaString(t.Meta, MetaYLabel, ""); l != "" {
		return l
	}
	if u := DisplayUnits(metaString(t.Meta, MetaUnits, "")); u != "" {
		return fmt.Sprintf("%s (%s)", y, u)
	}
	return y
}

// DisplayUnits writes a UDUNITS-2 temperature unit as people read it: the Celsius spellings
// (C, degC, degree_Celsius, Celsius, degrees_C, ...) as °C, the Fahrenheit ones as °F, kelvin
// as K; other units unchanged.
func DisplayUnits(u string) string {
	switch strings.ToLower(strings.TrimSpace(u)) {
	case "c", "degc", "deg_c", "degree_c", "degrees_c", "degree_celsius", "degrees_celsius", "celsius", "°c":
		return "°C"
	case "f", "degf", "deg_f", "degree_f", "degrees_f", "degree_fahrenheit", "degrees_fahrenheit", "fahrenheit", "°f":
		return "°F"
	case "k", "kelvin", "kelvins", "degk", "deg_k", "degree_k", "degrees_k":
		return "K"
	}
	return u
}

// monthTicks puts date ticks (x in Unix seconds) on calendar boundaries: month starts for
// spans of two months to three years (every 1, 2, 3 or 6 months, so that at most 13 are
// labelled, the others unlabelled), year starts beyond, days (every 1, 2, 7 or 14) below.
type monthTicks struct{}

// Ticks returns the ticks between lo and hi.
func (monthTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi >= lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	t0 := time.Unix(int64(math.Floor(lo)), 0).UTC()
	t1 := time.Unix(int64(math.Ceil(hi)), 0).UTC()
	days := t1.Sub(t0).Hours() / 24
	var ticks []plot.Tick
	add := func(t time.Time, label string) {
		v := float64(t.Unix())
		if v >= lo && v <= hi {
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
	}
	switch {
	case days > 3*366:
		step := 1
		for _, s := range []int{1, 2, 5, 10, 20, 50, 100} {
			step = s
			if days/365.25/float64(s) <= 13 {
				break
			}
		}
		for y := t0.Year(); y <= t1.Year(); y++ {
			label := ""
			if y%step == 0 {
				label = fmt.Sprint(y)
			}
			add(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), label)
		}
	case days >= 60:
		step := 1
		for _, s := range []int{1, 2, 3, 6} {
			step = s
			if days/30.44/float64(s) <= 13 {
				break
			}
		}
		for m := time.Date(t0.Year(), t0.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(t1); m = m.AddDate(0, 1, 0) {
			label := ""
			if (int(m.Month())-1)%step == 0 {
				label = m.Format("2006-01")
			}
			add(m, label)
		}
	default:
		step := 1
		for _, s := range []int{1, 2, 7, 14} {
			step = s
			if days/float64(s) <= 12 {
				break
			}
		}
		d0 := time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, time.UTC)
		for d, i := d0, 0; !d.After(t1); d, i = d.AddDate(0, 0, 1), i+1 {
			label := ""
			if i%step == 0 {
				label = d.Format("2006-01-02")
			}
			add(d, label)
		}
	}
	return ticks
}

// buildHistogramPlot draws the histogram of column y (counts) over the bins bin_low..bin_high as
// a bar chart.
func buildHistogramPlot(t Table, y string) (*plot.Plot, *plotter.Histogram, error) {
	if err := t.Validate(); err != nil {
		return nil, nil, err
	}
	lo, okl := t.Column("bin_low")
	hi, okh := t.Column("bin_high")
	cnt, okc := t.Column(y)
	if !okl || !okh || !okc || lo.Kind() != KindFloat64 || hi.Kind() != KindFloat64 || cnt.Kind() == KindString {
		return nil, nil, fmt.Errorf("histogram plot: want float columns bin_low, bin_high and a numeric %q", y)
	}
	bins := make([]plotter.HistogramBin, t.Rows())
	for i := range bins {
		w := 0.0
		if cnt.Kind() == KindInt64 {
			w = float64(cnt.Int64[i])
		} else {
			w = cnt.Float64[i]
		}
		bins[i] = plotter.HistogramBin{Min: lo.Float64[i], Max: hi.Float64[i], Weight: w}
	}
	p := newPlot(t, "histogram")
	p.X.Label.Text = metaString(t.Meta, MetaXLabel, "value")
	if u := DisplayUnits(metaString(t.Meta, MetaUnits, "")); u != "" && t.Meta[MetaXLabel] == nil {
		p.X.Label.Text = fmt.Sprintf("value (%s)", u)
	}
	p.Y.Label.Text = "count"
	p.X.Tick.Marker = stepTicks{max: 15}
	p.Add(plotter.NewGrid())
	var h *plotter.Histogram
	if len(bins) > 0 {
		h = &plotter.Histogram{Bins: bins, Width: bins[0].Max - bins[0].Min, FillColor: color.RGBA{R: 70, G: 120, B: 180, A: 255}}
		h.LineStyle = plotter.DefaultLineStyle
		h.LineStyle.Width = vg.Points(0.5)
		p.Add(h)
	}
	return p, h, nil
}

// buildMapPlot draws column z over the grid of the x (longitude) and y (latitude) columns as an
// image: lon/lat axes, NaN cells (land, no valid value) in light grey, and a colour bar plot
// beside it. The coordinates must form a complete, evenly spaced grid (one row per cell).
func buildMapPlot(t Table, x, y, z string) (*plot.Plot, *plot.Plot, error) {
	g, err := mapImage(t, x, y, z)
	if err != nil {
		return nil, nil, err
	}
	img, cm, xs, ys, dx, dy := g.img, g.cm, g.xs, g.ys, g.dx, g.dy
	p := newPlot(t, fmt.Sprintf("%s by %s and %s", z, y, x))
	p.X.Label.Text = metaString(t.Meta, MetaXLabel, x+" (degrees east)")
	p.Y.Label.Text = metaString(t.Meta, "map_y_label", y+" (degrees north)")
	p.X.Tick.Marker = degreeTicks
	p.Y.Tick.Marker = degreeTicks
	p.Add(plotter.NewImage(img, xs[0]-dx/2, ys[0]-dy/2, xs[len(xs)-1]+dx/2, ys[len(ys)-1]+dy/2))
	p.X.Min, p.X.Max = xs[0]-dx/2, xs[len(xs)-1]+dx/2
	p.Y.Min, p.Y.Max = ys[0]-dy/2, ys[len(ys)-1]+dy/2

	bar := plot.New()
	bar.HideX()
	bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	bar.Y.Label.Text = z
	if u := DisplayUnits(metaString(t.Meta, MetaUnits, "")); u != "" {
		bar.Y.Label.Text = fmt.Sprintf("%s (%s)", z, u)
	}
	bar.Y.Label.TextStyle.Font.Size = 13
	bar.Y.Tick.Label.Font.Size = 11
	bar.Y.Tick.Marker = stepTicks{max: 12}
	bar.Title.Text = "grey: no\nvalid value"
	bar.Title.TextStyle.Font.Size = 10
	return p, bar, nil
}

// mapGrid is a map's raster: one pixel per cell, north up, and its colour map.
type mapGrid struct {
	img    *image.RGBA
	xs, ys []float64
	dx, dy float64
	cm     palette.ColorMap
}

// mapMasked is the colour of cells without a valid value (land, all-NaN).
var mapMasked = color.RGBA{R: 215, G: 215, B: 215, A: 255}

// mapImage rasterises column z over the x and y coordinate columns.
func mapImage(t Table, x, y, z string) (*mapGrid, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	xc, okx := t.Column(x)
	yc, oky := t.Column(y)
	zc, okz := t.Column(z)
	if !okx || !oky || !okz || xc.Kind() != KindFloat64 || yc.Kind() != KindFloat64 || zc.Kind() == KindString {
		return nil, fmt.Errorf("map plot: want float coordinate columns %q, %q and a numeric %q", x, y, z)
	}
	xs, dx, err := regularAxis(xc.Float64)
	if err != nil {
		return nil, fmt.Errorf("map plot: %s: %w", x, err)
	}
	ys, dy, err := regularAxis(yc.Float64)
	if err != nil {
		return nil, fmt.Errorf("map plot: %s: %w", y, err)
	}
	if len(xs)*len(ys) != t.Rows() {
		return nil, fmt.Errorf("map plot: %d rows for a %d x %d grid", t.Rows(), len(ys), len(xs))
	}
	val := func(i int) float64 {
		if zc.Kind() == KindInt64 {
			return float64(zc.Int64[i])
		}
		return zc.Float64[i]
	}
	zmin, zmax := math.Inf(1), math.Inf(-1)
	for i := 0; i < t.Rows(); i++ {
		if v := val(i); !math.IsNaN(v) && !math.IsInf(v, 0) {
			zmin, zmax = math.Min(zmin, v), math.Max(zmax, v)
		}
	}
	if zmin > zmax { // nothing valid
		zmin, zmax = 0, 1
	} else if zmin == zmax {
		zmin, zmax = zmin-0.5, zmax+0.5
	}
	cm := moreland.ExtendedBlackBody()
	cm.SetMin(zmin)
	cm.SetMax(zmax)
	img := image.NewRGBA(image.Rect(0, 0, len(xs), len(ys)))
	index := func(vs []float64, v, d float64) int { return int(math.Round((v - vs[0]) / d)) }
	for i := 0; i < t.Rows(); i++ {
		col := index(xs, xc.Float64[i], dx)
		row := len(ys) - 1 - index(ys, yc.Float64[i], dy) // image rows run north to south
		var c color.Color = mapMasked
		if v := val(i); !math.IsNaN(v) && !math.IsInf(v, 0) {
			if c2, err := cm.At(v); err == nil {
				c = c2
			}
		}
		img.Set(col, row, c)
	}
	return &mapGrid{img: img, xs: xs, ys: ys, dx: dx, dy: dy, cm: cm}, nil
}

// EvenlySpaced reports, as an error, why coordinate values cannot be the axis of a map: they
// must be finite and evenly spaced (within 0.1% of the step) once sorted.
func EvenlySpaced(v []float64) error {
	_, _, err := regularAxis(v)
	return err
}

// regularAxis returns the sorted distinct values of a coordinate column and their spacing; they
// must be evenly spaced (within 0.1% of the step).
func regularAxis(v []float64) ([]float64, float64, error) {
	u := slices.Clone(v)
	slices.Sort(u)
	u = slices.Compact(u)
	for _, x := range u {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, 0, fmt.Errorf("coordinate %v", x)
		}
	}
	if len(u) < 2 {
		return u, 1, nil
	}
	d := (u[len(u)-1] - u[0]) / float64(len(u)-1)
	for i := 1; i < len(u); i++ {
		if math.Abs(u[i]-u[i-1]-d) > 1e-3*d {
			return nil, 0, fmt.Errorf("coordinates are not evenly spaced (%v then %v): a map needs a regular grid", u[i-1], u[i])
		}
	}
	return u, d, nil
}

// stepTicks labels every multiple of a round step (steps, else 1, 2 or 5 x 10^k) so that at most
// max labels fall in the range: denser than gonum's default labels, for map axes (degrees), colour
// bars and histogram values.
type stepTicks struct {
	steps []float64
	max   int
}

// degreeTicks suit latitudes and longitudes.
var degreeTicks = stepTicks{steps: []float64{1, 2, 5, 10, 15, 20, 30, 45, 60, 90}, max: 13}

// Ticks returns the ticks between lo and hi.
func (s stepTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	maxN := s.max
	if maxN <= 0 {
		maxN = 10
	}
	step := 0.0
	for _, st := range s.steps {
		if (hi-lo)/st <= float64(maxN) {
			step = st
			break
		}
	}
	if step == 0 {
		mag := math.Pow(10, math.Floor(math.Log10((hi-lo)/float64(maxN))))
		for _, m := range []float64{1, 2, 5, 10} {
			if step = m * mag; (hi-lo)/step <= float64(maxN) {
				break
			}
		}
	}
	prec := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	var ticks []plot.Tick
	for k := math.Ceil(lo / step); k*step <= hi; k++ {
		v := k * step
		if v == 0 {
			v = 0 // no -0 label
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', prec, 64)})
		// unlabelled minor ticks halfway
		if m := v + step/2; m <= hi {
			ticks = append(ticks, plot.Tick{Value: m})
		}
	}
	return ticks
}
