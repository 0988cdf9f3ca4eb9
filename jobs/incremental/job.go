package incremental

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	// only the catalog is written). Logger and Report as in reduce.Options (Report also gets
	// the job's notices; the result's Summary is the caller's to print).
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

// ErrEmptyWindow marks a window that holds no time step of the data; the catalog and its table
// are left as they were.
var ErrEmptyWindow = errors.New("empty window")

// CheckWindow checks the window's days against the calendar of the dataset's time axis
// (spec.Window.CheckCalendar), reading only metadata and writing nothing, so that a caller can
// refuse a bad window before it makes its output location. Run checks it again.
func (j *Job) CheckWindow(ctx context.Context) error {
	if j.Window == nil {
		return nil
	}
	f, err := hdf.Open(ctx, j.Store, j.Spec.Bucket, j.Spec.Domain)
	if err != nil {
		return err
	}
	f.Refs = j.Spec.Refs
	ds, err := f.OpenDatasetPath(ctx, j.Spec.Dataset)
	if err != nil {
		return err
	}
	ax, err := j.timeAxis(ctx, f, ds)
	if err != nil {
		return err
	}
	return j.Window.CheckCalendar(ax.cal, ax.name)
}

// Run runs the job: see the package doc. A window holding no time step is ErrEmptyWindow.
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
	if j.Window != nil {
		// A day the axis's calendar does not have (30 February on a gregorian axis) would
		// resolve to bounds that still select steps: refuse it before anything is computed.
		if err := j.Window.CheckCalendar(ax.cal, ax.name); err != nil {
			return nil, err
		}
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
		if bounds, err = j.Window.Resolve(j.Now, last, ax.cal); err != nil {
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
	if end <= first && len(ax.times) > 0 {
		// A window that holds none of the data (a relative window at a run time far from the data,
		// or data that has not arrived yet) is an error: an empty table version must not replace
		// rows computed before.
		return nil, fmt.Errorf("%w: %s holds no time step of %s (the axis spans %s .. %s); nothing computed, nothing written",
			ErrEmptyWindow, bounds, ax.name, ax.times[0], ax.times[len(ax.times)-1])
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
		next := newCatalogVersion(cat, j.Name, config, runID, bounds, steps, pending, j.Catalog.Prefix, bi)
		newTag, err := j.publish(ctx, res, cat, next, etag, table)
		if err != nil {
			return res, err
		}
		cat, etag = next, newTag
	}
	if res.Batches == 0 {
		// Nothing to compute (steps only dropped) or no time for a batch: commit the drops.
		meta := oldTable.Meta
		table, steps, pending, err := j.merge(ax, first, end, oldRows, computed, meta, versions, runID, bounds)
		if err != nil {
			return res, err
		}
		next := newCatalogVersion(cat, j.Name, config, runID, bounds, steps, pending, j.Catalog.Prefix, 0)
		if _, err := j.publish(ctx, res, cat, next, etag, table); err != nil {
			return res, err
		}
		cat = next
	}
	res.Pending = cat.Pending
	res.Complete = cat.Pending == 0
	if res.Complete && j.Sink != nil {
		if err := j.export(ctx, res, lastBatch); err != nil {
			return res, err
		}
	}
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

func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// newCatalogVersion is the catalog version that follows cur (nil: the first), pointing at the
// table object of batch bi of run runID under prefix.
func newCatalogVersion(cur *Catalog, name, config, runID string, bounds spec.Bounds, steps []Step, pending int, prefix string, bi int) *Catalog {
	next := &Catalog{Format: CatalogFormat, Name: name, Config: config, RunID: runID, Window: bounds.String(),
		Steps: steps, Pending: pending, Updated: time.Now().UTC(),
		Table: fmt.Sprintf("%s/tables/%s-%d.table", strings.Trim(prefix, "/"), runID, bi)}
	if cur != nil {
		next.Version, next.Previous = cur.Version+1, cur.Table
	} else {
		next.Version = 1
	}
	return next
}

// publish writes table and swaps the catalog from cur (its ETag etag) to next (commit: a
// conditional put), drops cur's table and records the new version in res; it returns the new
// catalog ETag.
func (j *Job) publish(ctx context.Context, res *Result, cur, next *Catalog, etag string, table output.Table) (string, error) {
	newTag, err := commit(ctx, j.Store, j.Catalog, next, etag, table)
	if err != nil {
		return "", err
	}
	j.dropOld(ctx, cur)
	res.Table, res.Catalog, res.CatalogETag, res.Changed = table, next, newTag, true
	return newTag, nil
}
