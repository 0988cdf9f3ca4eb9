package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hsfan/hsfan/jobs/schedule"
	"github.com/hsfan/hsfan/jobs/spec"
)

const scheduleUsage = `Usage: hsfan schedule run [flags] SPEC...
       hsfan schedule status [flags] SPEC...

run is a long-running scheduler: each job spec (YAML, see 'Scheduled analyses' in the README)
runs on its cron schedule (schedule.cron, read in schedule.time_zone; robfig/cron/v3 syntax: five
fields or @daily, @monthly, @every 1h). A spec with a window runs incrementally: only the time
steps that are new or whose input changed are computed, and the table is published by a
conditional put of its catalog, so a failed or cancelled run leaves the previous table.

Two runs of one spec never overlap: in one process the next tick is skipped while a run is in
progress, and across processes a lease object (hsfan-schedule/NAME/lease.json in --store and
--bucket) is taken with a conditional put and renewed while the run lasts; a run that finds the
lease held is skipped and says so. SIGTERM or Ctrl-C stops the scheduler: runs in progress are
cancelled (their previous tables stay) and it exits when they have returned.

--once runs every spec now, one after the other, and exits (1 if any failed): for tests, for
backfills with --now, and for users of the system cron. --status-addr serves the scheduler's
state as JSON at GET /status; hsfan schedule status prints each spec's schedule, next run, lease
and last run from the store (any process can ask).

A spec of kind mapreduce is parsed and checked, and refused at run time until hsfan mapreduce is
wired into the scheduler.
`

const scheduleExamples = `  # run two specs on their schedules, state at http://127.0.0.1:8089/status
  hsfan schedule run --status-addr 127.0.0.1:8089 examples/specs/sst-last-3-months.yaml examples/specs/sst-previous-month.yaml

  # run a spec now, as if it were 1 May 2022 06:00 UTC, and exit
  hsfan schedule run --once --now 2022-05-01T06:00:00Z examples/specs/sst-last-3-months.yaml

  # what the schedulers did
  hsfan schedule status examples/specs/sst-last-3-months.yaml
`

var scheduleGroups = []flagGroup{
	{"Schedule", []string{"once", "now", "status-addr", "lease-ttl"}},
	storeGroup,
}

// mapReduceRunner runs a spec of kind mapreduce.
type mapReduceRunner interface {
	RunMapReduce(ctx context.Context, m *spec.MapReduce, stdout, stderr io.Writer) error
}

// mapReduce runs mapreduce specs as `hsfan mapreduce` with the spec's keys as flags, so that a
// spec and a command line are checked by the same flag rules. Tests may replace it; nil refuses
// the kind with a clear error.
var mapReduce mapReduceRunner = cliMapReduce{}

// cliMapReduce runs a mapreduce spec through runMapreduce.
type cliMapReduce struct{}

// RunMapReduce turns the spec's mapreduce section into `hsfan mapreduce` arguments and runs them.
func (cliMapReduce) RunMapReduce(ctx context.Context, m *spec.MapReduce, stdout, stderr io.Writer) error {
	return runMapreduce(ctx, mapReduceArgs(m), stdout, stderr)
}

// mapReduceArgs is the `hsfan mapreduce` command line of a spec's mapreduce section (zero values
// are left to the command's defaults).
func mapReduceArgs(m *spec.MapReduce) []string {
	args := []string{m.Job}
	for _, in := range m.Input {
		args = append(args, "--input", in)
	}
	args = append(args, "--out", m.Out)
	keys := make([]string, 0, len(m.Params))
	for k := range m.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		args = append(args, "--param", k+"="+string(m.Params[k]))
	}
	if m.Reducers > 0 {
		args = append(args, "--reducers", strconv.Itoa(m.Reducers))
	}
	if m.SplitSize > 0 {
		args = append(args, "--split-size", strconv.FormatInt(m.SplitSize, 10))
	}
	if m.Invoker != "" {
		args = append(args, "--invoker", m.Invoker)
	}
	if m.Concurrency > 0 {
		args = append(args, "--concurrency", strconv.Itoa(m.Concurrency))
	}
	return args
}

