package mapreduce

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/version"
	"github.com/hsfan/hsfan/jobs/mapreduce/mrwork"
	"github.com/hsfan/hsfan/output"
	"github.com/hsfan/hsfan/report"
	"github.com/hsfan/hsfan/transport/inproc"
	"github.com/hsfan/hsfan/worker"
)

// Options are the run-time parts of a job.
type Options struct {
	// Invoker runs the tasks; nil: in process (transport/inproc over a worker.Handler allowed
	// the inputs' and the temporary location's stores and buckets).
	Invoker fanout.Invoker
	// StoreOptions open the stores (S3 region, credentials); OpenStore replaces store.Open
	// (tests).
	StoreOptions store.Options
	OpenStore    func(ctx context.Context, url string) (store.Store, error)
	// Sink receives the outputs; nil: derived from Spec.Out.
	Sink output.Sink
	// Logger receives retry and loss events; Report (usually stderr) the progress and summary.
	Logger *slog.Logger
	Report io.Writer
	// Faults wraps both phases' invocations with fault injection (tests).
	Faults *fanout.Faults
	// Tune, if set, adjusts the fan-out options of both phases (backoff, speculation
	// thresholds; tests and benchmarks).
	Tune func(*fanout.Options)
}

// Outcome is a finished job.
type Outcome struct {
	RunID    string
	Table    output.Table
	Manifest output.Manifest
	// Map and Reduce are the two fan-outs' stats; Stats their sum.
	Map, Reduce, Stats fanout.Stats
	// Splits and Files are the map tasks and input objects; InputBytes their total size.
	Splits, Files int
	InputBytes    int64
	// Records read by the maps, pairs emitted, intermediate records and bytes written by the
	// committed map attempts, rows out.
	Records, Emitted, Intermediate, IntermediateBytes, Rows int64
	// Swept lists the earlier runs whose intermediate objects this run removed (SweepTempAge).
	Swept []string
}

// Run runs a map-reduce job end to end: inputs, splits, the map fan-out, the reduce fan-out,
// the outputs (<name>.arrow, <name>.json, <name>.tsv unless NoTSV, manifest.json last) and the
// removal of the intermediate objects (after the outputs are written, and after a failure).
// A lost task fails the job with an error naming it (its split or partition).
func Run(ctx context.Context, spec Spec, o Options) (*Outcome, error) {
	spec = spec.WithDefaults()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	r := &runner{spec: spec, o: o, out: &Outcome{RunID: newRunID()}, stores: map[string]store.Store{}}
	if err := r.setup(ctx); err != nil {
		return r.out, err
	}
	swept, serr := r.sweepStale(ctx, start, spec.SweepTempAge)
	r.out.Swept = swept
	if len(swept) > 0 && o.Report != nil {
		fmt.Fprintf(o.Report, "hsfan mapreduce: removed the intermediate objects of %d earlier runs that started more than %s ago and never finished: %s\n",
			len(swept), spec.SweepTempAge, strings.Join(swept, ", "))
	}
	if serr != nil && o.Logger != nil {
		// Housekeeping of other runs' leftovers: this run does not depend on it.
		o.Logger.Warn("remove earlier runs' intermediate objects", "error", serr)
	}
	err := r.run(ctx, start)
	if cerr := r.cleanTemp(context.WithoutCancel(ctx)); cerr != nil {
		if err == nil {
			err = fmt.Errorf("remove intermediate objects %s/%s: %w", r.tempBucket, r.tempPrefix, cerr)
		} else if o.Logger != nil {
			o.Logger.Warn("remove intermediate objects", "error", cerr)
		}
	}
	return r.out, err
}

type runner struct {
	spec   Spec
	o      Options
	out    *Outcome
	funcs  *mrwork.Funcs
	params map[string]string
	stores map[string]store.Store
	inv    fanout.Invoker
	sink   output.Sink

	files                           []InputFile
	splits                          []mrwork.Split
	tempStore, tempBucket, tempPref string
	tempPrefix                      string // <TempPrefix>/<run>/
	tmp                             store.Store
	tempDir                         string // the default temporary store's root in a directory Out
}

