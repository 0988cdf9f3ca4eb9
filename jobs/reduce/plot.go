package reduce

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/ops"
	"github.com/hsfan/hsfan/output"
)

// plotKind chooses the plot of the result: a line along one kept axis, a map over two kept axes
// with evenly spaced numeric coordinates (--reduce time on (time, lat, lon)), a bar chart of a
// histogram reduced to one cell; otherwise none, with the reason (the run reports it).
func (p *Prepared) plotKind() (kind, reason string) {
	var kept []Axis
	for _, a := range p.Axes {
		if !a.Reduced {
			kept = append(kept, a)
		}
	}
	for _, a := range kept {
		if a.Members != nil {
			return "", fmt.Sprintf("the kept axis %s pairs coordinate lists into points, which have no single coordinate to plot against", a.Name)
		}
	}
	if p.Reduction.Kind == ops.Histogram {
		if len(kept) > 0 {
			return "", fmt.Sprintf("a histogram per cell of the kept axes %s has no single bar chart (reduce every axis for one)", axisNames(kept))
		}
		return output.PlotHistogram, ""
	}
	switch len(kept) {
	case 0:
		return "", "the result is a single value"
	case 1:
		return output.PlotLine, ""
	case 2:
		for _, a := range kept {
			if a.Values == nil || a.Labels != nil {
				return "", fmt.Sprintf("the kept axes %s: a map needs two numeric coordinate axes, and %s has none", axisNames(kept), a.Name)
			}
			if err := output.EvenlySpaced(a.Values); err != nil {
				return "", fmt.Sprintf("the kept axis %s: %v", a.Name, err)
			}
		}
		return output.PlotMap, ""
	}
	return "", fmt.Sprintf("%d kept axes (%s): a line needs one, a map two", len(kept), axisNames(kept))
}

// mapAxes returns the kept axes of a map as (x, y): longitude across, latitude up when named so,
// else the last kept axis across.
func mapAxes(kept []Axis) (x, y Axis) {
	x, y = kept[1], kept[0]
	isLon := func(n string) bool { n = strings.ToLower(n); return n == "lon" || n == "longitude" || n == "x" }
	if isLon(kept[0].Name) && !isLon(kept[1].Name) {
		x, y = kept[0], kept[1]
	}
	return x, y
}

func axisNames(axes []Axis) string {
	names := make([]string, len(axes))
	for i, a := range axes {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

// plotTitle names the op, dataset and reduced axes on the first line; the weights, the region
// the selection restricts (coordinate ranges) and the period (the time labels) on the second.
func (p *Prepared) plotTitle() string {
	first := fmt.Sprintf("%s of %s", p.Reduction.Kind, p.Spec.Dataset)
	if r := reducedNames(p.Axes); r != "" {
		first += " over " + r
	}
	var parts []string
	if w := p.Spec.Weights; w != "" {
		parts = append(parts, weightsText(w, p.Reduction.Kind))
	}
	var period string
	restricted := false
	for i, a := range p.dataAxes {
		dim := p.Selection.Dim(i)
		if len(a.Labels) > 0 {
			period = dateOnly(a.Labels[0])
			if last := dateOnly(a.Labels[len(a.Labels)-1]); last != period {
				period += " to " + last
			}
			continue
		}
		if dim.Count() == p.Dataset.Dims[i] && !dim.IsList() {
			continue
		}
		restricted = true
		switch {
		case dim.IsList():
			parts = append(parts, fmt.Sprintf("%d %s points", dim.Count(), a.Name))
		case len(a.Values) > 0:
			lo, hi := a.Values[0], a.Values[len(a.Values)-1]
			if lo > hi {
				lo, hi = hi, lo
			}
			parts = append(parts, fmt.Sprintf("%s %s to %s", a.Name, fmtCoord(lo), fmtCoord(hi)))
		}
	}
	if p.Spec.Select != "" && !restricted && period == "" {
		parts = append(parts, "select "+p.Selection.String())
	}
	if period != "" {
		parts = append(parts, period)
	}
	if len(parts) == 0 {
		return first
	}
	return first + "\n" + strings.Join(parts, "; ")
}

// weightsText describes --weights for the title: sum, mean, var and std are weighted; the other
// ops only leave out the values of weight 0 (ops package doc, "Weights").
func weightsText(w string, k ops.Kind) string {
	weighted := k == ops.Sum || k == ops.Mean || k == ops.Var || k == ops.Std
	lim := ""
	if strings.HasPrefix(w, "coslat") {
		if l := strings.TrimPrefix(strings.TrimPrefix(w, "coslat"), ":"); l != "" && l != "0" {
			lim = "|lat| <= " + l + "°"
		}
	}
	switch {
	case weighted && strings.HasPrefix(w, "coslat") && lim != "":
		return "cos(lat)-weighted, " + lim
	case weighted && strings.HasPrefix(w, "coslat"):
		return "cos(lat)-weighted"
	case weighted:
		return "weights " + w
	case lim != "":
		return lim + " (unweighted)"
	}
	return "values of weight 0 in " + w + " left out (unweighted)"
}

// dateOnly shortens an ISO time label to its date.
func dateOnly(s string) string {
	if len(s) > 10 && s[10] == 'T' {
		return s[:10]
	}
	return s
}

func fmtCoord(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
