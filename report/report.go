package report

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// ReportMode chooses how a [Reporter] shows progress.
type ReportMode int

// Report modes.
const (
	// ReportAuto shows a bar when the writer is a terminal, log lines otherwise.
	ReportAuto ReportMode = iota
	// ReportBar always shows a progress bar.
	ReportBar
	// ReportLog always writes periodic log lines.
	ReportLog
	// ReportQuiet shows nothing.
	ReportQuiet
)

// DefaultReportInterval is the period of progress log lines.
const DefaultReportInterval = 10 * time.Second

// ReporterOptions configures a [Reporter].
type ReporterOptions struct {
	Mode ReportMode
	// Logger receives progress lines in log mode; nil means a text logger
	// on the reporter's writer.
	Logger *slog.Logger
	// Interval between progress lines in log mode. Default DefaultReportInterval.
	Interval time.Duration
	// Description labels the bar and the log lines. Default "tasks".
	Description string
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Reporter shows fan-out progress: a progress bar on a terminal, plain log
// lines at most every Interval otherwise. Its Progress method fits
// [FanoutOptions.Progress]. It is safe for concurrent use and starts no
// goroutines.
type Reporter struct {
	mu       sync.Mutex
	opts     ReporterOptions
	log      *slog.Logger
	bar      *progressbar.ProgressBar
	start    time.Time
	last     time.Time
	done     int
	total    int
	finished bool
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// NewReporter returns a Reporter for total tasks writing to w (usually
// os.Stderr).
func NewReporter(w io.Writer, total int, opts ReporterOptions) *Reporter {
	if opts.Interval <= 0 {
		opts.Interval = DefaultReportInterval
	}
	if opts.Description == "" {
		opts.Description = "tasks"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Mode == ReportAuto {
		opts.Mode = ReportLog
		if IsTerminal(w) {
			opts.Mode = ReportBar
		}
	}
	r := &Reporter{opts: opts, total: total, start: opts.Now()}
	r.last = r.start
	switch opts.Mode {
	case ReportBar:
		r.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(opts.Description),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
	case ReportLog:
		r.log = opts.Logger
		if r.log == nil {
			r.log = slog.New(slog.NewTextHandler(w, nil))
		}
	}
	return r
}

// Progress records that done of total tasks are complete.
func (r *Reporter) Progress(done, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done, r.total = done, total
	switch {
	case r.bar != nil:
		if r.bar.GetMax() != total {
			r.bar.ChangeMax(total)
		}
		_ = r.bar.Set(done)
	case r.log != nil:
		now := r.opts.Now()
		if now.Sub(r.last) >= r.opts.Interval {
			r.last = now
			r.logLine(now)
		}
	}
}

func (r *Reporter) logLine(now time.Time) {
	pct := 100.0
	if r.total > 0 {
		pct = 100 * float64(r.done) / float64(r.total)
	}
	r.log.Info("progress", slog.String("what", r.opts.Description), slog.Int("done", r.done),
		slog.Int("total", r.total), slog.String("percent", fmt.Sprintf("%.1f", pct)),
		slog.Duration("elapsed", now.Sub(r.start).Round(time.Millisecond)))
}

// Finish ends the progress display: the bar is completed, or a last log
// line is written. Further calls do nothing.
func (r *Reporter) Finish() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished {
		return nil
	}
	r.finished = true
	switch {
	case r.bar != nil:
		if r.done < r.total {
			// an unfinished run: leave the bar where it is and end the line
			return r.bar.Exit()
		}
		return r.bar.Finish()
	case r.log != nil:
		r.logLine(r.opts.Now())
	}
	return nil
}

// FormatReport renders the summary block printed after a run.
func FormatReport(s fanout.Stats, c CostEstimate) string {
	var b strings.Builder
	line := func(k, format string, a ...any) {
		fmt.Fprintf(&b, "  %-12s %s\n", k, fmt.Sprintf(format, a...))
	}
	b.WriteString("hsfan run summary\n")
	line("tasks", "%d (completed %d, lost %d)", s.Tasks, s.Completed, s.Lost)
	line("attempts", "%d (retries %d, throttles %d, timeouts %d, speculative %d, duplicates ignored %d)",
		s.Attempts, s.Retries, s.Throttles, s.Timeouts, s.Speculative, s.DuplicatesIgnored)
	if s.InvokerRetries > 0 || s.InvokerThrottles > 0 {
		line("invoker", "%d retries inside the invoker (%d throttled), within the attempts above, not counted as attempts",
			s.InvokerRetries, s.InvokerThrottles)
	}
	if s.ColdStarts > 0 && s.InitDuration > 0 {
		line("cold starts", "%d (init %s in all, %s mean)", s.ColdStarts, s.InitDuration.Round(time.Millisecond),
			(s.InitDuration / time.Duration(s.ColdStarts)).Round(100*time.Microsecond))
	} else {
		line("cold starts", "%d", s.ColdStarts)
	}
	line("bytes read", "%s (%d GETs)", FormatBytes(s.BytesRead), s.Gets)
	tp := 0.0
	if s.Wall > 0 {
		tp = float64(s.BytesRead) / s.Wall.Seconds()
	}
	line("throughput", "%s/s", FormatBytes(int64(tp)))
	line("wall time", "%s", s.Wall.Round(time.Millisecond))
	line("billed", "%.1f GB-s (%s billed of %s run time)", c.GBSeconds, s.BilledDuration.Round(time.Millisecond), s.Duration.Round(time.Millisecond))
	line("est. cost", "$%.6f at %s prices, %s (compute $%.6f, requests $%.6f, S3 GET $%.6f)",
		c.TotalUSD, c.Arch, memoryText(c), c.ComputeUSD, c.RequestUSD, c.S3USD)
	if s.MaxMemoryUsedMB > 0 {
		note := ""
		if c.MemoryMB > 0 && s.MaxMemoryUsedMB > c.MemoryMB {
			note = fmt.Sprintf(": more than the %d MB configured (lambda-local does not enforce it; AWS Lambda would stop the function)", c.MemoryMB)
		}
		line("memory used", "up to %d MB in one invocation (Max Memory Used)%s", s.MaxMemoryUsedMB, note)
	}
	return b.String()
}

// memoryText states the memory size the GB-seconds were computed with, and where it comes from.
func memoryText(c CostEstimate) string {
	switch c.MemorySource {
	case "reported":
		if c.ConfiguredMemoryMB > 0 && c.ConfiguredMemoryMB != c.MemoryMB {
			return fmt.Sprintf("%d MB as the function reported it (not --memory %d: set the function's memory, e.g. hsfan lambda-local --memory %d)",
				c.MemoryMB, c.ConfiguredMemoryMB, c.ConfiguredMemoryMB)
		}
	case "mixed":
		return fmt.Sprintf("each invocation at the memory size it reported (sizes differ; --memory %d for those reporting none)", c.ConfiguredMemoryMB)
	}
	return fmt.Sprintf("%d MB", c.MemoryMB)
}

// FormatBytes renders n with decimal units (kB, MB, GB, TB).
func FormatBytes(n int64) string {
	const unit = 1000
	if n < unit && n > -unit {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, u := range []string{"kB", "MB", "GB", "TB", "PB"} {
		v /= unit
		if v < unit && v > -unit {
			return fmt.Sprintf("%.1f %s", v, u)
		}
	}
	return fmt.Sprintf("%.1f EB", v/unit)
}