// TempDirName is the directory inside a directory Out that holds the default temporary store
// (removed after the run when empty).
const TempDirName = ".hsfan-tmp"

func newRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "mr-" + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func (r *runner) open(ctx context.Context, url string) (store.Store, error) {
	if st, ok := r.stores[url]; ok {
		return st, nil
	}
	var st store.Store
	var err error
	if r.o.OpenStore != nil {
		st, err = r.o.OpenStore(ctx, url)
	} else {
		opts := r.o.StoreOptions
		st, err = store.Open(ctx, url, opts)
	}
	if err != nil {
		return nil, err
	}
	r.stores[url] = st
	return st, nil
}

// setup resolves the job, the inputs, the splits, the temporary location, the sink and the
// invoker.
func (r *runner) setup(ctx context.Context) error {
	var err error
	if r.funcs, r.params, err = mrwork.Instantiate(r.spec.Job, r.spec.Params); err != nil {
		return err
	}
	if err := CheckOutside(r.spec.Out, r.spec.OutputNames(), r.spec.Inputs); err != nil {
		return err
	}
	if r.files, err = ResolveInputs(ctx, r.open, r.spec.Inputs); err != nil {
		return err
	}
	r.splits = MakeSplits(r.files, r.spec.SplitSize)
	r.out.Files, r.out.Splits = len(r.files), len(r.splits)
	for _, f := range r.files {
		r.out.InputBytes += f.Size
	}
	if err := r.tempLocation(); err != nil {
		return err
	}
	if r.tmp, err = r.open(ctx, r.tempStore); err != nil {
		return fmt.Errorf("temporary store %s: %w", r.tempStore, err)
	}
	r.tempPrefix = strings.Trim(r.spec.TempPrefix, "/") + "/" + r.out.RunID + "/"
	if r.sink = r.o.Sink; r.sink == nil {
		if r.sink, err = r.defaultSink(ctx); err != nil {
			return err
		}
	}
	if r.inv = r.o.Invoker; r.inv == nil {
		stores, buckets := []string{}, []string{}
		for _, f := range r.files {
			if !slices.Contains(stores, f.Store) {
				stores = append(stores, f.Store)
			}
			if !slices.Contains(buckets, f.Bucket) {
				buckets = append(buckets, f.Bucket)
			}
		}
		h := worker.NewHandler(worker.Config{DefaultStore: r.tempStore, DefaultBucket: r.tempBucket,
			AllowedStores: stores, AllowedBuckets: buckets, ResultPrefix: r.spec.TempPrefix,
			StoreOptions: r.o.StoreOptions, OpenStore: r.openForWorker, Logger: r.o.Logger, Tasks: mrwork.Tasks()})
		r.inv = &inproc.Invoker{Handler: h, MemoryMB: r.spec.MemoryMB}
	}
	return nil
}

// openForWorker shares the driver's stores with the in-process workers (normalised URLs).
func (r *runner) openForWorker(ctx context.Context, url string) (store.Store, error) {
	if r.o.OpenStore != nil {
		return r.o.OpenStore(ctx, url)
	}
	return store.Open(ctx, url, r.o.StoreOptions)
}

