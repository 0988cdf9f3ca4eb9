package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/internal/synth"
)

const genUsage = `Usage:
  hsfan gen sst  --domain D [--days N] [--start YYYY-MM-DD] [--level L] [--frames hsfan|hsds]
  hsfan gen cube --domain D [--shape 10000,160,160] [--chunks 25,160,160] [--type float32] [--compressor gzip] [--shuffle]
  hsfan gen uservisits|rankings --rows N --parts P --out DIR|s3://bucket/prefix [--seed S]

Writes a deterministic synthetic domain. sst is a MUR25-like (time, 720, 1440) int16 CF-packed
sea surface temperature with /time, /lat, /lon coordinates; cube is a dense benchmark array.
uservisits and rankings are the AMPLab Big Data Benchmark tables as CSV parts (no header) for
'hsfan mapreduce': deterministic (same --seed, same bytes), IPs, URLs, dates and revenues with 1
to 8 decimals; 8 x 1M uservisits rows are about 930 MB.

Every flag is checked before anything is written. The domain is created with the attribute
"hsfan_incomplete" on its root group, removed only after the last chunk is written: a domain
that still carries it (an interrupted or failed gen) is refused by 'hsfan run', marked by
'hsfan ls', and replaced by the next 'hsfan gen' of the same domain. A complete existing domain
is an error unless --overwrite (replace it) or --keep-existing (keep it, exit 0) is given.

New domains are owned by --owner with every permission and readable by everyone (--public-read,
the ACL "default": read, as HSDS's /shared folders are), so 'hsfan serve' serves them to
unauthenticated clients such as h5pyd without a password file.
`

const genExamples = `  # the year of SST that 'make run' uses (280 MB on disk, a few seconds on 2 cores)
  hsfan gen sst --store file://data --domain /shared/sst/mur25.h5 --days 365 --start 2022-01-01

  # a small cube for benchmarks
  hsfan gen cube --domain /bench/cube.h5 --shape 1000,160,160 --chunks 25,160,160 --compressor zstd --shuffle
`

var genGroups = []flagGroup{
	{"Domain", []string{"domain", "owner", "public-read", "overwrite", "keep-existing"}},
	storeGroup,
	{"sst", []string{"days", "start", "level", "frames"}},
	{"cube", []string{"shape", "chunks", "type", "compressor", "shuffle"}},
}

// genCompressors are the cube compressors (codec.Pipeline's names; "none" stores chunks raw).
var genCompressors = []string{"none", "gzip", "zstd", "lz4", "lz4hc", "blosclz", "snappy"}

// maxSSTDays bounds --days: MUR's /time is int32 seconds since 1981 (up to 2049-01-19).
const maxSSTDays = 24855

