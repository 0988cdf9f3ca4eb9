package mapreduce

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hsfan/hsfan/jobs/mapreduce/mrwork"
)

// Spec is a map-reduce job: what `hsfan mapreduce` takes on its command line (and a YAML job
// spec of kind mapreduce).
type Spec struct {
	// Job is a registered job name (mrwork.Names), Params its parameters (e.g. {"x": "8"}).
	Job    string            `json:"job" yaml:"job"`
	Params map[string]string `json:"params,omitempty" yaml:"params,omitempty"`
	// Inputs are file:// or s3:// URLs: an object, a prefix (a directory) or a glob of
	// path.Match ("file:///data/uv/part-*.csv", "s3://bucket/uservisits/"). Each must match at
	// least one object.
	Inputs []string `json:"inputs" yaml:"inputs"`
	// Out is the output directory or s3://bucket/prefix; Name the outputs' base name (default
	// the job name).
	Out  string `json:"out" yaml:"out"`
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Reducers is the number of reduce partitions (default 4); SplitSize the bytes per map
	// task (default 64 MiB); SpillBytes the map-side table's memory bound (default 64 MiB,
	// MinSpillBytes to mrwork.MaxSpillBytes).
	Reducers   int   `json:"reducers,omitempty" yaml:"reducers,omitempty"`
	SplitSize  int64 `json:"split_size,omitempty" yaml:"split_size,omitempty"`
	SpillBytes int   `json:"spill_bytes,omitempty" yaml:"spill_bytes,omitempty"`
	// Invoker names the invoker for the record (inproc, local, lambda); Options.Invoker runs the
	// tasks (nil: in process).
	Invoker string `json:"invoker,omitempty" yaml:"invoker,omitempty"`
	// Concurrency bounds the tasks in flight (default 2); MaxAttempts the attempts per task
	// (default 4); TaskTimeout one attempt (0: none); Speculate launches duplicates of
	// stragglers.
	Concurrency int           `json:"concurrency,omitempty" yaml:"concurrency,omitempty"`
	MaxAttempts int           `json:"max_attempts,omitempty" yaml:"max_attempts,omitempty"`
	TaskTimeout time.Duration `json:"task_timeout,omitempty" yaml:"task_timeout,omitempty"`
	Speculate   bool          `json:"speculate,omitempty" yaml:"speculate,omitempty"`
	// NoTSV leaves out <name>.tsv.
	NoTSV bool `json:"no_tsv,omitempty" yaml:"no_tsv,omitempty"`
	// TempStore, TempBucket and TempPrefix place the intermediate objects (under
	// TempPrefix/<run id>/). Defaults: for a directory Out, file://<Out>/.hsfan-tmp (TempDirName,
	// removed after the run) with bucket "hsfan-tmp"; for s3://bucket/prefix, s3:// and that bucket; prefix hsfan-results (the
	// workers' HSFAN_RESULT_PREFIX). Lambda workers must be allowed these (HSFAN_ALLOWED_*).
	TempStore  string `json:"temp_store,omitempty" yaml:"temp_store,omitempty"`
	TempBucket string `json:"temp_bucket,omitempty" yaml:"temp_bucket,omitempty"`
	TempPrefix string `json:"temp_prefix,omitempty" yaml:"temp_prefix,omitempty"`
	// SweepTempAge: before it starts, a run removes the intermediate objects that earlier runs
	// which started longer ago than this left under TempPrefix (drivers killed before their own
	// clean-up; see sweep.go). 0 sweeps nothing (`hsfan mapreduce` defaults to
	// DefaultSweepTempAge).
	SweepTempAge time.Duration `json:"sweep_temp_age,omitempty" yaml:"sweep_temp_age,omitempty"`
	// MemoryMB and Arch price the run (Lambda).
	MemoryMB int    `json:"memory_mb,omitempty" yaml:"memory_mb,omitempty"`
	Arch     string `json:"arch,omitempty" yaml:"arch,omitempty"`
}