// tempLocation derives the intermediate store and bucket from Spec.Out unless given.
func (r *runner) tempLocation() error {
	r.tempStore, r.tempBucket = r.spec.TempStore, r.spec.TempBucket
	if r.tempStore != "" && r.tempBucket != "" {
		return nil
	}
	if strings.HasPrefix(r.spec.Out, "s3://") {
		b, _, _ := strings.Cut(strings.TrimPrefix(r.spec.Out, "s3://"), "/")
		if err := store.ValidateBucket(b); err != nil {
			return fmt.Errorf("--out %q: %w", r.spec.Out, err)
		}
		r.tempStore, r.tempBucket = cmpOr(r.tempStore, "s3://"), cmpOr(r.tempBucket, b)
		return nil
	}
	abs, err := filepath.Abs(r.spec.Out)
	if err != nil {
		return fmt.Errorf("--out %q: %w", r.spec.Out, err)
	}
	root := filepath.Join(abs, TempDirName)
	if r.tempStore == "" {
		r.tempDir = root
	}
	if err := os.MkdirAll(filepath.Join(root, cmpOr(r.tempBucket, DefaultTempBucket)), 0o755); err != nil {
		return fmt.Errorf("--out %q: %w", r.spec.Out, err)
	}
	r.tempStore, r.tempBucket = cmpOr(r.tempStore, "file://"+root), cmpOr(r.tempBucket, DefaultTempBucket)
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// defaultSink maps Spec.Out to a sink, as hsfan run does: a directory or s3://bucket/prefix.
func (r *runner) defaultSink(ctx context.Context) (output.Sink, error) {
	if !strings.HasPrefix(r.spec.Out, "s3://") {
		return output.DirSink{Dir: r.spec.Out}, nil
	}
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(r.spec.Out, "s3://"), "/")
	s3, err := r.open(ctx, "s3://")
	if err != nil {
		return nil, err
	}
	return output.PutSink{Prefix: strings.Trim(prefix, "/"),
		Put: func(ctx context.Context, key string, data []byte) error {
			_, err := s3.Put(ctx, bucket, key, data, store.PutOptions{})
			return err
		},
		Delete: func(ctx context.Context, key string) error { return s3.Delete(ctx, bucket, key) }}, nil
}

// OutputNames are the files a run writes.
func (s Spec) OutputNames() []string {
	s = s.WithDefaults()
	return []string{output.ManifestName, s.Name + ".json", s.Name + ".arrow", s.Name + ".tsv"}
}

