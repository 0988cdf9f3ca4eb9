package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/jobs/incremental"
	"github.com/hsfan/hsfan/jobs/reduce"
	"github.com/hsfan/hsfan/jobs/spec"
)

// A job spec and the flags of hsfan run are two spellings of one thing: the spec's reduce section
// has one key per run flag (spec.FlagNames; TestRunSpecRoundTrip pins that every run flag has
// one). `hsfan run --spec FILE` sets the spec's keys through the command's own validated flags
// first, then the command line's flags, so a flag given with --spec overrides the spec's value
// for that run (an OP that differs from the spec's op is an error: it would be another job).
// `--print-spec` prints the spec of the flags (and of --spec's schedule and window) and exits.

// specOnlyFlags are run flags that are not keys of a spec (they are about the spec itself).
var specOnlyFlags = map[string]bool{"spec": true, "print-spec": true}

// parseRun parses hsfan run's command line, merging --spec FILE under it. It returns the flag
// set, the options, the positional arguments and the spec (nil without --spec).
func parseRun(args []string, stdout io.Writer) (*flag.FlagSet, *runOptions, []string, *spec.Spec, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	o := &runOptions{}
	o.register(fs)
	pos, err := parseCommand(fs, args, helpDoc{runUsage, runGroups, runExamples}, stdout)
	if err != nil || o.specFile == "" {
		return fs, o, pos, nil, err
	}
	js, err := spec.Load(o.specFile)
	if err != nil {
		return nil, nil, nil, nil, usagef("--spec: %v", err)
	}
	if js.Kind != spec.KindReduce {
		return nil, nil, nil, nil, usagef("--spec %s: kind %s: hsfan run runs kind reduce (hsfan schedule run runs every kind)", o.specFile, js.Kind)
	}
	fs2 := flag.NewFlagSet("run", flag.ContinueOnError)
	o2 := &runOptions{}
	o2.register(fs2)
	fs2.SetOutput(io.Discard)
	for _, f := range js.Reduce.Flags() {
		if err := fs2.Set(f.Name, f.Value); err != nil {
			return nil, nil, nil, nil, usagef("--spec: %v", js.Errorf(f.Key, "%q: %v", f.Value, err))
		}
	}
	// The command line over the spec: flags given here win.
	if _, err := parseArgs(fs2, args); err != nil {
		return nil, nil, nil, nil, usagef("%v", err)
	}
	switch {
	case len(pos) == 0:
		pos = []string{js.Reduce.Op}
	case pos[0] != js.Reduce.Op:
		return nil, nil, nil, nil, usagef("OP %s conflicts with the op %s of --spec %s (line %d)", pos[0], js.Reduce.Op, o.specFile, js.Line("reduce.op"))
	}
	return fs2, o2, pos, js, nil
}

var unsafeName = regexp.MustCompile(`[^0-9A-Za-z._-]+`)

// specOf is the job spec of a parsed run command line: every flag that is set (by --spec or on
// the command line) becomes its key; name, schedule, window and catalog come from --spec.
func specOf(fs *flag.FlagSet, op string, base *spec.Spec) (*spec.Spec, error) {
	js := &spec.Spec{Kind: spec.KindReduce, Reduce: &spec.Reduce{Op: op}}
	if base != nil {
		js.Name, js.Description, js.Schedule, js.Window, js.Catalog = base.Name, base.Description, base.Schedule, base.Window, base.Catalog
	}
	var err error
	fs.Visit(func(f *flag.Flag) {
		if specOnlyFlags[f.Name] || err != nil {
			return
		}
		err = js.Reduce.SetFlag(f.Name, f.Value.String())
	})
	if err != nil {
		return nil, err
	}
	if js.Name == "" {
		rs := reduce.Spec{Dataset: spec.Str(js.Reduce.Dataset), Op: op, Name: spec.Str(js.Reduce.Name)}
		js.Name = strings.Trim(unsafeName.ReplaceAllString(rs.OutputName(), "-"), "-")
		if len(js.Name) > 64 {
			js.Name = js.Name[:64]
		}
	}
	return js, nil
}

// printSpec prints the spec of the command line, after checking that it parses back.
func printSpec(w io.Writer, fs *flag.FlagSet, op string, base *spec.Spec) error {
	js, err := specOf(fs, op, base)
	if err != nil {
		return err
	}
	b, err := js.Marshal()
	if err != nil {
		return err
	}
	if _, err := spec.Parse("--print-spec", b); err != nil {
		return usagef("%v", err)
	}
	_, err = w.Write(b)
	return err
}

// invokerHook, when set (tests), wraps the invoker of a windowed run.
var invokerHook func(fanout.Invoker) fanout.Invoker

// runWindowed runs a spec with a window incrementally (package incremental): only new or
// changed steps are computed, the table is published by swapping the catalog, and the merged
// table is written to --out when the window is complete.
func runWindowed(ctx context.Context, now time.Time, js *spec.Spec, rs reduce.Spec, st store.Store, o *runOptions, stdout, stderr io.Writer, logger *slog.Logger) error {
	if *o.dryRun {
		j := &incremental.Job{Name: js.Name, Store: st, Spec: rs, Window: js.Window, Now: now, DryRun: true}
		if js.Catalog != nil {
			j.Catalog = incremental.Location{Bucket: js.Catalog.Bucket, Prefix: js.Catalog.Prefix}
		}
		res, err := j.Run(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %s\n", js.Name, res.Summary())
		return nil
	}
	// A window day the axis's calendar lacks is refused before --out is made.
	if err := (&incremental.Job{Store: st, Spec: rs, Window: js.Window}).CheckWindow(ctx); err != nil {
		return err
	}
	inv, closeInv, err := newInvoker(ctx, rs.Invoker, o.lf, rs, o.sf.opened, logger)
	if err != nil {
		return err
	}
	defer closeInv()
	if invokerHook != nil {
		inv = invokerHook(inv)
	}
	sink, err := outputSink(ctx, rs.Out, st)
	if err != nil {
		return err
	}
	if err := probeSink(ctx, sink); err != nil {
		return fmt.Errorf("--out %s: cannot write there (checked before the run): %w", rs.Out, err)
	}
	j := &incremental.Job{Name: js.Name, Store: st, Spec: rs, Window: js.Window, Now: now, Invoker: inv, Sink: sink,
		Logger: logger, Report: stderr}
	if js.Catalog != nil {
		j.Catalog = incremental.Location{Bucket: js.Catalog.Bucket, Prefix: js.Catalog.Prefix}
	}
	res, err := j.Run(ctx)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("%w: cancelled; the previous table is unchanged", err)
		}
		return err
	}
	switch {
	case res.NoOp:
		fmt.Fprintf(stdout, "%s: %s\n", js.Name, res.Summary())
	case res.Complete:
		fmt.Fprintf(stdout, "%s: %s\nwrote %s: %s\n", js.Name, res.Summary(), rs.Out, strings.Join(writtenFiles(rs.OutputName(), rs.Plot, res.Table), " "))
	default:
		fmt.Fprintf(stdout, "%s: %s\n", js.Name, res.Summary())
	}
	return nil
}
