package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hsfan/hsfan/internal/bench"
)

const benchUsage = `Usage: hsfan bench [sst|hyperslab|fanout|mapreduce|all]... [--data-dir DIR] [--out DIR] [--quick]

Runs the benchmarks users compare hsfan by, each side by side with its peer in one run, on the same
data, and checks that the answers agree:
  sst        the SST year (365 x 720 x 1440 int16, CF-packed, 'hsfan gen sst'): the daily
             area-weighted global mean of 'make run' (hsfan run, whole process) against PO.DAAC's
             xarray method over the same int16 values as netCDF-4 granules, one a day, in a pool
             of --procs processes (the reference), and xarray's open_mfdataset with dask on
             --procs processes; hsfan also on the same year written by the real HSDS (blosc-zlib
             chunks, when --peers is there) and on the granules themselves ('hsfan index', the
             very bytes xarray reads). The 365 means must agree to 1e-6 degC.
  hyperslab  'hsfan serve' against the real HSDS 0.9.4 (--peers) on the same POSIX store: the
             column [:,80,81] of a 10000 x 160 x 160 cube HSDS wrote in (25,160,160) chunks,
             float32 and int16 shuffle+gzip, cold (servers freshly started) and warm (best of 3, 0.5 s apart),
             and 1,000 small JSON GETs; hsfan with its default chunk cache, HSDS's
             4 x 128 MiB. The bytes must be equal (and the values written).
  fanout     the fan-out engine's per-task overhead at 100,000 no-op tasks, in process, alone and
             through the in-process transport (goal <= 20 us per task), against a plain
             goroutine pool (the reference).
  mapreduce  AMPLab BDB Q2 (SUM(adRevenue) GROUP BY SUBSTR(sourceIP, 1, 8)) on 8 x 1M uservisits
             rows (930 MB of CSV, 'hsfan gen uservisits --rows 8000000 --parts 8'): 'hsfan
             mapreduce bdb-q2 --concurrency 2' (whole process; its peak RSS is reported) against
             a plain 2-goroutine scan-and-hash in process (the reference). The grouped sums,
             exact in 1e-8 units, must be equal. corral is reported missing (not installed).
The default is all.

Data is made once into --data-dir and reused while complete (a directory is trusted only with
its completion marker, written last). The table (case, part, system, seconds, MB/s, the
reference system's seconds over the row's, status) goes to stdout, bench.json and bench.png
(seconds per case) to --out. On a busy machine, --repeat N runs the systems N times,
interleaved, and keeps each part's best time. A peer that is not installed here is reported as
missing in the table and the JSON. The exit code is 1 when a case failed: an error, or answers
that disagree (a case asked for by name that is not built fails too).

--peers is the folder with hsds-peer.sh (default $HSFAN_PEERS, else shared/peers in the working
directory or one of its parents).
`

const benchExamples = `  # everything, full size (about 10 minutes the first time: the data; then a few minutes)
  hsfan bench all --data-dir data/bench --out out/bench

  # the SST year only, xarray on 2 processes
  hsfan bench sst --procs 2

  # small sizes, seconds (what the test in make test runs)
  hsfan bench --quick --data-dir /tmp/bench-data --out /tmp/bench-out
`

var benchGroups = []flagGroup{
	{"Data and outputs", []string{"data-dir", "out", "quick", "repeat"}},
	{"Programs", []string{"peers", "python", "procs", "hsfan-bin", "v"}},
}

