package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/internal/bench"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// benchJSON reads the cases of a bench.json by name.
func benchJSON(t *testing.T, dir string) map[string]bench.CaseReport {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "bench.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r bench.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("bench.json: %v", err)
	}
	m := map[string]bench.CaseReport{}
	for _, c := range r.Cases {
		m[c.Name] = c
	}
	f, err := os.Open(filepath.Join(dir, "bench.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("bench.png: %v", err)
	}
	return m
}

// system returns the named system of a case report.
func system(t *testing.T, c bench.CaseReport, name string) bench.SystemReport {
	t.Helper()
	for _, s := range c.Systems {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("case %s has no system %s: %+v", c.Name, name, c.Systems)
	return bench.SystemReport{}
}

// TestBenchQuick runs every case end to end at --quick sizes through the hsfan command (this
// test binary as hsfan, HSFAN_TEST_AS_CLI=1): hsfan, xarray and the real HSDS side by side,
// the table, bench.json and bench.png; hsfan mapreduce against its floor, and then an hsfan that
// leaves a group out of its answer, which must fail the mapreduce case (exit code 1). Then it
// changes one row of one cached netCDF granule on
// purpose: the second run must reuse the cache (else the change would be undone), and hsfan
// (reading its own store) must now disagree with xarray, failing the sst case with exit code 1.
// The HSDS peer is
// required with HSFAN_REQUIRE_PEERS=1, xarray and netCDF4 with it or HSFAN_REQUIRE_NOTEBOOKS=1.
func TestBenchQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP: the benchmark end to end starts HSDS twice and Python (not with -short)")
	}
	requirePeers := os.Getenv(hsdspeer.EnvRequire) == "1"
	requirePython := requirePeers || os.Getenv("HSFAN_REQUIRE_NOTEBOOKS") != ""
	t.Setenv("HSFAN_TEST_AS_CLI", "1") // the hsfan subprocesses are this binary
	data, out := t.TempDir(), t.TempDir()
	args := []string{"bench", "all", "--quick", "--data-dir", data, "--out", out}
	peers, perr := hsdspeer.Dir()
	if perr == nil {
		args = append(args, "--peers", peers)
	} else if requirePeers {
		t.Fatalf("HSDS peer required (%s=1): %v", hsdspeer.EnvRequire, perr)
	}
	var stdout, stderr bytes.Buffer
	code := mainCode(context.Background(), args, &stdout, &stderr)
	t.Logf("hsfan %s\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	cases := benchJSON(t, out)
	if c := cases["fanout"]; c.Status != bench.StatusOK || len(c.Systems) != 3 {
		t.Errorf("fanout: %+v", c)
	}
	mr := cases["mapreduce"]
	if mr.Status != bench.StatusOK || mr.Reference != "plain scan" {
		t.Errorf("mapreduce: %+v", mr)
	}
	if s := system(t, mr, "hsfan"); s.Agrees == nil || !*s.Agrees || len(s.Parts) != 1 || s.Parts[0].MBPerS <= 0 || s.Parts[0].RatioVsRef <= 0 ||
		s.Figures["groups"] < 1000 || s.Figures["max_rss_mb"] <= 0 {
		t.Errorf("mapreduce hsfan: %+v", s)
	}
	if s := system(t, mr, "corral"); s.Status != bench.StatusMissing || !strings.Contains(s.Error, "cannot be installed") {
		t.Errorf("mapreduce corral: %+v", s)
	}
	if !strings.Contains(stdout.String(), "mapreduce: hsfan peak RSS") {
		t.Errorf("the table does not report hsfan mapreduce's peak RSS")
	}
	benchMapreduceDisagreement(t, data)
	hs := cases["hyperslab"]
	switch {
	case hs.Status == bench.StatusOK:
		if s := system(t, hs, "hsfan serve"); s.Agrees == nil || !*s.Agrees || len(s.Parts) != 5 {
			t.Errorf("hyperslab hsfan serve: %+v", s)
		}
	case hs.Status == bench.StatusMissing && !requirePeers:
		t.Logf("SKIP part: hyperslab reported missing: %s", hs.Error)
	default:
		t.Errorf("hyperslab: %+v", hs)
	}
	sst := cases["sst"]
	x := system(t, sst, "xarray")
	if x.Status == bench.StatusMissing {
		if requirePython {
			t.Fatalf("xarray required: %s", x.Error)
		}
		t.Skipf("SKIP: xarray missing here (%s): the disagreement check needs it", x.Error)
	}
	if sst.Status != bench.StatusOK || sst.Reference != "xarray" {
		t.Fatalf("sst: %+v", sst)
	}
	agreeing := []string{"hsfan", "hsfan-index"}
	if hs.Status == bench.StatusOK {
		agreeing = append(agreeing, "hsfan HSDS-written") // the SST year written by the real HSDS
	}
	for _, name := range agreeing {
		if s := system(t, sst, name); s.Agrees == nil || !*s.Agrees || s.Parts[0].Seconds <= 0 || s.Parts[0].MBPerS <= 0 || s.Parts[0].RatioVsRef <= 0 {
			t.Errorf("sst %s: %+v", name, s)
		}
	}

	// One row of day 0 raised by 1 K in the cached granule that xarray and hsfan-index read.
	granule := filepath.Join(data, "sst-3d", "hsfan", "granules", "day0000.nc")
	py := "import netCDF4, sys\nwith netCDF4.Dataset(sys.argv[1], 'a') as d:\n    v = d['analysed_sst']\n    v.set_auto_maskandscale(False)\n    r = v[0, 400, :]\n    r[r != -32768] += 1000\n    v[0, 400, :] = r\n"
	if b, err := exec.Command("/usr/bin/python3", "-c", py, granule).CombinedOutput(); err != nil {
		t.Fatalf("change the granule: %v: %s", err, b)
	}
	stdout.Reset()
	stderr.Reset()
	args = []string{"bench", "sst", "--quick", "--data-dir", data, "--out", out}
	if perr == nil {
		args = append(args, "--peers", peers) // the same cache key as the first run
	}
	code = mainCode(context.Background(), args, &stdout, &stderr)
	t.Logf("hsfan %s\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
	if code != 1 || !strings.Contains(stderr.String(), "failed cases: sst") {
		t.Fatalf("exit %d, want 1 and the sst case named", code)
	}
	if !strings.Contains(stdout.String(), "answers disagree with xarray: hsfan") {
		t.Errorf("the table does not say which answers disagree")
	}
	sst = benchJSON(t, out)["sst"]
	if s := system(t, sst, "hsfan"); sst.Status != bench.StatusFailed || s.Agrees == nil || *s.Agrees {
		t.Errorf("sst after the change: %+v", sst)
	}
	// hsfan-index's references point into the granule as it was: rewriting the chunk moved or
	// resized it, so the index is stale, which must fail loudly (a corrupt chunk, or a
	// disagreement), never pass.
	if s := system(t, sst, "hsfan-index"); s.Status != bench.StatusFailed {
		t.Errorf("hsfan-index over a granule changed after indexing: %+v", s)
	}
}

// benchMapreduceDisagreement runs the mapreduce case on the cached data of data with an hsfan
// that leaves one group out of its bdb-q2.tsv (a wrapper script around this binary): the case
// must fail with exit code 1, naming the missing group.
func benchMapreduceDisagreement(t *testing.T, data string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	wrapper := filepath.Join(t.TempDir(), "hsfan-drops-a-group")
	script := fmt.Sprintf(`#!/bin/sh
%q "$@" || exit $?
[ "$1" = mapreduce ] || exit 0
prev=; out=
for a; do [ "$prev" = --out ] && out=$a; prev=$a; done
sed -i 3d "$out/bdb-q2.tsv"
`, exe)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	args := []string{"bench", "mapreduce", "--quick", "--data-dir", data, "--out", out, "--hsfan-bin", wrapper}
	var stdout, stderr bytes.Buffer
	code := mainCode(context.Background(), args, &stdout, &stderr)
	t.Logf("hsfan %s\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
	if code != 1 || !strings.Contains(stderr.String(), "failed cases: mapreduce") {
		t.Fatalf("exit %d, want 1 and the mapreduce case named", code)
	}
	if !strings.Contains(stdout.String(), "answers disagree with plain scan: hsfan") {
		t.Errorf("the table does not say which answers disagree")
	}
	mr := benchJSON(t, out)["mapreduce"]
	if s := system(t, mr, "hsfan"); mr.Status != bench.StatusFailed || s.Agrees == nil || *s.Agrees || !strings.Contains(s.Error, "1 groups missing") {
		t.Errorf("mapreduce with a group left out: %+v", mr)
	}
	if mr.PrepareS > 5 {
		t.Errorf("prepare took %.1f s: the cached uservisits were not reused", mr.PrepareS)
	}
}

// notBuiltCase is a case whose code is not in this binary.
type notBuiltCase struct{}

func (notBuiltCase) Name() string            { return "notbuilt" }
func (notBuiltCase) About(*bench.Env) string { return "a case not built in this binary" }
func (notBuiltCase) Prepare(context.Context, *bench.Env) error {
	return fmt.Errorf("notbuilt: %w", bench.ErrNotBuilt)
}
func (notBuiltCase) Systems(*bench.Env) []bench.System { return nil }
func (notBuiltCase) Agree(any, any) error              { return bench.ErrNotBuilt }

// TestBenchArgs: an unknown case is a usage error naming the cases; asking for a case that is
// not built by name fails saying so (with all, it is only reported).
func TestBenchArgs(t *testing.T) {
	code, _, stderr := run(t, "bench", "nope")
	if code != 2 || !strings.Contains(stderr, `unknown case "nope": want sst, hyperslab, fanout, mapreduce or all`) {
		t.Errorf("unknown case: exit %d, %s", code, stderr)
	}
	saved := benchCases
	benchCases = func() []bench.Case { return []bench.Case{notBuiltCase{}} }
	defer func() { benchCases = saved }()
	dir := t.TempDir()
	code, stdout, stderr := run(t, "bench", "notbuilt", "--data-dir", dir, "--out", dir)
	if code != 1 || !strings.Contains(stderr, "notbuilt (not built in this binary)") || !strings.Contains(stdout, "not built") {
		t.Errorf("notbuilt by name: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, "bench", "all", "--data-dir", dir, "--out", dir)
	if code != 0 || !strings.Contains(stdout, "not built") {
		t.Errorf("notbuilt in all: exit %d\n%s%s", code, stdout, stderr)
	}
}
