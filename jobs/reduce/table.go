package reduce

import (
	"encoding/json"
	"fmt"

	"github.com/hsfan/hsfan/ops"
	"github.com/hsfan/hsfan/output"
)

// table turns a finalized result into the output table: one column per kept axis (its
// coordinate labels or values, else the index), then the value column named after the op, and
// the count of valid values. Histograms have one row per (cell, bin).
func (p *Prepared) table(res ops.Result) (output.Table, error) {
	var kept []Axis
	for _, a := range p.Axes {
		if !a.Reduced {
			kept = append(kept, a)
		}
	}
	cells := len(res.Value)
	bins := 1
	if res.Kind == ops.Histogram {
		bins = len(res.Edges) - 1
		if bins < 1 || len(res.Hist) != cells*bins {
			return output.Table{}, fmt.Errorf("histogram result has %d counts for %d cells", len(res.Hist), cells)
		}
	}
	rows := cells * bins
	t := output.Table{Meta: map[string]any{
		"op": p.Spec.Op, "dataset": p.Spec.Dataset, "domain": p.Spec.Domain, "select": p.Selection.String(),
		"units": p.valueUnits(), "weights": p.Spec.Weights, "count": p.countMeaning(),
		// Which run wrote this file and from what: a reader can match it with manifest.json and
		// never take an earlier run's result for this one.
		"run_id": p.Template.Job, "inputs": p.inputs(), "dataset_etag": p.File.ETag,
	}}
	// Cell index -> coordinate per kept axis (row-major over the kept axes). A kept point axis
	// of paired coordinate lists gives one column per member: its coordinate labels or values at
	// each point, else the dataset index.
	ext := len(res.Shape)
	if ext != len(kept) {
		return output.Table{}, fmt.Errorf("result has %d kept axes, want %d", ext, len(kept))
	}
	stride := 1
	cols := make([][]output.Column, len(kept))
	for k := len(kept) - 1; k >= 0; k-- {
		n := res.Shape[k]
		members := []Axis{kept[k]}
		if kept[k].Members != nil {
			members = kept[k].Members
		}
		for _, a := range members {
			c := output.Column{Name: a.Name}
			switch {
			case a.Labels != nil:
				c.String = make([]string, rows)
			case a.Values != nil:
				c.Float64 = make([]float64, rows)
			default:
				c.Int64 = make([]int64, rows)
			}
			for r := 0; r < rows; r++ {
				i := (r / bins / stride) % n
				switch {
				case c.String != nil:
					c.String[r] = a.Labels[i]
				case c.Float64 != nil:
					c.Float64[r] = a.Values[i]
				case kept[k].Members != nil:
					c.Int64[r] = int64(a.Indices[i])
				default:
					c.Int64[r] = int64(i)
				}
			}
			cols[k] = append(cols[k], c)
		}
		stride *= n
	}
	for _, c := range cols {
		t.Columns = append(t.Columns, c...)
	}
	if res.Kind == ops.Histogram {
		lo, hi, cnt := make([]float64, rows), make([]float64, rows), make([]int64, rows)
		for r := 0; r < rows; r++ {
			b := r % bins
			lo[r], hi[r], cnt[r] = res.Edges[b], res.Edges[b+1], res.Hist[r]
		}
		t.Columns = append(t.Columns, output.Column{Name: "bin_low", Float64: lo},
			output.Column{Name: "bin_high", Float64: hi}, output.Column{Name: "histogram", Int64: cnt})
		p.plotMeta(t.Meta, kept, res.Kind)
		return t, nil
	}
	if res.Kind == ops.Count {
		t.Columns = append(t.Columns, output.Column{Name: "count", Int64: append([]int64(nil), res.Count...)})
	} else {
		t.Columns = append(t.Columns, output.Column{Name: res.Kind.String(), Float64: res.Value},
			output.Column{Name: "count", Int64: res.Count})
	}
	p.plotMeta(t.Meta, kept, res.Kind)
	return t, nil
}

// plotMeta records the plot kind, its columns and title in the table's meta (see plotKind).
func (p *Prepared) plotMeta(meta map[string]any, kept []Axis, kind ops.Kind) {
	pk, _ := p.plotKind()
	switch pk {
	case output.PlotLine:
		meta[output.MetaPlotX] = kept[0].Name
		meta[output.MetaPlotY] = kind.String()
	case output.PlotMap:
		x, y := mapAxes(kept)
		meta[output.MetaPlotX], meta[output.MetaPlotY], meta[output.MetaPlotZ] = x.Name, y.Name, kind.String()
	case output.PlotHistogram:
		meta[output.MetaPlotY] = "histogram"
	default:
		return
	}
	meta[output.MetaPlotKind] = pk
	meta[output.MetaTitle] = p.plotTitle()
}

func reducedNames(axes []Axis) string {
	s := ""
	for _, a := range axes {
		if a.Reduced {
			if s != "" {
				s += ", "
			}
			s += a.Name
		}
	}
	return s
}

// valueUnits are the units of the value column: --units, else the dataset's units attribute.
func (p *Prepared) valueUnits() string {
	if p.Spec.Units != "" {
		return p.Spec.Units
	}
	var units string
	if raw, ok := p.Dataset.Attribute("units"); ok {
		_ = json.Unmarshal(raw, &units) // a non-string units attribute means none
	}
	return units
}

// countMeaning says what the count column counts (the "count" entry of the outputs' meta).
func (p *Prepared) countMeaning() string {
	valid := "valid values (not NaN; CF fill, missing and out-of-range values are NaN)"
	if p.Spec.NoCF {
		valid = "values that are not NaN (CF decoding off)"
	}
	s := "number of " + valid + " per output cell"
	if p.Spec.Weights != "" {
		s += ", of non-zero weight under --weights " + p.Spec.Weights + " (values of weight 0 are left out of every op)"
	}
	return s
}
