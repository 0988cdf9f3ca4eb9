package reduce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/version"
	"github.com/hsfan/hsfan/ops"
	"github.com/hsfan/hsfan/output"
	"github.com/hsfan/hsfan/report"
	"github.com/hsfan/hsfan/worker"
)

// Options are the run-time parts of a job.
type Options struct {
	// Invoker runs the tasks (in process, AWS Lambda or the local Lambda service).
	Invoker fanout.Invoker
	// Sink receives the outputs; nil skips writing them.
	Sink output.Sink
	// Logger receives retry/loss events; Report (usually stderr) the progress and summary.
	Logger *slog.Logger
	Report io.Writer
	// Faults wraps the invocations with fault injection (tests).
	Faults *fanout.Faults
}

// Outcome is a finished job.
type Outcome struct {
	Result   ops.Result
	Table    output.Table
	Manifest output.Manifest
	Stats    fanout.Stats
	// Worker-side time, summed over tasks: fetching, decoding and reducing chunks.
	Fetch, Decode, Reduce time.Duration
	DecodedBytes          int64
}

// Run fans the plan out, merges the partials as they arrive (exactly; arrival order does not
// change a bit of the result), finalizes, and writes the outputs (manifest last).
func (p *Prepared) Run(ctx context.Context, o Options) (*Outcome, error) {
	if o.Invoker == nil {
		return nil, errors.New("job: no invoker")
	}
	start := time.Now()
	var rangeStats fanout.Stats // the histogram range passes, billed with the run
	if p.HistRangeFromData {
		var err error
		if rangeStats, err = p.dataRange(ctx, o); err != nil {
			return &Outcome{}, err
		}
	}
	rangeDone := time.Now()
	out := &Outcome{}
	invokeFn := p.invokeTask(o.Invoker)
	if o.Faults != nil {
		fi, err := fanout.NewFaultInjector(invokeFn, *o.Faults)
		if err != nil {
			return nil, err
		}
		invokeFn = fi.Invoke
	}
	m := &merger{merged: p.Reduction.NewPartial(), newPartial: p.Reduction.NewPartial,
		taskTimes: make([]time.Duration, len(p.Plan.Tasks))}
	var rep *report.Reporter
	fo := fanout.Options{Concurrency: p.Spec.Concurrency, TaskTimeout: p.Spec.TaskTimeout,
		MaxAttempts: p.Spec.MaxAttempts, Speculate: p.Spec.Speculate, Logger: o.Logger}
	if o.Report != nil {
		rep = report.NewReporter(o.Report, len(p.Plan.Tasks), report.ReporterOptions{Logger: o.Logger})
		fo.Progress = rep.Progress
	}
	if err := p.removeStale(ctx, o); err != nil {
		return out, err
	}
	planDone := time.Now()
	stats, err := fanout.Run(ctx, p.Plan.Tasks, invokeFn, fo, m.onResult)
	if cerr := p.cleanSpills(ctx); cerr != nil && o.Logger != nil {
		o.Logger.Warn("clean up spilled partials", "error", cerr)
	}
	if rep != nil {
		_ = rep.Finish()
	}
	if p.HistRangeFromData {
		stats.Merge(rangeStats)
		if o.Report != nil {
			fmt.Fprintf(o.Report, "the counts, times and cost below include the two histogram range passes (%d of the %d tasks)\n",
				rangeStats.Tasks, stats.Tasks)
		}
	}
	out.Stats = stats
	if err != nil {
		return out, fmt.Errorf("job %s: %w", p.Spec.OutputName(), err)
	}
	fanDone := time.Now()
	out.Result = m.merged.Finalize()
	if err := out.Result.ApplyMinCount(p.Spec.MinCount); err != nil {
		return out, err
	}
	out.Fetch, out.Decode, out.Reduce = m.fetch, m.decode, m.reduce
	out.DecodedBytes = m.decoded
	if out.Table, err = p.table(out.Result); err != nil {
		return out, err
	}
	cost, err := report.RunCost(stats, report.Cost{Arch: p.Spec.Arch, MemoryMB: p.Spec.MemoryMB})
	if err != nil {
		return out, err
	}
	out.Manifest = p.manifest(start, rangeDone, planDone, fanDone, stats, cost, out)
	out.Manifest.Timings.TaskSeconds = fanout.DurationQuantiles(m.taskTimes)
	return out, p.writeAndReport(ctx, o, out, stats, cost)
}

