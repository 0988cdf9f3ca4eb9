package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/internal/synth"
)

const genUsage = `Usage:
  hsfan gen sst  --domain D --days N [--start YYYY-MM-DD] [--level L]
  hsfan gen cube --domain D --shape 10000,160,160 --chunks 25,160,160 [--type float32] [--compressor gzip] [--shuffle]

Writes a deterministic synthetic domain. sst is a MUR25-like (time, 720, 1440) int16 CF-packed
sea surface temperature with /time, /lat, /lon coordinates; cube is a dense benchmark array.
An existing domain is an error unless --overwrite is given.

Flags:
`

func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "sst" && args[0] != "cube") {
		fmt.Fprint(stderr, genUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return flag.ErrHelp
		}
		return usagef("want 'gen sst' or 'gen cube'")
	}
	kind := args[0]
	fs := flag.NewFlagSet("gen "+kind, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, genUsage); fs.PrintDefaults() }
	var sf storeFlags
	sf.register(fs)
	domain := fs.String("domain", "", "domain path, e.g. /shared/sst/mur25.h5 (required)")
	owner := fs.String("owner", "hsfan", "owner of the new domain")
	overwrite := fs.Bool("overwrite", false, "delete an existing domain first")
	days := fs.Int("days", 365, "sst: number of days")
	start := fs.String("start", "2022-01-01", "sst: first day (YYYY-MM-DD)")
	level := fs.Int("level", 4, "sst: gzip level of the chunks")
	shape := fs.String("shape", "10000,160,160", "cube: shape")
	chunks := fs.String("chunks", "25,160,160", "cube: chunk shape")
	typ := fs.String("type", "float32", "cube: int16, int32, float32 or float64")
	comp := fs.String("compressor", "", "cube: gzip, zstd, lz4, blosclz, snappy or none")
	shuffle := fs.Bool("shuffle", false, "cube: add the HDF5 shuffle filter")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *domain == "" {
		return usagef("--domain is required")
	}
	st, err := sf.openMode(ctx, true)
	if err != nil {
		return err
	}
	if *overwrite {
		if err := hdf.Delete(ctx, st, sf.bucket, *domain); err != nil && !errors.Is(err, hdf.ErrNotFound) {
			return err
		}
	}
	f, err := hdf.Create(ctx, st, sf.bucket, *domain, hdf.CreateOptions{Owner: *owner, Parents: true})
	if err != nil {
		return err
	}
	t0 := time.Now()
	switch kind {
	case "sst":
		day, err := time.Parse("2006-01-02", *start)
		if err != nil {
			return usagef("--start %q: want YYYY-MM-DD", *start)
		}
		last := time.Now()
		err = synth.WriteSST(ctx, f, synth.SSTOptions{Days: *days, Start: day, Level: *level,
			Progress: func(done, total int) {
				if time.Since(last) > 5*time.Second || done == total {
					last = time.Now()
					fmt.Fprintf(stderr, "gen sst: %d/%d days\n", done, total)
				}
			}})
		if err != nil {
			return err
		}
	case "cube":
		sh, err := parseInts(*shape)
		if err != nil {
			return usagef("--shape: %v", err)
		}
		ch, err := parseInts(*chunks)
		if err != nil {
			return usagef("--chunks: %v", err)
		}
		c := *comp
		if c == "none" {
			c = ""
		}
		if err := synth.WriteCube(ctx, f, synth.CubeOptions{Shape: sh, Chunks: ch, Type: *typ, Compressor: c, Shuffle: *shuffle}); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %s %s in bucket %s of %s (%.1fs)\n", kind, *domain, sf.bucket, sf.url, time.Since(t0).Seconds())
	return nil
}

// parseInts parses "10,20,30".
func parseInts(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("%q is not a list of integers", s)
		}
		out = append(out, n)
	}
	return out, nil
}
