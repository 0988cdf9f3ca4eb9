package incremental

import (
	"fmt"
	"regexp"

	"github.com/hsfan/hsfan/cf"
	"github.com/hsfan/hsfan/jobs/spec"
	"github.com/hsfan/hsfan/output"
)

// stepRows are one step's rows of the table and the input version they were computed from.
type stepRows struct {
	input string
	rows  output.Table
}

// periodRE finds the "FIRST to LAST" period of a table title (jobs/reduce's plot titles).
var periodRE = regexp.MustCompile(`-?\d{4,}-\d{2}-\d{2}(T[0-9:.]+Z?)? to -?\d{4,}-\d{2}-\d{2}(T[0-9:.]+Z?)?`)

// splitSteps cuts a stored table into its steps' rows.
func splitSteps(t output.Table, steps []Step) (map[string]stepRows, error) {
	out := map[string]stepRows{}
	r := 0
	for _, s := range steps {
		if r+s.Rows > t.Rows() {
			return nil, fmt.Errorf("%d rows, the catalog's steps need more", t.Rows())
		}
		out[s.Time] = stepRows{input: s.Input, rows: sliceRows(t, r, r+s.Rows)}
		r += s.Rows
	}
	if r != t.Rows() {
		return nil, fmt.Errorf("%d rows, the catalog's steps have %d", t.Rows(), r)
	}
	return out, nil
}

// sliceRows are rows [a, b) of t without the input column.
func sliceRows(t output.Table, a, b int) output.Table {
	out := output.Table{}
	for _, c := range t.Columns {
		if c.Name == InputColumn {
			continue
		}
		n := output.Column{Name: c.Name}
		switch c.Kind() {
		case output.KindFloat64:
			n.Float64 = append([]float64{}, c.Float64[a:b]...)
		case output.KindInt64:
			n.Int64 = append([]int64{}, c.Int64[a:b]...)
		case output.KindString:
			n.String = append([]string{}, c.String[a:b]...)
		}
		out.Columns = append(out.Columns, n)
	}
	return out
}

// merge builds the table of the window's steps in axis order from the computed and the reused
// steps (steps neither computed nor reusable are pending), with the time column labelled over
// the whole table (cf.TimeLabels) and the input version of every row.
func (j *Job) merge(ax axisInfo, first, end int, old, computed map[string]stepRows, meta map[string]any, versions []string, runID string, b spec.Bounds) (output.Table, []Step, int, error) {
	var parts []output.Table
	var steps []Step
	var vals []float64
	pending := 0
	for s := first; s < end; s++ {
		key := ax.times[s].String()
		r, ok := computed[key]
		if !ok {
			if o, ok2 := old[key]; ok2 && o.input == versions[s] {
				r, ok = o, true
			}
		}
		if !ok {
			pending++
			continue
		}
		parts = append(parts, r.rows)
		steps = append(steps, Step{Time: key, Value: ax.values[s], Input: r.input, Rows: r.rows.Rows()})
		vals = append(vals, ax.values[s])
	}
	t := output.Table{Meta: map[string]any{}}
	for k, v := range meta {
		t.Meta[k] = v
	}
	t.Meta["run_id"] = runID
	t.Meta["select"] = fmt.Sprintf("%s in %s", ax.name, b)
	// The batch's dataset JSON ETag and selection say nothing about the merged table: each row's
	// input_version does.
	delete(t.Meta, "dataset_etag")
	switch in := t.Meta["inputs"].(type) {
	case output.Inputs:
		in.Select = fmt.Sprint(t.Meta["select"])
		t.Meta["inputs"] = in
	case map[string]any:
		c := map[string]any{}
		for k, v := range in {
			c[k] = v
		}
		c["select"] = t.Meta["select"]
		t.Meta["inputs"] = c
	}
	t.Meta["incremental"] = "rows of the steps in the window; input_version is the digest of the ETags of the chunks each step was computed from"
	if len(parts) == 0 {
		return t, steps, pending, nil
	}
	for ci, c0 := range parts[0].Columns {
		col := output.Column{Name: c0.Name}
		switch c0.Kind() {
		case output.KindFloat64:
			col.Float64 = []float64{}
		case output.KindInt64:
			col.Int64 = []int64{}
		case output.KindString:
			col.String = []string{}
		}
		for _, p := range parts {
			if ci >= len(p.Columns) || p.Columns[ci].Name != c0.Name || p.Columns[ci].Kind() != c0.Kind() {
				return output.Table{}, nil, 0, fmt.Errorf("merge: step tables have different columns (%s)", c0.Name)
			}
			pc := p.Columns[ci]
			col.Float64 = append(col.Float64, pc.Float64...)
			col.Int64 = append(col.Int64, pc.Int64...)
			col.String = append(col.String, pc.String...)
		}
		if c0.Name == ax.name && col.String != nil {
			labels, _, err := cf.TimeLabels(vals, ax.units, ax.calendar)
			if err != nil {
				return output.Table{}, nil, 0, err
			}
			r := 0
			for si, st := range steps {
				for k := 0; k < st.Rows; k++ {
					col.String[r] = labels[si]
					r++
				}
			}
		}
		t.Columns = append(t.Columns, col)
	}
	if title, ok := t.Meta["title"].(string); ok && len(steps) > 0 {
		// The title's period is the batch's: make it the table's.
		labels, _, err := cf.TimeLabels(vals, ax.units, ax.calendar)
		if err == nil {
			t.Meta["title"] = periodRE.ReplaceAllLiteralString(title, labels[0]+" to "+labels[len(labels)-1])
		}
	}
	in := output.Column{Name: InputColumn, String: []string{}}
	for _, st := range steps {
		for k := 0; k < st.Rows; k++ {
			in.String = append(in.String, st.Input)
		}
	}
	t.Columns = append(t.Columns, in)
	return t, steps, pending, nil
}

// splitBatches cuts the sorted steps into runs of consecutive steps of at most n (0: no limit).
func splitBatches(steps []int, n int) [][]int {
	var out [][]int
	for i := 0; i < len(steps); {
		k := i + 1
		for k < len(steps) && steps[k] == steps[k-1]+1 && (n <= 0 || k-i < n) {
			k++
		}
		out = append(out, steps[i:k])
		i = k
	}
	return out
}
