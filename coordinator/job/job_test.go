package job

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/hsfan/hsfan/coordinator"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
	"github.com/hsfan/hsfan/worker"
)

const (
	testBucket = "hsfan"
	testDomain = "/shared/sst/test.h5"
)

// sstStore writes a small synthetic SST domain into a memory store.
func sstStore(t *testing.T, days int) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "mem://", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf.Create(ctx, st, testBucket, testDomain, hdf.CreateOptions{Owner: "test", Parents: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteSST(ctx, f, synth.SSTOptions{Days: days, Start: time.Date(2022, 12, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	return st
}

// podaacMean is the PO.DAAC tutorial's formula computed directly, one day at a time, from the
// generator: Celsius, weights cos(lat) set to 0 beyond |lat| > 60, land (fill) skipped.
func podaacMean(day int) float64 {
	lats := synth.SSTLats()
	var sw, swx float64
	for i := 0; i < synth.SSTLat; i++ {
		lat := float64(lats[i])
		w := math.Cos(lat * math.Pi / 180)
		if math.Abs(lat) > 60 {
			w = 0
		}
		for j := 0; j < synth.SSTLon; j++ {
			p := synth.SSTPacked(day, i, j)
			if p == synth.SSTFill {
				continue
			}
			x := float64(p)*synth.SSTScale + synth.SSTOffset - 273.15
			sw += w
			swx += w * x
		}
	}
	return swx / sw
}

func sstSpec() Spec {
	return Spec{Store: "mem://", Bucket: testBucket, Domain: testDomain, Dataset: "/analysed_sst", Op: "mean",
		Reduce: []string{"lat", "lon"}, Weights: "coslat:60", Units: "C", Name: "sst_mean"}
}

func runJob(t *testing.T, st store.Store, spec Spec, faults *coordinator.Faults) *Outcome {
	t.Helper()
	ctx := context.Background()
	p, err := Prepare(ctx, st, spec)
	if err != nil {
		t.Fatal(err)
	}
	h := worker.NewHandler(worker.Config{OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }})
	out, err := p.Run(ctx, Options{Invoker: &worker.InProcess{Handler: h}, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSSTMatchesPODAACFormula(t *testing.T) {
	const days = 3
	st := sstStore(t, days)
	var ref []float64
	for d := 0; d < days; d++ {
		ref = append(ref, podaacMean(d))
	}
	var first []float64
	for _, tc := range []struct {
		name        string
		concurrency int
		target      int64
		maxChunks   int
		workerConc  int
	}{
		{"one task", 1, 1 << 40, 1000, 1},
		{"task per chunk", 8, 1, 1000, 2},
		{"two per task", 2, 0, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := sstSpec()
			spec.Concurrency, spec.TargetBytes, spec.MaxChunksPerTask, spec.WorkerConcurrency = tc.concurrency, tc.target, tc.maxChunks, tc.workerConc
			out := runJob(t, st, spec, nil)
			got := out.Result.Value
			t.Logf("means %v, reference %v, tasks %d", got, ref, out.Stats.Tasks)
			if len(got) != days {
				t.Fatalf("got %d values, want %d", len(got), days)
			}
			for d := range ref {
				if rel := math.Abs(got[d]-ref[d]) / math.Abs(ref[d]); rel > 1e-9 {
					t.Errorf("day %d: mean %.12f, PO.DAAC formula %.12f (rel %.2g)", d, got[d], ref[d], rel)
				}
			}
			if first == nil {
				first = got
				return
			}
			for d := range got {
				if math.Float64bits(got[d]) != math.Float64bits(first[d]) {
					t.Errorf("day %d: %v differs in bits from the first run %v", d, got[d], first[d])
				}
			}
			col, ok := out.Table.Column("time")
			if !ok || len(col.String) != days || col.String[0] != "2022-12-01" {
				t.Errorf("time column = %+v, want ISO dates from 2022-12-01", col)
			}
		})
	}
}
