package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
)

const fsckUsage = `Usage: hsfan fsck [flags]

Checks a bucket for what interrupted or racing operations leave behind: temporary files of
killed writes (file:// stores), chunks of datasets that no longer exist (a dataset DELETE racing
writes) and objects no domain references (a domain DELETE interrupted half-way). A dry run by
default: --repair removes them. Nothing a domain or dataset references is ever removed, and only
items older than --min-age are considered, so writes in flight are safe.

Flags:
`

// runFsck runs `hsfan fsck`. Without --repair it fails (exit 1) when it finds problems.
func runFsck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fsck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, fsckUsage); fs.PrintDefaults() }
	var sf storeFlags
	sf.register(fs)
	repair := fs.Bool("repair", false, "remove the stale temporary files and orphans found")
	minAge := fs.Duration("min-age", time.Hour, "consider only items last modified longer ago")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *minAge < 0 {
		return usagef("--min-age %v: must not be negative", *minAge)
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	rep, err := hdf.Fsck(ctx, st, sf.bucket, hdf.FsckOptions{MinAge: *minAge, Repair: *repair})
	if rep != nil {
		for _, group := range []struct {
			what  string
			items []string
		}{{"stale temporary file", rep.StaleTemps}, {"orphan chunk", rep.OrphanChunks},
			{"orphan object", rep.OrphanObjects}, {"unreadable domain (orphan objects not judged)", rep.Unreadable}} {
			for _, it := range group.items {
				fmt.Fprintf(stdout, "%s: %s\n", group.what, it)
			}
		}
		fmt.Fprintf(stdout, "%d objects, %d domains: %d stale temporary files, %d orphan chunks, %d orphan objects",
			rep.Objects, rep.Domains, len(rep.StaleTemps), len(rep.OrphanChunks), len(rep.OrphanObjects))
		if *repair {
			fmt.Fprintf(stdout, ", %d removed", rep.Removed)
		}
		fmt.Fprintln(stdout)
	}
	if err != nil {
		return err
	}
	if !*repair && rep.Problems() > 0 {
		return fmt.Errorf("%d problems found (run with --repair to remove them)", rep.Problems())
	}
	return nil
}

// tempSweeper is a store that keeps temporary files (file:// stores).
type tempSweeper interface {
	SweepTemps(ctx context.Context, bucket string, olderThan time.Duration, remove bool) ([]string, error)
}

var _ tempSweeper = (*store.Posix)(nil)

// sweepTemps removes, at start-up of a server, the temporary files of writes interrupted longer
// than maxAge ago in every bucket of st (a no-op for stores without temporary files or maxAge 0).
func sweepTemps(ctx context.Context, st store.Store, maxAge time.Duration, log *slog.Logger) error {
	ts, ok := st.(tempSweeper)
	if !ok || maxAge <= 0 {
		return nil
	}
	removed, err := ts.SweepTemps(ctx, "", maxAge, true)
	if len(removed) > 0 {
		log.Info("removed stale temporary files of interrupted writes", "count", len(removed), "older_than", maxAge)
	}
	if err != nil {
		return fmt.Errorf("sweep temporary files: %w", err)
	}
	return nil
}
