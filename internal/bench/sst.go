package bench

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hsfan/hsfan/internal/synth"
)

//go:embed sst_granules.py
var sstGranulesPy []byte

//go:embed sst_xarray.py
var sstXarrayPy []byte

// sstTolerance is the largest |hsfan - xarray| of a daily mean allowed, in degC (the issue's).
const sstTolerance = 1e-6

// sstCase is the SST year (DAYS x 720 x 1440 int16, CF-packed, `hsfan gen sst`), its daily
// area-weighted global mean in degC (what `make run` computes: hsfan run mean --reduce lat,lon
// --weights coslat:60 --units C), against PO.DAAC's xarray method over the same values as
// netCDF-4 granules, one file a day.
//
// The data: hsfan reads the domain `hsfan gen sst` writes (its chunk store, the path `make run`
// times) and, where the real HSDS runs here, the same domain copied through HSDS's REST API (the
// chunks as HSDS writes them: blosc-zlib frames, typesize 1; sst_hsds.go); the granules are
// written once from the int16 values (`hsfan get --format bin` piped into sst_granules.py), so
// every system reduces the same numbers, and hsfan also indexes the granules (`hsfan index
// --concat time`) and reduces them: that row reads the very bytes xarray reads. Generating
// netCDF granules and indexing them (rather than only indexing granules made by a MUR-like
// generator) keeps hsfan's own store format, the one the speed goals are about, in the case.
type sstCase struct{}

const (
	sstDomain        = "/bench/sst.h5"
	sstGranuleDomain = "/bench/granules.h5"
	sstBucket        = "hsfan"
)

func (sstCase) Name() string { return "sst" }

func sstDays(env *Env) int {
	if env.Quick {
		return 3
	}
	return 365
}

func (sstCase) About(env *Env) string {
	return fmt.Sprintf("SST year %d x %d x %d int16 CF-packed (hsfan gen sst): daily area-weighted global mean (coslat:60, degC); MB/s of int16 values", sstDays(env), synth.SSTLat, synth.SSTLon)
}

func sstDir(env *Env) string { return filepath.Join(env.DataDir, fmt.Sprintf("sst-%dd", sstDays(env))) }

func (c sstCase) Prepare(ctx context.Context, env *Env) error {
	days := sstDays(env)
	// Without numpy/netCDF4 the granules cannot be written: the hsfan data is still made, under
	// another key, so that a later run with them installed makes the granules.
	missing := env.pythonMissing(ctx, "numpy", "netCDF4")
	noHSDS := hsdsMissing(ctx, env)
	key := fmt.Sprintf("sst days=%d start=2022-01-01 granules=%t (netCDF-4 zlib4+shuffle, index concat time) hsds-written=%t v2", days, missing == "", noHSDS == "")
	_, err := cached(ctx, env, filepath.Base(sstDir(env)), key, func(ctx context.Context, tmp string) error {
		st := []string{"--store", "file://" + tmp, "--bucket", sstBucket}
		if _, _, err := env.hsfan(ctx, append([]string{"gen", "sst", "--domain", sstDomain, "--days", strconv.Itoa(days), "--start", "2022-01-01"}, st...)...); err != nil {
			return err
		}
		if noHSDS == "" {
			if err := writeSSTViaHSDS(ctx, env, tmp); err != nil {
				return err
			}
		}
		if missing != "" {
			return nil
		}
		return writeGranules(ctx, env, tmp, days, st)
	})
	return err
}

// writeGranules writes the granules of the domain under tmp (store file://tmp) and indexes them.
func writeGranules(ctx context.Context, env *Env, tmp string, days int, st []string) error {
	gdir := filepath.Join(tmp, sstBucket, "granules")
	for _, v := range []string{"lat", "lon", "time"} {
		if _, _, err := env.hsfan(ctx, append([]string{"get", "--domain", sstDomain, "--dataset", "/" + v, "--format", "bin", "-o", filepath.Join(tmp, v+".bin")}, st...)...); err != nil {
			return err
		}
	}
	script := filepath.Join(tmp, "sst_granules.py")
	if err := os.WriteFile(script, sstGranulesPy, 0o644); err != nil {
		return fmt.Errorf("granule script: %w", err)
	}
	get := env.command(ctx, env.HsfanBin, append([]string{"get", "--domain", sstDomain, "--dataset", "/analysed_sst", "--format", "bin"}, st...)...)
	py := env.command(ctx, env.Python, script, gdir, strconv.Itoa(days), strconv.Itoa(synth.SSTLat), strconv.Itoa(synth.SSTLon),
		filepath.Join(tmp, "lat.bin"), filepath.Join(tmp, "lon.bin"), filepath.Join(tmp, "time.bin"))
	pipe, err := get.StdoutPipe()
	if err != nil {
		return fmt.Errorf("granules: %w", err)
	}
	py.Stdin = pipe
	var gerr, perr bytes.Buffer
	get.Stderr, py.Stderr = &gerr, &perr
	if err := get.Start(); err != nil {
		return fmt.Errorf("granules: start hsfan get: %w", err)
	}
	if err := py.Start(); err != nil {
		_ = get.Process.Kill()
		_ = get.Wait()
		return fmt.Errorf("granules: start %s: %w", env.Python, err)
	}
	err1, err2 := py.Wait(), get.Wait()
	if err1 != nil {
		return fmt.Errorf("granules: sst_granules.py: %w: %s", err1, tail(perr.Bytes(), 1500))
	}
	if err2 != nil {
		return fmt.Errorf("granules: hsfan get /analysed_sst: %w: %s", err2, tail(gerr.Bytes(), 1500))
	}
	files, err := filepath.Glob(filepath.Join(gdir, "*.nc"))
	if err != nil || len(files) != days {
		return fmt.Errorf("granules: %d files in %s, want %d (%v)", len(files), gdir, days, err)
	}
	_, _, err = env.hsfan(ctx, append(append([]string{"index"}, files...), append([]string{"--concat", "time", "--domain", sstGranuleDomain}, st...)...)...)
	return err
}

