package incremental

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hsfan/hsfan/cf"
	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/version"
	"github.com/hsfan/hsfan/jobs/reduce"
	"github.com/hsfan/hsfan/jobs/spec"
	"github.com/hsfan/hsfan/ops"
	"github.com/hsfan/hsfan/output"
)

// InputColumn is the table column naming each row's input version.
const InputColumn = "input_version"

// Job is one incremental run of a reduction over a time window.
type Job struct {
	// Name names the job (the spec's name) in the catalog.
	Name string
	// Store holds the data and the catalog; Spec is the reduction over the whole time axis (no
	// select: the job selects the steps).
	Store store.Store
	Spec  reduce.Spec
	// Window restricts the time axis (nil: every step); Now is the run time it is resolved at.
	Window *spec.Window
	Now    time.Time
	// Catalog locates the catalog (see the package doc).
	Catalog Location
	// Invoker runs the tasks; Sink receives the merged table when the window is complete (nil:
	// only the catalog is written). Logger and Report as in reduce.Options.
	Invoker fanout.Invoker
	Sink    output.Sink
	Logger  *slog.Logger
	Report  io.Writer
	// BatchSteps bounds the steps one fan-out computes (0: all at once); each batch is
	// committed, so a run stopped between batches keeps its progress.
	BatchSteps int
	// Reserve is the time kept free before the context's deadline (a Lambda coordinator's
	// 15-minute limit): no batch starts when less than Reserve plus the longest batch so far
	// remains; the run returns with Result.Complete false and the rest pending.
	Reserve time.Duration
	// DryRun resolves the window and the input versions and says which steps a run would
	// compute (Result.Todo), computing and writing nothing.
	DryRun bool
}

// Result says what a run did.
type Result struct {
	// Computed are the steps computed (their times), Reused the steps kept from the previous
	// table, Dropped the previous steps outside the window now, Pending the window's steps left
	// for a later run (deadline).
	Computed         []string
	Todo             []string
	Reused, Dropped  int
	Pending          int
	Changed, NoOp    bool
	DryRun           bool
	Complete         bool
	Catalog          *Catalog
	Table            output.Table
	WindowSteps      int
	Bounds           spec.Bounds
	CatalogETag      string
	Batches          int
	ExportedManifest *output.Manifest
}

// Summary is the one-line report of a run.
func (r *Result) Summary() string {
	switch {
	case r.DryRun:
		s := fmt.Sprintf("dry run: would compute %d steps", len(r.Todo))
		if len(r.Todo) > 0 {
			s += fmt.Sprintf(" (%s .. %s)", r.Todo[0], r.Todo[len(r.Todo)-1])
		}
		return s + fmt.Sprintf(", reuse %d, drop %d outside the window; %d steps in %s", r.Reused, r.Dropped, r.WindowSteps, r.Bounds)
	case r.NoOp:
		return fmt.Sprintf("up to date: %d steps in %s, none new or changed; nothing computed, nothing written", r.WindowSteps, r.Bounds)
	case !r.Complete:
		return fmt.Sprintf("partial: computed %d steps, %d reused, %d pending for the next run (deadline); the table holds the steps computed so far", len(r.Computed), r.Reused, r.Pending)
	}
	return fmt.Sprintf("computed %d steps, reused %d, dropped %d outside the window; table version %d has %d steps in %s",
		len(r.Computed), r.Reused, r.Dropped, r.Catalog.Version, len(r.Catalog.Steps), r.Bounds)
}

// axisInfo is the time axis of the dataset.
type axisInfo struct {
	index           int
	name            string
	values          []float64
	times           []cf.DateTime
	units, calendar string
}

