package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/jobs/reduce"
	"github.com/hsfan/hsfan/ops"
	"github.com/hsfan/hsfan/output"
	"github.com/hsfan/hsfan/report"
	"github.com/hsfan/hsfan/transport/inproc"
	"github.com/hsfan/hsfan/worker"
)

const runUsage = `Usage: hsfan run OP --domain D --dataset /path [flags]

Runs a fan-out reduction: the selection is cut into chunk-aligned tasks, each task reduces its
chunks next to the data into a partial state, and the partials are merged exactly (the result
does not depend on concurrency, task sizes, retries or arrival order).

OP is one of count, sum, mean, min, max, var, std, histogram. Values are CF-decoded first (package
cf; --no-cf turns it off): _Unsigned, scale_factor, add_offset, and _FillValue, missing_value and
valid_min/valid_max/valid_range masking (the valid range as netCDF4-python applies it; xarray
ignores it), so masked values are NaN. Each op then follows xarray's skipna=True semantics:
  count      the number of valid values; 0 for an all-masked cell
  sum        the sum of the valid values; 0 for an all-masked cell (numpy nansum, xarray's
             default min_count); --min-count N gives NaN where fewer than N values are valid
  mean       the mean of the valid values, weighted sum(w*x)/sum(w) over valid cells; NaN when
             none is valid (or their weights sum to 0)
  min, max   NaN when no value is valid
  var, std   population (--ddof 0) or sample (--ddof 1) variance; NaN when no value is valid or
             the count is <= ddof
  histogram  counts per bin (--bins) of [--hist-min, --hist-max]; NaN values are not counted.
             Without both flags the range is the data's [min, max] as numpy.histogram takes it
             (a first pass of min and max reads the selection twice more), bins as numpy's
NaN results are null in the JSON and Arrow outputs.
With --weights, sum, mean, var and std are weighted (xarray's .weighted()), and every op leaves
out the values whose weight is 0 (coslat:60: |lat| > 60): count, min, max and histogram see
only the values that enter the weighted mean, and the count column of every op counts them.

Coordinates (dimension scales, or a 1-D dataset named like the axis) and --weights datasets are
CF-decoded like the data; time coordinates ("days since 1800-1-1", any CF calendar: standard,
gregorian, proleptic_gregorian, julian, noleap, 365_day, all_leap, 366_day, 360_day) become ISO
dates as cftime decodes them. --units converts temperatures between the UDUNITS-2 spellings of
kelvin, Celsius, Fahrenheit and Rankine (K, kelvin, degK, degree_K, degC, degree_Celsius, Celsius,
degrees_C, degF, ...; C and F are hsfan's shorthands).

Every output (<name>.json meta, <name>.arrow schema metadata, <name>.png tEXt chunk and
<name>.svg metadata "hsfan.meta", manifest.json) carries the run's id ("run_id") and inputs. The
previous outputs of the same name are removed from --out before the run starts, so a failed run
leaves no result behind that could be taken for its own.

The plot (1200 x 600 PNG and SVG; the title names the op, weights, region and period) is a line
for one kept axis (dates on month starts), a map for two kept coordinate axes (--reduce time on
(time, lat, lon): lon/lat axes, a colour bar, cells without a valid value grey), a bar chart for a
histogram over every axis; otherwise the run says why there is none.

--select may pair coordinate lists element by element, as numpy does: on (time, lat, lon),
'[:,[100,200],[50,700]]' selects two (lat, lon) points per time step. The paired dimensions form
one point axis, so --reduce must name all of them or none: --reduce lat,lon averages over the
points, --reduce time keeps one row per point (columns lat and lon give each point's
coordinates); --reduce lat alone is refused. Per-axis weights (coslat, 1-D datasets) apply per
point; N-D weights over the paired dimensions are refused.

`

