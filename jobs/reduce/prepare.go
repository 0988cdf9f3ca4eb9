package reduce

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hsfan/hsfan/cf"
	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/ops"
	"github.com/hsfan/hsfan/worker"
)

// Prepared is a planned reduction, ready to run (or to print with --dry-run).
type Prepared struct {
	Spec Spec
	File *hdf.File
	// Dataset is the reduced dataset and Selection the part of it the run reads.
	Dataset   *hdf.Dataset
	Selection *selection.Selection
	// Axes are the output axes of the selection: one per dataset dimension, except that
	// coordinate lists paired element by element share one point axis (Axis.Members).
	Axes []Axis
	// Reduction is the reduction the coordinator merges into (the same one every worker builds).
	Reduction *worker.Reduction
	// Template is the task every worker gets, without its index and chunk range.
	Template worker.Task
	// GridDims are the touched chunks per dimension and Plan the tasks.
	GridDims []int
	Plan     fanout.Plan

	// HistRangeFromData: a histogram without --hist-min/--hist-max; Run takes the range from the
	// data first (see dataRange).
	HistRangeFromData bool

	st       store.Store
	dataAxes []Axis // one per dataset dimension
}

// Prepare opens the dataset, resolves axes, weights and CF decoding, and plans the tasks.
func Prepare(ctx context.Context, st store.Store, spec Spec) (*Prepared, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	f, err := hdf.Open(ctx, st, spec.Bucket, spec.Domain)
	if err != nil {
		return nil, err
	}
	f.Refs = spec.Refs
	ds, err := f.OpenDatasetPath(ctx, spec.Dataset)
	if err != nil {
		return nil, err
	}
	p := &Prepared{Spec: spec, File: f, Dataset: ds, st: st}
	if spec.Select == "" {
		p.Selection = selection.All(ds.Dims)
	} else if p.Selection, err = selection.Parse(spec.Select, ds.Dims); err != nil {
		return nil, fmt.Errorf("select %q on %s of shape %s: %w", spec.Select, spec.Dataset, selection.ShapeText(ds.Dims), err)
	}
	names, scales, err := cf.Names(ctx, f, ds)
	if err != nil {
		return nil, err
	}
	reduce, err := resolveReduce(names, spec.Reduce)
	if err != nil {
		return nil, err
	}
	axisWeights := make([][]float64, len(names))
	p.dataAxes = make([]Axis, len(names))
	for i, n := range names {
		p.dataAxes[i] = Axis{Name: n, Reduced: reduce[i]}
		if dim := p.Selection.Dim(i); dim.IsList() {
			p.dataAxes[i].Indices = dim.Coords
		}
		cd, vals, err := coordinate(ctx, f, spec.Dataset, n, scales[i].ID, ds.Dims[i], p.Selection.Dim(i))
		if err != nil {
			return nil, err
		}
		p.dataAxes[i].Values = vals
		if cd != nil {
			units, _ := cf.AttrString(&cd.Obj, "units")
			calendar, _ := cf.AttrString(&cd.Obj, "calendar")
			labels, _, err := cf.TimeLabels(vals, units, calendar)
			if err != nil {
				return nil, fmt.Errorf("coordinate %s of axis %s: %w", cd.ID, n, err)
			}
			p.dataAxes[i].Labels = labels
		}
	}
	if err := p.weights(ctx, axisWeights); err != nil {
		return nil, err
	}
	if p.Axes, reduce, axisWeights, err = outputAxes(p.Selection, p.dataAxes, axisWeights); err != nil {
		return nil, err
	}
	storeURL := spec.StoreForWorkers
	if storeURL == "" {
		storeURL = spec.Store
	}
	dsJSON, err := json.Marshal(ds.Obj)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", ds.ID, err)
	}
	if k, _ := ops.ParseKind(spec.Op); k == ops.Histogram && spec.HistMin == 0 && spec.HistMax == 0 {
		// numpy.histogram without range: Run finds the data's minimum and maximum first. Until
		// then the reduction is built with a placeholder range.
		p.HistRangeFromData = true
		spec.HistMin, spec.HistMax = 0, 1
	}
	p.Template = worker.Task{Version: worker.TaskVersion, Job: newJobID(), Store: storeURL, Bucket: spec.Bucket,
		Dataset: dsJSON, Select: p.Selection.String(), Op: spec.Op, Reduce: reduce,
		NoCF: spec.NoCF, Units: spec.Units, Bins: spec.Bins, HistMin: spec.HistMin, HistMax: spec.HistMax,
		DDOF: spec.DDOF, Concurrency: spec.WorkerConcurrency, MaxInlineBytes: spec.MaxInlineBytes,
		ResultBucket: spec.ResultBucket, ResultPrefix: spec.ResultPrefix}
	for _, w := range axisWeights {
		if w != nil {
			p.Template.AxisWeights = axisWeights
			break
		}
	}
	if p.Template.WeightsDataset, p.Template.WeightsSelect, p.Template.WeightsAxes, err = p.fullWeights(ctx); err != nil {
		return nil, err
	}
	if p.Reduction, err = worker.NewReduction(ctx, ds, &p.Template); err != nil {
		return nil, err
	}
	grid := p.Selection.Grid(ds.ChunkDims)
	if err := grid.Err(); err != nil {
		return nil, err
	}
	p.GridDims = grid.Dims()
	if len(p.GridDims) == 0 { // scalar dataset: one chunk
		p.GridDims = []int{1}
	}
	p.Plan, err = fanout.MakePlan(fanout.PlanInput{GridDims: p.GridDims, ChunkBytes: int64(ds.ChunkBytes()),
		StoredBytes: 0, TargetBytes: spec.TargetBytes, TargetTaskTime: spec.TaskTime,
		MaxChunksPerTask: spec.MaxChunksPerTask, Concurrency: spec.Concurrency})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// weights fills axisWeights from --weights.