// Run runs the job: see the package doc.
func (j *Job) Run(ctx context.Context) (*Result, error) {
	if j.Spec.Select != "" {
		return nil, fmt.Errorf("incremental run: select %q: a windowed spec selects the time steps itself; remove select", j.Spec.Select)
	}
	if j.Invoker == nil && !j.DryRun {
		return nil, errors.New("incremental run: no invoker")
	}
	if err := j.Spec.Validate(); err != nil {
		return nil, err
	}
	if k, _ := ops.ParseKind(j.Spec.Op); k == ops.Histogram && j.Spec.HistMin == 0 && j.Spec.HistMax == 0 {
		return nil, errors.New("incremental run: a histogram needs hist-min and hist-max (a range from the data would differ between the batches)")
	}
	if j.Catalog.Bucket == "" {
		j.Catalog.Bucket = j.Spec.Bucket
	}
	if j.Catalog.Prefix == "" {
		j.Catalog.Prefix = "hsfan-catalog/" + j.Name
	}
	f, err := hdf.Open(ctx, j.Store, j.Spec.Bucket, j.Spec.Domain)
	if err != nil {
		return nil, err
	}
	f.Refs = j.Spec.Refs
	ds, err := f.OpenDatasetPath(ctx, j.Spec.Dataset)
	if err != nil {
		return nil, err
	}
	if c := ds.Obj.Layout.Class; c != "" && c != schema.LayoutChunked {
		return nil, fmt.Errorf("incremental run: %s has layout %s: input versions come from stored chunks (H5D_CHUNKED)", j.Spec.Dataset, c)
	}
	ax, err := j.timeAxis(ctx, f, ds)
	if err != nil {
		return nil, err
	}
	config, err := j.config(ds, ax)
	if err != nil {
		return nil, err
	}
	old, etag, err := loadCatalog(ctx, j.Store, j.Catalog)
	if err != nil {
		return nil, err
	}
	var oldTable output.Table
	oldRows := map[string]stepRows{}
	if old != nil && old.Config != config {
		j.report("the spec or the dataset's type, attributes or chunks changed since the catalog's last run: every step is recomputed")
	} else if old != nil {
		if oldTable, err = readTable(ctx, j.Store, j.Catalog.Bucket, old.Table); err != nil {
			return nil, err
		}
		if oldRows, err = splitSteps(oldTable, old.Steps); err != nil {
			return nil, fmt.Errorf("catalog table %s: %w", old.Table, err)
		}
	}
	res := &Result{}
	bounds := spec.Bounds{}
	if j.Window != nil {
		var last *cf.DateTime
		if old != nil && old.Config == config && old.Pending == 0 && len(old.Steps) > 0 {
			for i, t := range ax.times {
				if t.String() == old.LastStep() {
					last = &ax.times[i]
				}
			}
		}
		if bounds, err = j.Window.Resolve(j.Now, last); err != nil {
			return nil, err
		}
	}
	res.Bounds = bounds
	first, end, err := bounds.Steps(ax.times)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ax.name, err)
	}
	if j.Window != nil && old != nil && old.Config == config && len(old.Steps) > 0 {
		if e, _ := spec.ParseWindow(j.Window.Range); e.Kind == spec.NotYetComputed {
			// "not yet computed" keeps the steps computed before and adds the new ones.
			lo, hi := -1, -1
			for i, t := range ax.times {
				switch t.String() {
				case old.Steps[0].Time:
					lo = i
				case old.LastStep():
					hi = i
				}
			}
			if len(old.Steps) == 1 {
				hi = lo
			}
			if lo >= 0 && hi >= lo {
				if first >= end {
					end = hi + 1
				}
				first = lo
			}
		}
	}
	versions, err := j.inputVersions(ctx, ds, ax.index, first, end)
	if err != nil {
		return nil, err
	}
	// Classify the window's steps.
	var todo []int
	for s := first; s < end; s++ {
		key := ax.times[s].String()
		if r, ok := oldRows[key]; ok && r.input == versions[s] {
			res.Reused++
			continue
		}
		todo = append(todo, s)
	}
	res.WindowSteps = end - first
	inWindow := map[string]bool{}
	for s := first; s < end; s++ {
		inWindow[ax.times[s].String()] = true
	}
	if old != nil && old.Config == config {
		for _, st := range old.Steps {
			if !inWindow[st.Time] {
				res.Dropped++
			}
		}
	}
	if len(todo) == 0 && res.Dropped == 0 && old != nil && old.Config == config && old.Pending == 0 && len(old.Steps) == end-first {
		res.NoOp, res.Complete, res.Catalog, res.Table, res.CatalogETag = true, true, old, oldTable, etag
		j.report(res.Summary())
		return res, nil
	}
	if j.DryRun {
		res.DryRun = true
		for _, st := range todo {
			res.Todo = append(res.Todo, ax.times[st].String())
		}
		res.Pending = len(todo)
		return res, nil
	}
	runID := newRunID()
	computed := map[string]stepRows{}
	var lastBatch *reduce.Outcome
	var longest time.Duration
	batches := splitBatches(todo, j.BatchSteps)
	cat := old
	for bi, b := range batches {
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < j.Reserve+longest {
			j.report(fmt.Sprintf("stopping before batch %d of %d: %s left before the deadline, keeping %s free (reserve %s + the longest batch %s)",
				bi+1, len(batches), time.Until(dl).Round(time.Millisecond), (j.Reserve + longest).Round(time.Millisecond), j.Reserve, longest.Round(time.Millisecond)))
			break
		}
		start := time.Now()
		out, err := j.runBatch(ctx, ds, ax, b[0], b[len(b)-1]+1)
		if err != nil {
			return res, fmt.Errorf("steps %s..%s: %w (the catalog still points at the previous table)", ax.times[b[0]], ax.times[b[len(b)-1]], err)
		}
		lastBatch = out
		rows := out.Table.Rows()
		n := len(b)
		if rows%n != 0 {
			return res, fmt.Errorf("steps %s..%s: %d rows for %d steps", ax.times[b[0]], ax.times[b[len(b)-1]], rows, n)
		}
		per := rows / n
		for i, s := range b {
			computed[ax.times[s].String()] = stepRows{input: versions[s], rows: sliceRows(out.Table, i*per, (i+1)*per)}
			res.Computed = append(res.Computed, ax.times[s].String())
		}
		if d := time.Since(start); d > longest {
			longest = d
		}
		res.Batches++
		// Commit this batch: the table of every step computed so far.
		table, steps, pending, err := j.merge(ax, first, end, oldRows, computed, out.Table.Meta, versions, runID, bounds)
		if err != nil {
			return res, err
		}
		next := &Catalog{Format: CatalogFormat, Name: j.Name, Config: config, RunID: runID, Window: bounds.String(),
			Steps: steps, Pending: pending, Updated: time.Now().UTC(),
			Table: fmt.Sprintf("%s/tables/%s-%d.table", strings.Trim(j.Catalog.Prefix, "/"), runID, bi)}
		if cat != nil {
			next.Version, next.Previous = cat.Version+1, cat.Table
		} else {
			next.Version = 1
		}
		newTag, err := commit(ctx, j.Store, j.Catalog, next, etag, table)
		if err != nil {
			return res, err
		}
		j.dropOld(ctx, cat)
		cat, etag = next, newTag
		res.Table, res.Catalog, res.CatalogETag, res.Changed = table, next, newTag, true
	}
	if res.Batches == 0 {
		// Nothing to compute (steps only dropped) or no time for a batch: commit the drops.
		meta := oldTable.Meta
		table, steps, pending, err := j.merge(ax, first, end, oldRows, computed, meta, versions, runID, bounds)
		if err != nil {
			return res, err
		}
		next := &Catalog{Format: CatalogFormat, Name: j.Name, Config: config, RunID: runID, Window: bounds.String(),
			Steps: steps, Pending: pending, Updated: time.Now().UTC(),
			Table: fmt.Sprintf("%s/tables/%s-0.table", strings.Trim(j.Catalog.Prefix, "/"), runID)}
		if cat != nil {
			next.Version, next.Previous = cat.Version+1, cat.Table
		} else {
			next.Version = 1
		}
		newTag, err := commit(ctx, j.Store, j.Catalog, next, etag, table)
		if err != nil {
			return res, err
		}
		j.dropOld(ctx, cat)
		cat = next
		res.Table, res.Catalog, res.CatalogETag, res.Changed = table, next, newTag, true
	}
	res.Pending = cat.Pending
	res.Complete = cat.Pending == 0
	if res.Complete && j.Sink != nil {
		if err := j.export(ctx, res, lastBatch); err != nil {
			return res, err
		}
	}
	j.report(res.Summary())
	return res, nil
}

