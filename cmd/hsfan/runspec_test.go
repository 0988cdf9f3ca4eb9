package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
	"github.com/hsfan/hsfan/jobs/incremental"
	"github.com/hsfan/hsfan/jobs/spec"
)

// runFlagValues are a valid value, different from the default, for every flag of hsfan run. A
// new run flag fails TestRunSpecRoundTrip until it has a value here and a key in the spec.
var runFlagValues = map[string]string{
	"store": "file:///tmp/x", "bucket": "b2", "store-follow-symlinks": "true", "s3-region": "us-west-2",
	"s3-requester-pays": "true", "s3-credentials-url": "https://example.org/s3credentials", "netrc": "/tmp/netrc",
	"domain": "/shared/sst/mur25.h5", "dataset": "/analysed_sst", "select": "[0:31,:,:]", "no-cf": "true",
	"reduce": "lat,lon", "weights": "coslat:60", "units": "C", "min-count": "3", "ddof": "1", "bins": "7",
	"hist-min": "-2.5", "hist-max": "0.1", "out": "out2", "name": "series", "no-plot": "true",
	"invoker": "local", "concurrency": "17", "worker-concurrency": "3", "target-bytes": "1048577", "task-time": "1m30s",
	"max-chunks": "9", "task-timeout": "2m0s", "max-attempts": "5", "speculate": "true", "dry-run": "true", "v": "true",
	"cpuprofile": "/tmp/cpu.prof", "function": "fn", "qualifier": "live", "lambda-endpoint": "http://127.0.0.1:9", "memory": "4096",
	"arch": "x86_64", "ref-allow": "b1,b2/p", "ref-follow-symlinks": "true", "result-bucket": "rb", "result-prefix": "rp",
}

// TestRunSpecRoundTrip: every flag of hsfan run has a key in the spec, and flags -> --print-spec
// -> spec -> flags gives every flag its value back.
func TestRunSpecRoundTrip(t *testing.T) {
	_, _, _, fs := captureFlags(t, "run", "-h")
	var args []string
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		if specOnlyFlags[f.Name] {
			return
		}
		names = append(names, f.Name)
		v, ok := runFlagValues[f.Name]
		if !ok {
			t.Errorf("run flag --%s has no test value: add it to runFlagValues and a key to spec.Reduce", f.Name)
			return
		}
		if v == f.DefValue {
			t.Errorf("the test value of --%s is its default", f.Name)
		}
		args = append(args, "--"+f.Name+"="+v)
	})
	sort.Strings(names)
	if got := spec.FlagNames(); strings.Join(got, " ") != strings.Join(names, " ") {
		t.Fatalf("spec keys %v\nrun flags %v", got, names)
	}
	code, out, errs := run(t, append([]string{"run", "histogram", "--print-spec"}, args...)...)
	if code != 0 {
		t.Fatalf("--print-spec: exit %d: %s", code, errs)
	}
	js, err := spec.Parse("printed", []byte(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if js.Reduce.Op != "histogram" || js.Kind != spec.KindReduce || js.Name != "series" {
		t.Fatalf("printed spec: %+v", js)
	}
	// Back to flags: the same values, parsed by run's own flags.
	fs2 := flag.NewFlagSet("run", flag.ContinueOnError)
	var o runOptions
	o.register(fs2)
	if err := fs2.Parse(js.Reduce.Args()[1:]); err != nil {
		t.Fatal(err)
	}
	fs.VisitAll(func(f *flag.Flag) {
		if specOnlyFlags[f.Name] {
			return
		}
		if got := fs2.Lookup(f.Name).Value.String(); got != runFlagValues[f.Name] {
			t.Errorf("--%s: %q after the round trip, want %q", f.Name, got, runFlagValues[f.Name])
		}
	})
	// And the spec file runs the same command line: --spec FILE --print-spec prints it again.
	file := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out2, errs := run(t, "run", "--spec", file, "--print-spec")
	if code != 0 || out2 != out {
		t.Fatalf("--spec --print-spec: exit %d %s\n%s\nwant\n%s", code, errs, out2, out)
	}
}

// TestRunSpecErrors: bad values in a spec name the file, line and key; flags override the spec;
// an OP differing from the spec's is refused.
func TestRunSpecErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "s.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := "name: s\nkind: reduce\nreduce:\n  op: mean\n  domain: /d.h5\n  dataset: /x\n"
	for _, tc := range []struct {
		body string
		args []string
		code int
		want string
	}{
		{base + "  concurrency: 0\n", nil, 2, "s.yaml:7: reduce.concurrency: \"0\": out of range: want an integer in [1, 100000]"},
		{base + "  invoker: ec2\n", nil, 2, "s.yaml:7: reduce.invoker: \"ec2\": want one of inproc, lambda, local"},
		{base + "  task-time: soon\n", nil, 2, "s.yaml:7: reduce.task-time"},
		{base + "  concurency: 3\n", nil, 2, "s.yaml:7: unknown key concurency"},
		{base, []string{"sum"}, 2, "OP sum conflicts with the op mean"},
		{base + "  concurrency: 0\n", []string{"--concurrency", "5", "--print-spec"}, 2, "reduce.concurrency"},
		{base + "  concurrency: 3\n", []string{"--concurrency", "5", "--print-spec"}, 0, "concurrency: 5"},
		{"name: s\nkind: mapreduce\nmapreduce:\n  job: wordcount\n  input: [a]\n  out: o\n", nil, 2, "kind mapreduce"},
	} {
		p := write(tc.body)
		code, out, errs := run(t, append([]string{"run", "--spec", p}, tc.args...)...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%q %v: exit %d, %q %q; want exit %d and %q", tc.body, tc.args, code, out, errs, tc.code, tc.want)
		}
	}
}