func (r *runner) run(ctx context.Context, start time.Time) error {
	spec := r.spec
	// Find an unwritable output location now, not after the computation.
	probe := ".hsfan-write-probe-" + r.out.RunID
	if err := r.sink.WriteFile(ctx, probe, []byte("hsfan mapreduce checks that it can write its outputs here\n")); err != nil {
		return fmt.Errorf("output %s: cannot write there (checked before the run): %w", spec.Out, err)
	}
	// A failed run leaves no result behind that could be taken for its own.
	if rm, ok := r.sink.(output.Remover); ok {
		if err := rm.Remove(ctx, probe); err != nil {
			return fmt.Errorf("output %s: remove the probe %s: %w", spec.Out, probe, err)
		}
		for _, n := range spec.OutputNames() {
			if err := rm.Remove(ctx, n); err != nil {
				return fmt.Errorf("remove the previous run's %s: %w", n, err)
			}
		}
	}
	if r.o.Report != nil {
		fmt.Fprintf(r.o.Report, "hsfan mapreduce %s: run %s, %d input objects (%s), %d map tasks, %d reducers, concurrency %d\n",
			spec.Job, r.out.RunID, len(r.files), report.FormatBytes(r.out.InputBytes), len(r.splits), spec.Reducers, spec.Concurrency)
	}
	mapStart := time.Now()
	var mapTime, reduceTime time.Duration
	job, funcs, splits := spec.Job, r.funcs, r.splits
	var rows []mrwork.Object
	for stage := 0; ; stage++ {
		d, _ := mrwork.Lookup(job)
		lines := d.Next != ""
		var err error
		var md, rd time.Duration
		if rows, md, rd, err = r.stage(ctx, job, splits, lines); err != nil {
			return err
		}
		mapTime += md
		reduceTime += rd
		if !lines {
			break
		}
		// The rows of this stage, as lines, are the inputs of the next job.
		var files []InputFile
		for _, o := range rows {
			files = append(files, InputFile{Store: r.tempStore, Bucket: r.tempBucket, Key: o.Key, Size: o.Size})
		}
		job = d.Next
		if funcs, _, err = mrwork.Instantiate(job, r.params); err != nil {
			return err
		}
		r.funcs = funcs
		splits = MakeSplits(files, spec.SplitSize)
	}
	reduceDone := time.Now()
	// Outputs: the committed rows of every partition merged by key.
	t, err := r.table(ctx, rows)
	if err != nil {
		return err
	}
	if d, _ := mrwork.Lookup(job); d.Top != nil {
		col, n := d.Top(r.params)
		if n <= 0 {
			n = t.Rows() // every row, in the job's order
		}
		if t, err = topRows(t, col, n); err != nil {
			return err
		}
	}
	r.out.Table = t
	// Every count reported is of the rows written (a limit keeps fewer than the reducers wrote).
	r.out.Rows = int64(t.Rows())
	st := r.out.Map
	st.Merge(r.out.Reduce)
	r.out.Stats = st
	cost, err := report.RunCost(st, report.Cost{Arch: spec.Arch, MemoryMB: spec.MemoryMB})
	if err != nil {
		return err
	}
	m := output.Manifest{RunID: r.out.RunID, ManifestVersion: output.ManifestVersion, HsfanVersion: version.Version,
		Op: "mapreduce " + spec.Job, Inputs: r.inputs(),
		Plan: fanout.PlanSummary{Tasks: r.out.Map.Tasks + r.out.Reduce.Tasks, Concurrency: spec.Concurrency, TotalBytes: r.out.InputBytes},
		Timings: output.Timings{Start: start.UTC(), PlanSeconds: mapStart.Sub(start).Seconds(),
			FanoutSeconds: reduceDone.Sub(mapStart).Seconds()}}
	m.Record(st, cost)
	r.out.Manifest = m
	if err := output.WriteOutputsWith(ctx, r.sink, spec.Name, t, m, output.WriteOptions{TSV: !spec.NoTSV}); err != nil {
		return err
	}
	if r.o.Report != nil {
		fmt.Fprint(r.o.Report, report.FormatReport(st, cost))
		wall := time.Since(start).Seconds()
		fmt.Fprintf(r.o.Report, "mapreduce    map %.2fs (%d tasks), reduce %.2fs (%d tasks), %d records -> %d pairs -> %d after combining (%s) -> %d rows; %.1f MB/s of input over %.2fs\n",
			mapTime.Seconds(), r.out.Map.Tasks, reduceTime.Seconds(), r.out.Reduce.Tasks,
			r.out.Records, r.out.Emitted, r.out.Intermediate, report.FormatBytes(r.out.IntermediateBytes), r.out.Rows,
			float64(r.out.InputBytes)/1e6/wall, wall)
	}
	return nil
}

