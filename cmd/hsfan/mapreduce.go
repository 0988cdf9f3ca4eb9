package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/hsfan/hsfan/jobs/mapreduce"
	"github.com/hsfan/hsfan/jobs/mapreduce/mrwork"
	"github.com/hsfan/hsfan/jobs/reduce"
)

const mapreduceUsage = `Usage: hsfan mapreduce JOB --input URL [--input URL...] --out DIR|s3://bucket/prefix [flags]

Runs a map-reduce job on the fan-out engine of 'hsfan run': the inputs are cut into splits of
--split-size bytes (a record, one line, belongs to the split where it starts; CRLF line ends and
a last line without a newline are records, empty lines are skipped), one map task per split
folds equal keys in a bounded table (spilled as sorted runs above --spill-bytes) and writes one
run per reduce partition (FNV-1a 64 of the key bytes modulo --reducers) under its attempt's own
prefix; the first successful attempt of each task is committed exactly once and only committed
runs are reduced, so retries, duplicates and crashed attempts neither lose nor double-count a
record; a task that fails --max-attempts times fails the job, naming its split or partition.
The rows of every reducer are merged by key into <name>.arrow, <name>.json, <name>.tsv and
manifest.json (written last); the intermediate objects are removed afterwards.

Inputs are file:// or s3:// URLs of an object, a prefix (directory) or a glob (path.Match:
file:///data/uv/part-*.csv, s3://bucket/uservisits/); an input that matches nothing is an error.
Intermediate objects go to <out dir>/.hsfan-tmp/hsfan-tmp/hsfan-results/<run>/ (a directory
--out: a store rooted at <out dir>/.hsfan-tmp, bucket hsfan-tmp) or to
s3://<out bucket>/hsfan-results/<run>/; Lambda workers must be allowed that store and bucket
(HSFAN_STORE/HSFAN_BUCKET or HSFAN_ALLOWED_STORES/HSFAN_ALLOWED_BUCKETS) and the inputs'.

Jobs (JOB):
%s
The BDB jobs read AMPLab's CSV schemas: rankings pageURL,pageRank,avgDuration; uservisits
sourceIP,destURL,visitDate,adRevenue,userAgent,countryCode,languageCode,searchWord,duration.
bdb-q2's sums are exact (adRevenue parsed as a decimal of up to 8 fraction digits into integer
units, so the order of additions does not matter) and printed as decimals. bdb-q3 reads both
tables (a record is tagged by its schema: 3 fields rankings, 9 uservisits) and runs two
shuffles: a reduce-side join by URL over visits with from <= visitDate <= to, whose rows feed
bdb-q3-agg, which groups by sourceIP (exact SUM(adRevenue), AVG(pageRank)), orders the groups
as AMPLab's ORDER BY totalRevenue DESC (ties by sourceIP) and keeps the first limit rows
(--param from=1980-01-01 --param to=1980-04-01 --param limit=1 are AMPLab's 3a; limit=0 keeps
every sourceIP, in that order). from and to are calendar dates YYYY-MM-DD with from <= to;
limit is an integer >= 0. bdb-q1's x is an integer >= 0, bdb-q2's an integer in [1, 64].
`

const mapreduceExamples = `  # synthetic AMPLab tables, then Q2 and Q1
  hsfan gen uservisits --rows 8000000 --parts 8 --out data/bdb/uservisits
  hsfan gen rankings --rows 1000000 --parts 4 --out data/bdb/rankings
  hsfan mapreduce bdb-q2 --input file://data/bdb/uservisits/ --out out/q2 --memory-limit-mb 384
  hsfan mapreduce bdb-q1 --x 100 --input 'file://data/bdb/rankings/part-*.csv' --out out/q1
  hsfan mapreduce bdb-q3 --param to=1983-01-01 --input file://data/bdb/rankings/ \
      --input file://data/bdb/uservisits/ --out out/q3

  # word count over S3 objects through hsfan lambda-local
  hsfan mapreduce wordcount --input s3://corpus/books/ --out s3://results/wc --invoker local
`