// benchCases is the case table (a variable so that tests can swap a case).
var benchCases = bench.Cases

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "data/bench", "directory of the cached data (made once, reused while complete)")
	out := fs.String("out", "out/bench", "directory of bench.json, bench.png and each case's outputs")
	quick := fs.Bool("quick", false, "small sizes (3 days of SST, a 200-row cube, 10,000 tasks, 8 x 20,000 uservisits rows): seconds, for tests")
	peers := fs.String("peers", "", "folder with hsds-peer.sh, the real HSDS 0.9.4 (default $HSFAN_PEERS, else shared/peers in the working directory or a parent)")
	python := fs.String("python", "/usr/bin/python3", "the Python of the xarray and HSDS peers (Debian's python3-xarray, python3-netcdf4)")
	var procs int
	intVar(fs, &procs, "procs", 2, 1, 256, "processes of the Python peers (xarray's pool, dask's workers)")
	var repeat int
	intVar(fs, &repeat, "repeat", 1, 1, 100, "rounds per system, interleaved (hsfan, peer, hsfan, ...); each part keeps its best time")
	bin := fs.String("hsfan-bin", "", "the hsfan executable timed as a subprocess (default this one)")
	verbose := fs.Bool("v", false, "log progress to stderr")
	pos, err := parseCommand(fs, args, helpDoc{benchUsage, benchGroups, benchExamples}, stdout)
	if err != nil {
		return err
	}
	all := benchCases()
	names := bench.Names(all)
	var selected []bench.Case
	explicit := map[string]bool{}
	if len(pos) == 0 {
		pos = []string{"all"}
	}
	for _, p := range pos {
		if p == "all" {
			for _, c := range all {
				if !slices.ContainsFunc(selected, func(s bench.Case) bool { return s.Name() == c.Name() }) {
					selected = append(selected, c)
				}
			}
			continue
		}
		i := slices.Index(names, p)
		if i < 0 {
			return usagef("unknown case %q: want %s or all", p, strings.Join(names, ", "))
		}
		explicit[p] = true
		if !slices.ContainsFunc(selected, func(s bench.Case) bool { return s.Name() == p }) {
			selected = append(selected, all[i])
		}
	}
	if *bin == "" {
		if *bin, err = os.Executable(); err != nil {
			return fmt.Errorf("bench: find the hsfan executable (give --hsfan-bin): %w", err)
		}
	}
	env := &bench.Env{Quick: *quick, HsfanBin: *bin, Python: *python, Procs: procs, Repeat: repeat, Log: slog.New(slog.DiscardHandler)}
	if *verbose {
		env.Log = slog.New(slog.NewTextHandler(stderr, nil))
	}
	if env.DataDir, err = filepath.Abs(*dataDir); err != nil {
		return fmt.Errorf("bench: --data-dir: %w", err)
	}
	if env.OutDir, err = filepath.Abs(*out); err != nil {
		return fmt.Errorf("bench: --out: %w", err)
	}
	env.PeersDir, env.PeersMissing = findPeers(*peers)
	rep, err := bench.Run(ctx, env, selected)
	if rep != nil {
		rep.Command = append([]string{"hsfan", "bench"}, args...)
		if terr := rep.WriteTable(stdout); terr != nil && err == nil {
			err = terr
		}
		if ferr := rep.WriteFiles(env.OutDir); ferr != nil && err == nil {
			err = ferr
		}
		if err == nil {
			fmt.Fprintf(stdout, "wrote %s and %s\n", rep.JSONPath, rep.PNGPath)
		}
	}
	if err != nil {
		return err
	}
	failed := rep.Failed()
	for _, c := range rep.Cases {
		if c.Status == bench.StatusNotBuilt && explicit[c.Name] {
			failed = append(failed, c.Name+" (not built in this binary)")
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("failed cases: %s (see the table and %s)", strings.Join(failed, ", "), rep.JSONPath)
	}
	return nil
}

// findPeers returns the peers folder (flag, else $HSFAN_PEERS, else shared/peers in the working
// directory or a parent), or "" and where it was looked for.
func findPeers(flagDir string) (string, string) {
	has := func(d string) bool {
		_, err := os.Stat(filepath.Join(d, "hsds-peer.sh"))
		return err == nil
	}
	for _, d := range []struct{ dir, from string }{{flagDir, "--peers"}, {os.Getenv("HSFAN_PEERS"), "HSFAN_PEERS"}} {
		if d.dir == "" {
			continue
		}
		if has(d.dir) {
			return d.dir, ""
		}
		return "", fmt.Sprintf("%s=%s holds no hsds-peer.sh", d.from, d.dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Sprintf("no --peers and no working directory: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if d := filepath.Join(dir, "shared", "peers"); has(d) {
			return d, ""
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	return "", fmt.Sprintf("no shared/peers/hsds-peer.sh in %s or a parent (give --peers or HSFAN_PEERS)", wd)
}