// stage runs one map and one reduce phase of job over splits and returns the committed row
// sets of its reducers (as lines for a next stage when lines is set) and the phases' times.
// The records and the stats add up over stages.
func (r *runner) stage(ctx context.Context, job string, splits []mrwork.Split, lines bool) ([]mrwork.Object, time.Duration, time.Duration, error) {
	spec := r.spec
	t0 := time.Now()
	// Map phase: the committed attempt of each map task, by task.
	committed := make([][]mrwork.Object, len(splits))
	mstats, err := r.fan(ctx, job, mrwork.PhaseMap, len(splits), func(t *mrwork.Task) {
		s := splits[t.Index]
		t.Split = &s
		t.Reducers, t.SpillBytes = spec.Reducers, spec.SpillBytes
	}, func(i int, res *mrwork.Result) {
		committed[i] = res.Objects
		r.out.Records += res.RecordsIn
		r.out.Emitted += res.Emitted
		for _, ob := range res.Objects {
			r.out.Intermediate += ob.Records
			r.out.IntermediateBytes += ob.Size
		}
	})
	r.out.Map.Merge(mstats)
	if err != nil {
		return nil, 0, 0, r.lost(job, mrwork.PhaseMap, splits, err)
	}
	t1 := time.Now()
	// Reduce phase: each partition's committed runs, in map task order.
	parts := make([][]mrwork.Object, spec.Reducers)
	for _, objs := range committed {
		for _, ob := range objs {
			if ob.Partition < 0 || ob.Partition >= spec.Reducers {
				return nil, 0, 0, fmt.Errorf("map run %s: partition %d of %d", ob.Key, ob.Partition, spec.Reducers)
			}
			parts[ob.Partition] = append(parts[ob.Partition], ob)
		}
	}
	rows := make([]mrwork.Object, spec.Reducers)
	rstats, err := r.fan(ctx, job, mrwork.PhaseReduce, spec.Reducers, func(t *mrwork.Task) {
		t.Partition, t.Runs, t.Lines = t.Index, parts[t.Index], lines
	}, func(i int, res *mrwork.Result) {
		rows[i] = res.Objects[0]
		if !lines {
			r.out.Rows += res.RowsOut
		}
	})
	r.out.Reduce.Merge(rstats)
	if err != nil {
		return nil, 0, 0, r.lost(job, mrwork.PhaseReduce, splits, err)
	}
	return rows, t1.Sub(t0), time.Since(t1), nil
}

// topRows keeps the n rows with the largest values of the int64 or float64 column col, largest
// first (ties: in the table's order, the key order of the reducers' rows; NaN last).
func topRows(t output.Table, col string, n int) (output.Table, error) {
	c, ok := t.Column(col)
	if !ok || c.Kind() == output.KindString {
		return t, fmt.Errorf("top rows: no numeric column %q", col)
	}
	val := func(i int) float64 {
		if c.Int64 != nil {
			return float64(c.Int64[i])
		}
		return c.Float64[i]
	}
	idx := make([]int, t.Rows())
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if c.Int64 != nil {
			return cmp.Compare(c.Int64[b], c.Int64[a])
		}
		return cmp.Compare(val(b), val(a))
	})
	idx = idx[:min(n, len(idx))]
	out := output.Table{Meta: t.Meta}
	for _, c := range t.Columns {
		nc := output.Column{Name: c.Name}
		switch c.Kind() {
		case output.KindString:
			nc.String = make([]string, 0, len(idx))
			for _, i := range idx {
				nc.String = append(nc.String, c.String[i])
			}
		case output.KindInt64:
			nc.Int64 = make([]int64, 0, len(idx))
			for _, i := range idx {
				nc.Int64 = append(nc.Int64, c.Int64[i])
			}
		case output.KindFloat64:
			nc.Float64 = make([]float64, 0, len(idx))
			for _, i := range idx {
				nc.Float64 = append(nc.Float64, c.Float64[i])
			}
		}
		out.Columns = append(out.Columns, nc)
	}
	return out, nil
}

// inputs are the job's inputs as the manifest and the outputs' meta record them.
func (r *runner) inputs() output.Inputs {
	params := map[string]any{"job": r.spec.Job, "inputs": r.spec.Inputs, "reducers": r.spec.Reducers,
		"split_size": r.spec.SplitSize, "files": len(r.files), "splits": len(r.splits)}
	for k, v := range r.params {
		params["param_"+k] = v
	}
	return output.Inputs{Invoker: r.spec.Invoker, Concurrency: r.spec.Concurrency, Params: params}
}

// lost names the lost tasks of a failed phase: the split of a map task, the partition of a
// reduce task.
func (r *runner) lost(job, phase string, splits []mrwork.Split, err error) error {
	var le *fanout.LostTasksError
	if !errors.As(err, &le) {
		return fmt.Errorf("mapreduce %s %s phase: %w", job, phase, err)
	}
	var names []string
	for _, l := range le.Lost {
		if phase == mrwork.PhaseMap && l.Index < len(splits) {
			names = append(names, fmt.Sprintf("map task %d (%s)", l.Index, splits[l.Index]))
		} else {
			names = append(names, fmt.Sprintf("reduce task %d (partition %d)", l.Index, l.Index))
		}
	}
	return fmt.Errorf("mapreduce job %s failed: lost %s of %s: %w", r.spec.Job, strings.Join(names, ", "), job, err)
}

