package output

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"time"
	"unicode/utf16"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Plot metadata keys read from Table.Meta (string values).
const (
	MetaTitle  = "title"
	MetaXLabel = "x_label"
	MetaYLabel = "y_label"
	MetaUnits  = "units"
)

// isoLayouts are the date forms recognised in a string x column.
var isoLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"}

func parseISO(s string) (time.Time, error) {
	var err error
	for _, l := range isoLayouts {
		var tm time.Time
		if tm, err = time.Parse(l, s); err == nil {
			return tm, nil
		}
	}
	return time.Time{}, err
}

// Plot size: 1200 x 600 pixels at 96 dpi, a slide's 2:1 (the SVG has the same size in points
// scaled by 72/96).
const (
	PlotWidthPx  = 1200
	PlotHeightPx = 600
	PlotDPI      = 96
)

// Plot kinds (Table.Meta["plot_kind"]): a line of plot_y against plot_x (the default), a map of
// plot_z over the plot_x (longitude) and plot_y (latitude) grid, or a bar chart of a histogram
// (columns bin_low, bin_high and plot_y).
const (
	MetaPlotKind  = "plot_kind"
	MetaPlotZ     = "plot_z"
	PlotLine      = "line"
	PlotMap       = "map"
	PlotHistogram = "histogram"
)

// WritePlot renders column y against column x as a PNG line plot (PlotWidthPx x PlotHeightPx).
// x may be a numeric column, a string column of ISO-8601 dates or times (the axis then shows
// dates, ticks on month starts), or "" for the row index. y must be numeric; missing values
// (non-finite) are skipped. The title and axis labels come from t.Meta ("title", "x_label",
// "y_label", "units") with column names as fallback. The PNG carries t.Meta in a tEXt chunk.
func WritePlot(w io.Writer, t Table, x, y string) error {
	b, err := RenderPlot(t, x, y, "png")
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// RenderPlot renders the plot of t chosen by t.Meta["plot_kind"] (a line of y against x when
// unset) as "png" or "svg", with t.Meta embedded (PNG tEXt chunk, SVG metadata element).
func RenderPlot(t Table, x, y, format string) ([]byte, error) {
	var draws []func(draw.Canvas)
	switch kind := metaString(t.Meta, MetaPlotKind, PlotLine); kind {
	case PlotLine:
		p, _, err := buildPlot(t, x, y)
		if err != nil {
			return nil, fmt.Errorf("write plot: %w", err)
		}
		draws = append(draws, p.Draw)
	case PlotHistogram:
		p, _, err := buildHistogramPlot(t, y)
		if err != nil {
			return nil, fmt.Errorf("write plot: %w", err)
		}
		draws = append(draws, p.Draw)
	case PlotMap:
		m, bar, err := buildMapPlot(t, x, y, metaString(t.Meta, MetaPlotZ, ""))
		if err != nil {
			return nil, fmt.Errorf("write plot: %w", err)
		}
		const barWidth = 1.4 * vg.Inch
		draws = append(draws, func(c draw.Canvas) { m.Draw(draw.Crop(c, 0, -barWidth, 0, 0)) },
			func(c draw.Canvas) {
				bc := draw.Crop(c, c.Max.X-c.Min.X-barWidth, 0, 0.6*vg.Inch, -0.7*vg.Inch)
				bar.Draw(bc)
			})
	default:
		return nil, fmt.Errorf("write plot: unknown plot kind %q", kind)
	}
	meta, err := json.Marshal(t.Meta)
	if err != nil {
		return nil, fmt.Errorf("write plot: meta: %w", err)
	}
	w := vg.Length(PlotWidthPx) * vg.Inch / PlotDPI
	h := vg.Length(PlotHeightPx) * vg.Inch / PlotDPI
	var buf bytes.Buffer
	switch format {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(PlotDPI))
		dc := draw.New(c)
		for _, d := range draws {
			d(dc)
		}
		if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("write plot: %w", err)
		}
		return withPNGText(buf.Bytes(), ArrowMetaKey, asciiJSON(meta))
	case "svg":
		c := vgsvg.New(w, h)
		dc := draw.New(c)
		for _, d := range draws {
			d(dc)
		}
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("write plot: %w", err)
		}
		return withSVGMetadata(buf.Bytes(), meta)
	}
	return nil, fmt.Errorf("write plot: format %q: want png or svg", format)
}

// withSVGMetadata inserts <metadata id="hsfan.meta">JSON</metadata> after the opening svg tag.
func withSVGMetadata(svg, meta []byte) ([]byte, error) {
	i := bytes.Index(svg, []byte("<svg"))
	if i < 0 {
		return nil, fmt.Errorf("not an SVG document")
	}
	j := bytes.IndexByte(svg[i:], '>')
	if j < 0 {
		return nil, fmt.Errorf("not an SVG document")
	}
	var esc bytes.Buffer
	esc.WriteString("\n<metadata id=\"" + ArrowMetaKey + "\">")
	if err := xml.EscapeText(&esc, meta); err != nil {
		return nil, err
	}
	esc.WriteString("</metadata>")
	out := append([]byte(nil), svg[:i+j+1]...)
	out = append(out, esc.Bytes()...)
	return append(out, svg[i+j+1:]...), nil
}

