package output

import (
	"bytes"
	"encoding/xml"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"
)

// TestMonthTicks: date ticks fall on calendar boundaries (issue 13: they fell mid-month).
func TestMonthTicks(t *testing.T) {
	day := func(y int, m time.Month, d int) float64 {
		return float64(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix())
	}
	for _, tc := range []struct {
		name         string
		lo, hi       float64
		minLabels    int
		maxLabels    int
		wantFirst    string
		onBoundaryOf string // "month", "year", "day"
	}{
		{"a year", day(2022, 1, 1), day(2022, 12, 31), 12, 12, "2022-01", "month"},
		{"December", day(2022, 12, 1), day(2022, 12, 31), 3, 12, "2022-12-01", "day"},
		{"three days", day(2022, 12, 1), day(2022, 12, 3), 3, 3, "2022-12-01", "day"},
		{"two years", day(2022, 1, 1), day(2023, 12, 31), 8, 13, "2022-01", "month"},
		{"ten years", day(2014, 1, 1), day(2023, 12, 31), 5, 13, "2014", "year"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticks := monthTicks{}.Ticks(tc.lo, tc.hi)
			var labels []string
			for _, tk := range ticks {
				tm := time.Unix(int64(tk.Value), 0).UTC()
				if tm.Hour() != 0 || tm.Minute() != 0 || (tc.onBoundaryOf != "day" && tm.Day() != 1) || (tc.onBoundaryOf == "year" && tm.Month() != 1) {
					t.Errorf("tick %v (%q) is not on a %s start", tm, tk.Label, tc.onBoundaryOf)
				}
				if tk.Value < tc.lo || tk.Value > tc.hi {
					t.Errorf("tick %v outside the range", tm)
				}
				if tk.Label != "" {
					labels = append(labels, tk.Label)
				}
			}
			if len(labels) < tc.minLabels || len(labels) > tc.maxLabels || labels[0] != tc.wantFirst {
				t.Errorf("labels %v: want %d..%d starting with %s", labels, tc.minLabels, tc.maxLabels, tc.wantFirst)
			}
		})
	}
}