func (p *Prepared) weights(ctx context.Context, axisWeights [][]float64) error {
	w := p.Spec.Weights
	switch {
	case w == "":
		return nil
	case strings.HasPrefix(w, "coslat"):
		limit, _ := p.Spec.cosLatLimit()
		for i, a := range p.dataAxes {
			n := strings.ToLower(a.Name)
			if n != "lat" && n != "latitude" {
				continue
			}
			if a.Values == nil {
				return fmt.Errorf("weights coslat: axis %s has no coordinate dataset", a.Name)
			}
			if limit == 0 {
				limit = math.NaN()
			}
			axisWeights[i] = ops.CosLatWeights(a.Values, limit)
			return nil
		}
		return fmt.Errorf("weights coslat: the dataset has no lat or latitude axis")
	}
	wd, err := p.File.OpenDatasetPath(ctx, w)
	if err != nil {
		return fmt.Errorf("weights %s: %w", w, err)
	}
	if len(wd.Dims) == 0 {
		return fmt.Errorf("weights %s: a scalar is not a weights dataset (a constant weight changes nothing)", w)
	}
	if len(wd.Dims) != 1 {
		return nil // N-D weights: see fullWeights
	}
	vals, err := cf.ReadDecoded(ctx, wd, nil)
	if err != nil {
		return fmt.Errorf("weights %s: %w", w, err)
	}
	// The axis: the one whose name matches the weights' DIMENSION_LABELS, else the only reduced
	// axis with that extent.
	axis := -1
	if _, labelled := wd.Attribute("DIMENSION_LABELS"); labelled {
		labels, err := cf.AxisNames(wd)
		if err != nil {
			return fmt.Errorf("weights %s: %w", w, err)
		}
		label := labels[0]
		for i, a := range p.dataAxes {
			if a.Reduced && a.Name == label && p.Dataset.Dims[i] == len(vals) {
				axis = i
			}
		}
	}
	if axis < 0 {
		for i, a := range p.dataAxes {
			if a.Reduced && p.Dataset.Dims[i] == len(vals) {
				if axis >= 0 {
					return fmt.Errorf("weights %s: length %d matches several axes; label it with DIMENSION_LABELS", w, len(vals))
				}
				axis = i
			}
		}
	}
	if axis < 0 {
		return fmt.Errorf("weights %s: length %d matches no axis of %s (shape %v)", w, len(vals), p.Spec.Dataset, p.Dataset.Dims)
	}
	dim := p.Selection.Dim(axis)
	sel := make([]float64, dim.Count())
	for k := range sel {
		sel[k] = vals[dim.Index(k)]
	}
	axisWeights[axis] = sel
	return nil
}

