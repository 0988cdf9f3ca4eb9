package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/s3test"
)

// run calls the CLI in process and returns its exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := mainCode(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIEndToEnd(t *testing.T) {
	dir := t.TempDir()
	st := []string{"--store", "file://" + dir, "--bucket", "hsfan"}
	with := func(args ...string) []string { return append(args, st...) }

	if code, _, errs := run(t, with("gen", "sst", "--domain", "/shared/sst/t.h5", "--days", "2", "--start", "2022-12-01")...); code != 0 {
		t.Fatalf("gen sst: exit %d: %s", code, errs)
	}
	code, out, errs := run(t, with("ls", "-r", "/")...)
	if code != 0 || !strings.Contains(out, "/shared/sst/t.h5") || !strings.Contains(out, "/analysed_sst") || !strings.Contains(out, "int16 (2, 720, 1440)") {
		t.Fatalf("ls -r: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = run(t, with("get", "--domain", "/shared/sst/t.h5", "--dataset", "/lat", "--select", "[0:3]", "--format", "csv")...)
	if code != 0 || out != "lat_index,lat\n0,-89.875\n1,-89.625\n2,-89.375\n" {
		t.Fatalf("get csv: exit %d %q %s", code, out, errs)
	}
	code, out, errs = run(t, with("get", "--domain", "/shared/sst/t.h5", "--dataset", "/analysed_sst", "--select", "[0:2,360,700:702]", "--format", "json")...)
	var doc struct {
		Shape []int       `json:"shape"`
		Value [][][]int64 `json:"value"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Value) != 2 || len(doc.Value[0][0]) != 2 {
		t.Fatalf("get json: exit %d %q %s", code, out, errs)
	}
	bin := filepath.Join(dir, "x.bin")
	if code, _, errs = run(t, with("get", "--domain", "/shared/sst/t.h5", "--dataset", "/analysed_sst", "--select", "[1,:,:]", "--format", "bin", "-o", bin)...); code != 0 {
		t.Fatalf("get bin: %s", errs)
	}
	if fi, err := os.Stat(bin); err != nil || fi.Size() != 720*1440*2 {
		t.Fatalf("bin output %v %v, want %d bytes", fi, err, 720*1440*2)
	}
	code, out, errs = run(t, with("run", "mean", "--domain", "/shared/sst/t.h5", "--dataset", "/analysed_sst", "--reduce", "lat,lon", "--weights", "coslat:60", "--units", "C", "--dry-run")...)
	if code != 0 || !strings.Contains(out, "tasks     2") || !strings.Contains(out, "estimate") {
		t.Fatalf("run --dry-run: exit %d\n%s%s", code, out, errs)
	}
	outDir := filepath.Join(dir, "out")
	code, out, errs = run(t, with("run", "mean", "--domain", "/shared/sst/t.h5", "--dataset", "/analysed_sst", "--reduce", "lat,lon",
		"--weights", "coslat:60", "--units", "C", "--name", "sst_mean", "--out", outDir)...)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, out, errs)
	}
	for _, f := range []string{"sst_mean.arrow", "sst_mean.json", "sst_mean.png", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(outDir, f)); err != nil {
			t.Errorf("output %s: %v", f, err)
		}
	}
	if !strings.Contains(errs, "est. cost") {
		t.Errorf("no cost in the run report:\n%s", errs)
	}
	// A map: reduce time, keep lat and lon.
	code, _, errs = run(t, with("run", "max", "--domain", "/shared/sst/t.h5", "--dataset", "/analysed_sst", "--select", "[:,0:8,0:8]", "--reduce", "time", "--out", outDir)...)
	if code != 0 {
		t.Fatalf("run max map: %s", errs)
	}
	b, _ := os.ReadFile(filepath.Join(outDir, "analysed_sst_max.json"))
	var m struct {
		Columns map[string][]any `json:"columns"`
	}
	if json.Unmarshal(b, &m) != nil || len(m.Columns["lat"]) != 64 || len(m.Columns["max"]) != 64 {
		t.Errorf("map output: %s", b)
	}
}

func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	st := []string{"--store", "file://" + dir, "--bucket", "hsfan"}
	if code, _, errs := run(t, append([]string{"gen", "cube", "--domain", "/c.h5", "--shape", "10,10", "--chunks", "5,5"}, st...)...); code != 0 {
		t.Fatalf("gen cube: %s", errs)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"nope"}, 2, "unknown command"},
		{[]string{"get", "--dataset", "/data"}, 2, "--domain"},
		{[]string{"get", "--domain", "/c.h5", "--dataset", "/data", "--select", "[0:11,0]"}, 2, "Invalid selection"},
		{[]string{"get", "--domain", "/c.h5", "--dataset", "/data", "--select", "[0:5:0,0]"}, 2, "Invalid selection"},
		{[]string{"get", "--domain", "/c.h5", "--dataset", "/data", "--select", "[5:2,0]"}, 2, "of shape (10, 10): indices 0-9, 0-9: Invalid selection: stop value"},
		{[]string{"run", "mean", "--domain", "/c.h5", "--dataset", "/data", "--select", "[5:2,0]", "--dry-run"}, 1, "of shape (10, 10): indices 0-9, 0-9: Invalid selection: stop value"},
		{[]string{"get", "--domain", "/home/../../etc", "--dataset", "/data"}, 1, "domain"},
		{[]string{"get", "--domain", "/missing.h5", "--dataset", "/data"}, 1, "not found"},
		{[]string{"get", "--domain", "/c.h5", "--dataset", "/nope"}, 1, "not found"},
		{[]string{"run", "median", "--domain", "/c.h5", "--dataset", "/data"}, 2, "median"},
		{[]string{"run", "mean", "--domain", "/c.h5", "--dataset", "/data", "--reduce", "lat"}, 1, "no axis"},
		{[]string{"run", "mean", "--domain", "/c.h5", "--dataset", "/data", "--weights", "coslat"}, 1, "lat"},
		{[]string{"run", "mean", "--domain", "/c.h5", "--dataset", "/data", "--invoker", "carrier-pigeon"}, 2, "invoker"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := tc.args
			if args[0] != "nope" {
				args = append(append([]string{}, args...), st...)
			}
			code, _, errs := run(t, args...)
			if code != tc.code || !strings.Contains(errs, tc.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errs, tc.code, tc.msg)
			}
		})
	}
}

// TestCLIS3: the same commands against a real S3 server (versitygw), results to s3://.
func TestCLIS3(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an S3 server")
	}
	srv := s3test.Start(t)
	srv.CreateBucket(t, "hsfan")
	srv.CreateBucket(t, "results")
	srv.SetEnv(t)
	st := []string{"--store", "s3://", "--bucket", "hsfan"}
	if code, _, errs := run(t, append([]string{"gen", "sst", "--domain", "/sst.h5", "--days", "2"}, st...)...); code != 0 {
		t.Fatalf("gen: %s", errs)
	}
	if code, out, errs := run(t, append([]string{"ls", "/sst.h5"}, st...)...); code != 0 || !strings.Contains(out, "/analysed_sst") {
		t.Fatalf("ls: %s %s", out, errs)
	}
	code, _, errs := run(t, append([]string{"run", "mean", "--domain", "/sst.h5", "--dataset", "/analysed_sst", "--reduce", "lat,lon",
		"--weights", "coslat:60", "--units", "C", "--name", "sst_mean", "--out", "s3://results/sst/run1"}, st...)...)
	if code != 0 {
		t.Fatalf("run: %s", errs)
	}
	s3 := srv.Store(t)
	for _, name := range []string{"sst_mean.arrow", "sst_mean.json", "sst_mean.png", "manifest.json"} {
		if _, err := s3.Stat(context.Background(), "results", "sst/run1/"+name); err != nil {
			t.Errorf("s3://results/sst/run1/%s: %v", name, err)
		}
	}
	if err := s3.List(context.Background(), "results", "sst/run1/", "", func(e store.Entry) error {
		if strings.Contains(e.Key, "probe") {
			t.Errorf("the write probe %s was left in --out", e.Key)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A bucket that does not exist is found before the fan-out.
	code, _, errs = run(t, append([]string{"run", "mean", "--domain", "/sst.h5", "--dataset", "/analysed_sst", "--reduce", "lat,lon",
		"--out", "s3://no-such-bucket/sst"}, st...)...)
	if code != 1 || !strings.Contains(errs, "cannot write there (checked before the run)") || strings.Contains(errs, "tasks over") {
		t.Errorf("--out s3://no-such-bucket: exit %d\n%s", code, errs)
	}
}

// TestGetPages: bin and csv output read in slabs equals a one-shot read.
func TestGetPages(t *testing.T) {
	dir := t.TempDir()
	st := []string{"--store", "file://" + dir, "--bucket", "hsfan"}
	if code, _, errs := run(t, append([]string{"gen", "cube", "--domain", "/p.h5", "--shape", "13,6,5", "--chunks", "4,4,4", "--type", "int32"}, st...)...); code != 0 {
		t.Fatal(errs)
	}
	outputs := map[int64][2]string{}
	for _, pb := range []int64{64 << 20, 40, 1} {
		pageBytes = pb
		var got [2]string
		for i, format := range []string{"bin", "csv"} {
			code, out, errs := run(t, append([]string{"get", "--domain", "/p.h5", "--dataset", "/data", "--select", "[1:13:2,[0,3,5],1:5]", "--format", format}, st...)...)
			if code != 0 {
				t.Fatalf("page %d %s: %s", pb, format, errs)
			}
			got[i] = out
		}
		outputs[pb] = got
	}
	pageBytes = 64 << 20
	if outputs[40] != outputs[64<<20] || outputs[1] != outputs[64<<20] || len(outputs[1][0]) != 6*3*4*4 {
		t.Errorf("paged output differs from the one-shot read (bin lengths %d %d %d)", len(outputs[64<<20][0]), len(outputs[40][0]), len(outputs[1][0]))
	}
	// A header, then 3 x 4 lines per selected row: row 3 (the fourth page at 1 byte per page)
	// starts at line 37, with the dataset indices (7, 0, 1) of its first element.
	if lines := strings.Split(outputs[1][1], "\n"); lines[0] != "dim0_index,dim1_index,dim2_index,data" || !strings.HasPrefix(lines[37], "7,0,1,") {
		t.Errorf("csv header %q, line 37 = %q, want the dataset indices 7,0,1 of selection row 3", lines[0], lines[37])
	}
}
