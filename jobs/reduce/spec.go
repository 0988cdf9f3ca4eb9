package reduce

import (
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/ops"
)

// Spec is a reduction as the user asks for it (the flags of `hsfan run`).
type Spec struct {
	// Store and Bucket locate the data; StoreForWorkers is the store URL workers get (defaults
	// to Store; an absolute file:// path for local workers).
	Store, Bucket, StoreForWorkers string
	// Refs confines what reference layouts may read, for the coordinator's own reads and the
	// in-process workers (zero: each dataset's own bucket); Lambda workers use their deployed
	// configuration (HSFAN_REF_ALLOW), never the job's.
	Refs hdf.RefPolicy
	// Domain and Dataset name the input (e.g. /shared/sst/mur25.h5 and /analysed_sst).
	Domain, Dataset string
	// Select restricts the input (HSDS select syntax); empty means everything.
	Select string
	// Op is the reduction: count, sum, mean, min, max, var, std, histogram.
	Op string
	// Reduce names the reduced axes (dimension names or indices); empty reduces every axis.
	Reduce []string
	// Weights is "", "coslat", "coslat:LIMIT" or the h5path of a weights dataset.
	Weights string
	// Units converts CF-decoded values ("C", "K", "F"); NoCF disables CF decoding.
	Units string
	NoCF  bool
	// Histogram and variance options.
	Bins             int
	HistMin, HistMax float64
	DDOF             int
	// MinCount is xarray's min_count of sum: cells with fewer valid values are NaN (0: an
	// all-masked cell sums to 0, as xarray's sum with skipna does).
	MinCount int
	// Name is the base name of the outputs (default <dataset>_<op>); Out is a directory or
	// s3://bucket/prefix; Plot writes <name>.png and <name>.svg: a line for one kept axis, a
	// map for two kept coordinate axes (lat, lon), a bar chart for a histogram of one cell.
	Name, Out string
	Plot      bool
	// Fan-out: Concurrency (default 1000), TargetBytes per task (0: from 75 MB/s x TaskTime),
	// MaxChunksPerTask (default 1000), TaskTimeout per attempt, MaxAttempts, Speculate.
	Concurrency      int
	TargetBytes      int64
	TaskTime         time.Duration
	MaxChunksPerTask int
	TaskTimeout      time.Duration
	MaxAttempts      int
	Speculate        bool
	// WorkerConcurrency is the parallel chunk fetches inside one worker.
	WorkerConcurrency int
	// MaxInlineBytes overrides the size above which workers return partials through the store
	// (0: the worker's default, 4 MiB under Lambda).
	MaxInlineBytes int
	// ResultBucket and ResultPrefix locate the partials workers spill (default: Bucket and
	// "hsfan-results"); they must match the workers' HSFAN_RESULT_BUCKET and HSFAN_RESULT_PREFIX
	// (or a prefix below it), which refuse anything else.
	ResultBucket, ResultPrefix string
	// Invoker names the invoker for the manifest; MemoryMB and Arch price the run.
	Invoker  string
	MemoryMB int
	Arch     string
}

// Validate checks the fields that need no I/O.
func (s *Spec) Validate() error {
	switch {
	case s.Domain == "":
		return fmt.Errorf("no domain")
	case s.Dataset == "":
		return fmt.Errorf("no dataset")
	case s.Op == "":
		return fmt.Errorf("no op")
	case s.Concurrency < 0 || s.MaxChunksPerTask < 0 || s.TargetBytes < 0:
		return fmt.Errorf("concurrency, target bytes and chunks per task must not be negative")
	}
	if s.Weights != "" && !strings.HasPrefix(s.Weights, "/") && !strings.HasPrefix(s.Weights, "coslat") {
		return fmt.Errorf("weights %q: want coslat, coslat:LIMIT or /path/to/weights", s.Weights)
	}
	if _, err := s.cosLatLimit(); err != nil {
		return err
	}
	if k, err := ops.ParseKind(s.Op); err == nil && k == ops.Histogram {
		switch {
		case s.Bins < 1 || s.Bins > ops.MaxBins:
			return fmt.Errorf("--bins %d: want 1..%d", s.Bins, ops.MaxBins)
		case s.HistMin == 0 && s.HistMax == 0:
			// no range: taken from the data (numpy.histogram's rule)
		case !(s.HistMin < s.HistMax) || math.IsInf(s.HistMin, 0) || math.IsInf(s.HistMax, 0):
			return fmt.Errorf("--hist-min %v and --hist-max %v: want finite values with --hist-min < --hist-max, or neither to take the range from the data", s.HistMin, s.HistMax)
		}
	}
	switch {
	case s.MinCount < 0:
		return fmt.Errorf("min count %d: must not be negative", s.MinCount)
	case s.MinCount > 0 && s.Op != "sum":
		return fmt.Errorf("min count applies to sum only (as xarray's min_count), not %s", s.Op)
	case s.MinCount > 0 && s.Weights != "":
		return fmt.Errorf("min count with weights: xarray's weighted sum has no min_count")
	}
	return nil
}

// OutputName is the base name of the output files.
func (s *Spec) OutputName() string {
	if s.Name != "" {
		return s.Name
	}
	return path.Base(s.Dataset) + "_" + s.Op
}

// cosLatLimit parses "coslat[:LIMIT]" (LIMIT in degrees, 0 = none).
func (s *Spec) cosLatLimit() (float64, error) {
	if !strings.HasPrefix(s.Weights, "coslat") {
		return 0, nil
	}
	rest := strings.TrimPrefix(s.Weights, "coslat")
	if rest == "" {
		return 0, nil
	}
	if !strings.HasPrefix(rest, ":") {
		return 0, fmt.Errorf("weights %q: want coslat or coslat:LIMIT", s.Weights)
	}
	v, err := strconv.ParseFloat(rest[1:], 64)
	if err != nil || v < 0 || v > 90 {
		return 0, fmt.Errorf("weights %q: LIMIT must be a number of degrees in [0, 90]", s.Weights)
	}
	return v, nil
}