// newJobID names a run: UTC time plus randomness, sortable and unique.
func newJobID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// fullWeights resolves an N-D --weights dataset: the axes it spans (by its DIMENSION_LABELS, else
// the reduced axes in order, matched by extent) and its selection; workers read it themselves.
func (p *Prepared) fullWeights(ctx context.Context) (json.RawMessage, string, []int, error) {
	w := p.Spec.Weights
	if !strings.HasPrefix(w, "/") {
		return nil, "", nil, nil
	}
	wd, err := p.File.OpenDatasetPath(ctx, w)
	if err != nil {
		return nil, "", nil, fmt.Errorf("weights %s: %w", w, err)
	}
	if len(wd.Dims) < 2 {
		return nil, "", nil, nil // 1-D weights are per-axis weights; scalars are refused there
	}
	var axes []int
	labels, err := cf.AxisNames(wd)
	if err != nil {
		return nil, "", nil, fmt.Errorf("weights %s: %w", w, err)
	}
	_, byName := wd.Attribute("DIMENSION_LABELS")
	for _, l := range labels {
		if !byName {
			break
		}
		found := -1
		for i, a := range p.dataAxes {
			if a.Name == l {
				found = i
			}
		}
		if found < 0 {
			byName = false
			break
		}
		axes = append(axes, found)
	}
	if !byName {
		axes = axes[:0]
		for i, a := range p.dataAxes {
			if a.Reduced {
				axes = append(axes, i)
			}
		}
	}
	if len(axes) != len(wd.Dims) {
		return nil, "", nil, fmt.Errorf("weights %s: shape %v does not match the reduced axes of %s (shape %v)", w, wd.Dims, p.Spec.Dataset, p.Dataset.Dims)
	}
	parts := make([]string, len(axes))
	out := make([]int, len(axes)) // the output axes of the selection the weights span
	for k, a := range axes {
		if k > 0 && a <= axes[k-1] {
			return nil, "", nil, fmt.Errorf("weights %s: its axes must follow the data's axis order", w)
		}
		if wd.Dims[k] != p.Dataset.Dims[a] {
			return nil, "", nil, fmt.Errorf("weights %s: extent %d of its axis %d differs from %d of axis %s", w, wd.Dims[k], k, p.Dataset.Dims[a], p.dataAxes[a].Name)
		}
		if p.Selection.Paired() && p.Selection.Dim(a).IsList() {
			return nil, "", nil, fmt.Errorf("weights %s: axis %s is one of the paired coordinate lists of select %s; N-D weights over paired lists are not supported (use 1-D weights per axis)",
				w, p.dataAxes[a].Name, p.Selection)
		}
		parts[k] = dimString(p.Selection.Dim(a))
		out[k] = p.Selection.OutAxis(a)
		if k > 0 && out[k] <= out[k-1] {
			return nil, "", nil, fmt.Errorf("weights %s: select %s moves its axes out of the data's order (paired lists come first); N-D weights are not supported there", w, p.Selection)
		}
	}
	obj, err := json.Marshal(wd.Obj)
	if err != nil {
		return nil, "", nil, err
	}
	return obj, "[" + strings.Join(parts, ",") + "]", out, nil
}

// outputAxes maps the per-dataset-dimension axes, reduce flags and 1-D weights onto the output
// axes of sel. Paired coordinate lists form one point axis: --reduce must name all of its
// dimensions or none (the rule is documented in cmd/hsfan run's usage), and its weights are the
// product of the per-point weights of its dimensions.
func outputAxes(sel *selection.Selection, data []Axis, weights [][]float64) ([]Axis, []bool, [][]float64, error) {
	if sel.IsScalar() {
		return data, make([]bool, 0), weights, nil
	}
	rank := sel.Rank()
	axes := make([]Axis, rank)
	reduce := make([]bool, rank)
	outW := make([][]float64, rank)
	for a := 0; a < rank; a++ {
		dims := sel.AxisDims(a)
		if len(dims) == 1 {
			axes[a], reduce[a], outW[a] = data[dims[0]], data[dims[0]].Reduced, weights[dims[0]]
			continue
		}
		names := make([]string, len(dims))
		var red, kept []string
		members := make([]Axis, len(dims))
		var w []float64
		for j, d := range dims {
			names[j], members[j] = data[d].Name, data[d]
			if data[d].Reduced {
				red = append(red, data[d].Name)
			} else {
				kept = append(kept, data[d].Name)
			}
			if weights[d] == nil {
				continue
			}
			if w == nil {
				w = append([]float64(nil), weights[d]...)
				continue
			}
			for i := range w {
				w[i] *= weights[d][i]
			}
		}
		if len(red) > 0 && len(kept) > 0 {
			return nil, nil, nil, fmt.Errorf("reduce: axes %s are coordinate lists paired into one point axis by select %s: reduce all of them or none (reduced %s, kept %s)",
				strings.Join(names, ", "), sel, strings.Join(red, ", "), strings.Join(kept, ", "))
		}
		axes[a] = Axis{Name: strings.Join(names, "+"), Reduced: len(red) > 0, Members: members}
		reduce[a], outW[a] = axes[a].Reduced, w
	}
	return axes, reduce, outW, nil
}
