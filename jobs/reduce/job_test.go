package reduce

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
	"github.com/hsfan/hsfan/output"
	"github.com/hsfan/hsfan/transport/inproc"
	"github.com/hsfan/hsfan/worker"
)

const (
	testBucket = "hsfan"
	testDomain = "/shared/sst/test.h5"
)

// sstStart is the first day of the test domain; the generator's values follow the calendar
// date, so day index d holds synth day number sstDay0+d.
var (
	sstStart = time.Date(2022, 12, 1, 0, 0, 0, 0, time.UTC)
	sstDay0  = synth.SSTDayNumber(sstStart)
)

// sstStore writes a small synthetic SST domain into a memory store.
func sstStore(t *testing.T, days int) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "mem://", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf.Create(ctx, st, testBucket, testDomain, hdf.CreateOptions{Owner: "test", Parents: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteSST(ctx, f, synth.SSTOptions{Days: days, Start: sstStart}); err != nil {
		t.Fatal(err)
	}
	return st
}

// podaacMean is the PO.DAAC tutorial's formula computed directly, one day at a time, from the
// generator: Celsius, weights cos(lat) set to 0 beyond |lat| > 60, land (fill) skipped.
func podaacMean(day int) float64 {
	lats := synth.SSTLats()
	var sw, swx float64
	for i := 0; i < synth.SSTLat; i++ {
		lat := float64(lats[i])
		w := math.Cos(lat * math.Pi / 180)
		if math.Abs(lat) > 60 {
			w = 0
		}
		for j := 0; j < synth.SSTLon; j++ {
			p := synth.SSTPacked(sstDay0+day, i, j)
			if p == synth.SSTFill {
				continue
			}
			x := float64(p)*synth.SSTScale + synth.SSTOffset - 273.15
			sw += w
			swx += w * x
		}
	}
	return swx / sw
}

func sstSpec() Spec {
	return Spec{Store: "mem://", Bucket: testBucket, Domain: testDomain, Dataset: "/analysed_sst", Op: "mean",
		Reduce: []string{"lat", "lon"}, Weights: "coslat:60", Units: "C", Name: "sst_mean"}
}

func runJob(t *testing.T, st store.Store, spec Spec, faults *fanout.Faults) *Outcome {
	t.Helper()
	ctx := context.Background()
	p, err := Prepare(ctx, st, spec)
	if err != nil {
		t.Fatal(err)
	}
	h := worker.NewHandler(worker.Config{DefaultStore: spec.Store, DefaultBucket: spec.Bucket, OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }})
	out, err := p.Run(ctx, Options{Invoker: &inproc.Invoker{Handler: h}, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSSTMatchesPODAACFormula(t *testing.T) {
	const days = 3
	st := sstStore(t, days)
	var ref []float64
	for d := 0; d < days; d++ {
		ref = append(ref, podaacMean(d))
	}
	var first []float64
	for _, tc := range []struct {
		name        string
		concurrency int
		target      int64
		maxChunks   int
		workerConc  int
	}{
		{"one task", 1, 1 << 40, 1000, 1},
		{"task per chunk", 8, 1, 1000, 2},
		{"two per task", 2, 0, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := sstSpec()
			spec.Concurrency, spec.TargetBytes, spec.MaxChunksPerTask, spec.WorkerConcurrency = tc.concurrency, tc.target, tc.maxChunks, tc.workerConc
			out := runJob(t, st, spec, nil)
			got := out.Result.Value
			t.Logf("means %v, reference %v, tasks %d", got, ref, out.Stats.Tasks)
			if len(got) != days {
				t.Fatalf("got %d values, want %d", len(got), days)
			}
			for d := range ref {
				if rel := math.Abs(got[d]-ref[d]) / math.Abs(ref[d]); rel > 1e-9 {
					t.Errorf("day %d: mean %.12f, PO.DAAC formula %.12f (rel %.2g)", d, got[d], ref[d], rel)
				}
			}
			if first == nil {
				first = got
				return
			}
			for d := range got {
				if math.Float64bits(got[d]) != math.Float64bits(first[d]) {
					t.Errorf("day %d: %v differs in bits from the first run %v", d, got[d], first[d])
				}
			}
			col, ok := out.Table.Column("time")
			if !ok || len(col.String) != days || col.String[0] != "2022-12-01" {
				t.Errorf("time column = %+v, want ISO dates from 2022-12-01", col)
			}
		})
	}
}

// TestFaultsGiveIdenticalResults: failures, throttles, hangs, lost replies and stragglers (with
// speculative duplicates) change nothing in the result, to the bit.
func TestFaultsGiveIdenticalResults(t *testing.T) {
	const days = 6
	st := sstStore(t, days)
	spec := sstSpec()
	spec.Concurrency, spec.TargetBytes = 4, 1
	clean := runJob(t, st, spec, nil)
	spec.TaskTimeout, spec.MaxAttempts, spec.Speculate = 2*time.Second, 12, true
	retries := 0
	for seed := uint64(1); seed <= 3; seed++ {
		faults := &fanout.Faults{Seed: seed, FailRate: 0.15, ThrottleRate: 0.1, HangRate: 0.05,
			LostReplyRate: 0.15, SlowRate: 0.1, SlowDelay: 300 * time.Millisecond}
		out := runJob(t, st, spec, faults)
		for d := range clean.Result.Value {
			if math.Float64bits(out.Result.Value[d]) != math.Float64bits(clean.Result.Value[d]) || out.Result.Count[d] != clean.Result.Count[d] {
				t.Errorf("seed %d day %d: %v (n=%d), clean run %v (n=%d)", seed, d, out.Result.Value[d], out.Result.Count[d], clean.Result.Value[d], clean.Result.Count[d])
			}
		}
		if out.Stats.Completed != days {
			t.Errorf("seed %d: stats %+v: want %d completed tasks", seed, out.Stats, days)
		}
		retries += out.Stats.Retries
	}
	if retries == 0 {
		t.Error("no fault was injected: the test proves nothing")
	}
}

// TestLostTaskFailsLoudly: a task that fails every attempt fails the job, naming the task, and
// no output is written.
func TestLostTaskFailsLoudly(t *testing.T) {
	st := sstStore(t, 4)
	spec := sstSpec()
	spec.Concurrency, spec.TargetBytes, spec.MaxAttempts = 4, 1, 2
	ctx := context.Background()
	p, err := Prepare(ctx, st, spec)
	if err != nil {
		t.Fatal(err)
	}
	h := worker.NewHandler(worker.Config{DefaultStore: spec.Store, DefaultBucket: spec.Bucket, OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }})
	dir := t.TempDir()
	_, err = p.Run(ctx, Options{Invoker: &inproc.Invoker{Handler: h}, Sink: output.DirSink{Dir: dir},
		Faults: &fanout.Faults{FailTasks: map[int]int{2: -1}}})
	var lost *fanout.LostTasksError
	if !errors.As(err, &lost) || len(lost.Indices()) != 1 || lost.Indices()[0] != 2 {
		t.Fatalf("err = %v, want a LostTasksError naming task 2", err)
	}
	if !strings.Contains(err.Error(), "2") {
		t.Errorf("error %q does not name the task", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed run left %d files in the output directory", len(entries))
	}
}

// TestOutputsReadBack: the Arrow table read back with the arrow library equals the JSON output.
func TestOutputsReadBack(t *testing.T) {
	st := sstStore(t, 3)
	ctx := context.Background()
	spec := sstSpec()
	spec.Plot = true
	p, err := Prepare(ctx, st, spec)
	if err != nil {
		t.Fatal(err)
	}
	h := worker.NewHandler(worker.Config{DefaultStore: spec.Store, DefaultBucket: spec.Bucket, OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }})
	dir := t.TempDir()
	out, err := p.Run(ctx, Options{Invoker: &inproc.Invoker{Handler: h}, Sink: output.DirSink{Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Columns map[string]json.RawMessage `json:"columns"`
		Meta    map[string]any             `json:"meta"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "sst_mean.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var means []float64
	var times []string
	if err := json.Unmarshal(doc.Columns["mean"], &means); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc.Columns["time"], &times); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "sst_mean.arrow"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rec, err := r.Record(0)
	if err != nil {
		t.Fatal(err)
	}
	if int(rec.NumRows()) != len(means) || len(means) != 3 {
		t.Fatalf("arrow rows %d, json rows %d", rec.NumRows(), len(means))
	}
	for i, field := range rec.Schema().Fields() {
		switch field.Name {
		case "mean":
			col := rec.Column(i).(*array.Float64)
			for k := range means {
				if col.Value(k) != means[k] || col.Value(k) != out.Result.Value[k] {
					t.Errorf("mean[%d]: arrow %v, json %v, result %v", k, col.Value(k), means[k], out.Result.Value[k])
				}
			}
		case "time":
			col := rec.Column(i).(*array.String)
			for k := range times {
				if col.Value(k) != times[k] {
					t.Errorf("time[%d]: arrow %v, json %v", k, col.Value(k), times[k])
				}
			}
		}
	}
	for _, name := range []string{"sst_mean.png", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestLargePartialsGoThroughTheStore: partials over the inline limit (a map) travel through the
// store, give the same result, and leave nothing behind.
func TestLargePartialsGoThroughTheStore(t *testing.T) {
	st := sstStore(t, 3)
	spec := sstSpec()
	spec.Reduce, spec.Weights, spec.Select, spec.Op = []string{"time"}, "", "[:,300:340,0:64]", "max"
	spec.Concurrency, spec.TargetBytes = 3, 1
	inline := runJob(t, st, spec, nil)
	spec.MaxInlineBytes = 1
	spilled := runJob(t, st, spec, nil)
	if len(inline.Result.Value) != 40*64 {
		t.Fatalf("%d cells, want %d", len(inline.Result.Value), 40*64)
	}
	for i := range inline.Result.Value {
		if math.Float64bits(inline.Result.Value[i]) != math.Float64bits(spilled.Result.Value[i]) {
			t.Fatalf("cell %d: %v through the store, %v inline", i, spilled.Result.Value[i], inline.Result.Value[i])
		}
	}
	n := 0
	_ = st.List(context.Background(), testBucket, "hsfan-results/", "", func(store.Entry) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d spilled partials left in the store", n)
	}
}

// TestFullWeightsDataset: a 2-D (lat, lon) weights dataset equal to cos(lat) with the 60 degree
// cut gives the coslat:60 result.
func TestFullWeightsDataset(t *testing.T) {
	st := sstStore(t, 2)
	ctx := context.Background()
	f, err := hdf.Open(ctx, st, testBucket, testDomain)
	if err != nil {
		t.Fatal(err)
	}
	w, err := f.CreateDataset(ctx, f.RootID(), "area", hdf.DatasetSpec{Type: json.RawMessage(`"H5T_IEEE_F64LE"`),
		Dims: []int{synth.SSTLat, synth.SSTLon}, ChunkDims: []int{synth.SSTLat, synth.SSTLon}, ExactChunks: true})
	if err != nil {
		t.Fatal(err)
	}
	lats := synth.SSTLats()
	buf := make([]byte, 8*synth.SSTLat*synth.SSTLon)
	for i := 0; i < synth.SSTLat; i++ {
		lat := float64(lats[i])
		v := math.Cos(lat * math.Pi / 180)
		if math.Abs(lat) > 60 {
			v = 0
		}
		for j := 0; j < synth.SSTLon; j++ {
			binary.LittleEndian.PutUint64(buf[8*(i*synth.SSTLon+j):], math.Float64bits(v))
		}
	}
	if err := w.WriteChunk(ctx, []int{0, 0}, buf); err != nil {
		t.Fatal(err)
	}
	spec := sstSpec()
	want := runJob(t, st, spec, nil)
	spec.Weights = "/area"
	got := runJob(t, st, spec, nil)
	for d := range want.Result.Value {
		if rel := math.Abs(got.Result.Value[d]-want.Result.Value[d]) / want.Result.Value[d]; rel > 1e-12 {
			t.Errorf("day %d: %v with /area weights, %v with coslat:60", d, got.Result.Value[d], want.Result.Value[d])
		}
	}
	// Weights that fit no axis are refused with a clear error.
	spec.Reduce = []string{"time"}
	if _, err := Prepare(ctx, st, spec); err == nil || !strings.Contains(err.Error(), "/area") {
		t.Errorf("mismatched weights: %v", err)
	}
}

// TestPairedListsReduce: a selection pairing the lat and lon lists into one point axis. Reducing
// both gives the cos(lat)-weighted mean of the points per day (computed directly from the
// generator); keeping both gives one row per (day, point) labelled with each point's lat and
// lon; reducing one of the two is refused, naming the rule.
func TestPairedListsReduce(t *testing.T) {
	const days = 2
	st := sstStore(t, days)
	lats, lons := synth.SSTLats(), synth.SSTLons()
	li := []int{100, 200, 300, 600, 600}
	lj := []int{50, 700, 1400, 3, 3}
	sel := "[:,[100,200,300,600,600],[50,700,1400,3,3]]"

	spec := sstSpec()
	spec.Select = sel
	out := runJob(t, st, spec, nil)
	for d := 0; d < days; d++ {
		var sw, swx float64
		for k := range li {
			p := synth.SSTPacked(sstDay0+d, li[k], lj[k])
			if p == synth.SSTFill {
				continue
			}
			lat := float64(lats[li[k]])
			w := math.Cos(lat * math.Pi / 180)
			if math.Abs(lat) > 60 {
				w = 0
			}
			sw += w
			swx += w * (float64(p)*synth.SSTScale + synth.SSTOffset - 273.15)
		}
		if got, want := out.Result.Value[d], swx/sw; math.Abs(got-want) > 1e-9 {
			t.Errorf("day %d: mean %v, direct %v", d, got, want)
		}
	}

	spec.Reduce, spec.Weights = []string{"time"}, ""
	p, err := Prepare(context.Background(), st, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Axes) != 2 || p.Axes[1].Name != "lat+lon" || p.Axes[1].Reduced {
		t.Fatalf("axes %+v", p.Axes)
	}
	out = runJob(t, st, spec, nil)
	tab, err := p.table(out.Result)
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string]output.Column{}
	for _, c := range tab.Columns {
		cols[c.Name] = c
	}
	lat, lon, mean := cols["lat"], cols["lon"], cols["mean"]
	if len(lat.Float64) != len(li) || len(lon.Float64) != len(li) || len(mean.Float64) != len(li) {
		t.Fatalf("columns %v", tab.Columns)
	}
	for k := range li {
		if lat.Float64[k] != float64(lats[li[k]]) || lon.Float64[k] != float64(lons[lj[k]]) {
			t.Errorf("row %d: lat %v lon %v, want %v %v", k, lat.Float64[k], lon.Float64[k], lats[li[k]], lons[lj[k]])
		}
		var s float64
		n := 0
		for d := 0; d < days; d++ {
			if q := synth.SSTPacked(sstDay0+d, li[k], lj[k]); q != synth.SSTFill {
				s += float64(q)*synth.SSTScale + synth.SSTOffset - 273.15
				n++
			}
		}
		if n > 0 && math.Abs(mean.Float64[k]-s/float64(n)) > 1e-9 {
			t.Errorf("row %d: mean %v, direct %v", k, mean.Float64[k], s/float64(n))
		}
	}

	spec.Reduce = []string{"time", "lat"}
	if _, err := Prepare(context.Background(), st, spec); err == nil || !strings.Contains(err.Error(), "reduce all of them or none") {
		t.Fatalf("reducing lat but not lon: err %v", err)
	}
}

// TestWeightsMaskEveryOp: with --weights coslat:60, count, min, max and the count column of the
// mean see only the ocean cells within +-60 degrees (issue 13: count gave 659,769 cells per day,
// the ones of weight 0 included), recomputed here from the generator; the outputs' meta says what
// the count counts.
func TestWeightsMaskEveryOp(t *testing.T) {
	const days = 2
	st := sstStore(t, days)
	lats := synth.SSTLats()
	type ref struct {
		n          int64
		lo, hi     float64
		nAll       int64
		loAll, hiA float64
	}
	refs := make([]ref, days)
	for d := range refs {
		r := ref{lo: math.Inf(1), hi: math.Inf(-1), loAll: math.Inf(1), hiA: math.Inf(-1)}
		for i := 0; i < synth.SSTLat; i++ {
			inside := math.Abs(float64(lats[i])) <= 60
			for j := 0; j < synth.SSTLon; j++ {
				q := synth.SSTPacked(sstDay0+d, i, j)
				if q == synth.SSTFill {
					continue
				}
				x := float64(q)*synth.SSTScale + synth.SSTOffset - 273.15
				r.nAll++
				r.loAll, r.hiA = math.Min(r.loAll, x), math.Max(r.hiA, x)
				if inside {
					r.n++
					r.lo, r.hi = math.Min(r.lo, x), math.Max(r.hi, x)
				}
			}
		}
		refs[d] = r
	}
	if refs[0].n != 519953 || refs[0].nAll != 659769 {
		t.Fatalf("generator: %d ocean cells within 60 degrees of %d, want 519953 of 659769 (issue 13's numbers)", refs[0].n, refs[0].nAll)
	}
	for _, op := range []string{"count", "min", "max", "mean"} {
		for _, weights := range []string{"coslat:60", ""} {
			spec := sstSpec()
			spec.Op, spec.Weights = op, weights
			out := runJob(t, st, spec, nil)
			for d, r := range refs {
				n, lo, hi := r.n, r.lo, r.hi
				if weights == "" {
					n, lo, hi = r.nAll, r.loAll, r.hiA
				}
				if out.Result.Count[d] != n {
					t.Errorf("%s weights %q day %d: count %d, want %d", op, weights, d, out.Result.Count[d], n)
				}
				want := map[string]float64{"count": float64(n), "min": lo, "max": hi}[op]
				if op != "mean" && math.Abs(out.Result.Value[d]-want) > 1e-9 {
					t.Errorf("%s weights %q day %d: %v, want %v", op, weights, d, out.Result.Value[d], want)
				}
			}
			meta, _ := out.Table.Meta["count"].(string)
			if !strings.Contains(meta, "valid values") || (weights != "") != strings.Contains(meta, "non-zero weight") {
				t.Errorf("%s weights %q: meta count %q does not say what it counts", op, weights, meta)
			}
		}
	}
}

// TestHistogramRangeFromDataMatchesNumpy: `hsfan run histogram` without --hist-min/--hist-max
// takes the range from the data in a first pass and gives numpy.histogram(values, bins)'s edges
// and counts (raw values, --no-cf, so that both sides see the same float64 values; the fill
// value is a value then).
func TestHistogramRangeFromDataMatchesNumpy(t *testing.T) {
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import numpy").CombinedOutput(); err != nil {
		if os.Getenv("HSFAN_REQUIRE_PEERS") != "" {
			t.Fatalf("%s cannot import numpy: %v: %s", python, err, out)
		}
		t.Skipf("SKIP: %s cannot import numpy: %v", python, err)
	}
	st := sstStore(t, 2)
	spec := sstSpec()
	spec.Op, spec.Reduce, spec.Weights, spec.Units, spec.NoCF = "histogram", nil, "", "", true
	spec.Select, spec.Bins = "[0:2,300:420,:]", 37
	out := runJob(t, st, spec, nil)
	var vals []int16
	for d := 0; d < 2; d++ {
		for i := 300; i < 420; i++ {
			for j := 0; j < synth.SSTLon; j++ {
				vals = append(vals, synth.SSTPacked(sstDay0+d, i, j))
			}
		}
	}
	in := filepath.Join(t.TempDir(), "v.json")
	b, _ := json.Marshal(vals)
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	script := `import json, sys, numpy as np
h, e = np.histogram(np.array(json.load(open(sys.argv[1])), dtype=np.float64), bins=37)
json.dump({"counts": h.tolist(), "edges": e.tolist()}, sys.stdout)`
	res, err := exec.Command(python, "-c", script, in).Output()
	if err != nil {
		t.Fatal(err)
	}
	var np struct {
		Counts []int64
		Edges  []float64
	}
	if err := json.Unmarshal(res, &np); err != nil {
		t.Fatal(err)
	}
	r := out.Result
	if len(r.Edges) != len(np.Edges) || len(r.Hist) != len(np.Counts) {
		t.Fatalf("%d edges %d bins, numpy %d %d", len(r.Edges), len(r.Hist), len(np.Edges), len(np.Counts))
	}
	for i := range np.Edges {
		if r.Edges[i] != np.Edges[i] {
			t.Errorf("edge %d: %v, numpy %v", i, r.Edges[i], np.Edges[i])
		}
	}
	for i := range np.Counts {
		if r.Hist[i] != np.Counts[i] {
			t.Errorf("bin %d: %d, numpy %d", i, r.Hist[i], np.Counts[i])
		}
	}
	// The two range passes are billed with the run.
	if out.Stats.Tasks != 3*out.Manifest.Plan.Tasks || out.Manifest.Counts.Tasks != out.Stats.Tasks || out.Manifest.Timings.RangeSeconds <= 0 {
		t.Errorf("stats %d tasks for a plan of %d, manifest %d, range seconds %v: want the range passes included",
			out.Stats.Tasks, out.Manifest.Plan.Tasks, out.Manifest.Counts.Tasks, out.Manifest.Timings.RangeSeconds)
	}
	in2 := out.Manifest.Inputs.Params
	if in2["hist_range_from_data"] != true || in2["hist_min"] != np.Edges[0] || in2["hist_max"] != np.Edges[len(np.Edges)-1] {
		t.Errorf("manifest params %v: want the range from the data recorded", in2)
	}
}

// TestPlotKindsAndTitle: the title names the op, dataset, reduced axes, weights, region and
// period; --reduce time makes a map, a histogram over every axis a bar chart, and a result with no
// plot says why in the run's report (issue 13).
func TestPlotKindsAndTitle(t *testing.T) {
	st := sstStore(t, 2)
	ctx := context.Background()
	base := sstSpec()
	h := worker.NewHandler(worker.Config{DefaultStore: base.Store, DefaultBucket: base.Bucket,
		OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }})
	run := func(spec Spec) (*Outcome, string, []string) {
		t.Helper()
		p, err := Prepare(ctx, st, spec)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		var rep strings.Builder
		out, err := p.Run(ctx, Options{Invoker: &inproc.Invoker{Handler: h}, Sink: output.DirSink{Dir: dir}, Report: &rep})
		if err != nil {
			t.Fatal(err)
		}
		ents, _ := os.ReadDir(dir)
		var files []string
		for _, e := range ents {
			files = append(files, e.Name())
		}
		return out, rep.String(), files
	}
	for _, tc := range []struct {
		name      string
		edit      func(*Spec)
		kind      string
		title     []string
		noPlot    string
		wantFiles int
	}{
		{"daily mean", func(s *Spec) {}, output.PlotLine,
			[]string{"mean of /analysed_sst over lat, lon\n", "cos(lat)-weighted, |lat| <= 60°", "2022-12-01 to 2022-12-02"}, "", 5},
		{"map", func(s *Spec) { s.Reduce, s.Select = []string{"time"}, "[:,300:340,0:80]" },
			output.PlotMap, []string{"mean of /analysed_sst over time\n", "lat -14.875 to -5.125; lon -179.875 to -160.125", "2022-12-01 to 2022-12-02"}, "", 5},
		{"histogram", func(s *Spec) {
			s.Op, s.Reduce, s.Select, s.Bins = "histogram", nil, "[0,300:340,:]", 20
		}, output.PlotHistogram, []string{"histogram of /analysed_sst over time, lat, lon\n", "2022-12-01"}, "", 5},
		{"histogram per day", func(s *Spec) { s.Op, s.Bins = "histogram", 20 }, "", nil, "a histogram per cell of the kept axes time", 3},
		{"one value", func(s *Spec) { s.Reduce = nil }, "", nil, "the result is a single value", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := sstSpec()
			spec.Plot = true
			tc.edit(&spec)
			out, rep, files := run(spec)
			if got, _ := out.Table.Meta[output.MetaPlotKind].(string); got != tc.kind {
				t.Errorf("plot kind %q, want %q", got, tc.kind)
			}
			title, _ := out.Table.Meta[output.MetaTitle].(string)
			for _, w := range tc.title {
				if !strings.Contains(title, w) {
					t.Errorf("title %q lacks %q", title, w)
				}
			}
			if tc.noPlot != "" && !strings.Contains(rep, "plot: none: "+tc.noPlot) {
				t.Errorf("report does not say why there is no plot (%q):\n%s", tc.noPlot, rep)
			}
			if len(files) != tc.wantFiles {
				t.Errorf("files %v, want %d", files, tc.wantFiles)
			}
		})
	}
}