const runExamples = `  # daily area-weighted global mean SST (a time series), the PO.DAAC method
  hsfan run mean --domain /shared/sst/mur25.h5 --dataset /analysed_sst \
      --reduce lat,lon --weights coslat:60 --units C --out out

  # a map of the yearly maximum, and a plan without running it
  hsfan run max --domain /shared/sst/mur25.h5 --dataset /analysed_sst --reduce time --out out
  hsfan run mean --domain /shared/sst/mur25.h5 --dataset /analysed_sst --reduce lat,lon --dry-run

  # the daily mean over three (lat, lon) stations
  hsfan run mean --domain /shared/sst/mur25.h5 --dataset /analysed_sst \
      --select '[:,[300,320,410],[100,900,1200]]' --reduce lat,lon --out out
`

// Limits of the run flags: Lambda's memory sizes (128 MB to 10,240 MB) and account concurrency
// quotas (1000 by default, raised on request; 100,000 bounds a typo).
const (
	maxConcurrency = 100000
	minLambdaMB    = 128
	maxLambdaMB    = 10240
)

var runGroups = []flagGroup{
	{"Input", []string{"domain", "dataset", "select", "no-cf"}},
	storeGroup,
	{"Reduction", []string{"reduce", "weights", "units", "min-count", "ddof", "bins", "hist-min", "hist-max"}},
	{"Output", []string{"out", "name", "no-plot"}},
	{"Job spec", []string{"spec", "print-spec"}},
	{"Execution", []string{"invoker", "concurrency", "worker-concurrency", "target-bytes", "task-time", "max-chunks",
		"task-timeout", "max-attempts", "speculate", "dry-run", "v", "cpuprofile"}},
	{"Lambda (--invoker lambda or local)", []string{"function", "qualifier", "lambda-endpoint", "memory", "arch"}},
	{"Confinement (references and spilled partials)", []string{"ref-allow", "ref-follow-symlinks", "result-bucket", "result-prefix"}},
}

var opNames = []string{"count", "sum", "mean", "min", "max", "var", "std", "histogram"}

// runOptions are the flags of hsfan run: the reduction's Spec and the run's own.
type runOptions struct {
	sf                  storeFlags
	spec                reduce.Spec
	reduceAxes, invoker string
	lf                  lambdaFlags
	noPlot, dryRun      *bool
	verbose             *bool
	refAllow            *string
	cpuProfile          *string
	specFile            string
	printSpec           bool
}

