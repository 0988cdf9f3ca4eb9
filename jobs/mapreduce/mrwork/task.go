package mrwork

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/worker"
)

// EventName is the member of a map-reduce task event: {"hsfan_mr": Task}, answered with
// {"hsfan_mr_result": Result}.
const EventName = "hsfan_mr"

// TaskVersion is the version of the task event format.
const TaskVersion = 1

// Task phases.
const (
	PhaseMap    = "map"
	PhaseReduce = "reduce"
)

// Task is one map or reduce task attempt.
type Task struct {
	Version int    `json:"version"`
	Phase   string `json:"phase"`
	// Job is the registered job name, Params its parameter values.
	Job    string            `json:"job"`
	Params map[string]string `json:"params,omitempty"`
	// Run is the run id: it names the intermediate prefix <result prefix>/<run>/.
	Run string `json:"run"`
	// Index is the task's position in its phase, Attempt a unique id of this attempt (one
	// element of [A-Za-z0-9]), so that attempts never write the same objects.
	Index   int    `json:"index"`
	Attempt string `json:"attempt"`
	// Temp is where intermediate objects go: store URL, bucket and result prefix (the worker
	// confines them as it confines spilled partials).
	TempStore  string `json:"temp_store,omitempty"`
	TempBucket string `json:"temp_bucket"`
	TempPrefix string `json:"temp_prefix,omitempty"`
	// Map: the split, the number of reduce partitions, the combiner table's spill limit in
	// bytes and the read block size.
	Split      *Split `json:"split,omitempty"`
	Reducers   int    `json:"reducers,omitempty"`
	SpillBytes int    `json:"spill_bytes,omitempty"`
	BlockBytes int    `json:"block_bytes,omitempty"`
	// Reduce: the partition and the committed runs to merge (keys under the temp prefix).
	Partition int      `json:"partition,omitempty"`
	Runs      []Object `json:"runs,omitempty"`
	// Lines makes the reducer write its rows as lines of tab-separated fields (the input of
	// the job's Next stage) instead of a row set.
	Lines bool `json:"lines,omitempty"`
}

// Object is an intermediate object: its key under the temp bucket, size and record count.
type Object struct {
	Key       string `json:"key"`
	Size      int64  `json:"size"`
	Records   int64  `json:"records"`
	Partition int    `json:"partition"`
}

// Result is a task attempt's answer.
type Result struct {
	Phase   string `json:"phase"`
	Index   int    `json:"index"`
	Attempt string `json:"attempt"`
	// Objects are the objects this attempt wrote (map: runs, one per partition and spill with
	// keys; reduce: one row set).
	Objects []Object `json:"objects"`
	// RecordsIn are the records read (map) or merged (reduce); Emitted the map's pairs before
	// combining; RowsOut the reduce's rows.
	RecordsIn int64 `json:"records_in"`
	Emitted   int64 `json:"emitted,omitempty"`
	RowsOut   int64 `json:"rows_out,omitempty"`
	// BytesRead from the store, BytesWritten to it; Gets the ranged reads.
	BytesRead    int64 `json:"bytes_read"`
	BytesWritten int64 `json:"bytes_written"`
	Gets         int64 `json:"gets"`
	Nanos        int64 `json:"ns"`
	ColdStart    bool  `json:"cold_start,omitempty"`
}

// Tasks returns the worker.Config.Tasks entry of the map-reduce job kind.
func Tasks() map[string]worker.TaskFunc {
	return map[string]worker.TaskFunc{EventName: Handle}
}

// Handle runs one map-reduce task event (a worker.TaskFunc).
func Handle(ctx context.Context, env worker.TaskEnv, raw json.RawMessage) (any, error) {
	var t Task
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, &worker.Error{Err: fmt.Errorf("map-reduce task: %w", err)}
	}
	if err := t.Validate(); err != nil {
		return nil, &worker.Error{Err: err}
	}
	f, _, err := Instantiate(t.Job, t.Params)
	if err != nil {
		return nil, &worker.Error{Err: err}
	}
	tmp, bucket, prefix, err := env.WriteStore(ctx, t.TempStore, t.TempBucket, t.TempPrefix, t.Run)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var res *Result
	switch t.Phase {
	case PhaseMap:
		in, inBucket, err := env.ReadStore(ctx, t.Split.Store, t.Split.Bucket)
		if err != nil {
			return nil, err
		}
		s := *t.Split
		s.Bucket = inBucket
		res, err = RunMap(ctx, f, &t, in, s, tmp, bucket, prefix)
		if err != nil {
			return nil, err
		}
	case PhaseReduce:
		for _, o := range t.Runs {
			if !strings.HasPrefix(o.Key, prefix) {
				return nil, &worker.Error{Err: fmt.Errorf("run %s is outside this job's %s", o.Key, prefix)}
			}
		}
		res, err = RunReduce(ctx, f, &t, tmp, bucket, prefix)
		if err != nil {
			return nil, err
		}
	}
	res.Nanos = time.Since(start).Nanoseconds()
	res.ColdStart = env.ColdStart()
	return res, nil
}