// Defaults of a Spec.
const (
	DefaultReducers    = 4
	DefaultSplitSize   = 64 << 20
	DefaultConcurrency = 2
	DefaultMaxAttempts = 4
	DefaultTempBucket  = "hsfan-tmp"
	DefaultTempPrefix  = "hsfan-results"
	MinSplitSize       = 1
	// MinSpillBytes is the smallest SpillBytes: below it a map task spills every few hundred
	// records (a 23 MB bdb-q2 at 1 KiB: 200,000 runs, minutes of writing and removing them).
	MinSpillBytes = 64 << 10
)

// minSpillBytes is the minimum Validate applies: MinSpillBytes, lowered by this package's tests
// that force many spills on small inputs.
var minSpillBytes = MinSpillBytes

// WithDefaults returns the spec with every default filled in.
func (s Spec) WithDefaults() Spec {
	if s.Reducers == 0 {
		s.Reducers = DefaultReducers
	}
	if s.SplitSize == 0 {
		s.SplitSize = DefaultSplitSize
	}
	if s.SpillBytes == 0 {
		s.SpillBytes = mrwork.DefaultSpillBytes
	}
	if s.Concurrency == 0 {
		s.Concurrency = DefaultConcurrency
	}
	if s.MaxAttempts == 0 {
		s.MaxAttempts = DefaultMaxAttempts
	}
	if s.Invoker == "" {
		s.Invoker = "inproc"
	}
	if s.Name == "" {
		s.Name = s.Job
	}
	if s.TempPrefix == "" {
		s.TempPrefix = DefaultTempPrefix
	}
	if s.MemoryMB == 0 {
		s.MemoryMB = 2048
	}
	if s.Arch == "" {
		s.Arch = "arm64"
	}
	return s
}

// Validate checks a spec (after WithDefaults): every error names the field and the allowed
// values.
func (s Spec) Validate() error {
	var errs []error
	if _, _, err := mrwork.Instantiate(s.Job, s.Params); err != nil {
		errs = append(errs, err)
	}
	if len(s.Inputs) == 0 {
		errs = append(errs, errors.New("no input: give at least one file:// or s3:// URL"))
	}
	for _, in := range s.Inputs {
		if !strings.HasPrefix(in, "file://") && !strings.HasPrefix(in, "s3://") {
			errs = append(errs, fmt.Errorf("input %q: want a file:// or s3:// URL", in))
		}
	}
	if s.Out == "" {
		errs = append(errs, errors.New("no output location: want a directory or s3://bucket/prefix"))
	}
	if s.Reducers < 1 || s.Reducers > mrwork.MaxReducers {
		errs = append(errs, fmt.Errorf("reducers %d: want 1 to %d", s.Reducers, mrwork.MaxReducers))
	}
	if s.SplitSize < MinSplitSize {
		errs = append(errs, fmt.Errorf("split size %d: want >= %d bytes", s.SplitSize, MinSplitSize))
	}
	if s.SpillBytes < minSpillBytes || s.SpillBytes > mrwork.MaxSpillBytes {
		errs = append(errs, fmt.Errorf("spill bytes %d: want %d (64 KiB) to %d (1 GiB)", s.SpillBytes, minSpillBytes, mrwork.MaxSpillBytes))
	}
	if s.SweepTempAge < 0 {
		errs = append(errs, fmt.Errorf("sweep temp age %s: want 0 (none) or more", s.SweepTempAge))
	}
	if s.Concurrency < 1 || s.MaxAttempts < 1 {
		errs = append(errs, fmt.Errorf("concurrency %d, max attempts %d: want >= 1", s.Concurrency, s.MaxAttempts))
	}
	switch s.Invoker {
	case "inproc", "local", "lambda":
	default:
		errs = append(errs, fmt.Errorf("invoker %q: want inproc, local or lambda", s.Invoker))
	}
	if strings.ContainsAny(s.Name, `/\`) || s.Name == "." || s.Name == ".." {
		errs = append(errs, fmt.Errorf("name %q: want a plain file name", s.Name))
	}
	return errors.Join(errs...)
}