func (j *Job) report(msg string) {
	if j.Report != nil {
		fmt.Fprintf(j.Report, "%s: %s\n", j.Name, msg)
	}
}

// dropOld deletes the table version the replaced catalog had itself replaced (best effort):
// the replaced one stays for readers that read the catalog just before the swap.
func (j *Job) dropOld(ctx context.Context, replaced *Catalog) {
	if replaced == nil || replaced.Previous == "" {
		return
	}
	if err := j.Store.Delete(ctx, j.Catalog.Bucket, replaced.Previous); err != nil && j.Logger != nil {
		j.Logger.Warn("delete an old table version", "key", replaced.Previous, "error", err)
	}
}

// timeAxis finds the time dimension (Window.Axis, else the first axis whose coordinate has CF
// time units), decodes its coordinate with its calendar, and checks that it is the first kept
// axis (so the table's rows are grouped by step).
func (j *Job) timeAxis(ctx context.Context, f *hdf.File, ds *hdf.Dataset) (axisInfo, error) {
	names, scales, err := cf.Names(ctx, f, ds)
	if err != nil {
		return axisInfo{}, err
	}
	want := ""
	if j.Window != nil {
		want = j.Window.Axis
	}
	reduced, err := reducedAxes(names, j.Spec.Reduce)
	if err != nil {
		return axisInfo{}, err
	}
	for i, n := range names {
		if want != "" && n != want {
			continue
		}
		cd, vals, err := cf.Coordinate(ctx, f, j.Spec.Dataset, n, scales[i].ID, ds.Dims[i])
		if err != nil {
			return axisInfo{}, err
		}
		if cd == nil {
			if want != "" {
				return axisInfo{}, fmt.Errorf("window axis %s: no coordinate dataset", want)
			}
			continue
		}
		units, _ := cf.AttrString(&cd.Obj, "units")
		if !strings.Contains(units, " since ") {
			if want != "" {
				return axisInfo{}, fmt.Errorf("window axis %s: units %q are not CF time units", want, units)
			}
			continue
		}
		calendar, _ := cf.AttrString(&cd.Obj, "calendar")
		c, err := cf.ParseCalendar(calendar)
		if err != nil {
			return axisInfo{}, fmt.Errorf("time axis %s: %w", n, err)
		}
		times, err := cf.DecodeTimes(vals, units, c)
		if err != nil {
			return axisInfo{}, fmt.Errorf("time axis %s: %w", n, err)
		}
		if reduced[i] {
			return axisInfo{}, fmt.Errorf("incremental run: the time axis %s is reduced: keep it (reduce the other axes) so the table has a row per step", n)
		}
		for k := 0; k < i; k++ {
			if !reduced[k] {
				return axisInfo{}, fmt.Errorf("incremental run: axis %s is kept before the time axis %s: the time axis must be the first kept axis", names[k], n)
			}
		}
		return axisInfo{index: i, name: n, values: vals, times: times, units: units, calendar: calendar}, nil
	}
	if want != "" {
		return axisInfo{}, fmt.Errorf("window axis %s: not an axis of %s (axes %s)", want, j.Spec.Dataset, strings.Join(names, ", "))
	}
	return axisInfo{}, fmt.Errorf("incremental run: %s has no time axis (a coordinate with CF time units); axes %s", j.Spec.Dataset, strings.Join(names, ", "))
}