var mapreduceGroups = []flagGroup{
	{"Job", []string{"input", "x", "param", "out", "name", "no-tsv"}},
	{"Plan", []string{"reducers", "split-size", "spill-bytes"}},
	{"Execution", []string{"invoker", "concurrency", "max-attempts", "task-timeout", "speculate", "memory-limit-mb", "v"}},
	{"Lambda (--invoker lambda or local)", []string{"function", "qualifier", "lambda-endpoint", "memory", "arch"}},
	{"Intermediate objects", []string{"temp-store", "temp-bucket", "temp-prefix", "sweep-temp-age"}},
	{"S3", []string{"s3-region", "s3-requester-pays"}},
}

// listValue is a repeatable string flag.
type listValue struct{ p *[]string }

func (l listValue) String() string {
	if l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l listValue) Set(s string) error {
	if s == "" {
		return fmt.Errorf("empty value")
	}
	*l.p = append(*l.p, s)
	return nil
}

func jobList() string {
	var b strings.Builder
	for _, n := range mrwork.Names() {
		d, _ := mrwork.Lookup(n)
		fmt.Fprintf(&b, "  %-10s %s\n", n, d.Doc)
	}
	return b.String()
}

func runMapreduce(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mapreduce", flag.ContinueOnError)
	var spec mapreduce.Spec
	var params []string
	var x int
	var lf lambdaFlags
	fs.Var(listValue{&spec.Inputs}, "input", "input URL: file:// or s3:// object, prefix or glob (repeatable; at least one)")
	intVar(fs, &x, "x", 0, 0, math.MaxInt32, "the X of bdb-q1 (pageRank > X, X >= 0; job default 1000) and bdb-q2 (SUBSTR(sourceIP, 1, X), X in [1, 64]; job default 8); unset: the job's default")
	fs.Var(listValue{&params}, "param", "a job parameter NAME=VALUE (repeatable), for jobs registered with parameters")
	fs.StringVar(&spec.Out, "out", "", "output directory or s3://bucket/prefix (required)")
	fs.StringVar(&spec.Name, "name", "", "output base name (default the job name)")
	noTSV := fs.Bool("no-tsv", false, "do not write <name>.tsv")
	intVar(fs, &spec.Reducers, "reducers", mapreduce.DefaultReducers, 1, mrwork.MaxReducers, "reduce partitions (reduce tasks)")
	int64Var(fs, &spec.SplitSize, "split-size", mapreduce.DefaultSplitSize, 1, math.MaxInt64, "input bytes per map task")
	intVar(fs, &spec.SpillBytes, "spill-bytes", mrwork.DefaultSpillBytes, mapreduce.MinSpillBytes, mrwork.MaxSpillBytes, "memory bound in bytes of a map task's combiner table (64 KiB to 1 GiB); above it the table is spilled as sorted runs")
	choiceVar(fs, &spec.Invoker, "invoker", "inproc", []string{"inproc", "local", "lambda"}, "inproc (embedded), local (hsfan lambda-local) or lambda (AWS)")
	intVar(fs, &spec.Concurrency, "concurrency", 0, 0, maxConcurrency, "maximum tasks in flight (0: the number of CPUs in process, 100 otherwise)")
	intVar(fs, &spec.MaxAttempts, "max-attempts", mapreduce.DefaultMaxAttempts, 1, 100, "attempts per task before the job fails")
	durationVar(fs, &spec.TaskTimeout, "task-timeout", 0, 0, 24*time.Hour, "timeout of one attempt (0 = none)")
	fs.BoolVar(&spec.Speculate, "speculate", false, "launch duplicates of straggling tasks (the first result is committed)")
	verbose := fs.Bool("v", false, "log retries and other events")
	var memLimitMB int
	intVar(fs, &memLimitMB, "memory-limit-mb", 0, 0, 1<<24, "soft memory limit of this process in MiB (runtime/debug.SetMemoryLimit; 0: the Go default or GOMEMLIMIT): the garbage collector works harder near it, bounding the peak RSS of in-process runs")
	lf.register(fs)
	intVar(fs, &spec.MemoryMB, "memory", 2048, minLambdaMB, maxLambdaMB, "Lambda memory size in MB, for the cost estimate")
	choiceVar(fs, &spec.Arch, "arch", "arm64", []string{"arm64", "x86_64"}, "Lambda architecture for prices")
	fs.StringVar(&spec.TempStore, "temp-store", "", "store of the intermediate objects (default from --out; Lambda workers must allow it: HSFAN_ALLOWED_STORES)")
	fs.StringVar(&spec.TempBucket, "temp-bucket", "", "bucket of the intermediate objects (default from --out)")
	fs.StringVar(&spec.TempPrefix, "temp-prefix", mapreduce.DefaultTempPrefix, "key prefix of the intermediate objects (the workers' HSFAN_RESULT_PREFIX or below)")
	durationVar(fs, &spec.SweepTempAge, "sweep-temp-age", mapreduce.DefaultSweepTempAge, 0, 365*24*time.Hour,
		"before the run, remove the intermediate objects earlier runs left under --temp-prefix when they started longer ago than this (drivers that were killed; 0 = never)")
	var s3Region string
	var requesterPays bool
	fs.StringVar(&s3Region, "s3-region", envOr("HSFAN_S3_REGION", ""), "s3:// inputs and outputs: the region (default from the AWS chain) (env HSFAN_S3_REGION)")
	fs.BoolVar(&requesterPays, "s3-requester-pays", false, "s3:// inputs: send x-amz-request-payer: requester")
	pos, err := parseCommand(fs, args, helpDoc{fmt.Sprintf(mapreduceUsage, jobList()), mapreduceGroups, mapreduceExamples}, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one JOB, one of %s (see 'hsfan mapreduce -h')", strings.Join(mrwork.Names(), ", "))
	}
	spec.Job = pos[0]
	if _, ok := mrwork.Lookup(spec.Job); !ok {
		return usagef("JOB %q: want one of %s", spec.Job, strings.Join(mrwork.Names(), ", "))
	}
	spec.NoTSV = *noTSV
	spec.Params = map[string]string{}
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return usagef("--param %q: want NAME=VALUE", p)
		}
		if old, dup := spec.Params[k]; dup {
			return usagef("--param %s=%s and --param %s=%s: parameter %s given twice", k, old, k, v, k)
		}
		spec.Params[k] = v
	}
	xSet := false
	fs.Visit(func(f *flag.Flag) { xSet = xSet || f.Name == "x" })
	if xSet {
		d, _ := mrwork.Lookup(spec.Job)
		if _, ok := d.Params["x"]; !ok {
			return usagef("--x: job %s has no parameter x", spec.Job)
		}
		if old, dup := spec.Params["x"]; dup {
			return usagef("--x %d and --param x=%s: parameter x given twice", x, old)
		}
		spec.Params["x"] = strconv.Itoa(x)
	}
	if len(spec.Inputs) == 0 {
		return usagef("--input is required: a file:// or s3:// URL (see 'hsfan mapreduce -h')")
	}
	if spec.Out == "" {
		return usagef("--out is required: a directory or s3://bucket/prefix")
	}
	if spec.Concurrency == 0 {
		spec.Concurrency = 100
		if spec.Invoker == "inproc" {
			spec.Concurrency = runtime.NumCPU()
		}
	}
	if err := spec.WithDefaults().Validate(); err != nil {
		return usagef("%v", err)
	}
	if memLimitMB > 0 {
		debug.SetMemoryLimit(int64(memLimitMB) << 20)
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	o := mapreduce.Options{Logger: logger, Report: stderr}
	o.StoreOptions.Region, o.StoreOptions.RequesterPays = s3Region, requesterPays
	if spec.Invoker != "inproc" {
		inv, closeInv, err := lf.invoker(ctx, spec.Invoker, reduce.Spec{Concurrency: spec.Concurrency}, logger)
		if err != nil {
			return err
		}
		defer closeInv()
		o.Invoker = inv
	}
	out, err := mapreduce.Run(ctx, spec, o)
	if err != nil {
		return err
	}
	if n, ok := peakRSS(); ok {
		fmt.Fprint(stderr, peakRSSLine(n))
	}
	names := spec.WithDefaults().OutputNames()
	if spec.NoTSV {
		names = names[:3]
	}
	fmt.Fprintf(stdout, "wrote %s: %s (%d rows)\n", spec.Out, strings.Join(names, " "), out.Rows)
	return nil
}