// sstAnswer is a daily series: dates (YYYY-MM-DD) and means in degC.
type sstAnswer struct {
	Dates []string
	Means []float64
}

func (c sstCase) Systems(env *Env) []System {
	dir := sstDir(env)
	days := sstDays(env)
	bytes := int64(days) * synth.SSTLat * synth.SSTLon * 2
	run := func(name, root, bucket, domain string) func(ctx context.Context) (Outcome, error) {
		return func(ctx context.Context) (Outcome, error) {
			out := filepath.Join(env.OutDir, "sst", name)
			args := []string{"run", "mean", "--store", "file://" + root, "--bucket", bucket, "--domain", domain,
				"--dataset", "/analysed_sst", "--reduce", "lat,lon", "--weights", "coslat:60", "--units", "C", "--name", "sst_mean", "--out", out}
			_, s, err := env.hsfan(ctx, args...)
			if err != nil {
				return Outcome{}, err
			}
			a, err := readHsfanSeries(filepath.Join(out, "sst_mean.json"))
			if err != nil {
				return Outcome{}, err
			}
			return Outcome{Parts: []Part{{Name: "daily mean", Seconds: s, Bytes: bytes}}, Answer: a,
				Notes: []string{"whole process: hsfan " + strings.Join(args, " ")}}, nil
		}
	}
	systems := []System{
		{Name: "hsfan", Role: RoleHsfan, Run: run("hsfan", dir, sstBucket, sstDomain)},
		{Name: "hsfan HSDS-written", Role: RoleHsfan, Run: run("hsfan-hsds-written", filepath.Join(dir, sstHSDSDir), hsdsBucket, sstHSDSDomain)},
		{Name: "hsfan-index", Role: RoleHsfan, Run: run("hsfan-index", dir, sstBucket, sstGranuleDomain)},
		{Name: "xarray", Role: RolePeer, Run: func(ctx context.Context) (Outcome, error) { return runXarray(ctx, env, dir, bytes, "pool") }},
		{Name: "xarray-dask", Role: RolePeer, Run: func(ctx context.Context) (Outcome, error) { return runXarray(ctx, env, dir, bytes, "dask") }},
	}
	if m := hsdsMissing(context.Background(), env); m != "" {
		systems[1].Missing = "needs the real HSDS to write the data: " + m
	}
	if m := env.pythonMissing(context.Background(), "numpy", "xarray", "netCDF4"); m != "" {
		systems[2].Missing = "needs the netCDF-4 granules, which need " + m
		systems[3].Missing = m
		systems[4].Missing = m
	} else if m := env.pythonMissing(context.Background(), "dask"); m != "" {
		systems[4].Missing = m
	}
	return systems
}

