package report

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hsfan/hsfan/fanout"
)

func TestFormatReport(t *testing.T) {
	s := fanout.Stats{Counts: fanout.Counts{Tasks: 365, Completed: 365, Attempts: 370, Invocations: 368, Retries: 5, Throttles: 2,
		Timeouts: 1, Speculative: 1, DuplicatesIgnored: 1, ColdStarts: 40}, BytesRead: 1_500_000_000,
		Gets: 365, Wall: 3 * time.Second, BilledDuration: 12 * time.Second, BilledUnknownMemory: 12 * time.Second}
	c, err := RunCost(s, Cost{MemoryMB: 1024})
	if err != nil {
		t.Fatal(err)
	}
	got := FormatReport(s, c)
	for _, want := range []string{
		"tasks        365 (completed 365, lost 0)",
		"attempts     370 (retries 5, throttles 2, timeouts 1, speculative 1, duplicates ignored 1)",
		"cold starts  40",
		"bytes read   1.5 GB (365 GETs)",
		"throughput   500.0 MB/s",
		"wall time    3s",
		"billed       12.0 GB-s (12s billed of 0s run time)",
		"est. cost    $0.000380 at arm64 prices, 1024 MB (compute $0.000160, requests $0.000074, S3 GET $0.000146)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {999, "999 B"}, {1000, "1.0 kB"}, {1_500_000, "1.5 MB"}, {75_000_000_000, "75.0 GB"}, {2e15, "2.0 PB"}, {9e18, "9.0 EB"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := FormatBytes(tc.n); got != tc.want {
				t.Fatalf("FormatBytes(%d) = %q, want %q", tc.n, got, tc.want)
			}
		})
	}
}

func TestReporterLogMode(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	r := NewReporter(&buf, 100, ReporterOptions{Mode: ReportAuto, Interval: 10 * time.Second, Now: clock,
		Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime}))})
	for i := 1; i <= 100; i++ {
		now = now.Add(time.Second)
		r.Progress(i, 100)
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	_ = r.Finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// a line every 10 s over 100 s, plus the final one
	if len(lines) != 11 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	if want := "level=INFO msg=progress what=tasks done=10 total=100 percent=10.0 elapsed=10s"; lines[0] != want {
		t.Fatalf("first line %q, want %q", lines[0], want)
	}
	if !strings.Contains(lines[10], "done=100 total=100 percent=100.0") {
		t.Fatalf("last line %q", lines[10])
	}
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func TestReporterBarAndQuiet(t *testing.T) {
	var buf bytes.Buffer
	r := NewReporter(&buf, 10, ReporterOptions{Mode: ReportBar, Description: "chunks"})
	for i := 1; i <= 10; i++ {
		r.Progress(i, 10)
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "chunks") || !strings.Contains(out, "10/10") {
		t.Fatalf("bar output %q", out)
	}
	if IsTerminal(&buf) {
		t.Fatal("a buffer is not a terminal")
	}
	buf.Reset()
	q := NewReporter(&buf, 10, ReporterOptions{Mode: ReportQuiet})
	q.Progress(5, 10)
	_ = q.Finish()
	if buf.Len() != 0 {
		t.Fatalf("quiet reporter wrote %q", buf.String())
	}
}
