package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestIndexHelpAndUsage: hsfan index -h lists every flag in a group; bad command lines are usage
// errors (exit 2) naming the problem, before anything is read or written.
func TestIndexHelpAndUsage(t *testing.T) {
	code, out, _, fs := captureFlags(t, "index", "-h")
	if code != 0 {
		t.Fatalf("index -h: exit %d", code)
	}
	for _, name := range []string{"domain", "concat", "append", "store", "bucket", "overwrite"} {
		if fs.Lookup(name) == nil || !strings.Contains(out, "--"+name) {
			t.Errorf("index -h does not list --%s", name)
		}
	}
	if _, other, _ := strings.Cut(out, "Other flags:"); strings.Count(strings.Split(other, "Examples:")[0], "--") > 1 {
		t.Errorf("index -h has flags outside the help groups (beyond the shared --store-follow-symlinks):\n%s", other)
	}
	dir := t.TempDir()
	st := []string{"--store", "file://" + dir, "--bucket", "hsfan"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"index", "--domain", "/d.h5"}, "at least one FILE"},
		{[]string{"index", "a.nc", "b.nc", "--domain", "/d.h5"}, "--concat"},
		{[]string{"index", "a.nc"}, "--domain is required"},
		{[]string{"index", "a.nc", "--domain", "/d.h5", "--append"}, "--append needs --concat"},
		{[]string{"index", "/elsewhere/a.nc", "--domain", "/d.h5"}, "not inside the store directory"},
		{[]string{"index", "s3://b/a.nc", "--domain", "/d.h5"}, "needs an S3 store"},
	} {
		code, _, errs := run(t, append(tc.args, st...)...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 naming %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestIndexThenRunMean: hsfan index --concat time over MUR-like daily granules made by
// netCDF4-python, one more day added with --append, then hsfan run mean --reduce lat,lon --units
// C gives, day by day, the mean PO.DAAC's xarray method gives (float64: 1e-9; xarray's float32:
// 1e-6 degC).
func TestIndexThenRunMean(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3 (-short)")
	}
	dir := t.TempDir()
	gran := filepath.Join(dir, "hsfan", "granules")
	if out, err := exec.Command("/usr/bin/python3", "../../internal/h5index/testdata/mur.py", gran, "90", "180", "45", "90", "0", "1", "2").CombinedOutput(); err != nil {
		t.Skipf("mur.py (python3 with netCDF4, xarray): %v: %s", err, out)
	}
	st := []string{"--store", "file://" + dir, "--bucket", "hsfan", "--domain", "/mur/days.h5"}
	files := []string{filepath.Join(gran, "day000.nc"), filepath.Join(gran, "day001.nc")}
	code, out, errs := run(t, append(append([]string{"index", "--concat", "time"}, files...), st...)...)
	if code != 0 || !strings.Contains(out, "indexed 2 file(s)") {
		t.Fatalf("index: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = run(t, append([]string{"index", "--concat", "time", "--append", filepath.Join(gran, "day002.nc")}, st...)...)
	if code != 0 {
		t.Fatalf("index --append: exit %d\n%s\n%s", code, out, errs)
	}
	res := filepath.Join(dir, "out")
	code, out, errs = run(t, append([]string{"run", "mean", "--dataset", "/analysed_sst", "--reduce", "lat,lon", "--units", "C", "--out", res, "--no-plot"}, st...)...)
	if code != 0 {
		t.Fatalf("run mean: exit %d\n%s\n%s", code, out, errs)
	}
	b, err := os.ReadFile(filepath.Join(res, "analysed_sst_mean.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Columns struct {
			Time []string  `json:"time"`
			Mean []float64 `json:"mean"`
		} `json:"columns"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Columns.Mean) != 3 || got.Columns.Time[0] != "2021-12-01" || got.Columns.Time[2] != "2021-12-03" {
		t.Fatalf("result %s", b)
	}
	for d := 0; d < 3; d++ {
		jb, err := os.ReadFile(filepath.Join(gran, fmt.Sprintf("day%03d.nc.json", d)))
		if err != nil {
			t.Fatal(err)
		}
		var want struct {
			X   float64 `json:"mean_degC"`
			F64 float64 `json:"mean_degC_f64"`
		}
		if err := json.Unmarshal(jb, &want); err != nil {
			t.Fatal(err)
		}
		if m := got.Columns.Mean[d]; math.Abs(m-want.F64) > 1e-9 || math.Abs(m-want.X) > 1e-6 {
			t.Errorf("day %d: hsfan %.9f, numpy float64 %.9f, xarray %.9f", d, m, want.F64, want.X)
		}
	}
}