// fan runs one phase: n tasks built by fill, each attempt with its own attempt id; commit is
// called exactly once per task with the winning attempt's answer (fanout.Run's onResult).
func (r *runner) fan(ctx context.Context, job, phase string, n int, fill func(*mrwork.Task), commit func(int, *mrwork.Result)) (fanout.Stats, error) {
	tasks := make([]fanout.Task, n)
	for i := range tasks {
		tasks[i] = fanout.Task{Index: i, First: int64(i), Count: 1}
	}
	invoke := func(ctx context.Context, ft fanout.Task) (fanout.Result, error) {
		var a [6]byte
		_, _ = rand.Read(a[:])
		t := mrwork.Task{Version: mrwork.TaskVersion, Phase: phase, Job: job, Params: r.params, Run: r.out.RunID,
			Index: ft.Index, Attempt: hex.EncodeToString(a[:]), TempStore: r.tempStore, TempBucket: r.tempBucket,
			TempPrefix: r.spec.TempPrefix}
		fill(&t)
		payload, err := json.Marshal(map[string]*mrwork.Task{mrwork.EventName: &t})
		if err != nil {
			return fanout.Result{}, err
		}
		res, err := r.inv.Invoke(ctx, payload)
		if err != nil {
			return res, err
		}
		var ev struct {
			Result *mrwork.Result `json:"hsfan_mr_result"`
		}
		if err := json.Unmarshal(res.Payload, &ev); err != nil || ev.Result == nil {
			return res, &fanout.TaskError{Type: "BadResult", Message: fmt.Sprintf("%s task %d: undecodable worker answer (%d bytes)", phase, ft.Index, len(res.Payload)), Retry: true}
		}
		a2 := ev.Result
		if a2.Phase != phase || a2.Index != ft.Index || a2.Attempt != t.Attempt {
			return res, &fanout.TaskError{Type: "BadResult", Message: fmt.Sprintf("%s task %d attempt %s answered as %s task %d attempt %s", phase, ft.Index, t.Attempt, a2.Phase, a2.Index, a2.Attempt), Retry: true}
		}
		own := mrwork.AttemptPrefix(r.tempPrefix, phase, ft.Index, t.Attempt)
		for _, ob := range a2.Objects {
			if !strings.HasPrefix(ob.Key, own) {
				return res, &fanout.TaskError{Type: "BadResult", Message: fmt.Sprintf("%s task %d: object %s is outside its attempt's %s", phase, ft.Index, ob.Key, own), Retry: true}
			}
		}
		if phase == mrwork.PhaseReduce && len(a2.Objects) != 1 {
			return res, &fanout.TaskError{Type: "BadResult", Message: fmt.Sprintf("reduce task %d: %d row sets, want 1", ft.Index, len(a2.Objects)), Retry: true}
		}
		res.Value = a2
		res.Stats.BytesRead += a2.BytesRead
		res.Stats.Gets += a2.Gets
		if a2.ColdStart {
			res.Stats.ColdStart = true
		}
		return res, nil
	}
	if r.o.Faults != nil {
		fi, err := fanout.NewFaultInjector(invoke, *r.o.Faults)
		if err != nil {
			return fanout.Stats{}, err
		}
		invoke = fi.Invoke
	}
	fo := fanout.Options{Concurrency: r.spec.Concurrency, MaxAttempts: r.spec.MaxAttempts, TaskTimeout: r.spec.TaskTimeout,
		Speculate: r.spec.Speculate, Logger: r.o.Logger}
	if r.o.Tune != nil {
		r.o.Tune(&fo)
	}
	return fanout.Run(ctx, tasks, invoke, fo, func(t fanout.Task, res fanout.Result) error {
		a, ok := res.Value.(*mrwork.Result)
		if !ok {
			return fmt.Errorf("%s task %d: no decoded worker answer", phase, t.Index)
		}
		commit(t.Index, a)
		return nil
	})
}

