package report

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hsfan/hsfan/fanout"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func TestCostPrice(t *testing.T) {
	tests := []struct {
		name      string
		c         Cost
		gbs       float64
		req, gets int64
		want      CostEstimate
		wantErr   string
	}{
		{name: "arm64 default", gbs: 1000, req: 1_000_000, gets: 1000,
			want: CostEstimate{Arch: "arm64", MemoryMB: 1769, GBSeconds: 1000, Requests: 1_000_000, S3Gets: 1000,
				ComputeUSD: 0.0133334, RequestUSD: 0.20, S3USD: 0.0004, TotalUSD: 0.2137334}},
		{name: "x86", c: Cost{Arch: "x86_64", MemoryMB: 1024}, gbs: 1,
			want: CostEstimate{Arch: "x86_64", MemoryMB: 1024, GBSeconds: 1, ComputeUSD: 0.0000166667, TotalUSD: 0.0000166667}},
		{name: "unknown arch", c: Cost{Arch: "sparc"}, wantErr: "unknown architecture"},
		{name: "too little memory", c: Cost{MemoryMB: 64}, wantErr: "outside"},
		{name: "too much memory", c: Cost{MemoryMB: 20000}, wantErr: "outside"},
		{name: "negative", gbs: -1, wantErr: "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.c.Price(tc.gbs, tc.req, tc.gets)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Arch != tc.want.Arch || got.MemoryMB != tc.want.MemoryMB || got.Requests != tc.want.Requests ||
				got.S3Gets != tc.want.S3Gets || !near(got.ComputeUSD, tc.want.ComputeUSD) ||
				!near(got.RequestUSD, tc.want.RequestUSD) || !near(got.S3USD, tc.want.S3USD) || !near(got.TotalUSD, tc.want.TotalUSD) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestRunCost(t *testing.T) {
	// 1000 invocations: 500 at 2048 MB x 1 s (1000 GB-s) reported, plus 500 s
	// without memory priced at 1024 MB (500 GB-s).
	s := fanout.Stats{Counts: fanout.Counts{Invocations: 1000}, BilledUnknownMemory: 500 * time.Second, Gets: 2000,
		BilledGBSeconds: 1000, ReportedMemoryMB: 2048}
	e, err := RunCost(s, Cost{MemoryMB: 1024})
	if err != nil {
		t.Fatal(err)
	}
	if e.Basis != "measured" || !near(e.GBSeconds, 1500) || e.Requests != 1000 || e.S3Gets != 2000 {
		t.Fatalf("%+v", e)
	}
	if want := 1500*PriceArm64GBSecond + 1000*0.2/1e6 + 2000*0.0004/1000; !near(e.TotalUSD, want) {
		t.Fatalf("total %g, want %g", e.TotalUSD, want)
	}
}

func TestEstimateCost(t *testing.T) {
	// MUR25 year: 365 tasks of one 2,073,600-byte chunk each at 75 MB/s =
	// 27.648 ms -> 28 ms billed at 1024 MB.
	p, err := fanout.MakePlan(fanout.PlanInput{GridDims: []int{365}, ChunkBytes: 720 * 1440 * 2})
	if err != nil {
		t.Fatal(err)
	}
	e, err := EstimateCost(p, Cost{MemoryMB: 1024})
	if err != nil {
		t.Fatal(err)
	}
	wantGBs := 365 * 0.028
	if e.Basis != "planned" || !near(e.GBSeconds, wantGBs) || e.Requests != 365 || e.S3Gets != 365 || !near(e.WallSeconds, 0.028) {
		t.Fatalf("%+v (want %g GB-s)", e, wantGBs)
	}
	p.Concurrency = 100
	e, _ = EstimateCost(p, Cost{MemoryMB: 1024})
	if !near(e.WallSeconds, 4*0.028) {
		t.Fatalf("wall %g with 4 waves", e.WallSeconds)
	}
	if _, err := EstimateCost(p, Cost{Arch: "mips"}); err == nil {
		t.Fatal("bad arch accepted")
	}
	empty, _ := fanout.MakePlan(fanout.PlanInput{GridDims: []int{0}, ChunkBytes: 1})
	if e, err := EstimateCost(empty, Cost{}); err != nil || e.TotalUSD != 0 {
		t.Fatalf("empty plan: %+v %v", e, err)
	}
}

// TestRunCostOneMemorySize: under lambda-local (128 MB by default) with --memory 2048 the run is
// priced and reported at the 128 MB the function reported, the size its GB-seconds use (issue
// 13: the summary said 2048 MB but billed 13.5 GB-s = 108 s x 0.125 GB).
func TestRunCostOneMemorySize(t *testing.T) {
	stats := func(mem ...int) fanout.Stats {
		var s fanout.Stats
		for i := 0; i < 108; i++ {
			s.AddInvocation(fanout.InvokeStats{BilledDuration: time.Second, MemoryMB: mem[i%len(mem)]})
		}
		s.Invocations = 108
		return s
	}
	for _, tc := range []struct {
		name       string
		s          fanout.Stats
		configured int
		wantMB     int
		wantSource string
		wantGBs    float64
		wantText   []string
	}{
		{"lambda-local default", stats(128), 2048, 128, "reported", 13.5,
			[]string{"128 MB as the function reported it (not --memory 2048", "13.5 GB-s"}},
		{"matching", stats(2048), 2048, 2048, "reported", 216, []string{"at arm64 prices, 2048 MB (compute"}},
		{"mixed", stats(128, 2048), 1024, 0, "mixed", 54*0.125 + 54*2, []string{"each invocation at the memory size it reported"}},
		{"none reported", stats(0), 1024, 1024, "configured", 108, []string{"at arm64 prices, 1024 MB (compute"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "none reported" {
				tc.s.BilledUnknownMemory = 108 * time.Second
			}
			e, err := RunCost(tc.s, Cost{MemoryMB: tc.configured})
			if err != nil {
				t.Fatal(err)
			}
			if e.MemoryMB != tc.wantMB || e.MemorySource != tc.wantSource || !near(e.GBSeconds, tc.wantGBs) {
				t.Errorf("memory %d MB (%s), %v GB-s; want %d MB (%s), %v GB-s", e.MemoryMB, e.MemorySource, e.GBSeconds, tc.wantMB, tc.wantSource, tc.wantGBs)
			}
			if e.MemoryMB > 0 && !near(e.GBSeconds, 108*float64(e.MemoryMB)/1024) {
				t.Errorf("%v GB-s is not 108 s at the stated %d MB", e.GBSeconds, e.MemoryMB)
			}
			rep := FormatReport(tc.s, e)
			for _, w := range tc.wantText {
				if !strings.Contains(rep, w) {
					t.Errorf("report lacks %q:\n%s", w, rep)
				}
			}
		})
	}
}

// TestReportMemoryUsed: the report states the peak memory the invocations reported, and when it
// exceeds the memory the run is priced at.
func TestReportMemoryUsed(t *testing.T) {
	var s fanout.Stats
	for _, used := range []int{90, 312, 200} {
		s.AddInvocation(fanout.InvokeStats{BilledDuration: time.Second, MemoryMB: 128, MaxMemoryUsedMB: used})
	}
	s.Invocations = 3
	c, err := RunCost(s, Cost{MemoryMB: 128})
	if err != nil {
		t.Fatal(err)
	}
	rep := FormatReport(s, c)
	if want := "memory used  up to 312 MB in one invocation (Max Memory Used): more than the 128 MB configured"; !strings.Contains(rep, want) {
		t.Errorf("report lacks %q:\n%s", want, rep)
	}
}

// TestStatsMerge: a first pass's stats add up with the main fan-out's (the histogram range
// passes are billed with the run).
func TestStatsMerge(t *testing.T) {
	run := func(n int) fanout.Stats {
		tasks := make([]fanout.Task, n)
		for i := range tasks {
			tasks[i] = fanout.Task{Index: i, First: int64(i), Count: 1}
		}
		st, err := fanout.Run(context.Background(), tasks, func(_ context.Context, t fanout.Task) (fanout.Result, error) {
			return fanout.Result{Stats: fanout.InvokeStats{Duration: time.Millisecond, BilledDuration: time.Millisecond,
				MemoryMB: 1024, BytesRead: t.Count * 10}}, nil
		}, fanout.Options{}, func(fanout.Task, fanout.Result) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	a, b := run(3), run(5)
	m := a
	m.Merge(b)
	if m.Tasks != 8 || m.Completed != 8 || m.Attempts != 8 || m.Invocations != 8 || m.BytesRead != a.BytesRead+b.BytesRead ||
		m.BilledDuration != 8*time.Millisecond || !near(m.BilledGBSeconds, 8*0.001) || m.ReportedMemoryMB != 1024 || m.Wall != a.Wall+b.Wall {
		t.Errorf("merged %+v", m)
	}
	c, err := RunCost(m, Cost{MemoryMB: 1024})
	if err != nil || c.Requests != 8 || !near(c.GBSeconds, 0.008) {
		t.Errorf("cost %+v %v", c, err)
	}
}