func (o *runOptions) register(fs *flag.FlagSet) {
	o.sf.register(fs)
	fs.StringVar(&o.spec.Domain, "domain", "", "domain path (required)")
	fs.StringVar(&o.spec.Dataset, "dataset", "", "dataset h5path (required)")
	fs.StringVar(&o.spec.Select, "select", "", "selection, e.g. [0:31,:,:] (default everything)")
	fs.StringVar(&o.reduceAxes, "reduce", "", "axes to reduce, by dimension name or index, e.g. lat,lon (default all)")
	fs.StringVar(&o.spec.Weights, "weights", "", "coslat, coslat:LIMIT, or /path/to/weights (1-D along one axis, or N-D over the reduced axes)")
	fs.StringVar(&o.spec.Units, "units", "", "convert CF-decoded temperatures to C, K, F or another UDUNITS-2 temperature unit")
	intVar(fs, &o.spec.MinCount, "min-count", 0, 0, math.MaxInt, "sum: NaN where fewer than N values are valid (xarray's min_count; 0: an all-masked cell sums to 0)")
	fs.BoolVar(&o.spec.NoCF, "no-cf", false, "do not apply scale_factor/add_offset/_FillValue/valid range")
	intVar(fs, &o.spec.Bins, "bins", 50, 1, 1<<20, "histogram: number of bins")
	floatVar(fs, &o.spec.HistMin, "hist-min", 0, math.Inf(-1), math.Inf(1), "histogram: lower edge")
	floatVar(fs, &o.spec.HistMax, "hist-max", 0, math.Inf(-1), math.Inf(1), "histogram: upper edge")
	intVar(fs, &o.spec.DDOF, "ddof", 0, 0, math.MaxInt, "var/std: delta degrees of freedom (1 = sample variance)")
	fs.StringVar(&o.spec.Name, "name", "", "output base name (default <dataset>_<op>)")
	fs.StringVar(&o.spec.Out, "out", "out", "output directory or s3://bucket/prefix; checked for write access before the run")
	o.noPlot = fs.Bool("no-plot", false, "do not write the PNG plot")
	choiceVar(fs, &o.invoker, "invoker", "inproc", []string{"inproc", "lambda", "local"}, "inproc (embedded), lambda (AWS) or local (hsfan lambda-local)")
	intVar(fs, &o.spec.Concurrency, "concurrency", 1000, 1, maxConcurrency, "maximum tasks in flight (inproc: the number of CPUs unless given)")
	int64Var(fs, &o.spec.TargetBytes, "target-bytes", 0, 0, math.MaxInt64, "stored bytes per task (0: 75 MB/s x --task-time)")
	durationVar(fs, &o.spec.TaskTime, "task-time", 10*time.Second, time.Millisecond, 15*time.Minute, "target run time of one task")
	intVar(fs, &o.spec.MaxChunksPerTask, "max-chunks", 1000, 1, math.MaxInt, "maximum chunks per task")
	durationVar(fs, &o.spec.TaskTimeout, "task-timeout", 0, 0, 24*time.Hour, "timeout of one attempt (0 = none)")
	intVar(fs, &o.spec.MaxAttempts, "max-attempts", 4, 1, 100, "attempts per task before the job fails")
	fs.BoolVar(&o.spec.Speculate, "speculate", false, "launch duplicates of straggling tasks (first result wins)")
	intVar(fs, &o.spec.WorkerConcurrency, "worker-concurrency", 0, 0, 1024, "parallel chunk fetches inside one worker (0: 8)")
	intVar(fs, &o.spec.MemoryMB, "memory", 2048, minLambdaMB, maxLambdaMB, "Lambda memory size in MB, for the cost estimate")
	choiceVar(fs, &o.spec.Arch, "arch", "arm64", []string{"arm64", "x86_64"}, "Lambda architecture for prices")
	o.lf.register(fs)
	o.refAllow = fs.String("ref-allow", "", "further locations reference layouts may read: comma-separated bucket or bucket/prefix\n"+
		"(default: the dataset's own bucket; the coordinator and --invoker inproc; Lambda workers use HSFAN_REF_ALLOW)")
	fs.BoolVar(&o.spec.Refs.FollowSymlinks, "ref-follow-symlinks", false, "let reference layouts on a file:// store pass through symbolic links")
	fs.StringVar(&o.spec.ResultBucket, "result-bucket", "", "bucket where workers spill partials above the response limit\n"+
		"(default --bucket; must be the workers' HSFAN_RESULT_BUCKET)")
	fs.StringVar(&o.spec.ResultPrefix, "result-prefix", "", "key prefix of spilled partials (default hsfan-results; the workers' HSFAN_RESULT_PREFIX or below)")
	o.dryRun = fs.Bool("dry-run", false, "print the plan and its estimated cost, run nothing")
	o.verbose = fs.Bool("v", false, "log retries and other events")
	o.cpuProfile = fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	fs.StringVar(&o.specFile, "spec", "", "job spec file (YAML; its reduce keys are these flags, see 'Scheduled analyses' in the README);\n"+
		"flags given as well override the spec's values; a window makes the run incremental")
	fs.BoolVar(&o.printSpec, "print-spec", false, "print the job spec of this command line (YAML) and exit")
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runRunAt(ctx, time.Now(), args, stdout, stderr)
}

