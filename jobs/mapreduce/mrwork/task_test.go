package mrwork

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/worker"
)

// handler is a worker handler over one memory store, allowed bucket "in" for inputs and "tmp"
// for intermediate objects, with the map-reduce tasks registered.
func handler(st store.Store) *worker.Handler {
	return worker.NewHandler(worker.Config{DefaultStore: "mem://", DefaultBucket: "tmp", AllowedBuckets: []string{"in"},
		OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }, Tasks: Tasks()})
}

func invoke(t *testing.T, h *worker.Handler, task Task) (*Result, error) {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{EventName: task})
	out, err := h.Invoke(context.Background(), payload)
	if err != nil {
		return nil, err
	}
	var ev struct {
		R *Result `json:"hsfan_mr_result"`
	}
	if err := json.Unmarshal(out, &ev); err != nil || ev.R == nil {
		t.Fatalf("answer %s: %v", out, err)
	}
	return ev.R, nil
}

// TestMapAndReduceTasks: a map task's runs hold the combined pairs of its split, sorted, one
// object per partition below its attempt's prefix; the reduce task merges them.
func TestMapAndReduceTasks(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	text := "a b a\nc a b\r\nd\n"
	_, _ = st.Put(ctx, "in", "t.txt", []byte(text), store.PutOptions{})
	h := handler(st)
	m, err := invoke(t, h, Task{Version: TaskVersion, Phase: PhaseMap, Job: "wordcount", Run: "r1", Index: 3, Attempt: "x1", TempBucket: "tmp",
		Split: &Split{Bucket: "in", Key: "t.txt", Length: int64(len(text)), Size: int64(len(text))}, Reducers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if m.RecordsIn != 3 || m.Emitted != 7 || len(m.Objects) == 0 {
		t.Fatalf("map result %+v", m)
	}
	var records int64
	for _, o := range m.Objects {
		if !strings.HasPrefix(o.Key, "hsfan-results/r1/map-000003/x1/") {
			t.Errorf("run %s outside the attempt's prefix", o.Key)
		}
		records += o.Records
	}
	if records != 4 {
		t.Errorf("%d combined records, want 4 (a b c d)", records)
	}
	counts := map[string]string{}
	for p := range 2 {
		var runs []Object
		for _, o := range m.Objects {
			if o.Partition == p {
				runs = append(runs, o)
			}
		}
		r, err := invoke(t, h, Task{Version: TaskVersion, Phase: PhaseReduce, Job: "wordcount", Run: "r1", Index: p, Attempt: "y", TempBucket: "tmp", Partition: p, Runs: runs})
		if err != nil {
			t.Fatal(err)
		}
		cols := []ColumnSpec{{"word", String}, {"count", Int64}}
		_, err = MergeRuns(ctx, st, "tmp", r.Objects, 0, nil, func(key []byte, values [][]byte) error {
			row, err := DecodeRow(values[0], cols)
			counts[string(key)] = fmt.Sprint(row)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(counts) != "map[a:[a 3] b:[b 2] c:[c 1] d:[d 1]]" {
		t.Errorf("counts %v", counts)
	}
}

// TestTaskConfinement: a task may read only the worker's buckets and write only below its
// result prefix; a run outside the job's prefix is refused; all permanently.
func TestTaskConfinement(t *testing.T) {
	st := store.NewMemory()
	h := handler(st)
	split := &Split{Bucket: "secret", Key: "k", Length: 1, Size: 1}
	base := Task{Version: TaskVersion, Phase: PhaseMap, Job: "wordcount", Run: "r1", Attempt: "a", TempBucket: "tmp", Split: split, Reducers: 1}
	other := base
	other.TempBucket = "in"
	prefix := base
	prefix.TempPrefix = "elsewhere"
	red := Task{Version: TaskVersion, Phase: PhaseReduce, Job: "wordcount", Run: "r1", Attempt: "a", TempBucket: "tmp", Runs: []Object{{Key: "hsfan-results/r2/x", Size: 10}}}
	badAttempt := base
	badAttempt.Attempt = "../x"
	badJob := base
	badJob.Job = "nope"
	badRun := base
	badRun.Run = "../../etc"
	for name, c := range map[string]struct {
		task Task
		want string
	}{
		"input bucket":   {base, `bucket "secret" is not allowed`},
		"result prefix":  {prefix, `prefix "elsewhere" is not allowed`},
		"foreign run":    {red, "outside this job's"},
		"attempt id":     {badAttempt, "attempt"},
		"unknown job":    {badJob, "unknown map-reduce job"},
		"run id":         {badRun, "job id"},
		"temp in bucket": {other, ""},
	} {
		_, err := invoke(t, h, c.task)
		if c.want == "" {
			// Writing to another allowed bucket than the result bucket is allowed; reading the
			// missing input then fails.
			if err == nil {
				t.Errorf("%s: no error", name)
			}
			continue
		}
		var we *worker.Error
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &we) || we.Retry {
			t.Errorf("%s: error %v, want a permanent one containing %q", name, err, c.want)
		}
	}
}

// TestSpillsAndMergeAgree: a table bound that forces many spills gives the same merged sums.
func TestSpillsAndMergeAgree(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, "%d.%d.1.1,u,d,%d.25,x\n", i%97, i%13, i%7)
	}
	text := b.String()
	_, _ = st.Put(ctx, "in", "uv", []byte(text), store.PutOptions{})
	h := handler(st)
	sums := map[int]string{}
	for _, limit := range []int{1 << 10, 64 << 20} {
		m, err := invoke(t, h, Task{Version: TaskVersion, Phase: PhaseMap, Job: "bdb-q2", Params: map[string]string{"x": "4"}, Run: "r", Attempt: fmt.Sprint("a", limit), TempBucket: "tmp",
			Split: &Split{Bucket: "in", Key: "uv", Length: int64(len(text)), Size: int64(len(text))}, Reducers: 1, SpillBytes: limit})
		if err != nil {
			t.Fatal(err)
		}
		if limit == 1<<10 && len(m.Objects) < 3 {
			t.Errorf("%d runs with a 1 KiB table: want several spills", len(m.Objects))
		}
		r, err := invoke(t, h, Task{Version: TaskVersion, Phase: PhaseReduce, Job: "bdb-q2", Params: map[string]string{"x": "4"}, Run: "r", Attempt: fmt.Sprint("b", limit), TempBucket: "tmp", Runs: m.Objects})
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		_, err = MergeRuns(ctx, st, "tmp", r.Objects, 7, nil, func(key []byte, values [][]byte) error {
			row, err := DecodeRow(values[0], []ColumnSpec{{"k", String}, {"s", String}, {"u", Int64}})
			all = append(all, fmt.Sprint(row))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		sums[limit] = strings.Join(all, ";")
	}
	if sums[1<<10] != sums[64<<20] || sums[1<<10] == "" {
		t.Errorf("spilled %q\nnot spilled %q", sums[1<<10], sums[64<<20])
	}
}

// TestTruncatedRunFails: a run shorter than committed, or with a torn record, is an error.
func TestTruncatedRunFails(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	run := append([]byte(runMagic), 1, 'a', 1, 'b', 1, 'c', 1)
	_, _ = st.Put(ctx, "tmp", "r", run, store.PutOptions{})
	for _, o := range []Object{{Key: "r", Size: int64(len(run))}, {Key: "r", Size: int64(len(run)) + 5}, {Key: "r", Size: int64(len(run) - 1), Records: 2}} {
		_, err := MergeRuns(ctx, st, "tmp", []Object{o}, 3, nil, func([]byte, [][]byte) error { return nil })
		if err == nil {
			t.Errorf("object %+v: no error", o)
		}
	}
}

func TestRowWriterChecksColumns(t *testing.T) {
	w := &RowWriter{cols: []ColumnSpec{{"a", String}, {"b", Int64}}, emit: func([]byte) error { return nil }}
	w.String([]byte("x"))
	if err := w.EndRow(); err == nil {
		t.Error("a missing column was accepted")
	}
	w = &RowWriter{cols: []ColumnSpec{{"a", String}}, emit: func([]byte) error { return nil }}
	w.Int64(3)
	if err := w.EndRow(); err == nil || !strings.Contains(err.Error(), "not a int64") {
		t.Errorf("wrong kind: %v", err)
	}
}

// TestQ2MapDoesNotAllocate: once the table has grown, a record costs no allocation.
func TestQ2MapDoesNotAllocate(t *testing.T) {
	f, _, err := Instantiate("bdb-q2", nil)
	if err != nil {
		t.Fatal(err)
	}
	e := newEmitter(f.Combine, 4, 64<<20, func([][]byte, []int64) error { return nil })
	rec := []byte("83.105.133.133,http://x/1,1990-05-11,708.52627,Googlebot/2.1,CHN,CHN-EN,recipes,5")
	_ = f.Map(rec, e)
	if n := testing.AllocsPerRun(1000, func() { _ = f.Map(rec, e) }); n != 0 {
		t.Errorf("%v allocations per record", n)
	}
}
