package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNoLambdaService: --invoker local (and lambda at a loopback endpoint) with nothing
// listening fails at once, before the run, saying how to start or point to a Lambda service,
// for hsfan run, a windowed hsfan run --spec and hsfan mapreduce; the output folder is not made.
func TestNoLambdaService(t *testing.T) {
	dir := t.TempDir()
	st := []string{"--store", "file://" + dir, "--bucket", "hsfan"}
	if code, _, errs := run(t, append([]string{"gen", "sst", "--domain", "/s.h5", "--days", "3", "--start", "2022-01-01"}, st...)...); code != 0 {
		t.Fatalf("gen sst: %s", errs)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	specPath := filepath.Join(dir, "w.yaml")
	specText := "name: w\nkind: reduce\nwindow:\n  range: 2022-01-01..2022-01-02\n  time_zone: UTC\nreduce:\n  op: mean\n  domain: /s.h5\n  dataset: /analysed_sst\n  reduce: lat,lon\n"
	if err := os.WriteFile(specPath, []byte(specText), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"run local", append([]string{"run", "mean", "--domain", "/s.h5", "--dataset", "/analysed_sst", "--reduce", "lat,lon", "--invoker", "local", "--lambda-endpoint", closed}, st...)},
		{"run lambda at loopback", append([]string{"run", "mean", "--domain", "/s.h5", "--dataset", "/analysed_sst", "--reduce", "lat,lon", "--invoker", "lambda", "--lambda-endpoint", closed}, st...)},
		{"run windowed spec", append([]string{"run", "--spec", specPath, "--invoker", "local", "--lambda-endpoint", closed}, st...)},
		{"mapreduce", []string{"mapreduce", "wordcount", "--input", "file://" + dir + "/none-*.txt", "--invoker", "local", "--lambda-endpoint", closed}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			start := time.Now()
			code, stdout, errs := run(t, append(tc.args, "--out", out)...)
			if code != 1 || !strings.Contains(errs, "no Lambda service answers at "+closed) || !strings.Contains(errs, "connection refused") ||
				!strings.Contains(errs, "hsfan lambda-local --addr "+strings.TrimPrefix(closed, "http://")) || !strings.Contains(errs, "--lambda-endpoint") {
				t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, errs)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %s", d)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatalf("the output folder was made: %v", err)
			}
		})
	}
}
