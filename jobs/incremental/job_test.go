package incremental

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
	"github.com/hsfan/hsfan/jobs/reduce"
	"github.com/hsfan/hsfan/jobs/spec"
	"github.com/hsfan/hsfan/output"
	"github.com/hsfan/hsfan/transport/inproc"
	"github.com/hsfan/hsfan/worker"
)

const (
	bucket = "hsfan"
	domain = "/daily.h5"
)

// daily is a synth.Daily domain in a memory store.
type daily struct {
	st store.Store
	*synth.Daily
}

func newDaily(t *testing.T, days int, units, cal string) *daily {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "mem://", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf.Create(ctx, st, bucket, domain, hdf.CreateOptions{Owner: "test"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := synth.WriteDaily(ctx, f, days, units, cal)
	if err != nil {
		t.Fatal(err)
	}
	return &daily{st: st, Daily: d}
}

func (d *daily) appendDay(t *testing.T) {
	t.Helper()
	if err := d.AppendDay(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (d *daily) writeDayValue(t *testing.T, k int, add float32) {
	t.Helper()
	if err := d.WriteDay(context.Background(), k, add); err != nil {
		t.Fatal(err)
	}
}

// countingInvoker counts the task invocations (each task is one or more steps' chunks).
type countingInvoker struct {
	inner fanout.Invoker
	calls atomic.Int64
	fail  func() error
}

func (c *countingInvoker) Invoke(ctx context.Context, payload []byte) (fanout.Result, error) {
	c.calls.Add(1)
	if c.fail != nil {
		if err := c.fail(); err != nil {
			return fanout.Result{}, err
		}
	}
	return c.inner.Invoke(ctx, payload)
}

func (d *daily) job(name, window string, now time.Time) (*Job, *countingInvoker) {
	h := worker.NewHandler(worker.Config{DefaultStore: "mem://", DefaultBucket: bucket,
		OpenStore: func(context.Context, string) (store.Store, error) { return d.st, nil }})
	inv := &countingInvoker{inner: &inproc.Invoker{Handler: h}}
	j := &Job{Name: name, Store: d.st, Now: now, Invoker: inv,
		Spec: reduce.Spec{Store: "mem://", Bucket: bucket, Domain: domain, Dataset: "/sst", Op: "mean",
			Reduce: []string{"lat", "lon"}, Weights: "coslat", Concurrency: 4, MaxAttempts: 1, MaxChunksPerTask: 1}}
	if window != "" {
		j.Window = &spec.Window{Range: window, TimeZone: "UTC"}
	}
	return j, inv
}

func run(t *testing.T, j *Job) *Result {
	t.Helper()
	r, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sameBits compares two tables column by column, float64 values bit for bit.
func sameBits(t *testing.T, a, b output.Table) {
	t.Helper()
	if len(a.Columns) != len(b.Columns) || a.Rows() != b.Rows() {
		t.Fatalf("tables differ in shape: %d columns %d rows vs %d columns %d rows", len(a.Columns), a.Rows(), len(b.Columns), b.Rows())
	}
	for i := range a.Columns {
		x, y := a.Columns[i], b.Columns[i]
		if x.Name != y.Name || x.Kind() != y.Kind() {
			t.Fatalf("column %d: %s %v vs %s %v", i, x.Name, x.Kind(), y.Name, y.Kind())
		}
		for r := range x.Float64 {
			if math.Float64bits(x.Float64[r]) != math.Float64bits(y.Float64[r]) {
				t.Fatalf("column %s row %d: %v vs %v", x.Name, r, x.Float64[r], y.Float64[r])
			}
		}
		if !reflect.DeepEqual(x.Int64, y.Int64) || !reflect.DeepEqual(x.String, y.String) {
			t.Fatalf("column %s differs:\n%v %v\n%v %v", x.Name, x.Int64, x.String, y.Int64, y.String)
		}
	}
}

// TestGrowingAxisLastThreeMonths is issue 15's "done when": a spec with "last 3 months" run
// against a domain whose time axis grows by a day between runs computes only the new day, its
// table equals a from-scratch run bit for bit, re-running is a no-op that says so, and a run
// cancelled mid-way leaves the previous table intact.
func TestGrowingAxisLastThreeMonths(t *testing.T) {
	// 2022-01-01 + 120 days; the run day is the day after the last step.
	d := newDaily(t, 120, "days since 2022-01-01 00:00:00", "standard")
	now := func() time.Time { return time.Date(2022, 1, 1, 6, 0, 0, 0, time.UTC).AddDate(0, 0, d.Days) }
	var rep strings.Builder
	j, inv := d.job("sst-3m", "last 3 months", now())
	j.Report = &rep
	r1 := run(t, j)
	// 2022-05-01 06:00: last 3 months is [2022-02-01, 2022-05-01): 89 days
	if len(r1.Computed) != 89 || r1.Reused != 0 || !r1.Complete || r1.Table.Rows() != 89 {
		t.Fatalf("first run: computed %d reused %d complete %v rows %d", len(r1.Computed), r1.Reused, r1.Complete, r1.Table.Rows())
	}
	if r1.Computed[0] != "2022-02-01T00:00:00" || inv.calls.Load() != 89 {
		t.Fatalf("first step %s, %d tasks", r1.Computed[0], inv.calls.Load())
	}
	// The same spec again: nothing computed, nothing written, and it says so.
	j2, inv2 := d.job("sst-3m", "last 3 months", now())
	rep.Reset()
	j2.Report = &rep
	r2 := run(t, j2)
	if !r2.NoOp || len(r2.Computed) != 0 || inv2.calls.Load() != 0 || !strings.Contains(r2.Summary(), "up to date") {
		t.Fatalf("second run: noop %v computed %d calls %d summary %q", r2.NoOp, len(r2.Computed), inv2.calls.Load(), r2.Summary())
	}
	// A day is appended and the run is a day later: one step computed, the window slides.
	d.appendDay(t)
	j3, inv3 := d.job("sst-3m", "last 3 months", now())
	r3 := run(t, j3)
	if len(r3.Computed) != 1 || r3.Computed[0] != "2022-05-01T00:00:00" || inv3.calls.Load() != 1 {
		t.Fatalf("after the append: computed %v (%d tasks)", r3.Computed, inv3.calls.Load())
	}
	// 2022-05-02: [2022-02-02, 2022-05-02): 2022-02-01 dropped
	if r3.Dropped != 1 || r3.Reused != 88 || r3.Table.Rows() != 89 {
		t.Fatalf("after the append: dropped %d reused %d rows %d", r3.Dropped, r3.Reused, r3.Table.Rows())
	}
	// From scratch (a new catalog) gives the same table bit for bit.
	fresh, _ := d.job("sst-3m-fresh", "last 3 months", now())
	rf := run(t, fresh)
	sameBits(t, r3.Table, rf.Table)
	cat, table, err := Read(context.Background(), d.st, Location{Bucket: bucket, Prefix: "hsfan-catalog/sst-3m"})
	if err != nil {
		t.Fatal(err)
	}
	sameBits(t, table, rf.Table)
	if cat.Version != 2 {
		t.Fatalf("catalog version %d, want 2 (the no-op run wrote nothing)", cat.Version)
	}
	// Every row names its input version, and it is the version the catalog recorded.
	in, _ := table.Column(InputColumn)
	for i, s := range cat.Steps {
		if in.String[i] != s.Input || len(s.Input) != 32 {
			t.Fatalf("row %d input %q, catalog %q", i, in.String[i], s.Input)
		}
	}
	// A changed input (a chunk rewritten) recomputes that step only.
	d.writeDayValue(t, 100, 5)
	j4, _ := d.job("sst-3m", "last 3 months", now())
	r4 := run(t, j4)
	if len(r4.Computed) != 1 || r4.Computed[0] != "2022-04-11T00:00:00" {
		t.Fatalf("after a rewrite: computed %v", r4.Computed)
	}
	// A run killed mid-way (its context cancelled during the fan-out) leaves the table as it was.
	d.appendDay(t)
	before, beforeTable, err := Read(context.Background(), d.st, Location{Bucket: bucket, Prefix: "hsfan-catalog/sst-3m"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	j5, inv5 := d.job("sst-3m", "2022-01-01..2022-12-31", now())
	inv5.fail = func() error {
		if inv5.calls.Load() == 20 {
			cancel()
		}
		return nil
	}
	if _, err := j5.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	after, afterTable, err := Read(context.Background(), d.st, Location{Bucket: bucket, Prefix: "hsfan-catalog/sst-3m"})
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != before.Version || after.Table != before.Table {
		t.Fatalf("the cancelled run moved the catalog: %d %s -> %d %s", before.Version, before.Table, after.Version, after.Table)
	}
	sameBits(t, beforeTable, afterTable)
	// No table object of the cancelled run is left behind.
	var objs []string
	_ = d.st.List(context.Background(), bucket, "hsfan-catalog/sst-3m/tables/", "", func(e store.Entry) error {
		objs = append(objs, e.Key)
		return nil
	})
	if len(objs) > 2 {
		t.Fatalf("table objects left: %v", objs)
	}
}

// TestDeadlineContinuation: a run whose context deadline leaves time for a few batches stops
// fanning out in time, commits what it computed (pending steps in the catalog), and the next run
// computes the rest: every step is computed exactly once, and the final table equals a
// from-scratch run.
func TestDeadlineContinuation(t *testing.T) {
	d := newDaily(t, 40, "days since 2022-01-01", "standard")
	now := time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)
	seen := map[string]int{}
	total := 0
	for i := 0; i < 20; i++ {
		j, inv := d.job("dl", "2022-01-01..2022-12-31", now)
		j.BatchSteps = 4
		j.Reserve = 100 * time.Millisecond
		inv.fail = func() error { time.Sleep(40 * time.Millisecond); return nil }
		ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
		r, err := j.Run(ctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			// A batch outlived the deadline (a loaded machine): like a Lambda killed at its
			// timeout, its steps are not committed and the next invocation computes them.
			total++
			continue
		}
		if err != nil {
			t.Fatalf("invocation %d: %v", i, err)
		}
		for _, s := range r.Computed {
			seen[s]++
		}
		total++
		if r.Complete {
			break
		}
		if r.Pending == 0 || len(r.Computed) == 0 {
			t.Fatalf("invocation %d: incomplete without progress: %+v", i, r)
		}
	}
	if total < 2 {
		t.Fatalf("the deadline never stopped a run (%d invocation): the test proves nothing", total)
	}
	if len(seen) != 40 {
		t.Fatalf("%d distinct steps computed, want 40", len(seen))
	}
	for s, n := range seen {
		if n != 1 {
			t.Fatalf("step %s computed %d times", s, n)
		}
	}
	_, table, err := Read(context.Background(), d.st, Location{Bucket: bucket, Prefix: "hsfan-catalog/dl"})
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := d.job("dl-fresh", "2022-01-01..2022-12-31", now)
	sameBits(t, table, run(t, fresh).Table)
	t.Logf("%d invocations", total)
}

// TestNotYetComputed: the window "not yet computed" keeps the steps computed before and adds
// the steps after the catalog's last one, whatever the run time.
func TestNotYetComputed(t *testing.T) {
	d := newDaily(t, 10, "days since 2022-01-01", "standard")
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	j, _ := d.job("nyc", "not yet computed", now)
	if r := run(t, j); len(r.Computed) != 10 {
		t.Fatalf("first run computed %d", len(r.Computed))
	}
	d.appendDay(t)
	d.appendDay(t)
	j, inv := d.job("nyc", "not yet computed", now)
	r := run(t, j)
	if len(r.Computed) != 2 || r.Computed[0] != "2022-01-11T00:00:00" || inv.calls.Load() != 2 || r.Table.Rows() != 12 {
		t.Fatalf("second run computed %v (%d tasks), %d rows", r.Computed, inv.calls.Load(), r.Table.Rows())
	}
	j, _ = d.job("nyc", "not yet computed", now)
	if r := run(t, j); !r.NoOp {
		t.Fatalf("third run: %s", r.Summary())
	}
}

// TestNonStandardCalendar: a 360_day axis: "previous calendar month" at 2022-03-10 holds 30
// February steps, and the table's time labels are the calendar's own dates.
func TestNonStandardCalendar(t *testing.T) {
	d := newDaily(t, 75, "days since 2022-01-01", "360_day")
	j, _ := d.job("c360", "previous calendar month", time.Date(2022, 3, 10, 0, 0, 0, 0, time.UTC))
	r := run(t, j)
	tc, _ := r.Table.Column("time")
	if r.Table.Rows() != 30 || tc.String[0] != "2022-02-01" || tc.String[29] != "2022-02-30" {
		t.Fatalf("%d rows, %v", r.Table.Rows(), tc.String)
	}
}

// TestConflict: two runs that read the same catalog: the second swap fails (IfMatch), its table
// version is deleted, and the catalog is the first run's.
func TestConflict(t *testing.T) {
	d := newDaily(t, 5, "days since 2022-01-01", "standard")
	j1, _ := d.job("cf", "", time.Now())
	run(t, j1)
	d.writeDayValue(t, 2, 1)
	j2, inv := d.job("cf", "", time.Now())
	// While j2 computes, another run commits.
	inv.fail = func() error {
		if inv.calls.Load() == 1 {
			j3, _ := d.job("cf", "", time.Now())
			run(t, j3)
		}
		return nil
	}
	_, err := j2.Run(context.Background())
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	c, _, err := Read(context.Background(), d.st, Location{Bucket: bucket, Prefix: "hsfan-catalog/cf"})
	if err != nil || c.Version != 2 {
		t.Fatalf("catalog %+v %v", c, err)
	}
}

// TestRefusals: specs an incremental run cannot honour are clear errors.
func TestRefusals(t *testing.T) {
	d := newDaily(t, 5, "days since 2022-01-01", "standard")
	for _, tc := range []struct {
		name string
		edit func(*Job)
		want string
	}{
		{"time reduced", func(j *Job) { j.Spec.Reduce = []string{"time", "lat"} }, "time axis time is reduced"},
		{"select", func(j *Job) { j.Spec.Select = "[0:2,:,:]" }, "remove select"},
		{"histogram range", func(j *Job) { j.Spec.Op = "histogram"; j.Spec.Bins = 4 }, "hist-min and hist-max"},
		{"bad axis", func(j *Job) { j.Window.Axis = "depth" }, "window axis depth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, _ := d.job("r", "2022-01-01..2022-01-03", time.Now())
			tc.edit(j)
			_, err := j.Run(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestSeveralRowsPerStep: with lon kept as well, each step has a row per lon; an appended day
// adds its rows and the table equals a from-scratch run.
func TestSeveralRowsPerStep(t *testing.T) {
	d := newDaily(t, 6, "days since 2022-01-01", "noleap")
	now := time.Date(2022, 2, 1, 0, 0, 0, 0, time.UTC)
	j, _ := d.job("rows", "last 30 days", now)
	j.Spec.Reduce = []string{"lat"}
	run(t, j)
	d.appendDay(t)
	j, inv := d.job("rows", "last 30 days", now)
	j.Spec.Reduce = []string{"lat"}
	r := run(t, j)
	if len(r.Computed) != 1 || inv.calls.Load() != 1 || r.Table.Rows() != 6*synth.DailyLon {
		t.Fatalf("computed %v, %d rows", r.Computed, r.Table.Rows())
	}
	f, _ := d.job("rows-fresh", "last 30 days", now)
	f.Spec.Reduce = []string{"lat"}
	sameBits(t, r.Table, run(t, f).Table)
}

// TestEmptyWindowKeepsTable: a relative window that holds none of the data (run time far after
// it) is ErrEmptyWindow and writes nothing: the next run at the first run time is a no-op.
func TestEmptyWindowKeepsTable(t *testing.T) {
	d := newDaily(t, 10, "days since 2022-01-01", "standard")
	at := time.Date(2022, 1, 11, 6, 0, 0, 0, time.UTC)
	j, _ := d.job("empty", "last 3 months", at)
	if r := run(t, j); len(r.Computed) != 10 {
		t.Fatalf("first run computed %d", len(r.Computed))
	}
	j, inv := d.job("empty", "last 3 months", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	r, err := j.Run(context.Background())
	if !errors.Is(err, ErrEmptyWindow) || !strings.Contains(err.Error(), "nothing written") || inv.calls.Load() != 0 {
		t.Fatalf("run in 2030: %v, %+v, %d tasks", err, r, inv.calls.Load())
	}
	j, _ = d.job("empty", "last 3 months", at)
	if r := run(t, j); !r.NoOp || r.Table.Rows() != 10 {
		t.Fatalf("after the empty window: %s", r.Summary())
	}
}

// TestWindowDayNotInCalendar: an absolute window naming a day the axis's calendar does not
// have is refused before anything is computed or written (the catalog keeps its version); the
// same window runs on a 360_day axis, which has 30 February.
func TestWindowDayNotInCalendar(t *testing.T) {
	now := time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		cal, rng, want string
	}{
		{"standard", "2022-02-30..2022-03-01", "2022-02-30 is not a day of the standard calendar of time axis time"},
		{"gregorian", "2022-02-28..2022-02-30", "2022-02-30 is not a day of the standard calendar"},
		{"proleptic_gregorian", "2022-02-30..2022-03-01", "proleptic_gregorian"},
		{"julian", "2022-02-29..2022-03-01", "2022-02-29 is not a day of the julian calendar"},
		{"noleap", "2022-02-29..2022-03-01", "noleap"},
		{"all_leap", "2022-02-30..2022-03-01", "all_leap"},
		{"360_day", "2022-01-31..2022-02-01", "2022-01-31 is not a day of the 360_day calendar"},
		{"360_day", "2022-02-30..2022-03-01", ""},
		{"all_leap", "2022-02-29..2022-03-01", ""},
	} {
		t.Run(tc.cal+" "+tc.rng, func(t *testing.T) {
			d := newDaily(t, 70, "days since 2022-01-01", tc.cal)
			j, _ := d.job("cal", "2022-02-01..2022-02-28", now)
			first := run(t, j)
			j, inv := d.job("cal", tc.rng, now)
			r, err := j.Run(context.Background())
			if tc.want == "" {
				if err != nil || len(r.Computed) == 0 {
					t.Fatalf("refused on %s: %v", tc.cal, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "window.range") || inv.calls.Load() != 0 {
				t.Fatalf("err = %v (%d tasks), want %q", err, inv.calls.Load(), tc.want)
			}
			c, _, err := Read(context.Background(), d.st, Location{Bucket: bucket, Prefix: "hsfan-catalog/cal"})
			if err != nil || c.Version != first.Catalog.Version {
				t.Fatalf("catalog after the refused run: %+v %v", c, err)
			}
		})
	}
}

// TestRelativeWindowInAxisCalendar: "last 1 month" run on 31 March over a 360_day axis holds one
// month of that calendar, 30 February .. 30 March (31 steps; the Gregorian clamp to 28 February
// gave 33), and on a noleap axis 28 February .. 30 March.
func TestRelativeWindowInAxisCalendar(t *testing.T) {
	now := time.Date(2022, 3, 31, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		cal         string
		rows        int
		first, last string
	}{
		{"360_day", 31, "2022-02-30", "2022-03-30"},
		{"noleap", 31, "2022-02-28", "2022-03-30"},
		{"standard", 31, "2022-02-28", "2022-03-30"},
	} {
		t.Run(tc.cal, func(t *testing.T) {
			d := newDaily(t, 100, "days since 2022-01-01", tc.cal)
			j, _ := d.job("m", "last 1 month", now)
			r := run(t, j)
			col, _ := r.Table.Column("time")
			if r.Table.Rows() != tc.rows || col.String[0] != tc.first || col.String[len(col.String)-1] != tc.last {
				t.Fatalf("%d rows %v .. %v; want %d, %s .. %s", r.Table.Rows(), col.String[0], col.String[len(col.String)-1], tc.rows, tc.first, tc.last)
			}
		})
	}
}