// table merges the committed row sets (each sorted by key) into the output table.
func (r *runner) table(ctx context.Context, rows []mrwork.Object) (output.Table, error) {
	cols := r.funcs.Columns
	t := output.Table{Meta: map[string]any{"run_id": r.out.RunID, "job": r.spec.Job, "params": r.params, "inputs": r.spec.Inputs}}
	t.Columns = make([]output.Column, len(cols))
	var n int64
	for _, o := range rows {
		n += o.Records
	}
	for i, c := range cols {
		t.Columns[i].Name = c.Name
		switch c.Kind {
		case mrwork.String:
			t.Columns[i].String = make([]string, 0, n)
		case mrwork.Int64:
			t.Columns[i].Int64 = make([]int64, 0, n)
		case mrwork.Float64:
			t.Columns[i].Float64 = make([]float64, 0, n)
		}
	}
	// The bytes of each string column go to one arena per column, turned into one string, and
	// the column's values are substrings of it: two allocations per column, not one per row.
	arenas := make([][]byte, len(cols))
	offs := make([][]int32, len(cols))
	_, err := mrwork.MergeRuns(ctx, r.tmp, r.tempBucket, rows, 1<<20, nil, func(key []byte, values [][]byte) error {
		for _, v := range values {
			err := mrwork.DecodeRowFunc(v, cols, func(i int, s []byte, x int64, f float64) {
				c := &t.Columns[i]
				switch cols[i].Kind {
				case mrwork.String:
					offs[i] = append(offs[i], int32(len(arenas[i])))
					arenas[i] = append(arenas[i], s...)
				case mrwork.Int64:
					c.Int64 = append(c.Int64, x)
				case mrwork.Float64:
					c.Float64 = append(c.Float64, f)
				}
			})
			if err != nil {
				return fmt.Errorf("row of key %q: %w", key, err)
			}
		}
		return nil
	})
	for i, c := range cols {
		if c.Kind != mrwork.String || err != nil {
			continue
		}
		if len(arenas[i]) > math.MaxInt32 {
			return t, fmt.Errorf("column %s: %d bytes of strings, more than 2 GiB", c.Name, len(arenas[i]))
		}
		all := string(arenas[i])
		arenas[i] = nil
		o := offs[i]
		for j, start := range o {
			end := len(all)
			if j+1 < len(o) {
				end = int(o[j+1])
			}
			t.Columns[i].String = append(t.Columns[i].String, all[start:end])
		}
		offs[i] = nil
	}
	if err != nil {
		return t, fmt.Errorf("read the reducers' rows: %w", err)
	}
	return t, nil
}

// cleanTemp removes the run's intermediate objects.
func (r *runner) cleanTemp(ctx context.Context) error {
	if r.tmp == nil || r.tempPrefix == "" {
		return nil
	}
	if err := r.removePrefix(ctx, r.tempPrefix); err != nil {
		return err
	}
	if r.tempDir != "" {
		removeEmptyDirs(filepath.Join(r.tempDir, r.tempBucket))
		// Left: the store's lock directory (POSIX stores keep versitygw's .vgwlocks).
		if entries, err := os.ReadDir(r.tempDir); err == nil && len(entries) == 1 && entries[0].Name() == ".vgwlocks" {
			_ = os.RemoveAll(r.tempDir)
		} else {
			_ = os.Remove(r.tempDir)
		}
	}
	return nil
}

// removeEmptyDirs removes dir and the directories below it that hold no file (best effort: a
// concurrent run's objects keep theirs).
func removeEmptyDirs(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() {
			removeEmptyDirs(filepath.Join(dir, e.Name()))
		}
	}
	_ = os.Remove(dir)
}