// runRunAt is hsfan run with the run time now (a windowed spec's relative window is resolved
// at it; hsfan schedule passes the scheduled time).
func runRunAt(ctx context.Context, now time.Time, args []string, stdout, stderr io.Writer) error {
	fs, o, pos, js, err := parseRun(args, stdout)
	if err != nil {
		return err
	}
	sf, spec, invoker, lf := o.sf, o.spec, o.invoker, o.lf
	if len(pos) == 0 {
		return usagef("OP is required: one of %s (see 'hsfan run -h')", strings.Join(opNames, ", "))
	}
	op := pos[0]
	if len(pos) > 1 {
		return usagef("unexpected arguments %v", pos[1:])
	}
	if _, err := ops.ParseKind(op); err != nil {
		return usagef("OP: %v", err)
	}
	if o.printSpec {
		return printSpec(stdout, fs, op, js)
	}
	if spec.Domain == "" || spec.Dataset == "" {
		return usagef("--domain and --dataset are required")
	}
	spec.Op = op
	if spec.Refs.Allow, err = hdf.ParseRefAllow(*o.refAllow); err != nil {
		return usagef("--ref-allow: %v", err)
	}
	if invoker == "inproc" && !flagSet(fs, "concurrency") {
		// In-process tasks share this machine's cores: more in flight only adds memory.
		spec.Concurrency = runtime.NumCPU()
	}
	spec.Store, spec.Bucket, spec.Plot, spec.Invoker = sf.url, sf.bucket, !*o.noPlot, invoker
	if o.reduceAxes != "" {
		spec.Reduce = strings.Split(o.reduceAxes, ",")
	}
	spec.StoreForWorkers = absStoreURL(sf.url)
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	// A domain an interrupted hsfan gen left would give a table of nulls and exit 0: refuse it.
	if err := checkComplete(ctx, st, sf.bucket, spec.Domain); err != nil {
		return err
	}
	logLevel := slog.LevelWarn
	if *o.verbose {
		logLevel = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel}))
	if js != nil && js.Window != nil {
		return runWindowed(ctx, now, js, spec, st, o, stdout, stderr, logger)
	}
	prep, err := reduce.Prepare(ctx, st, spec)
	if err != nil {
		return err
	}
	if *o.dryRun {
		return printPlan(stdout, prep, spec)
	}
	inv, closeInv, err := newInvoker(ctx, invoker, lf, spec, sf.opened, logger)
	if err != nil {
		return err
	}
	defer closeInv()
	sink, err := outputSink(ctx, spec.Out, st)
	if err != nil {
		return err
	}
	// Find an unwritable --out now, not after the (on Lambda, paid) computation.
	if err := probeSink(ctx, sink); err != nil {
		return fmt.Errorf("--out %s: cannot write there (checked before the run): %w", spec.Out, err)
	}
	fmt.Fprintf(stderr, "hsfan run %s: %d tasks over %d chunks (%s decoded), invoker %s, concurrency %d\n",
		op, len(prep.Plan.Tasks), prep.Plan.TotalChunks, report.FormatBytes(prep.Plan.TotalBytes), invoker, prep.Plan.Concurrency)
	if *o.cpuProfile != "" {
		stop, err := startCPUProfile(*o.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	out, err := prep.Run(ctx, reduce.Options{Invoker: inv, Sink: sink, Logger: logger, Report: stderr})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s\n", spec.Out, strings.Join(writtenFiles(spec.OutputName(), spec.Plot, out.Table), " "))
	return nil
}

// writtenFiles names the files output.WriteOutputs writes for table t under name: the Arrow and
// JSON tables, the PNG and SVG plots when plot is on and the table says what to plot
// (output.MetaPlotY; jobs/reduce and jobs/incremental plot only then), and the manifest.
func writtenFiles(name string, plot bool, t output.Table) []string {
	files := []string{name + ".arrow", name + ".json"}
	if _, ok := t.Meta[output.MetaPlotY]; plot && ok && len(t.Columns) > 0 {
		files = append(files, name+".png", name+".svg")
	}
	return append(files, output.ManifestName)
}

// absStoreURL makes file:// URLs absolute so workers in other processes find the same files.
func absStoreURL(u string) string {
	if !strings.HasPrefix(u, "file://") {
		return u
	}
	p := strings.TrimPrefix(u, "file://")
	if abs, err := filepath.Abs(p); err == nil {
		return "file://" + abs
	}
	return u
}

// outputSink maps --out to a sink: a local directory (atomic renames) or s3://bucket/prefix
// (single PUTs, atomic by nature).
func outputSink(ctx context.Context, out string, st store.Store) (output.Sink, error) {
	if !strings.HasPrefix(out, "s3://") {
		return output.DirSink{Dir: out}, nil
	}
	rest := strings.TrimPrefix(out, "s3://")
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return nil, usagef("--out %q: want s3://bucket/prefix", out)
	}
	s3, err := store.Open(ctx, "s3://", store.Options{})
	if err != nil {
		return nil, err
	}
	return output.PutSink{
		Prefix: strings.Trim(prefix, "/"),
		Put: func(ctx context.Context, key string, data []byte) error {
			_, err := s3.Put(ctx, bucket, key, data, store.PutOptions{})
			return err
		},
		Delete: func(ctx context.Context, key string) error { return s3.Delete(ctx, bucket, key) },
		Exists: func(ctx context.Context, key string) (bool, error) {
			_, err := s3.Stat(ctx, bucket, key)
			if errors.Is(err, store.ErrNotFound) {
				return false, nil
			}
			return err == nil, err
		},
	}, nil
}

