package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/hsfan/hsfan/hsds/hdf"
)

const repackUsage = `Usage: hsfan repack --domain D [--dataset /path] [--check]

Finds the chunks that hsfan builds before the chunk format fix wrote (HDF5-shuffled bytes inside a
blosc frame without blosc's shuffle flag: HSDS and h5pyd read them as garbage, and hsfan now
refuses them) and rewrites each one in place in the current format, which hsfan and HSDS read
alike. Each chunk is written with If-Match on the version read, so a concurrent writer is never
overwritten; running it again changes nothing.

--check only lists the datasets that hold legacy chunks and exits with status 1 if any do.
`

const repackExamples = `  hsfan repack --store file://data --domain /shared/sst/mur25.h5 --check
  hsfan repack --store file://data --domain /shared/sst/mur25.h5
`

// errLegacyFound makes `repack --check` exit non-zero when legacy chunks exist.
var errLegacyFound = errors.New("legacy hsfan chunks found")

func runRepack(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("repack", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	domain := fs.String("domain", "", "domain path (required)")
	dataset := fs.String("dataset", "", "only this dataset h5path (default: every dataset of the domain)")
	check := fs.Bool("check", false, "only list datasets holding legacy chunks; exit 1 if any")
	pos, err := parseCommand(fs, args, helpDoc{repackUsage, []flagGroup{{"Domain", []string{"domain", "dataset", "check"}}, storeGroup}, repackExamples}, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %v", pos)
	}
	if *domain == "" {
		return usagef("--domain is required")
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	f, err := hdf.Open(ctx, st, sf.bucket, *domain)
	if err != nil {
		return err
	}
	rep, err := f.Repack(ctx, hdf.RepackOptions{Dataset: *dataset, Check: *check})
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	var legacy, rewritten, raced, dsets int
	for _, r := range rep {
		name := r.Path
		if name == "" {
			name = "(unlinked)"
		}
		legacy += r.Legacy
		rewritten += r.Rewritten
		raced += r.Raced
		if r.Legacy > 0 {
			dsets++
		}
		if *check {
			if r.Legacy > 0 {
				fmt.Fprintf(tw, "legacy\t%s\t%s\t%d of %d chunks\n", name, r.ID, r.Legacy, r.Chunks)
			}
			continue
		}
		fmt.Fprintf(tw, "dataset\t%s\t%s\t%d chunks\t%d legacy\t%d rewritten\t%d changed meanwhile\n", name, r.ID, r.Chunks, r.Legacy, r.Rewritten, r.Raced)
	}
	if ferr := tw.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	switch {
	case *check && legacy > 0:
		return fmt.Errorf("%w: %d chunks in %d datasets of %s; convert them with `hsfan repack --domain %s` (or regenerate the domain)",
			errLegacyFound, legacy, dsets, *domain, *domain)
	case *check:
		fmt.Fprintf(stdout, "no legacy chunks in %s (%d datasets with shuffle and a compressor examined)\n", *domain, len(rep))
	default:
		fmt.Fprintf(stdout, "repacked %s: %d legacy chunks in %d datasets, %d rewritten, %d changed by another writer meanwhile\n",
			*domain, legacy, dsets, rewritten, raced)
	}
	return nil
}
