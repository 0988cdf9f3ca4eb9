package coordinator

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf16"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
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

// WritePlot renders column y against column x as a PNG line plot. x may be
// a numeric column, a string column of ISO-8601 dates or times (the axis
// then shows dates), or "" for the row index. y must be numeric; missing
// values (non-finite) are skipped. The title and axis labels come from
// t.Meta ("title", "x_label", "y_label", "units") with column names as
// fallback.
func WritePlot(w io.Writer, t Table, x, y string) error {
	p, _, err := buildPlot(t, x, y)
	if err != nil {
		return fmt.Errorf("write plot: %w", err)
	}
	wt, err := p.WriterTo(8*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("write plot: %w", err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return fmt.Errorf("write plot: %w", err)
	}
	meta, err := json.Marshal(t.Meta)
	if err != nil {
		return fmt.Errorf("write plot: meta: %w", err)
	}
	out, err := withPNGText(buf.Bytes(), ArrowMetaKey, asciiJSON(meta))
	if err != nil {
		return fmt.Errorf("write plot: %w", err)
	}
	_, err = w.Write(out)
	return err
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

	p := plot.New()
	p.Title.Text = metaString(t.Meta, MetaTitle, fmt.Sprintf("%s by %s", y, orIndex(x)))
	p.X.Label.Text = metaString(t.Meta, MetaXLabel, orIndex(x))
	yl := metaString(t.Meta, MetaYLabel, y)
	if u := metaString(t.Meta, MetaUnits, ""); u != "" && t.Meta[MetaYLabel] == nil {
		yl = fmt.Sprintf("%s (%s)", y, u)
	}
	p.Y.Label.Text = yl
	p.Y.Tick.Marker = preciseTicks{}
	p.Add(plotter.NewGrid())
	if dates {
		p.X.Tick.Marker = plot.TimeTicks{Format: "2006-01-02"}
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

// preciseTicks are gonum's default ticks with labels printed to the precision their spacing
// needs (the default %g labels of a narrow range such as 21.19..21.22 all read "21").
type preciseTicks struct{}

// Ticks returns the default tick positions with labels of enough decimals.
func (preciseTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	step := math.Inf(1)
	prev := math.NaN()
	for _, t := range ticks {
		if t.Label == "" {
			continue
		}
		if !math.IsNaN(prev) && t.Value-prev < step {
			step = t.Value - prev
		}
		prev = t.Value
	}
	prec := 0
	if step > 0 && !math.IsInf(step, 1) {
		prec = max(0, int(math.Ceil(-math.Log10(step)+1e-9)))
	}
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', prec, 64)
		}
	}
	return ticks
}