// invokeTask returns the fan-out's invoke function: it sends the task event, decodes the
// worker's answer once (handed to the merge as fanout.Result.Value, a *worker.TaskResult),
// collects a partial the worker passed through the store, and adds the worker's bytes and GETs
// to the attempt's stats. An undecodable or mismatched answer is a retryable task error.
func (p *Prepared) invokeTask(inv fanout.Invoker) fanout.InvokeFunc {
	return func(ctx context.Context, t fanout.Task) (fanout.Result, error) {
		task := p.Template
		task.Index, task.First, task.Count = t.Index, t.First, t.Count
		payload, err := json.Marshal(worker.TaskEvent{Task: &task})
		if err != nil {
			return fanout.Result{}, err
		}
		res, err := inv.Invoke(ctx, payload)
		if err != nil {
			return res, err
		}
		var ev worker.ResultEvent
		if err := json.Unmarshal(res.Payload, &ev); err != nil || ev.Result == nil {
			return res, &fanout.TaskError{Type: "BadResult", Message: fmt.Sprintf("task %d: undecodable worker answer (%d bytes)", t.Index, len(res.Payload)), Retry: true}
		}
		if ev.Result.Index != t.Index {
			return res, &fanout.TaskError{Type: "BadResult", Message: fmt.Sprintf("task %d answered as task %d", t.Index, ev.Result.Index), Retry: true}
		}
		if ref := ev.Result.PartialRef; ref != nil {
			// Collect a partial the worker passed through the store; a failed read is a failed
			// attempt (retried), not a failed job.
			data, err := p.fetchPartial(ctx, ref)
			if err != nil {
				return res, &fanout.TaskError{Type: "PartialRef", Message: fmt.Sprintf("task %d: %v", t.Index, err), Retry: true}
			}
			ev.Result.Partial, ev.Result.PartialRef = data, nil
		}
		res.Value = ev.Result
		res.Stats.BytesRead += ev.Result.StoredBytes
		res.Stats.Gets += ev.Result.Allocated
		if ev.Result.ColdStart {
			res.Stats.ColdStart = true
		}
		return res, nil
	}
}

// merger merges the partial of each task exactly once (fanout.Run calls onResult serially) and
// sums the worker-side times of the merged answers.
type merger struct {
	merged                *ops.Partial
	newPartial            func() *ops.Partial
	taskTimes             []time.Duration
	fetch, decode, reduce time.Duration
	decoded               int64
}

func (m *merger) onResult(t fanout.Task, r fanout.Result) error {
	m.taskTimes[t.Index] = r.Stats.Duration
	res, ok := r.Value.(*worker.TaskResult)
	if !ok {
		return fmt.Errorf("task %d: no decoded worker answer", t.Index)
	}
	part := m.newPartial()
	if err := part.UnmarshalBinary(res.Partial); err != nil {
		return fmt.Errorf("task %d partial: %w", t.Index, err)
	}
	if err := m.merged.Merge(part); err != nil {
		return fmt.Errorf("task %d merge: %w", t.Index, err)
	}
	m.fetch += time.Duration(res.FetchNanos)
	m.decode += time.Duration(res.DecodeNanos)
	m.reduce += time.Duration(res.ReduceNanos)
	m.decoded += res.DecodedBytes
	return nil
}

