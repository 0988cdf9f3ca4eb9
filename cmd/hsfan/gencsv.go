package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/jobs/mapreduce"
)

// genCSVFlags are the flags of 'hsfan gen uservisits|rankings' (AMPLab BDB tables as CSV parts).
type genCSVFlags struct {
	rows  int64
	parts int
	seed  int64
	out   string
}

var genCSVGroup = flagGroup{"uservisits, rankings", []string{"rows", "parts", "seed", "out"}}

func (g *genCSVFlags) register(fs *flag.FlagSet) {
	int64Var(fs, &g.rows, "rows", 1000000, 0, math.MaxInt64, "uservisits, rankings: rows in total over the parts")
	intVar(fs, &g.parts, "parts", 1, 1, 100000, "uservisits, rankings: number of CSV parts (part-00000.csv ...)")
	int64Var(fs, &g.seed, "seed", 1, 0, math.MaxInt64, "uservisits, rankings: random seed (same seed, same bytes)")
	fs.StringVar(&g.out, "out", "", "uservisits, rankings: output directory or s3://bucket/prefix (required)")
}

// genCSV writes the parts of table to g.out.
func genCSV(ctx context.Context, table string, g *genCSVFlags, storeOpts store.Options, stdout io.Writer) error {
	if g.out == "" {
		return usagef("gen %s: --out is required (a directory or s3://bucket/prefix)", table)
	}
	var st store.Store
	var bucket, prefix string
	var err error
	if rest, ok := strings.CutPrefix(g.out, "s3://"); ok {
		bucket, prefix, _ = strings.Cut(rest, "/")
		if err := store.ValidateBucket(bucket); err != nil {
			return usagef("--out %q: %v", g.out, err)
		}
		if st, err = store.Open(ctx, "s3://", storeOpts); err != nil {
			return err
		}
	} else {
		abs, err := filepath.Abs(g.out)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		// The directory is the bucket of a store rooted at its parent.
		if st, err = store.NewPosix(filepath.Dir(abs), storeOpts); err != nil {
			return err
		}
		bucket = filepath.Base(abs)
	}
	t0 := time.Now()
	n, err := mapreduce.GenTable(ctx, st, bucket, strings.Trim(prefix, "/"), table,
		mapreduce.GenOptions{Rows: g.rows, Parts: g.parts, Seed: uint64(g.seed)})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d rows in %d parts, %d bytes (%.1fs)\n", g.out, g.rows, g.parts, n, time.Since(t0).Seconds())
	return nil
}