// Validate checks a task before any work.
func (t *Task) Validate() error {
	switch {
	case t.Version != TaskVersion:
		return fmt.Errorf("map-reduce task version %d, want %d", t.Version, TaskVersion)
	case t.Phase != PhaseMap && t.Phase != PhaseReduce:
		return fmt.Errorf("map-reduce task phase %q: want map or reduce", t.Phase)
	case !validID(t.Attempt, 32):
		return fmt.Errorf("map-reduce task attempt %q: want 1 to 32 of [A-Za-z0-9]", t.Attempt)
	case t.Index < 0:
		return fmt.Errorf("map-reduce task index %d: must be >= 0", t.Index)
	case t.Phase == PhaseMap && t.Split == nil:
		return errors.New("map task has no split")
	case t.Phase == PhaseMap && (t.Reducers < 1 || t.Reducers > MaxReducers):
		return fmt.Errorf("map task reducers %d: want 1 to %d", t.Reducers, MaxReducers)
	case t.SpillBytes < 0 || t.SpillBytes > MaxSpillBytes || t.BlockBytes < 0 || t.BlockBytes > MaxSpillBytes:
		return fmt.Errorf("map task spill %d / block %d bytes: want 0 to %d", t.SpillBytes, t.BlockBytes, MaxSpillBytes)
	case t.Phase == PhaseReduce && t.Partition < 0:
		return fmt.Errorf("reduce task partition %d: must be >= 0", t.Partition)
	}
	return nil
}

// Limits of a task's parameters.
const (
	MaxReducers       = 10000
	MaxSpillBytes     = 1 << 30
	DefaultSpillBytes = 64 << 20
)

func validID(s string, n int) bool {
	if s == "" || len(s) > n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// AttemptPrefix is the key prefix of one attempt's objects below the job's prefix.
func AttemptPrefix(prefix, phase string, index int, attempt string) string {
	return fmt.Sprintf("%s%s-%06d/%s/", prefix, phase, index, attempt)
}

// RunMap runs a map task over split s read from in, writing its runs to tmp/bucket below
// prefix (the run's intermediate prefix).
func RunMap(ctx context.Context, f *Funcs, t *Task, in RangeReader, s Split, tmp store.Store, bucket, prefix string) (*Result, error) {
	res := &Result{Phase: PhaseMap, Index: t.Index, Attempt: t.Attempt}
	dir := AttemptPrefix(prefix, PhaseMap, t.Index, t.Attempt)
	limit := t.SpillBytes
	if limit == 0 {
		limit = DefaultSpillBytes
	}
	nspill := 0
	spill := func(runs [][]byte, counts []int64) error {
		for p, r := range runs {
			if len(r) == 0 {
				continue
			}
			key := fmt.Sprintf("%sp%05d-s%04d", dir, p, nspill)
			if _, err := tmp.Put(ctx, bucket, key, r, store.PutOptions{}); err != nil {
				return fmt.Errorf("write run %s: %w", key, err)
			}
			res.Objects = append(res.Objects, Object{Key: key, Size: int64(len(r)), Partition: p, Records: counts[p]})
			res.BytesWritten += int64(len(r))
		}
		nspill++
		return nil
	}
	em := newEmitter(f.Combine, t.Reducers, limit, spill)
	var cr interface {
		RangeReader
		reads() int64
	} = &countingReader{rr: in}
	if into, ok := in.(store.RangesReader); ok {
		cr = &countingRangesReader{countingReader{rr: in}, into}
	}
	n, err := ReadSplit(ctx, cr, s, t.BlockBytes, func(rec []byte, off int64) error {
		res.RecordsIn++
		if err := f.Map(rec, em); err != nil {
			return &worker.Error{Err: fmt.Errorf("map %s/%s record at byte %d: %w", s.Bucket, s.Key, off, err)}
		}
		return em.err
	})
	res.BytesRead = n
	res.Gets = cr.reads()
	if err != nil {
		return nil, err
	}
	if err := em.Flush(); err != nil {
		return nil, err
	}
	em.release()
	res.Emitted = em.Emitted
	return res, nil
}

// countingReader counts the ranged reads.
type countingReader struct {
	rr RangeReader
	n  int64
}

func (c *countingReader) reads() int64 { return c.n }

// countingRangesReader also counts the reads into a buffer.
type countingRangesReader struct {
	countingReader
	into store.RangesReader
}

func (c *countingRangesReader) ReadRanges(ctx context.Context, bucket, key string, ranges []store.Range, dst []byte) error {
	c.n++
	return c.into.ReadRanges(ctx, bucket, key, ranges, dst)
}

func (c *countingReader) GetRange(ctx context.Context, bucket, key string, offset, length int64) ([]byte, error) {
	c.n++
	return c.rr.GetRange(ctx, bucket, key, offset, length)
}