// reducedAxes maps reduce (names or indices, empty: all) to a flag per axis.
func reducedAxes(names, reduce []string) ([]bool, error) {
	out := make([]bool, len(names))
	if len(reduce) == 0 {
		for i := range out {
			out[i] = true
		}
		return out, nil
	}
	for _, r := range reduce {
		found := false
		for i, n := range names {
			if n == r || strconv.Itoa(i) == r {
				out[i], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("reduce %q: not an axis (axes %s)", r, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// config is the digest of what the values depend on besides the chunks.
func (j *Job) config(ds *hdf.Dataset, ax axisInfo) (string, error) {
	s := j.Spec
	attrs, err := json.Marshal(ds.Obj.Attributes)
	if err != nil {
		return "", err
	}
	typ, err := json.Marshal(ds.Obj.Type)
	if err != nil {
		return "", err
	}
	v := map[string]any{
		"format": CatalogFormat, "domain": s.Domain, "dataset": s.Dataset, "dataset_id": ds.ID, "op": s.Op, "reduce": s.Reduce,
		"weights": s.Weights, "units": s.Units, "no_cf": s.NoCF, "bins": s.Bins, "hist_min": s.HistMin, "hist_max": s.HistMax,
		"ddof": s.DDOF, "min_count": s.MinCount, "type": json.RawMessage(typ), "attributes": json.RawMessage(attrs),
		"chunks": ds.ChunkDims, "time_axis": ax.index, "time_units": ax.units, "calendar": ax.calendar,
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// inputVersions lists the dataset's stored chunks once and digests, per step in [first, end),
// the keys and ETags of the chunks of its slab (the chunks whose index along the time axis
// holds the step).
func (j *Job) inputVersions(ctx context.Context, ds *hdf.Dataset, ti, first, end int) ([]string, error) {
	out := make([]string, end)
	if first >= end {
		return out, nil
	}
	ct := ds.ChunkDims[ti]
	slabs := map[int][]string{}
	prefix := schema.DatasetPrefix(ds.ID)
	err := j.Store.List(ctx, j.Spec.Bucket, prefix, "", func(e store.Entry) error {
		_, idx, _, err := schema.ParseChunkKey(e.Key)
		if err != nil || len(idx) != len(ds.Dims) {
			return nil // .dataset.json and other objects
		}
		c := idx[ti]
		if c*ct >= end || (c+1)*ct <= first {
			return nil
		}
		slabs[c] = append(slabs[c], e.Key+" "+e.ETag)
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("list the chunks of %s: %w", j.Spec.Dataset, err)
	}
	digest := map[int]string{}
	for s := first; s < end; s++ {
		c := s / ct
		d, ok := digest[c]
		if !ok {
			keys := slabs[c]
			sort.Strings(keys)
			h := sha256.New()
			fmt.Fprintf(h, "hsfan step input v1\nchunk %d of %d along axis %d\n", c, ct, ti)
			for _, k := range keys {
				fmt.Fprintln(h, k)
			}
			d = hex.EncodeToString(h.Sum(nil))[:32]
			digest[c] = d
		}
		out[s] = d
	}
	return out, nil
}

// runBatch reduces steps [a, b) in one fan-out, writing nothing to the sink.
func (j *Job) runBatch(ctx context.Context, ds *hdf.Dataset, ax axisInfo, a, b int) (*reduce.Outcome, error) {
	s := j.Spec
	dims := make([]string, len(ds.Dims))
	for i := range dims {
		dims[i] = ":"
	}
	dims[ax.index] = fmt.Sprintf("%d:%d", a, b)
	s.Select = "[" + strings.Join(dims, ",") + "]"
	s.Plot = false
	prep, err := reduce.Prepare(ctx, j.Store, s)
	if err != nil {
		return nil, err
	}
	return prep.Run(ctx, reduce.Options{Invoker: j.Invoker, Logger: j.Logger, Report: j.Report})
}

type stepRows struct {
	input string
	rows  output.Table
}

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

var periodRE = regexp.MustCompile(`-?\d{4,}-\d{2}-\d{2}(T[0-9:.]+Z?)? to -?\d{4,}-\d{2}-\d{2}(T[0-9:.]+Z?)?`)

// export writes the merged table to the sink (Arrow, JSON, plot, manifest last).
func (j *Job) export(ctx context.Context, res *Result, last *reduce.Outcome) error {
	m := output.Manifest{RunID: res.Catalog.RunID, ManifestVersion: output.ManifestVersion, HsfanVersion: version.Version, Op: j.Spec.Op}
	if last != nil {
		m = last.Manifest
		m.RunID = res.Catalog.RunID
	}
	m.Inputs.Select = fmt.Sprint(res.Table.Meta["select"])
	if res.Table.Rows() == 0 {
		j.report("the window holds no time step: no table written to the output")
		return nil
	}
	plot := j.Spec.Plot
	if _, ok := res.Table.Meta[output.MetaPlotY]; !ok {
		plot = false
	}
	// The catalog already holds the table: finish the export even when the run is being
	// cancelled (SIGTERM), so --out is never left half old, half new.
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), exportTimeout)
	defer cancel()
	if err := output.WriteOutputs(ectx, j.Sink, j.Spec.OutputName(), res.Table, m, plot); err != nil {
		return fmt.Errorf("export the table (the catalog holds it; the next run exports it again): %w", err)
	}
	res.ExportedManifest = &m
	return nil
}

// exportTimeout bounds the export of a committed table (it is not cancelled with the run).
const exportTimeout = 2 * time.Minute

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

func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