// writeAndReport writes the outputs to o.Sink and the run report to o.Report.
func (p *Prepared) writeAndReport(ctx context.Context, o Options, out *Outcome, stats fanout.Stats, cost report.CostEstimate) error {
	plotKind, noPlot := p.plotKind()
	if o.Sink != nil {
		if err := output.WriteOutputs(ctx, o.Sink, p.Spec.OutputName(), out.Table, out.Manifest, p.Spec.Plot && plotKind != ""); err != nil {
			return err
		}
		if p.Spec.Plot && plotKind == "" && o.Report != nil {
			fmt.Fprintf(o.Report, "plot: none: %s\n", noPlot)
		}
	}
	if o.Report != nil {
		fmt.Fprint(o.Report, report.FormatReport(stats, cost))
		if q := out.Manifest.Timings.TaskSeconds; q != nil {
			fmt.Fprintf(o.Report, "task time    p50 %.3fs, p90 %.3fs, max %.3fs over %d tasks\n", q.P50, q.P90, q.Max, q.N)
		}
		if out.DecodedBytes > 0 {
			fmt.Fprint(o.Report, workerTimeLine(out, len(p.Plan.Tasks)))
		}
	}
	return nil
}

// workerTimeLine reports the worker-side time: a sum over every task and every parallel chunk
// fetch inside a worker, so it exceeds the wall time when work runs in parallel; it says so.
func workerTimeLine(out *Outcome, tasks int) string {
	return fmt.Sprintf("worker time  fetch %.2fs, decode %.2fs, reduce %.2fs (decoded %s): CPU and I/O time summed over %d tasks and the chunks each fetches in parallel, not elapsed time (wall %.2fs)\n",
		out.Fetch.Seconds(), out.Decode.Seconds(), out.Reduce.Seconds(), report.FormatBytes(out.DecodedBytes), tasks, out.Stats.Wall.Seconds())
}

// OutputNames are the files a run writes to the sink (the plot only with Spec.Plot).
func (p *Prepared) OutputNames() []string {
	name := p.Spec.OutputName()
	return []string{output.ManifestName, name + ".json", name + ".arrow", name + ".png", name + ".svg"}
}

// removeStale deletes the previous run's outputs of this name (manifest, JSON, Arrow, plot)
// before the fan-out, so that a run that fails leaves no result a reader could take for its
// own; the report says so. A sink that cannot delete files is refused unless it is empty of
// them: hsfan cannot tell an old result from a new one there.
func (p *Prepared) removeStale(ctx context.Context, o Options) error {
	if o.Sink == nil {
		return nil
	}
	rm, ok := o.Sink.(output.Remover)
	if !ok {
		if o.Logger != nil {
			o.Logger.Warn("the output sink cannot delete files: outputs of an earlier run with this name stay until this run succeeds", "names", p.OutputNames())
		}
		return nil
	}
	er, tells := o.Sink.(existRemover)
	var removed []string
	for _, n := range p.OutputNames() {
		if tells {
			existed, err := er.RemoveExisting(ctx, n)
			if err != nil {
				return fmt.Errorf("remove the previous run's %s: %w", n, err)
			}
			if existed {
				removed = append(removed, n)
			}
			continue
		}
		if err := rm.Remove(ctx, n); err != nil {
			return fmt.Errorf("remove the previous run's %s: %w", n, err)
		}
	}
	switch {
	case o.Report == nil:
	case !tells:
		fmt.Fprintf(o.Report, "run %s: removed any earlier outputs of this name from the output location (%s): a failed run leaves no result behind\n",
			p.Template.Job, strings.Join(p.OutputNames(), ", "))
	case len(removed) > 0:
		// Only what was there: a new output location has nothing to clear and gets no line.
		fmt.Fprintf(o.Report, "run %s: cleared earlier outputs of this name from the output location (%s): a failed run leaves no result behind\n",
			p.Template.Job, strings.Join(removed, ", "))
	}
	return nil
}

// existRemover is a sink that says whether a removed file was there (output.DirSink,
// output.PutSink), so that the report names only what was removed.
type existRemover interface {
	RemoveExisting(ctx context.Context, name string) (bool, error)
}

