// Command sst computes the daily area-weighted global mean sea surface temperature of an HSDS
// domain with the hsfan library API: the same job `make run` runs through the CLI.
//
//	go run ./examples/sst --store file://data --bucket hsfan --domain /shared/sst/mur25.h5 --out out
//
// With --gen N it first writes N days of the synthetic MUR25-like data set.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
	"github.com/hsfan/hsfan/jobs/reduce"
	"github.com/hsfan/hsfan/output"
	"github.com/hsfan/hsfan/transport/inproc"
	"github.com/hsfan/hsfan/worker"
)

func main() {
	storeURL := flag.String("store", "file://data", "object store")
	bucket := flag.String("bucket", "hsfan", "bucket")
	domain := flag.String("domain", "/shared/sst/mur25.h5", "domain")
	out := flag.String("out", "out", "output directory")
	gen := flag.Int("gen", 0, "first write this many days of synthetic data (0: use what is there)")
	flag.Parse()
	if err := run(context.Background(), *storeURL, *bucket, *domain, *out, *gen); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, storeURL, bucket, domain, out string, gen int) error {
	st, err := store.Open(ctx, storeURL, store.Options{})
	if err != nil {
		return err
	}
	if gen > 0 {
		if err := hdf.Delete(ctx, st, bucket, domain); err != nil && !errors.Is(err, hdf.ErrNotFound) {
			return err
		}
		f, err := hdf.Create(ctx, st, bucket, domain, hdf.CreateOptions{Owner: "example", Parents: true})
		if err != nil {
			return err
		}
		if err := synth.WriteSST(ctx, f, synth.SSTOptions{Days: gen, Start: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			return err
		}
	}
	// The job: PO.DAAC's method for every day at once.
	spec := reduce.Spec{Store: storeURL, Bucket: bucket, Domain: domain, Dataset: "/analysed_sst", Op: "mean",
		Reduce: []string{"lat", "lon"}, Weights: "coslat:60", Units: "C", Name: "sst_mean", Plot: true, Invoker: "inproc",
		Concurrency: runtime.NumCPU()}
	prep, err := reduce.Prepare(ctx, st, spec)
	if err != nil {
		return err
	}
	// The embedded invoker runs the same worker handler Lambda runs, in this process.
	h := worker.NewHandler(worker.Config{DefaultStore: spec.Store, DefaultBucket: spec.Bucket, OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }})
	res, err := prep.Run(ctx, reduce.Options{Invoker: &inproc.Invoker{Handler: h}, Sink: output.DirSink{Dir: out}, Report: os.Stderr})
	if err != nil {
		return err
	}
	times, _ := res.Table.Column("time")
	for i, v := range res.Result.Value {
		fmt.Printf("%s  %.6f C\n", times.String[i], v)
	}
	return nil
}