// probeSink writes and removes a small probe object through sink: it proves that the output
// location exists or can be created, and that this process may write and delete there.
func probeSink(ctx context.Context, sink output.Sink) error {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	name := fmt.Sprintf(".hsfan-write-probe-%x", b)
	if err := sink.WriteFile(ctx, name, []byte("hsfan run checks that it can write its outputs here\n")); err != nil {
		return err
	}
	if r, ok := sink.(output.Remover); ok {
		if err := r.Remove(ctx, name); err != nil {
			return fmt.Errorf("remove the probe %s: %w", name, err)
		}
	}
	return nil
}

func printPlan(w io.Writer, p *reduce.Prepared, spec reduce.Spec) error {
	cost, err := report.EstimateCost(p.Plan, report.Cost{Arch: spec.Arch, MemoryMB: spec.MemoryMB})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "dataset   %s %s shape %v chunks %v\n", spec.Domain, spec.Dataset, p.Dataset.Dims, p.Dataset.ChunkDims)
	fmt.Fprintf(w, "selection %s -> %v\n", p.Selection, p.Selection.Shape())
	axes := []string{}
	for _, a := range p.Axes {
		s := a.Name
		if a.Reduced {
			s += " (reduced)"
		}
		axes = append(axes, s)
	}
	fmt.Fprintf(w, "axes      %s\n", strings.Join(axes, ", "))
	fmt.Fprintf(w, "chunks    %d touched (grid %v), %s decoded\n", p.Plan.TotalChunks, p.GridDims, report.FormatBytes(p.Plan.TotalBytes))
	fmt.Fprintf(w, "tasks     %d, up to %d chunks each, concurrency %d\n", len(p.Plan.Tasks), p.Plan.ChunksPerTask, p.Plan.Concurrency)
	fmt.Fprintf(w, "estimate  %.0f GB-s, %d requests, $%.4f at %s %d MB (planned wall %.1fs)\n",
		cost.GBSeconds, cost.Requests, cost.TotalUSD, cost.Arch, cost.MemoryMB, cost.WallSeconds)
	if p.HistRangeFromData {
		fmt.Fprintf(w, "histogram range from the data: a min and a max pass run first, each costing about the estimate above\n")
	}
	return nil
}

// newInvoker builds the invoker named by --invoker.
func newInvoker(ctx context.Context, name string, lf lambdaFlags, spec reduce.Spec, storeOpts store.Options, logger *slog.Logger) (fanout.Invoker, func(), error) {
	switch name {
	case "inproc", "":
		// The in-process workers use the job's store and bucket, nothing else, with the store
		// options of the command (S3 region, requester pays, Earthdata credentials).
		url := spec.StoreForWorkers
		if url == "" {
			url = spec.Store
		}
		h := worker.NewHandler(worker.Config{DefaultStore: url, DefaultBucket: spec.Bucket, Refs: spec.Refs,
			ResultBucket: spec.ResultBucket, ResultPrefix: spec.ResultPrefix, StoreOptions: storeOpts, Logger: logger})
		return &inproc.Invoker{Handler: h, MemoryMB: spec.MemoryMB}, func() {}, nil
	case "lambda", "local":
		return lf.invoker(ctx, name, spec, logger)
	}
	return nil, nil, usagef("--invoker %q: want inproc, lambda or local", name)
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// startCPUProfile profiles this process (the coordinator and, with the in-process invoker, the
// workers) until the returned function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