// inputs are the job's inputs as the manifest and every output record them.
func (p *Prepared) inputs() output.Inputs {
	reduce := []string{}
	for _, a := range p.dataAxes {
		if a.Reduced {
			reduce = append(reduce, a.Name)
		}
	}
	return output.Inputs{Store: p.Spec.Store, Bucket: p.Spec.Bucket, Domain: p.Spec.Domain, Dataset: p.Spec.Dataset,
		Select: p.Selection.String(), Reduce: reduce, Weights: p.Spec.Weights, Invoker: p.Spec.Invoker,
		Concurrency: p.Plan.Concurrency, Params: map[string]any{"units": p.Spec.Units, "no_cf": p.Spec.NoCF, "min_count": p.Spec.MinCount,
			"ddof": p.Spec.DDOF, "bins": p.Spec.Bins, "hist_min": p.Spec.HistMin, "hist_max": p.Spec.HistMax,
			"hist_range_from_data": p.HistRangeFromData}}
}

func (p *Prepared) manifest(start, rangeDone, planDone, fanDone time.Time, st fanout.Stats, cost report.CostEstimate, out *Outcome) output.Manifest {
	end := time.Now()
	lm := time.Unix(0, int64(p.Dataset.Obj.LastModified*1e9)).UTC()
	return output.Manifest{
		RunID:           p.Template.Job,
		ManifestVersion: output.ManifestVersion,
		HsfanVersion:    version.Version,
		Op:              p.Spec.Op,
		Inputs:          p.inputs(),
		Dataset: output.DatasetInfo{ID: p.Dataset.ID, ETag: p.File.ETag, LastModified: &lm, Shape: p.Dataset.Dims,
			Chunks: p.Dataset.ChunkDims, Type: string(p.Dataset.Obj.Type)},
		Plan: p.Plan.Summary(p.GridDims),
		Timings: output.Timings{Start: start.UTC(), End: end.UTC(), RangeSeconds: rangeDone.Sub(start).Seconds(), PlanSeconds: planDone.Sub(rangeDone).Seconds(),
			FanoutSeconds: fanDone.Sub(planDone).Seconds(), WallSeconds: end.Sub(start).Seconds()},
		Counts:    output.CountsFromStats(st),
		BytesRead: st.BytesRead,
		Cost:      cost,
	}
}

// fetchPartial reads a partial a worker wrote to the store (too large for its response) and
// deletes it (best effort: cleanSpills removes what is left). Only objects under this job's own
// result prefix are read, whatever the answer says.
func (p *Prepared) fetchPartial(ctx context.Context, ref *worker.ObjectRef) ([]byte, error) {
	if p.st == nil {
		return nil, errors.New("partial by reference, but the job has no store")
	}
	bucket, prefix := p.spillLocation()
	if ref.Bucket != bucket || !strings.HasPrefix(ref.Key, prefix) || strings.Contains(ref.Key, "..") {
		return nil, fmt.Errorf("partial reference %s/%s is outside this job's %s/%s", ref.Bucket, ref.Key, bucket, prefix)
	}
	data, _, err := p.st.Get(ctx, ref.Bucket, ref.Key)
	if err != nil {
		return nil, fmt.Errorf("read partial %s: %w", ref.Key, err)
	}
	if ref.Size > 0 && int64(len(data)) != ref.Size {
		return nil, fmt.Errorf("partial %s: %d bytes, the worker wrote %d", ref.Key, len(data), ref.Size)
	}
	_ = p.st.Delete(ctx, ref.Bucket, ref.Key) // best effort; cleanSpills retries at the end
	return data, nil
}