func runSchedule(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" && args[0] != "-help" {
		return usagef("want 'hsfan schedule run SPEC...' or 'hsfan schedule status SPEC...'")
	}
	sub, rest := args[0], args[1:]
	if sub == "-h" || sub == "--help" || sub == "-help" {
		sub, rest = "run", []string{"-h"}
	}
	fs := flag.NewFlagSet("schedule", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	once := fs.Bool("once", false, "run every spec now, one after the other, and exit")
	now := fs.String("now", "", "with --once: the run time (RFC 3339, e.g. 2022-05-01T06:00:00Z) relative windows are resolved at (default: now)")
	statusAddr := fs.String("status-addr", "", "serve the scheduler's state as JSON at http://ADDR/status (e.g. 127.0.0.1:8089)")
	var ttl time.Duration
	durationVar(fs, &ttl, "lease-ttl", 2*time.Minute, time.Second, 24*time.Hour, "lease lifetime without renewal (renewed every third of it while a run lasts)")
	pos, err := parseCommand(fs, rest, helpDoc{scheduleUsage, scheduleGroups, scheduleExamples}, stdout)
	if err != nil {
		return err
	}
	if sub != "run" && sub != "status" {
		return usagef("unknown subcommand %q: want run or status", sub)
	}
	if len(pos) == 0 {
		return usagef("no SPEC: give one or more job spec files")
	}
	var entries []*schedule.Entry
	for _, p := range pos {
		js, err := spec.Load(p)
		if err != nil {
			return usagef("%v", err)
		}
		entries = append(entries, &schedule.Entry{Path: p, Spec: js})
	}
	st, err := sf.openMode(ctx, true)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	leases := &schedule.Leases{Store: st, Bucket: sf.bucket, Prefix: "hsfan-schedule", TTL: ttl, Owner: fmt.Sprintf("%s:%d", host, os.Getpid())}
	if sub == "status" {
		return printScheduleStatus(ctx, stdout, entries, leases)
	}
	at := time.Time{}
	if *now != "" {
		if !*once {
			return usagef("--now applies to --once (a scheduler runs at the scheduled times)")
		}
		if at, err = time.Parse(time.RFC3339, *now); err != nil {
			return usagef("--now %q: want RFC 3339, e.g. 2022-05-01T06:00:00Z", *now)
		}
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	runSpec := func(ctx context.Context, e *schedule.Entry, at time.Time) error {
		fmt.Fprintf(stderr, "hsfan schedule: %s (%s) run at %s\n", e.Spec.Name, e.Path, at.UTC().Format(time.RFC3339))
		switch e.Spec.Kind {
		case spec.KindReduce:
			return runRunAt(ctx, at, []string{"--spec", e.Path}, stdout, stderr)
		case spec.KindMapReduce:
			if mapReduce == nil {
				return fmt.Errorf("%s: kind mapreduce is not wired into this build's scheduler (run it with hsfan mapreduce)", e.Path)
			}
			return mapReduce.RunMapReduce(ctx, e.Spec.MapReduce, stdout, stderr)
		}
		return fmt.Errorf("%s: kind %q", e.Path, e.Spec.Kind)
	}
	s, err := schedule.New(entries, runSpec, leases, logger)
	if err != nil {
		return usagef("%v", err)
	}
	if *statusAddr != "" {
		stop, err := serveStatus(ctx, *statusAddr, s, stderr)
		if err != nil {
			return err
		}
		defer stop()
	}
	if *once {
		if at.IsZero() {
			at = time.Now()
		}
		return s.RunOnce(ctx, at)
	}
	for _, e := range entries {
		if e.Spec.Schedule == nil {
			return usagef("%s: spec %s has no schedule (--once runs it now)", e.Path, e.Spec.Name)
		}
	}
	fmt.Fprintf(stderr, "hsfan schedule: %d specs scheduled; SIGTERM or Ctrl-C stops\n", len(entries))
	for _, st := range s.Snapshot() {
		fmt.Fprintf(stderr, "  %-24s %s (%s)\n", st.Name, st.Cron, st.TimeZone)
	}
	err = s.Serve(ctx)
	fmt.Fprintf(stderr, "hsfan schedule: stopped\n")
	return err
}

// serveStatus serves GET /status (the scheduler's Snapshot as JSON) until stop is called.
func serveStatus(ctx context.Context, addr string, s *schedule.Scheduler, stderr io.Writer) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--status-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		_ = enc.Encode(map[string]any{"specs": s.Snapshot()})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stderr, "hsfan schedule: status at http://%s/status\n", ln.Addr())
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}, nil
}

// printScheduleStatus prints each spec's schedule, next run, lease and last run record.
func printScheduleStatus(ctx context.Context, w io.Writer, entries []*schedule.Entry, leases *schedule.Leases) error {
	now := time.Now()
	for _, e := range entries {
		fmt.Fprintf(w, "%s (%s)\n", e.Spec.Name, e.Path)
		if sc := e.Spec.Schedule; sc != nil {
			sched, err := sc.Parse()
			if err != nil {
				return err
			}
			loc, _ := sc.Location()
			fmt.Fprintf(w, "  schedule  %s (%s), next %s\n", sc.Cron, sc.TimeZone, sched.Next(now).In(loc).Format(time.RFC3339))
		} else {
			fmt.Fprintf(w, "  schedule  none (on demand)\n")
		}
		l, err := leases.Read(ctx, e.Spec.Name)
		if err != nil {
			return err
		}
		switch {
		case l == nil:
			fmt.Fprintf(w, "  lease     never taken\n")
		case l.Expires.After(now):
			fmt.Fprintf(w, "  lease     held by %s (run %s, started %s, expires %s): running\n", l.Owner, l.RunID, l.Started.Format(time.RFC3339), l.Expires.Format(time.RFC3339))
		default:
			fmt.Fprintf(w, "  lease     free (last holder %s)\n", l.Owner)
		}
		r, err := leases.LastRun(ctx, e.Spec.Name)
		if err != nil {
			return err
		}
		if r == nil {
			fmt.Fprintf(w, "  last run  none\n")
			continue
		}
		fmt.Fprintf(w, "  last run  %s %s, %s .. %s", r.RunID, r.Result, r.Start.Format(time.RFC3339), r.End.Format(time.RFC3339))
		if r.Error != "" {
			fmt.Fprintf(w, ": %s", r.Error)
		}
		fmt.Fprintln(w)
	}
	return nil
}