// writeDailyStore writes a synth.Daily domain of days days into a file store under dir.
func writeDailyStore(t *testing.T, dir string, days int) *synth.Daily {
	t.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(filepath.Join(dir, "hsfan"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf.Create(ctx, st, "hsfan", "/daily.h5", hdf.CreateOptions{Owner: "test", Parents: true})
	if err != nil {
		t.Fatal(err)
	}
	d, err := synth.WriteDaily(ctx, f, days, "days since 2022-01-01 00:00:00", "standard")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRunWindowedSpec: hsfan run --spec with a window computes, is a no-op the second time and
// says so, and writes the merged table to --out.
func TestRunWindowedSpec(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	d := writeDailyStore(t, data, 20)
	specFile := filepath.Join(dir, "w.yaml")
	body := `name: w
kind: reduce
window:
  range: 2022-01-05..2022-12-31
  time_zone: UTC
reduce:
  op: mean
  store: file://` + data + `
  bucket: hsfan
  domain: /daily.h5
  dataset: /sst
  reduce: lat,lon
  out: ` + filepath.Join(dir, "out") + `
`
	if err := os.WriteFile(specFile, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "run", "--spec", specFile, "--dry-run")
	if code != 0 || !strings.Contains(out, "dry run: would compute 16 steps (2022-01-05T00:00:00 .. 2022-01-20T00:00:00), reuse 0") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = run(t, "run", "--spec", specFile)
	if code != 0 || !strings.Contains(out, "computed 16 steps") {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errs)
	}
	if strings.Contains(errs, "computed 16 steps") {
		t.Fatalf("first run: the summary is on stderr too:\n%s", errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "sst_mean.arrow")); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, "run", "--spec", specFile)
	if code != 0 || !strings.Contains(out, "up to date: 16 steps") {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, errs)
	}
	if err := d.AppendDay(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, "run", "--spec", specFile, "--dry-run")
	if code != 0 || !strings.Contains(out, "would compute 1 steps (2022-01-21T00:00:00 .. 2022-01-21T00:00:00), reuse 16") {
		t.Fatalf("dry run after the append: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = run(t, "run", "--spec", specFile)
	if code != 0 || !strings.Contains(out, "computed 1 steps, reused 16") {
		t.Fatalf("third run: exit %d\n%s\n%s", code, out, errs)
	}
	st, _ := store.Open(context.Background(), "file://"+data, store.Options{})
	c, table, err := incremental.Read(context.Background(), st, incremental.Location{Bucket: "hsfan", Prefix: "hsfan-catalog/w"})
	if err != nil || c.Version != 2 || table.Rows() != 17 {
		t.Fatalf("catalog %+v rows %d: %v", c, table.Rows(), err)
	}
}

// TestReduceSpecDefaults: the defaults the Lambda coordinator gives absent keys
// (spec.Reduce.ReduceSpec) are hsfan run's flag defaults.
func TestReduceSpecDefaults(t *testing.T) {
	_, _, _, fs := captureFlags(t, "run", "-h")
	for name, want := range map[string]string{
		"bins": fmt.Sprint(spec.DefaultBins), "out": spec.DefaultOut, "concurrency": fmt.Sprint(spec.DefaultConcurrency),
		"task-time": spec.DefaultTaskTime.String(), "max-chunks": fmt.Sprint(spec.DefaultMaxChunks),
		"max-attempts": fmt.Sprint(spec.DefaultMaxAttempts), "memory": fmt.Sprint(spec.DefaultMemoryMB), "arch": spec.DefaultArch,
	} {
		if got := fs.Lookup(name).DefValue; got != want {
			t.Errorf("--%s default %s, the spec's default %s", name, got, want)
		}
	}
}