// spillLocation is the bucket and key prefix of this job's spilled partials.
func (p *Prepared) spillLocation() (string, string) {
	bucket := p.Template.ResultBucket
	if bucket == "" {
		bucket = p.Template.Bucket
	}
	prefix := p.Template.ResultPrefix
	if prefix == "" {
		prefix = "hsfan-results"
	}
	return bucket, strings.Trim(prefix, "/") + "/" + p.Template.Job + "/"
}

// cleanSpills deletes partials of this job left behind by lost replies or duplicates.
func (p *Prepared) cleanSpills(ctx context.Context) error {
	if p.st == nil {
		return nil
	}
	bucket, prefix := p.spillLocation()
	var keys []string
	err := p.st.List(ctx, bucket, prefix, "", func(e store.Entry) error {
		keys = append(keys, e.Key)
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrBucketNotFound) {
		return err
	}
	for _, k := range keys {
		if err := p.st.Delete(ctx, bucket, k); err != nil {
			return err
		}
	}
	return nil
}

// dataRange is the first pass of a histogram without --hist-min/--hist-max: two fan-outs over
// the same selection and weights mask, min and max with every axis reduced, give the range as
// numpy.histogram takes it from the data (ops.HistogramRange: [min, max], widened by 0.5 when
// constant, [0, 1] when nothing is valid). It sets Spec.HistMin/HistMax (recorded in the outputs'
// inputs with hist_range_from_data), the task template and the reduction. Each pass reads and
// decodes the selection again, so the run reads it three times.
func (p *Prepared) dataRange(ctx context.Context, o Options) (fanout.Stats, error) {
	var ext [2]float64
	var n int64
	var st fanout.Stats
	for i, op := range []string{"min", "max"} {
		q := *p
		q.HistRangeFromData = false
		q.Spec.Op, q.Spec.Plot, q.Spec.Bins, q.Spec.HistMin, q.Spec.HistMax = op, false, 0, 0, 0
		q.Template.Op, q.Template.Bins, q.Template.HistMin, q.Template.HistMax = op, 0, 0, 0
		q.Template.Reduce = make([]bool, len(p.Template.Reduce))
		for a := range q.Template.Reduce {
			q.Template.Reduce[a] = true
		}
		q.Axes = append([]Axis(nil), p.Axes...)
		for a := range q.Axes {
			q.Axes[a].Reduced = true
		}
		var err error
		if q.Reduction, err = worker.NewReduction(ctx, p.Dataset, &q.Template); err != nil {
			return st, fmt.Errorf("histogram range (%s pass): %w", op, err)
		}
		out, err := q.Run(ctx, Options{Invoker: o.Invoker, Logger: o.Logger, Faults: o.Faults})
		st.Merge(out.Stats)
		if err != nil {
			return st, fmt.Errorf("histogram range (%s pass): %w", op, err)
		}
		if len(out.Result.Value) != 1 {
			return st, fmt.Errorf("histogram range (%s pass): %d cells, want 1", op, len(out.Result.Value))
		}
		ext[i], n = out.Result.Value[0], out.Result.Count[0]
		if o.Report != nil {
			fmt.Fprintf(o.Report, "histogram range, %s pass: %s over %d values (%d tasks, %.2fs)\n",
				op, strconv.FormatFloat(ext[i], 'g', -1, 64), n, out.Stats.Tasks, out.Manifest.Timings.WallSeconds)
		}
	}
	lo, hi, err := ops.HistogramRange(ext[0], ext[1], n)
	if err != nil {
		return st, err
	}
	p.Spec.HistMin, p.Spec.HistMax = lo, hi
	p.Template.HistMin, p.Template.HistMax = lo, hi
	if p.Reduction, err = worker.NewReduction(ctx, p.Dataset, &p.Template); err != nil {
		return st, err
	}
	if o.Report != nil {
		fmt.Fprintf(o.Report, "histogram range from the data (numpy.histogram's rule): [%s, %s], %d bins\n",
			strconv.FormatFloat(lo, 'g', -1, 64), strconv.FormatFloat(hi, 'g', -1, 64), p.Spec.Bins)
	}
	return st, nil
}