func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	domain := fs.String("domain", "", "domain path, e.g. /shared/sst/mur25.h5 (required)")
	owner := fs.String("owner", "hsfan", "owner of the new domain (every permission)")
	public := fs.Bool("public-read", true, "give everyone (the ACL \"default\") read access; --public-read=false: the owner only")
	overwrite := fs.Bool("overwrite", false, "delete an existing domain first")
	keep := fs.Bool("keep-existing", false, "keep an existing complete domain (exit 0); an incomplete one is still replaced")
	var days, level int
	var start, typ, comp string
	intVar(fs, &days, "days", 365, 1, maxSSTDays, "sst: number of days")
	fs.StringVar(&start, "start", "2022-01-01", "sst: first day (YYYY-MM-DD, from 1981-01-01)")
	intVar(fs, &level, "level", 4, 1, 9, "sst: gzip level of the chunks")
	var frames string
	choiceVar(fs, &frames, "frames", "hsfan", []string{"hsfan", "hsds"},
		"sst: chunk frames: hsfan (blosc shuffle, typesize 2) or hsds (as HSDS 0.9.4 writes them: typesize 1)")
	shape := fs.String("shape", "10000,160,160", "cube: shape, comma-separated positive integers")
	chunks := fs.String("chunks", "25,160,160", "cube: chunk shape, one positive integer per dimension")
	choiceVar(fs, &typ, "type", "float32", []string{"int16", "int32", "float32", "float64"}, "cube: element type")
	choiceVar(fs, &comp, "compressor", "none", genCompressors, "cube: compressor")
	shuffle := fs.Bool("shuffle", false, "cube: add the HDF5 shuffle filter")
	var csv genCSVFlags
	csv.register(fs)
	pos, err := parseCommand(fs, args, helpDoc{genUsage, append(genGroups, genCSVGroup), genExamples}, stdout)
	if err != nil {
		return err
	}
	if len(pos) == 1 && (pos[0] == "uservisits" || pos[0] == "rankings") {
		opts, err := sf.s3Options(ctx)
		if err != nil {
			return err
		}
		return genCSV(ctx, pos[0], &csv, opts, stdout)
	}
	if len(pos) != 1 || (pos[0] != "sst" && pos[0] != "cube") {
		return usagef("want 'gen sst', 'gen cube', 'gen uservisits' or 'gen rankings' (see 'hsfan gen -h')")
	}
	kind := pos[0]
	// Validate every flag before anything is written.
	if err := checkNewDomainFlags(*domain, *owner, *overwrite, *keep); err != nil {
		return err
	}
	var write func(context.Context, *hdf.File) error
	switch kind {
	case "sst":
		day, err := time.Parse("2006-01-02", start)
		if err != nil {
			return usagef("--start %q: want a date YYYY-MM-DD", start)
		}
		if end := day.AddDate(0, 0, days).Add(9 * time.Hour); day.Before(synth.SSTEpoch) || end.Sub(synth.SSTEpoch) > math.MaxInt32*time.Second {
			return usagef("--start %s --days %d: the days must lie in 1981-01-01 .. 2049-01-18 (MUR's int32 seconds since 1981)", start, days)
		}
		last := time.Now()
		write = func(ctx context.Context, f *hdf.File) error {
			return synth.WriteSST(ctx, f, synth.SSTOptions{Days: days, Start: day, Level: level, HSDSFrames: frames == "hsds",
				Progress: func(done, total int) {
					if time.Since(last) > 5*time.Second || done == total {
						last = time.Now()
						fmt.Fprintf(stderr, "gen sst: %d/%d days\n", done, total)
					}
				}})
		}
	case "cube":
		sh, err := parseInts("--shape", *shape, 0)
		if err != nil {
			return err
		}
		ch, err := parseInts("--chunks", *chunks, len(sh))
		if err != nil {
			return err
		}
		c := comp
		if c == "none" {
			c = ""
		}
		write = func(ctx context.Context, f *hdf.File) error {
			return synth.WriteCube(ctx, f, synth.CubeOptions{Shape: sh, Chunks: ch, Type: typ, Compressor: c, Shuffle: *shuffle})
		}
	}
	st, err := sf.openMode(ctx, true)
	if err != nil {
		return err
	}
	acls := map[string]schema.ACL{}
	if *public {
		acls["default"] = schema.ACL{Read: true}
	}
	t0 := time.Now()
	err = writeDomain(ctx, st, sf.bucket, *domain, domainWrite{owner: *owner, acls: acls, overwrite: *overwrite,
		keep: *keep, source: "hsfan gen " + kind, write: write, log: stderr})
	if errors.Is(err, errKept) {
		fmt.Fprintf(stdout, "using the existing complete domain %s in bucket %s of %s (--overwrite regenerates it)\n", *domain, sf.bucket, sf.url)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s %s in bucket %s of %s (%.1fs)\n", kind, *domain, sf.bucket, sf.url, time.Since(t0).Seconds())
	return nil
}

// parseInts parses the list flag name, "10,20,30": positive integers, rank of them when rank > 0.
func parseInts(name, s string, rank int) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n <= 0 {
			return nil, usagef("%s %q: want comma-separated positive integers", name, s)
		}
		out = append(out, n)
	}
	if rank > 0 && len(out) != rank {
		return nil, usagef("%s %q: want %d integers, one per dimension of --shape", name, s, rank)
	}
	return out, nil
}

// checkNewDomainFlags checks the flags of the commands that write a new domain (gen, index):
// --domain given and a valid domain path, a non-empty --owner, and at most one of --overwrite and
// --keep-existing. Errors are usage errors naming the flag.
func checkNewDomainFlags(domain, owner string, overwrite, keep bool) error {
	if domain == "" {
		return usagef("--domain is required")
	}
	if err := schema.ValidateDomainPath(domain); err != nil {
		return usagef("--domain %q: %v", domain, err)
	}
	if overwrite && keep {
		return usagef("--overwrite and --keep-existing exclude each other")
	}
	if owner == "" {
		return usagef("--owner must not be empty")
	}
	return nil
}
