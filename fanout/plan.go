package fanout

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Planning defaults.
const (
	// DefaultTargetTaskTime is the run time a task aims at.
	DefaultTargetTaskTime = 10 * time.Second
	// WorkerBytesPerSecond is the sustained S3 read rate of one Lambda
	// function, independent of its memory size (field-facts.md: ~75 MB/s).
	WorkerBytesPerSecond = 75_000_000
	// DefaultMaxChunksPerTask caps the chunks of one task.
	DefaultMaxChunksPerTask = 1000
	// DefaultConcurrency is the default fan-out width (the Lambda default
	// per-Region concurrency limit).
	DefaultConcurrency = 1000
	// MaxPlanTasks bounds the number of tasks of one plan so that a bad
	// input cannot make the planner allocate without limit.
	MaxPlanTasks = 2_000_000
)

// ErrInvalidPlan is wrapped by every error of [MakePlan].
var ErrInvalidPlan = errors.New("invalid plan input")

// PlanInput describes the touched chunk grid of a selection.
type PlanInput struct {
	// GridDims is the number of touched chunks per dimension; chunks are
	// enumerated row-major (the last dimension varies fastest).
	GridDims []int
	// ChunkBytes is the decoded size of one chunk in bytes (> 0).
	ChunkBytes int64
	// StoredBytes is an optional estimate of the stored (compressed) bytes
	// of all touched chunks together; 0 means unknown, and the decoded size
	// is used instead. It is what a worker reads from storage.
	StoredBytes int64
	// TargetBytes is the stored bytes one task should read. Default:
	// WorkerBytesPerSecond x TargetTaskTime.
	TargetBytes int64
	// TargetTaskTime is the run time a task aims at when TargetBytes is 0.
	// Default DefaultTargetTaskTime.
	TargetTaskTime time.Duration
	// MaxChunksPerTask caps the chunks of one task. Default DefaultMaxChunksPerTask.
	MaxChunksPerTask int
	// Concurrency is the intended fan-out width. Default DefaultConcurrency.
	Concurrency int
}

// Task is a consecutive range of the row-major chunk enumeration:
// chunks First .. First+Count-1. Index is its position in the plan and the
// key of its partial result.
type Task struct {
	Index int   `json:"index"`
	First int64 `json:"first"`
	Count int64 `json:"count"`
}

// Plan is the result of [MakePlan].
type Plan struct {
	Tasks []Task
	// TotalChunks is the number of touched chunks.
	TotalChunks int64
	// TotalBytes is the decoded size of all touched chunks.
	TotalBytes int64
	// ReadBytes is the estimated bytes read from storage (StoredBytes when
	// given, else TotalBytes).
	ReadBytes int64
	// ChunksPerTask is the largest task size in chunks.
	ChunksPerTask int64
	// TargetBytes and MaxChunksPerTask and Concurrency are the effective
	// parameters after defaults.
	TargetBytes      int64
	MaxChunksPerTask int
	Concurrency      int
}

// PlanSummary is the part of a plan recorded in the manifest.
type PlanSummary struct {
	GridDims         []int `json:"grid_dims"`
	Tasks            int   `json:"tasks"`
	TotalChunks      int64 `json:"total_chunks"`
	TotalBytes       int64 `json:"total_bytes"`
	ReadBytes        int64 `json:"read_bytes"`
	ChunksPerTask    int64 `json:"chunks_per_task"`
	TargetBytes      int64 `json:"target_bytes"`
	MaxChunksPerTask int   `json:"max_chunks_per_task"`
	Concurrency      int   `json:"concurrency"`
}

// Summary returns the manifest view of the plan; grid are the PlanInput dims.
func (p Plan) Summary(grid []int) PlanSummary {
	return PlanSummary{
		GridDims: append([]int(nil), grid...), Tasks: len(p.Tasks),
		TotalChunks: p.TotalChunks, TotalBytes: p.TotalBytes, ReadBytes: p.ReadBytes,
		ChunksPerTask: p.ChunksPerTask, TargetBytes: p.TargetBytes,
		MaxChunksPerTask: p.MaxChunksPerTask, Concurrency: p.Concurrency,
	}
}

