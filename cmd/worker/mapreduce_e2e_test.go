package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/s3test"
	"github.com/hsfan/hsfan/jobs/mapreduce"
	"github.com/hsfan/hsfan/locallambda"
	"github.com/hsfan/hsfan/transport/awslambda"
)

// TestMapReduceThroughLocalLambda: BDB Q2 through the aws-sdk-go-v2 client, hsfan lambda-local
// and the real bootstrap, with injected throttles, failures and crashes (a crashed attempt may
// have written runs: only committed attempts are reduced), gives byte-identical outputs to the
// in-process run, with inputs, intermediate objects and outputs on the POSIX store and on S3
// (versitygw), and leaves no intermediate object behind.
func TestMapReduceThroughLocalLambda(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the worker and runs processes")
	}
	ctx := context.Background()
	bootstrap := buildBootstrap(t)
	gen := mapreduce.GenOptions{Rows: 6000, Parts: 3, Seed: 11}
	dir := t.TempDir()
	posix, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mapreduce.GenTable(ctx, posix, "uv", "", "uservisits", gen); err != nil {
		t.Fatal(err)
	}
	if _, err := mapreduce.GenTable(ctx, posix, "rk", "", "rankings", mapreduce.GenOptions{Rows: 50_000, Parts: 2, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	srv := s3test.Start(t)
	srv.CreateBucket(t, "hsfan")
	s3 := srv.Store(t)
	if _, err := mapreduce.GenTable(ctx, s3, "hsfan", "bdb/uservisits", "uservisits", gen); err != nil {
		t.Fatal(err)
	}
	base := mapreduce.Spec{Job: "bdb-q2", Reducers: 3, SplitSize: 25_000, SpillBytes: 64 << 10, MaxAttempts: 30}

	// The reference: in process, POSIX.
	ref := base
	ref.Inputs, ref.Out = []string{"file://" + dir + "/uv/part-*.csv"}, filepath.Join(dir, "ref")
	if _, err := mapreduce.Run(ctx, ref, mapreduce.Options{}); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "ref", "bdb-q2.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	// BDB Q3 (two shuffles: the join's rows are the second stage's inputs), every sourceIP.
	q3 := base
	q3.Job, q3.Params = "bdb-q3", map[string]string{"from": "1970-01-01", "to": "1995-01-01", "limit": "0"}
	q3.Inputs, q3.Out = []string{"file://" + dir + "/rk/", "file://" + dir + "/uv/"}, filepath.Join(dir, "ref3")
	if _, err := mapreduce.Run(ctx, q3, mapreduce.Options{}); err != nil {
		t.Fatal(err)
	}
	want3, err := os.ReadFile(filepath.Join(dir, "ref3", "bdb-q3.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	faults := locallambda.Faults{ThrottleRate: 0.15, FailRate: 0.15, CrashRate: 0.15, Seed: 5}

	t.Run("posix", func(t *testing.T) {
		out := filepath.Join(dir, "lambda-out")
		tmp := "file://" + filepath.Join(out, mapreduce.TempDirName)
		env := map[string]string{"HSFAN_STORE": tmp, "HSFAN_BUCKET": mapreduce.DefaultTempBucket,
			"HSFAN_ALLOWED_STORES": "file://" + dir, "HSFAN_ALLOWED_BUCKETS": "uv,rk"}
		endpoint := localLambda(t, bootstrap, 8, 20*time.Second, faults, env)
		spec := base
		spec.Inputs, spec.Out, spec.Concurrency, spec.Invoker = []string{"file://" + dir + "/uv/"}, out, 8, "local"
		res, err := mapreduce.Run(ctx, spec, mapreduce.Options{Invoker: testLambdaClient(t, endpoint)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, "bdb-q2.tsv"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("lambda-local outputs differ from in-process (%d vs %d bytes)", len(got), len(want))
		}
		if res.Stats.Retries+res.Stats.Throttles == 0 {
			t.Errorf("stats %+v: no fault was injected", res.Stats.Counts)
		}
		ls := lambdaStats(t, endpoint)
		t.Logf("attempts %d retries %d throttles %d for %d tasks; lambda-local: %+v", res.Stats.Attempts, res.Stats.Retries, res.Stats.Throttles, res.Stats.Tasks, ls.Total)
		if ls.Total.Crashes == 0 || ls.Total.InjectedFailures == 0 {
			t.Errorf("lambda-local %+v: want injected crashes and failures", ls.Total)
		}
		if _, err := os.Stat(filepath.Join(out, mapreduce.TempDirName)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("intermediate directory left: %v", err)
		}
		spec3 := q3
		spec3.Out, spec3.Concurrency, spec3.Invoker = out, 8, "local"
		if _, err := mapreduce.Run(ctx, spec3, mapreduce.Options{Invoker: testLambdaClient(t, endpoint)}); err != nil {
			t.Fatal(err)
		}
		got3, err := os.ReadFile(filepath.Join(out, "bdb-q3.tsv"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got3, want3) || bytes.Count(want3, []byte("\n")) < 50 {
			t.Errorf("bdb-q3 through lambda-local: %d bytes, in process %d bytes (%d lines)", len(got3), len(want3), bytes.Count(want3, []byte("\n")))
		}
	})

	t.Run("s3", func(t *testing.T) {
		env := envMap(srv.Env())
		env["HSFAN_STORE"], env["HSFAN_BUCKET"] = "s3://", "hsfan"
		endpoint := localLambda(t, bootstrap, 8, 20*time.Second, faults, env)
		spec := base
		spec.Inputs, spec.Out, spec.Concurrency, spec.Invoker = []string{"s3://hsfan/bdb/uservisits/"}, "s3://hsfan/results/q2", 8, "local"
		if _, err := mapreduce.Run(ctx, spec, mapreduce.Options{Invoker: testLambdaClient(t, endpoint), StoreOptions: srv.Options()}); err != nil {
			t.Fatal(err)
		}
		got, _, err := s3.Get(ctx, "hsfan", "results/q2/bdb-q2.tsv")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("S3 outputs differ from the POSIX in-process ones (%d vs %d bytes)", len(got), len(want))
		}
		for _, name := range []string{"manifest.json", "bdb-q2.arrow", "bdb-q2.json"} {
			if _, err := s3.Stat(ctx, "hsfan", "results/q2/"+name); err != nil {
				t.Error(err)
			}
		}
		n := 0
		_ = s3.List(ctx, "hsfan", mapreduce.DefaultTempPrefix+"/", "", func(store.Entry) error { n++; return nil })
		if n != 0 {
			t.Errorf("%d intermediate objects left on S3", n)
		}
	})
}

func lambdaStats(t *testing.T, endpoint string) locallambda.Stats {
	t.Helper()
	resp, err := http.Get(endpoint + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st locallambda.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func testLambdaClient(t *testing.T, endpoint string) *awslambda.Invoker {
	t.Helper()
	inv, err := awslambda.New(context.Background(), awslambda.Config{Function: "hsfan-worker", Endpoint: endpoint,
		Region: "us-east-1", MaxConcurrency: 8, Credentials: aws.AnonymousCredentials{}})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}
