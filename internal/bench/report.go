package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// WriteTable prints the report as a table: one row per case, part and system with seconds,
// MB/s, the ratio to the case's reference system (its seconds over the row's) and the status;
// a case or system that did not run says why.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tpart\tsystem\tseconds\tMB/s\tratio vs ref\tstatus")
	for _, c := range r.Cases {
		if len(c.Systems) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t%s: %s\n", c.Name, c.Status, oneLine(c.Error))
			continue
		}
		for _, s := range c.Systems {
			name := s.Name
			if s.Name == c.Reference {
				name += " (ref)"
			}
			if len(s.Parts) == 0 {
				fmt.Fprintf(tw, "%s\t-\t%s\t-\t-\t-\t%s: %s\n", c.Name, name, s.Status, oneLine(s.Error))
				continue
			}
			for _, p := range s.Parts {
				status := s.Status
				if s.Error != "" {
					status += ": " + oneLine(s.Error)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%.3f\t%s\t%s\t%s\n", c.Name, p.Name, name, p.Seconds, orDash(p.MBPerS, "%.0f"), orDash(p.RatioVsRef, "%.2fx"), status)
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("bench table: %w", err)
	}
	for _, c := range r.Cases {
		if c.Error != "" && len(c.Systems) > 0 {
			fmt.Fprintf(w, "%s: %s: %s\n", c.Name, c.Status, c.Error)
		}
		for _, s := range c.Systems {
			if v, ok := s.Figures["us_per_task"]; ok {
				cpu := ""
				if c, ok := s.Figures["cpu_us_per_task"]; ok {
					cpu = fmt.Sprintf(", %.2f us of CPU per task", c)
				}
				fmt.Fprintf(w, "%s: %s %.2f us/task of wall time (goal <= %d)%s\n", c.Name, s.Name, v, fanoutGoalMicros, cpu)
			}
			if v, ok := s.Figures["max_rss_mb"]; ok {
				job := ""
				if j, ok := s.Figures["job_seconds"]; ok {
					job = fmt.Sprintf(", %.3f s by its own report", j)
				}
				src := "the child process's, from wait4's rusage"
				if w4, ok := s.Figures["wait4_max_rss_mb"]; ok {
					src = fmt.Sprintf("the child's own VmHWM; wait4's rusage says %.0f MB, which on Linux also counts this bench process's own peak", w4)
				}
				fmt.Fprintf(w, "%s: %s peak RSS %.0f MB (%s)%s\n", c.Name, s.Name, v, src, job)
			}
		}
	}
	return nil
}

func orDash(v float64, format string) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

// WriteFiles writes bench.json and bench.png into dir (atomically: each written to a
// temporary file and renamed) and records their paths in r.
func (r *Report) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("bench outputs: %w", err)
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("bench JSON: %w", err)
	}
	r.JSONPath = filepath.Join(dir, "bench.json")
	if err := writeAtomic(r.JSONPath, append(js, '\n')); err != nil {
		return err
	}
	png, err := r.chart()
	if err != nil {
		return err
	}
	r.PNGPath = filepath.Join(dir, "bench.png")
	return writeAtomic(r.PNGPath, png)
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// chart draws one panel per case that ran: bars of seconds per part, one colour per system.
func (r *Report) chart() ([]byte, error) {
	var panels []*plot.Plot
	for _, c := range r.Cases {
		p, err := casePanel(c)
		if err != nil {
			return nil, err
		}
		if p != nil {
			panels = append(panels, p)
		}
	}
	if len(panels) == 0 {
		p := plot.New()
		p.Title.Text = "hsfan bench: no case ran (see bench.json)"
		panels = append(panels, p)
	}
	const panelW, panelH = 7 * vg.Inch, 3.2 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(panelW, panelH*vg.Length(len(panels))), vgimg.UseDPI(96))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadX: vg.Millimeter, PadY: 2 * vg.Millimeter, PadTop: vg.Millimeter, PadBottom: vg.Millimeter}
	grid := make([][]*plot.Plot, len(panels))
	for i, p := range panels {
		grid[i] = []*plot.Plot{p}
	}
	canvases := plot.Align(grid, tiles, dc)
	for i, p := range panels {
		p.Draw(canvases[i][0])
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("bench chart: %w", err)
	}
	return buf.Bytes(), nil
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
}

func casePanel(c CaseReport) (*plot.Plot, error) {
	var parts []string
	for _, s := range c.Systems {
		for _, p := range s.Parts {
			if !slices.Contains(parts, p.Name) {
				parts = append(parts, p.Name)
			}
		}
	}
	if len(parts) == 0 {
		return nil, nil
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s (%s)", c.Name, c.Status)
	p.Y.Label.Text = "seconds"
	p.Legend.Top = true
	p.NominalX(parts...)
	var ran []SystemReport
	for _, s := range c.Systems {
		if len(s.Parts) > 0 {
			ran = append(ran, s)
		}
	}
	w := vg.Points(min(40, 300/float64(len(parts)*len(ran))))
	top := 0.0
	for i, s := range ran {
		vals := make(plotter.Values, len(parts))
		for _, q := range s.Parts {
			for j, name := range parts {
				if q.Name == name {
					vals[j] = q.Seconds
				}
			}
		}
		bars, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, fmt.Errorf("bench chart %s: %w", c.Name, err)
		}
		bars.Color = palette[i%len(palette)]
		bars.LineStyle.Width = 0
		bars.Offset = w * vg.Length(float64(i)-float64(len(ran)-1)/2)
		p.Add(bars)
		p.Legend.Add(s.Name, bars)
		for _, v := range vals {
			top = max(top, v)
		}
	}
	// Head room above the bars for the legend (one line per system).
	p.Y.Min, p.Y.Max = 0, top*(1.15+0.12*float64(len(ran)))
	return p, nil
}