// MakePlan cuts the row-major enumeration of the touched chunk grid into
// consecutive tasks. The rule:
//
//  1. per = bytes per chunk (StoredBytes/TotalChunks when StoredBytes is
//     given, else ChunkBytes); cap = min(MaxChunksPerTask, max(1, TargetBytes/per)).
//  2. n = ceil(TotalChunks / cap) tasks, raised to min(TotalChunks,
//     Concurrency) so that every worker slot has work.
//  3. The chunks are spread evenly: every task has floor(T/n) or
//     ceil(T/n) chunks, the larger ones first, so no task exceeds cap.
//
// MakePlan is pure and deterministic. An empty selection (a zero in
// GridDims) gives a plan with no tasks.
func MakePlan(in PlanInput) (Plan, error) {
	if len(in.GridDims) == 0 {
		return Plan{}, fmt.Errorf("%w: no grid dimensions", ErrInvalidPlan)
	}
	if in.ChunkBytes <= 0 {
		return Plan{}, fmt.Errorf("%w: chunk bytes %d must be positive", ErrInvalidPlan, in.ChunkBytes)
	}
	if in.StoredBytes < 0 || in.TargetBytes < 0 || in.TargetTaskTime < 0 || in.MaxChunksPerTask < 0 || in.Concurrency < 0 {
		return Plan{}, fmt.Errorf("%w: negative parameter", ErrInvalidPlan)
	}
	total := int64(1)
	for i, d := range in.GridDims {
		if d < 0 {
			return Plan{}, fmt.Errorf("%w: grid dimension %d is negative (%d)", ErrInvalidPlan, i, d)
		}
		if d != 0 && total > math.MaxInt64/int64(d) {
			return Plan{}, fmt.Errorf("%w: chunk count overflows int64 at dimension %d", ErrInvalidPlan, i)
		}
		total *= int64(d)
	}
	if total > 0 && in.ChunkBytes > math.MaxInt64/total {
		return Plan{}, fmt.Errorf("%w: total bytes overflow int64 (%d chunks of %d bytes)", ErrInvalidPlan, total, in.ChunkBytes)
	}
	p := Plan{
		TotalChunks:      total,
		TotalBytes:       total * in.ChunkBytes,
		TargetBytes:      in.TargetBytes,
		MaxChunksPerTask: in.MaxChunksPerTask,
		Concurrency:      in.Concurrency,
	}
	if p.MaxChunksPerTask == 0 {
		p.MaxChunksPerTask = DefaultMaxChunksPerTask
	}
	if p.Concurrency == 0 {
		p.Concurrency = DefaultConcurrency
	}
	if p.TargetBytes == 0 {
		tt := in.TargetTaskTime
		if tt == 0 {
			tt = DefaultTargetTaskTime
		}
		p.TargetBytes = int64(float64(WorkerBytesPerSecond) * tt.Seconds())
		if p.TargetBytes < 1 {
			p.TargetBytes = 1
		}
	}
	p.ReadBytes = p.TotalBytes
	if in.StoredBytes > 0 {
		p.ReadBytes = in.StoredBytes
	}
	if total == 0 {
		return p, nil
	}
	per := p.ReadBytes / total
	if per < 1 {
		per = 1
	}
	limit := p.TargetBytes / per
	if limit < 1 {
		limit = 1
	}
	if limit > int64(p.MaxChunksPerTask) {
		limit = int64(p.MaxChunksPerTask)
	}
	n := (total + limit - 1) / limit
	if minTasks := min(total, int64(p.Concurrency)); n < minTasks {
		n = minTasks
	}
	if n > MaxPlanTasks {
		return Plan{}, fmt.Errorf("%w: %d tasks exceed the limit of %d (raise MaxChunksPerTask or TargetBytes)", ErrInvalidPlan, n, MaxPlanTasks)
	}
	q, r := total/n, total%n
	p.ChunksPerTask = q
	if r > 0 {
		p.ChunksPerTask = q + 1
	}
	p.Tasks = make([]Task, n)
	first := int64(0)
	for i := range p.Tasks {
		c := q
		if int64(i) < r {
			c++
		}
		p.Tasks[i] = Task{Index: i, First: first, Count: c}
		first += c
	}
	return p, nil
}