func TestDisplayUnits(t *testing.T) {
	for in, want := range map[string]string{"C": "°C", "degC": "°C", "degree_Celsius": "°C", "celsius": "°C", "degF": "°F",
		"kelvin": "K", "K": "K", "m s-1": "m s-1", "": ""} {
		if got := DisplayUnits(in); got != want {
			t.Errorf("DisplayUnits(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRenderPlotSizes: every plot kind renders as a 1200 x 600 PNG and an SVG, each carrying the
// table's meta.
func TestRenderPlotSizes(t *testing.T) {
	for name, tb := range map[string]Table{"line": sampleTable(), "map": mapTable(), "histogram": histTable()} {
		t.Run(name, func(t *testing.T) {
			x, y, err := plotColumns(tb)
			if err != nil {
				t.Fatal(err)
			}
			b, err := RenderPlot(tb, x, y, "png")
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if r := img.Bounds(); r.Dx() != PlotWidthPx || r.Dy() != PlotHeightPx {
				t.Errorf("PNG %dx%d, want %dx%d", r.Dx(), r.Dy(), PlotWidthPx, PlotHeightPx)
			}
			if !bytes.Contains(b, []byte("tEXt"+ArrowMetaKey)) {
				t.Error("PNG without the meta")
			}
			s, err := RenderPlot(tb, x, y, "svg")
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				XMLName  xml.Name `xml:"svg"`
				Metadata string   `xml:"metadata"`
			}
			if err := xml.Unmarshal(s, &doc); err != nil {
				t.Fatalf("SVG does not parse: %v", err)
			}
			if !strings.Contains(doc.Metadata, `"title"`) {
				t.Errorf("SVG metadata %q lacks the meta", doc.Metadata)
			}
		})
	}
}

func mapTable() Table {
	lats := []float64{-1.5, -0.5, 0.5, 1.5}
	lons := []float64{10, 20, 30}
	var lat, lon, v []float64
	for i, la := range lats {
		for j, lo := range lons {
			lat, lon = append(lat, la), append(lon, lo)
			x := float64(10*i + j)
			if i == 3 && j == 0 {
				x = math.NaN() // land
			}
			v = append(v, x)
		}
	}
	return Table{Columns: []Column{{Name: "lat", Float64: lat}, {Name: "lon", Float64: lon}, {Name: "mean", Float64: v}},
		Meta: map[string]any{MetaPlotKind: PlotMap, MetaPlotX: "lon", MetaPlotY: "lat", MetaPlotZ: "mean", MetaTitle: "mean over time", MetaUnits: "C"}}
}

func histTable() Table {
	return Table{Columns: []Column{{Name: "bin_low", Float64: []float64{0, 1, 2}}, {Name: "bin_high", Float64: []float64{1, 2, 3}},
		{Name: "histogram", Int64: []int64{4, 9, 1}}}, Meta: map[string]any{MetaPlotKind: PlotHistogram, MetaPlotY: "histogram", MetaUnits: "degC", MetaTitle: "histogram of /sst"}}
}

// TestMapImage: a map is north up, one pixel per cell, coloured by the colour map, cells without
// a valid value (land) masked in grey; the colour bar is labelled with the units.
func TestMapImage(t *testing.T) {
	g, err := mapImage(mapTable(), "lon", "lat", "mean")
	if err != nil {
		t.Fatal(err)
	}
	if r := g.img.Bounds(); r.Dx() != 3 || r.Dy() != 4 {
		t.Fatalf("image %v, want 3 x 4", r)
	}
	if c := g.img.At(0, 0); c != color.Color(mapMasked) { // north-west: lat 1.5, lon 10 is NaN
		t.Errorf("NaN cell coloured %v, want the mask %v", c, mapMasked)
	}
	want, _ := g.cm.At(0) // south-west cell: value 0, the bottom row
	r1, g1, b1, _ := g.img.At(0, 3).RGBA()
	r2, g2, b2, _ := want.RGBA()
	if r1>>8 != r2>>8 || g1>>8 != g2>>8 || b1>>8 != b2>>8 {
		t.Errorf("south-west cell %v, want the colour map's %v", g.img.At(0, 3), want)
	}
	if g.cm.Min() != 0 || g.cm.Max() != 32 {
		t.Errorf("colour range [%v, %v], want the valid values' [0, 32]", g.cm.Min(), g.cm.Max())
	}
	_, bar, err := buildMapPlot(mapTable(), "lon", "lat", "mean")
	if err != nil {
		t.Fatal(err)
	}
	if bar.Y.Label.Text != "mean (°C)" {
		t.Errorf("colour bar label %q", bar.Y.Label.Text)
	}
	bad := mapTable()
	bad.Columns[1].Float64[1] = 21 // lon 10, 21, 30: uneven
	if _, err := mapImage(bad, "lon", "lat", "mean"); err == nil || !strings.Contains(err.Error(), "evenly spaced") {
		t.Errorf("irregular grid: %v", err)
	}
}

// TestHistogramBarChart: a histogram is drawn as bars over its bins with the counts as heights.
func TestHistogramBarChart(t *testing.T) {
	p, h, err := buildHistogramPlot(histTable(), "histogram")
	if err != nil {
		t.Fatal(err)
	}
	if h == nil || len(h.Bins) != 3 || h.Bins[1].Min != 1 || h.Bins[1].Max != 2 || h.Bins[1].Weight != 9 {
		t.Fatalf("histogram plotter %+v", h)
	}
	if p.X.Label.Text != "value (°C)" || p.Y.Label.Text != "count" {
		t.Errorf("labels %q %q", p.X.Label.Text, p.Y.Label.Text)
	}
}

// TestStepTicks: labels at round steps, printed to the precision the step needs (a narrow range
// such as 21.19..21.22 must not read "21" everywhere), at most max of them.
func TestStepTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		s      stepTicks
		want   []string
	}{
		{21.19, 21.22, stepTicks{max: 10}, []string{"21.190", "21.195", "21.200", "21.205", "21.210", "21.215", "21.220"}},
		{20.57, 21.45, stepTicks{max: 10}, []string{"20.6", "20.7", "20.8", "20.9", "21.0", "21.1", "21.2", "21.3", "21.4"}},
		{-180, 180, degreeTicks, []string{"-180", "-150", "-120", "-90", "-60", "-30", "0", "30", "60", "90", "120", "150", "180"}},
		{0, 3_000_000, stepTicks{max: 10}, []string{"0", "500000", "1000000", "1500000", "2000000", "2500000", "3000000"}},
	} {
		var got []string
		for _, tk := range tc.s.Ticks(tc.lo, tc.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("[%v, %v]: labels %v, want %v", tc.lo, tc.hi, got, tc.want)
		}
	}
}