// runXarray runs sst_xarray.py in mode pool or dask and times the whole process from its start
// to the line that says the tutorial's means are known.
func runXarray(ctx context.Context, env *Env, dir string, nbytes int64, mode string) (Outcome, error) {
	script := filepath.Join(env.OutDir, "sst", "sst_xarray.py")
	if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
		return Outcome{}, fmt.Errorf("xarray: %w", err)
	}
	if err := os.WriteFile(script, sstXarrayPy, 0o644); err != nil {
		return Outcome{}, fmt.Errorf("xarray: %w", err)
	}
	cmd := env.command(ctx, env.Python, script, filepath.Join(dir, sstBucket, "granules"), strconv.Itoa(env.Procs), mode)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return Outcome{}, fmt.Errorf("xarray: %w", err)
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return Outcome{}, fmt.Errorf("xarray: %w", err)
	}
	var seconds float64
	var last []byte
	sc := bufio.NewScanner(pipe)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if bytes.HasPrefix(sc.Bytes(), []byte("TIMED ")) {
			seconds = time.Since(t0).Seconds()
			continue
		}
		last = append(last[:0], sc.Bytes()...)
	}
	_, _ = io.Copy(io.Discard, pipe)
	if err := cmd.Wait(); err != nil {
		return Outcome{}, fmt.Errorf("xarray: %s: %w: %s", script, err, tail(errb.Bytes(), 1500))
	}
	var x struct {
		Time    []string  `json:"time"`
		Mean    []float64 `json:"mean"`
		MeanF64 []float64 `json:"mean_f64"`
	}
	if err := json.Unmarshal(last, &x); err != nil || seconds == 0 {
		return Outcome{}, fmt.Errorf("xarray: no answer (%v): %s", err, tail(last, 300))
	}
	if len(x.Time) != len(x.Mean) || len(x.Mean) != len(x.MeanF64) {
		return Outcome{}, fmt.Errorf("xarray: %d dates, %d means, %d float64 means", len(x.Time), len(x.Mean), len(x.MeanF64))
	}
	tut := 0.0
	for i := range x.Mean {
		tut = math.Max(tut, math.Abs(x.Mean[i]-x.MeanF64[i]))
	}
	return Outcome{
		Parts:   []Part{{Name: "daily mean", Seconds: seconds, Bytes: nbytes}},
		Answer:  sstAnswer{Dates: x.Time, Means: x.MeanF64},
		Figures: map[string]float64{"max_abs_tutorial_vs_float64_degC": tut},
		Notes: []string{fmt.Sprintf("whole process (python start to the tutorial's means): %s %s DIR %d %s", env.Python, filepath.Base(script), env.Procs, mode),
			xarrayHow[mode],
			"compared: the same xarray weighted mean of the values decoded in float64 (the tutorial's own decode gives float32-rounded means, max_abs_tutorial_vs_float64_degC)"},
	}, nil
}

var xarrayHow = map[string]string{
	"pool": "PO.DAAC's per-granule method (sst.py, one Lambda per granule) run locally: a multiprocessing Pool over the daily granules",
	"dask": "xr.open_mfdataset over every granule (a dask chunk per day), the same weighted mean computed by dask's multiprocessing scheduler",
}

// readHsfanSeries reads the time and mean columns of an hsfan run's JSON output.
func readHsfanSeries(path string) (sstAnswer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return sstAnswer{}, fmt.Errorf("hsfan output: %w", err)
	}
	var h struct {
		Columns struct {
			Time []string   `json:"time"`
			Mean []*float64 `json:"mean"`
		} `json:"columns"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return sstAnswer{}, fmt.Errorf("hsfan output %s: %w", path, err)
	}
	a := sstAnswer{}
	for i, t := range h.Columns.Time {
		a.Dates = append(a.Dates, t[:min(10, len(t))])
		if i >= len(h.Columns.Mean) {
			break
		}
		m := math.NaN()
		if p := h.Columns.Mean[i]; p != nil {
			m = *p
		}
		a.Means = append(a.Means, m)
	}
	if len(a.Dates) == 0 || len(a.Dates) != len(h.Columns.Mean) {
		return sstAnswer{}, fmt.Errorf("hsfan output %s: %d times, %d means", path, len(h.Columns.Time), len(h.Columns.Mean))
	}
	return a, nil
}

func (sstCase) Agree(ref, got any) error {
	r, ok1 := ref.(sstAnswer)
	g, ok2 := got.(sstAnswer)
	if !ok1 || !ok2 {
		return fmt.Errorf("answers of types %T and %T", ref, got)
	}
	if len(r.Means) != len(g.Means) {
		return fmt.Errorf("%d days, want %d", len(g.Means), len(r.Means))
	}
	var bad []string
	worst := 0.0
	for i := range r.Means {
		if r.Dates[i] != g.Dates[i] {
			return fmt.Errorf("day %d is %s, want %s", i, g.Dates[i], r.Dates[i])
		}
		d := math.Abs(r.Means[i] - g.Means[i])
		if math.IsNaN(d) && !(math.IsNaN(r.Means[i]) && math.IsNaN(g.Means[i])) || d > sstTolerance {
			worst = math.Max(worst, d)
			if len(bad) < 3 {
				bad = append(bad, fmt.Sprintf("%s: %.9f vs %.9f", r.Dates[i], g.Means[i], r.Means[i]))
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("daily means differ by more than %g degC (worst %.3g, or NaN): %s", sstTolerance, worst, strings.Join(bad, "; "))
	}
	return nil
}
