package spec

import (
	"fmt"
	"strings"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/jobs/reduce"
)

// Defaults of the reduce section when a key is absent: the defaults of hsfan run's flags
// (cmd/hsfan TestReduceSpecDefaults pins that they agree).
const (
	DefaultBins        = 50
	DefaultOut         = "out"
	DefaultConcurrency = 1000
	DefaultTaskTime    = 10 * time.Second
	DefaultMaxChunks   = 1000
	DefaultMaxAttempts = 4
	DefaultMemoryMB    = 2048
	DefaultArch        = "arm64"
)

// ReduceSpec is the reduction of the reduce section without the command line, for a
// coordinator that runs a spec from an event (the Lambda coordinator): absent keys take hsfan
// run's defaults; the store flags and the command-only keys (dry-run, v, cpuprofile, the Lambda
// function flags) are not part of it. Values are checked as the flags check them where it
// matters for a run that nobody watches: durations, counts and the invoker.
func (r *Reduce) ReduceSpec() (reduce.Spec, error) {
	s := reduce.Spec{Op: r.Op, Domain: Str(r.Domain), Dataset: Str(r.Dataset), Select: Str(r.Select), Weights: Str(r.Weights),
		Units: Str(r.Units), Name: Str(r.Name), Out: DefaultOut, Plot: true, Bins: DefaultBins, Concurrency: DefaultConcurrency,
		TaskTime: DefaultTaskTime, MaxChunksPerTask: DefaultMaxChunks, MaxAttempts: DefaultMaxAttempts, MemoryMB: DefaultMemoryMB,
		Arch: DefaultArch, Bucket: Str(r.Bucket), Store: Str(r.Store), ResultBucket: Str(r.ResultBucket), ResultPrefix: Str(r.ResultPrefix),
		Invoker: "lambda"}
	setBool := func(p *bool, dst *bool) {
		if p != nil {
			*dst = *p
		}
	}
	setInt := func(p *int, dst *int, key string, lo, hi int) error {
		if p == nil {
			return nil
		}
		if *p < lo || *p > hi {
			return fmt.Errorf("reduce.%s %d: want an integer in [%d, %d]", key, *p, lo, hi)
		}
		*dst = *p
		return nil
	}
	setDur := func(p *string, dst *time.Duration, key string, lo, hi time.Duration) error {
		if p == nil {
			return nil
		}
		d, err := time.ParseDuration(*p)
		if err != nil || d < lo || d > hi {
			return fmt.Errorf("reduce.%s %q: want a duration in [%s, %s]", key, *p, lo, hi)
		}
		*dst = d
		return nil
	}
	setBool(r.NoCF, &s.NoCF)
	setBool(r.Speculate, &s.Speculate)
	if r.NoPlot != nil {
		s.Plot = !*r.NoPlot
	}
	if r.Out != nil {
		s.Out = *r.Out
	}
	if r.Reduce != nil && *r.Reduce != "" {
		s.Reduce = strings.Split(*r.Reduce, ",")
	}
	if r.HistMin != nil {
		s.HistMin = *r.HistMin
	}
	if r.HistMax != nil {
		s.HistMax = *r.HistMax
	}
	if r.TargetBytes != nil {
		if *r.TargetBytes < 0 {
			return s, fmt.Errorf("reduce.target-bytes %d: must not be negative", *r.TargetBytes)
		}
		s.TargetBytes = *r.TargetBytes
	}
	for _, err := range []error{
		setInt(r.MinCount, &s.MinCount, "min-count", 0, 1<<62),
		setInt(r.DDOF, &s.DDOF, "ddof", 0, 1<<62),
		setInt(r.Bins, &s.Bins, "bins", 1, 1<<20),
		setInt(r.Concurrency, &s.Concurrency, "concurrency", 1, 100000),
		setInt(r.WorkerConcurrency, &s.WorkerConcurrency, "worker-concurrency", 0, 1024),
		setInt(r.MaxChunks, &s.MaxChunksPerTask, "max-chunks", 1, 1<<62),
		setInt(r.MaxAttempts, &s.MaxAttempts, "max-attempts", 1, 100),
		setInt(r.Memory, &s.MemoryMB, "memory", 128, 10240),
		setDur(r.TaskTime, &s.TaskTime, "task-time", time.Millisecond, 15*time.Minute),
		setDur(r.TaskTimeout, &s.TaskTimeout, "task-timeout", 0, 24*time.Hour),
	} {
		if err != nil {
			return s, err
		}
	}
	if r.Arch != nil {
		if *r.Arch != "arm64" && *r.Arch != "x86_64" {
			return s, fmt.Errorf("reduce.arch %q: want arm64 or x86_64", *r.Arch)
		}
		s.Arch = *r.Arch
	}
	if r.RefAllow != nil {
		allow, err := hdf.ParseRefAllow(*r.RefAllow)
		if err != nil {
			return s, fmt.Errorf("reduce.ref-allow: %w", err)
		}
		s.Refs.Allow = allow
	}
	setBool(r.RefFollowSymlinks, &s.Refs.FollowSymlinks)
	return s, s.Validate()
}