// asciiJSON escapes the non-ASCII characters of a JSON text as \\uXXXX (tEXt holds Latin-1).
func asciiJSON(b []byte) []byte {
	var out []byte
	for _, r := range string(b) {
		switch {
		case r < 0x80:
			out = append(out, byte(r))
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, "\\u%04x\\u%04x", r1, r2)
		default:
			out = fmt.Appendf(out, "\\u%04x", r)
		}
	}
	return out
}

// withPNGText inserts a tEXt chunk keyword=text (PNG 1.2 section 11.3.4.3) after the IHDR chunk
// of png, so that the plot carries the table's meta (run id and inputs) like the other outputs.
// Non-Latin-1 text is escaped as JSON \u sequences by encoding/json already.
func withPNGText(png []byte, keyword string, text []byte) ([]byte, error) {
	const ihdrEnd = 8 + 4 + 4 + 13 + 4 // signature, IHDR length, type, data, CRC
	if len(png) < ihdrEnd || string(png[12:16]) != "IHDR" {
		return nil, fmt.Errorf("not a PNG with an IHDR chunk")
	}
	data := append(append([]byte(keyword), 0), text...)
	chunk := make([]byte, 0, 12+len(data))
	chunk = binary.BigEndian.AppendUint32(chunk, uint32(len(data)))
	chunk = append(chunk, "tEXt"...)
	chunk = append(chunk, data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := make([]byte, 0, len(png)+len(chunk))
	out = append(out, png[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, png[ihdrEnd:]...), nil
}

// buildPlot lays out the plot of y against x without rendering it.
func buildPlot(t Table, x, y string) (*plot.Plot, plotter.XYs, error) {
	if err := t.Validate(); err != nil {
		return nil, nil, err
	}
	yc, ok := t.Column(y)
	if !ok || yc.Kind() == KindString {
		return nil, nil, fmt.Errorf("no numeric column %q", y)
	}
	n := t.Rows()
	xs := make([]float64, n)
	dates := false
	if x == "" {
		for i := range xs {
			xs[i] = float64(i)
		}
	} else {
		xc, ok := t.Column(x)
		if !ok {
			return nil, nil, fmt.Errorf("no column %q", x)
		}
		switch xc.Kind() {
		case KindFloat64:
			copy(xs, xc.Float64)
		case KindInt64:
			for i, v := range xc.Int64 {
				xs[i] = float64(v)
			}
		case KindString:
			dates = true
			for i, s := range xc.String {
				tm, err := parseISO(s)
				if err != nil {
					return nil, nil, fmt.Errorf("column %q row %d: %q is not an ISO date", x, i, s)
				}
				xs[i] = float64(tm.UnixNano()) / 1e9
			}
		}
	}
	pts := make(plotter.XYs, 0, n)
	for i := 0; i < n; i++ {
		v := math.NaN()
		if yc.Kind() == KindFloat64 {
			v = yc.Float64[i]
		} else {
			v = float64(yc.Int64[i])
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || math.IsNaN(xs[i]) || math.IsInf(xs[i], 0) {
			continue
		}
		pts = append(pts, plotter.XY{X: xs[i], Y: v})
	}

	p := newPlot(t, fmt.Sprintf("%s by %s", y, orIndex(x)))
	p.X.Label.Text = metaString(t.Meta, MetaXLabel, orIndex(x))
	p.Y.Label.Text = valueLabel(t, y)
	p.Y.Tick.Marker = stepTicks{max: 10}
	p.Add(plotter.NewGrid())
	if dates {
		p.X.Tick.Marker = monthTicks{}
		if len(pts) > 0 { // start the axis at the first day's midnight, a tick
			first := math.Inf(1)
			for _, pt := range pts {
				first = math.Min(first, pt.X)
			}
			d := time.Unix(int64(math.Floor(first)), 0).UTC()
			p.X.Min = float64(time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC).Unix())
		}
	} else {
		p.X.Tick.Marker = stepTicks{max: 12}
	}
	if len(pts) > 0 {
		line, err := plotter.NewLine(pts)
		if err != nil {
			return nil, nil, err
		}
		p.Add(line)
	}
	return p, pts, nil
}

func orIndex(x string) string {
	if x == "" {
		return "index"
	}
	return x
}

func metaString(m map[string]any, key, def string) string {
	if s, ok := m[key].(string); ok && s != "" {
		return s
	}
	return def
}
