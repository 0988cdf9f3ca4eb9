package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/jobs/incremental"
	"github.com/hsfan/hsfan/output"
)

// windowSpec writes a spec "last 3 months" (monthly, 06:00 UTC on the 1st) over the daily domain
// in data, its outputs in out.
func windowSpec(t *testing.T, dir, data, out, name string) string {
	t.Helper()
	p := filepath.Join(dir, name+".yaml")
	body := fmt.Sprintf(`name: %s
kind: reduce
schedule:
  cron: "0 6 1 * *"
  time_zone: UTC
window:
  range: last 3 months
  time_zone: UTC
reduce:
  op: mean
  store: file://%s
  bucket: hsfan
  domain: /daily.h5
  dataset: /sst
  reduce: lat,lon
  weights: coslat
  out: %s
  max-chunks: 1
  concurrency: 2
`, name, data, out)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readCatalog(t *testing.T, data, name string) (*incremental.Catalog, output.Table) {
	t.Helper()
	return readCatalogBucket(t, data, "hsfan", name)
}

func readCatalogBucket(t *testing.T, data, bucket, name string) (*incremental.Catalog, output.Table) {
	t.Helper()
	st, err := store.Open(context.Background(), "file://"+data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, table, err := incremental.Read(context.Background(), st, incremental.Location{Bucket: bucket, Prefix: "hsfan-catalog/" + name})
	if err != nil {
		t.Fatal(err)
	}
	return c, table
}

// TestScheduleOnceGrowingAxis is issue 15's "done when" through hsfan schedule run: a spec with
// "last 3 months", monthly, against a domain whose time axis grows by a day between runs computes
// only the new day, and its table (catalog and --out Arrow) equals a from-scratch run bit for bit.
func TestScheduleOnceGrowingAxis(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	d := writeDailyStore(t, data, 120)
	specFile := windowSpec(t, dir, data, filepath.Join(dir, "out"), "sst3m")
	common := []string{"schedule", "run", "--once", "--store", "file://" + data, "--bucket", "hsfan"}
	// 2022-05-01 06:00: [2022-02-01, 2022-05-01) is 89 days.
	code, out, errs := run(t, append(common, "--now", "2022-05-01T06:00:00Z", specFile)...)
	if code != 0 || !strings.Contains(out, "computed 89 steps, reused 0") {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = run(t, append(common, "--now", "2022-05-01T06:00:00Z", specFile)...)
	if code != 0 || !strings.Contains(out, "up to date: 89 steps") {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, errs)
	}
	if err := d.AppendDay(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, append(common, "--now", "2022-05-02T06:00:00Z", specFile)...)
	if code != 0 || !strings.Contains(out, "computed 1 steps, reused 88, dropped 1") {
		t.Fatalf("after the append: exit %d\n%s\n%s", code, out, errs)
	}
	fresh := windowSpec(t, dir, data, filepath.Join(dir, "out-fresh"), "sst3m-fresh")
	code, out, errs = run(t, append(common, "--now", "2022-05-02T06:00:00Z", fresh)...)
	if code != 0 || !strings.Contains(out, "computed 89 steps, reused 0") {
		t.Fatalf("from scratch: exit %d\n%s\n%s", code, out, errs)
	}
	_, inc := readCatalog(t, data, "sst3m")
	_, scratch := readCatalog(t, data, "sst3m-fresh")
	tablesEqual(t, inc, scratch)
	// The Arrow outputs hold the same columns too (their metadata differ: run ids).
	a := readArrowColumns(t, filepath.Join(dir, "out", "sst_mean.arrow"))
	b := readArrowColumns(t, filepath.Join(dir, "out-fresh", "sst_mean.arrow"))
	if a != b || a == "" {
		t.Fatalf("arrow columns differ:\n%s\n%s", a, b)
	}
	code, out, _ = run(t, "schedule", "status", "--store", "file://"+data, "--bucket", "hsfan", specFile)
	if code != 0 || !strings.Contains(out, "last run") || !strings.Contains(out, " ok, ") || !strings.Contains(out, "lease     free") {
		t.Fatalf("status: exit %d\n%s", code, out)
	}
}

func tablesEqual(t *testing.T, a, b output.Table) {
	t.Helper()
	ja, _ := json.Marshal(bitsOf(a))
	jb, _ := json.Marshal(bitsOf(b))
	if !bytes.Equal(ja, jb) || a.Rows() == 0 {
		t.Fatalf("tables differ (%d and %d rows)", a.Rows(), b.Rows())
	}
}

// bitsOf is the table's columns with float64 values as their bits.
func bitsOf(t output.Table) []any {
	var out []any
	for _, c := range t.Columns {
		bits := make([]string, len(c.Float64))
		for i, v := range c.Float64 {
			bits[i] = fmt.Sprintf("%016x", math.Float64bits(v))
		}
		out = append(out, c.Name, bits, c.Int64, c.String)
	}
	return out
}

// readArrowColumns dumps the columns of an Arrow file (without its metadata) as text, floats
// as their bits, nulls as "null".
func readArrowColumns(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var b strings.Builder
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.Record(i)
		if err != nil {
			t.Fatal(err)
		}
		for j, col := range rec.Columns() {
			fmt.Fprintf(&b, "%s:", r.Schema().Field(j).Name)
			for k := 0; k < col.Len(); k++ {
				switch a := col.(type) {
				case *array.Float64:
					if col.IsNull(k) {
						b.WriteString(" null")
					} else {
						fmt.Fprintf(&b, " %016x", math.Float64bits(a.Value(k)))
					}
				case *array.Int64:
					fmt.Fprintf(&b, " %d", a.Value(k))
				case *array.String:
					fmt.Fprintf(&b, " %s", a.Value(k))
				default:
					fmt.Fprintf(&b, " %v", col)
				}
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// TestScheduleSIGTERM: a real SIGTERM to a `hsfan schedule run --once` subprocess in the middle
// of a run: it exits, the catalog and table are the previous ones, the --out table is unchanged
// and no table version of the killed run is left.
func TestScheduleSIGTERM(t *testing.T) {
	if os.Getenv("HSFAN_SIGTERM_HELPER") == "1" {
		return
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	d := writeDailyStore(t, data, 60)
	outDir := filepath.Join(dir, "out")
	specFile := windowSpec(t, dir, data, outDir, "killme")
	if code, out, errs := run(t, "schedule", "run", "--once", "--store", "file://"+data, "--bucket", "hsfan", "--now", "2022-03-01T06:00:00Z", specFile); code != 0 {
		t.Fatalf("first run: %d %s %s", code, out, errs)
	}
	before, beforeTable := readCatalog(t, data, "killme")
	arrowBefore, err := os.ReadFile(filepath.Join(outDir, "sst_mean.arrow"))
	if err != nil {
		t.Fatal(err)
	}
	// Every day rewritten: the next run recomputes 59 steps, slowly (see the helper).
	for k := 0; k < 60; k++ {
		if err := d.WriteDay(context.Background(), k, 0.5); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestScheduleSIGTERMHelper$")
	cmd.Env = append(os.Environ(), "HSFAN_SIGTERM_HELPER=1",
		"HSFAN_HELPER_ARGS="+strings.Join([]string{"schedule", "run", "--once", "--store", "file://" + data, "--bucket", "hsfan", "--now", "2022-03-01T06:00:00Z", specFile}, "\x1f"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var log strings.Builder
	invoked := false
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "helper: invocation 5") {
			invoked = true
			break
		}
	}
	if !invoked {
		_ = cmd.Process.Kill()
		t.Fatalf("the helper never got to its 5th task:\n%s", log.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("the killed run exited 0:\n%s", log.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the helper did not exit after SIGTERM")
	}
	after, afterTable := readCatalog(t, data, "killme")
	if after.Version != before.Version || after.Table != before.Table || after.RunID != before.RunID {
		t.Fatalf("the killed run moved the catalog: %+v -> %+v", before, after)
	}
	tablesEqual(t, beforeTable, afterTable)
	arrowAfter, err := os.ReadFile(filepath.Join(outDir, "sst_mean.arrow"))
	if err != nil || !bytes.Equal(arrowBefore, arrowAfter) {
		t.Fatalf("the --out table changed (%v)", err)
	}
	entries, _ := os.ReadDir(filepath.Join(data, "hsfan", "hsfan-catalog", "killme", "tables"))
	if len(entries) != 1 {
		t.Fatalf("table versions left: %v", entries)
	}
}

// TestScheduleSIGTERMHelper is the subprocess of TestScheduleSIGTERM: hsfan's main with SIGTERM
// handling, every task slowed down to 100 ms and logged.
func TestScheduleSIGTERMHelper(t *testing.T) {
	if os.Getenv("HSFAN_SIGTERM_HELPER") != "1" {
		t.Skip("the subprocess of TestScheduleSIGTERM")
	}
	var n atomic.Int64
	invokerHook = func(inv fanout.Invoker) fanout.Invoker {
		return invokeFunc(func(ctx context.Context, p []byte) (fanout.Result, error) {
			fmt.Fprintf(os.Stderr, "helper: invocation %d\n", n.Add(1))
			select {
			case <-time.After(100 * time.Millisecond):
			case <-ctx.Done():
				return fanout.Result{}, ctx.Err()
			}
			return inv.Invoke(ctx, p)
		})
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	code := mainCode(ctx, strings.Split(os.Getenv("HSFAN_HELPER_ARGS"), "\x1f"), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type invokeFunc func(ctx context.Context, p []byte) (fanout.Result, error)

func (f invokeFunc) Invoke(ctx context.Context, p []byte) (fanout.Result, error) { return f(ctx, p) }

// TestScheduleStatusEndpoint: --status-addr serves the scheduler's state while it runs.
func TestScheduleStatusEndpoint(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	writeDailyStore(t, data, 5)
	specFile := windowSpec(t, dir, data, filepath.Join(dir, "out"), "st")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- mainCode(ctx, []string{"schedule", "run", "--status-addr", "127.0.0.1:0", "--store", "file://" + data, "--bucket", "hsfan", specFile}, io.Discard, pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	addr := ""
	for sc.Scan() {
		if _, a, ok := strings.Cut(sc.Text(), "status at "); ok {
			addr = a
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if addr == "" {
		t.Fatal("no status address announced")
	}
	resp, err := http.Get(addr)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Specs []struct {
			Name, Cron string
			TimeZone   string `json:"time_zone"`
			Next       *time.Time
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if err != nil || len(body.Specs) != 1 || body.Specs[0].Name != "st" || body.Specs[0].Next == nil || body.Specs[0].Next.UTC().Day() != 1 || body.Specs[0].Next.UTC().Hour() != 6 {
		t.Fatalf("status %+v %v", body, err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after cancellation", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the scheduler did not stop")
	}
}

// TestScheduleMapReduce: a spec of kind mapreduce (with a job parameter, params: x: 5) run by
// hsfan schedule gives the same table as the same job run with hsfan mapreduce --param x=5; with the runner removed, the kind is a clear error
// (never a silent no-op).
func TestScheduleMapReduce(t *testing.T) {
	dir := t.TempDir()
	uv := filepath.Join(dir, "uv")
	if code, out, errs := run(t, "gen", "uservisits", "--rows", "3000", "--parts", "3", "--out", uv); code != 0 {
		t.Fatalf("gen: exit %d\n%s\n%s", code, out, errs)
	}
	specFile := filepath.Join(dir, "q2.yaml")
	body := fmt.Sprintf("name: q2\nkind: mapreduce\nschedule:\n  cron: \"@daily\"\n  time_zone: UTC\nmapreduce:\n  job: bdb-q2\n  input: [\"file://%s/\"]\n  out: %s\n  params:\n    x: 5\n  reducers: 3\n  split-size: 20000\n",
		uv, filepath.Join(dir, "scheduled"))
	if err := os.WriteFile(specFile, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := run(t, "schedule", "run", "--once", "--store", "file://"+dir, "--bucket", "hsfan", specFile); code != 0 {
		t.Fatalf("schedule: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := run(t, "mapreduce", "bdb-q2", "--param", "x=5", "--input", "file://"+uv+"/", "--out", filepath.Join(dir, "direct")); code != 0 {
		t.Fatalf("mapreduce: exit %d\n%s\n%s", code, out, errs)
	}
	got, err := os.ReadFile(filepath.Join(dir, "scheduled", "bdb-q2.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "direct", "bdb-q2.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Fatalf("scheduled table (%d bytes) differs from hsfan mapreduce's (%d bytes)", len(got), len(want))
	}

	saved := mapReduce
	mapReduce = nil
	defer func() { mapReduce = saved }()
	code, out, errs := run(t, "schedule", "run", "--once", "--store", "file://"+dir, "--bucket", "hsfan", specFile)
	if code != 1 || !strings.Contains(errs, "kind mapreduce is not wired") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}

// TestScheduleCronTicks: hsfan schedule run (not --once) runs a windowed spec on its cron
// schedule (@every 1s): the first tick computes the window, the next ones find it up to date;
// cancelling (what SIGTERM does) stops it with exit 0.
func TestScheduleCronTicks(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	writeDailyStore(t, data, 8)
	specFile := filepath.Join(dir, "tick.yaml")
	body := fmt.Sprintf("name: tick\nkind: reduce\nschedule:\n  cron: \"@every 1s\"\n  time_zone: UTC\nwindow:\n  range: 2022-01-01..2022-12-31\n  time_zone: UTC\n"+
		"reduce:\n  op: max\n  store: file://%s\n  bucket: hsfan\n  domain: /daily.h5\n  dataset: /sst\n  reduce: lat,lon\n  out: %s\n", data, filepath.Join(dir, "out"))
	if err := os.WriteFile(specFile, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- mainCode(ctx, []string{"schedule", "run", "--store", "file://" + data, "--bucket", "hsfan", specFile}, &stdout, io.Discard)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stdout.String(), "up to date: 8 steps") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the scheduler did not stop")
	}
	out := stdout.String()
	if !strings.Contains(out, "computed 8 steps") || !strings.Contains(out, "up to date: 8 steps") || strings.Count(out, "computed 8 steps") != 1 {
		t.Fatalf("ticks:\n%s", out)
	}
	c, _ := readCatalog(t, data, "tick")
	if c.Version != 1 {
		t.Fatalf("catalog version %d: the up-to-date ticks wrote", c.Version)
	}
}
