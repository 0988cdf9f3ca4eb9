package fanout

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMakePlan(t *testing.T) {
	const mb = 1_000_000
	tests := []struct {
		name       string
		in         PlanInput
		wantTasks  []Task // nil: only check invariants
		wantN      int
		wantPer    int64
		wantChunks int64
	}{
		{
			name:      "one task per chunk when concurrency exceeds chunks",
			in:        PlanInput{GridDims: []int{3}, ChunkBytes: 2 * mb},
			wantTasks: []Task{{0, 0, 1}, {1, 1, 1}, {2, 2, 1}},
			wantN:     3, wantPer: 1, wantChunks: 3,
		},
		{
			name:      "target bytes groups chunks",
			in:        PlanInput{GridDims: []int{2, 5}, ChunkBytes: 100, TargetBytes: 300, Concurrency: 1},
			wantTasks: []Task{{0, 0, 3}, {1, 3, 3}, {2, 6, 2}, {3, 8, 2}},
			wantN:     4, wantPer: 3, wantChunks: 10,
		},
		{
			name:      "concurrency raises the task count",
			in:        PlanInput{GridDims: []int{10}, ChunkBytes: 1, Concurrency: 4},
			wantTasks: []Task{{0, 0, 3}, {1, 3, 3}, {2, 6, 2}, {3, 8, 2}},
			wantN:     4, wantPer: 3, wantChunks: 10,
		},
		{
			name:  "max chunks per task caps the group",
			in:    PlanInput{GridDims: []int{100, 100}, ChunkBytes: 1, MaxChunksPerTask: 1000, Concurrency: 1},
			wantN: 10, wantPer: 1000, wantChunks: 10000,
		},
		{
			name: "stored bytes drive the target",
			// 1000 chunks of 2 MB decoded but 0.5 MB stored: the 750 MB target holds 1500 chunks
			in:    PlanInput{GridDims: []int{1000}, ChunkBytes: 2 * mb, StoredBytes: 500 * mb, MaxChunksPerTask: 2000, Concurrency: 1},
			wantN: 1, wantPer: 1000, wantChunks: 1000,
		},
		{
			name:  "decoded bytes when stored unknown",
			in:    PlanInput{GridDims: []int{1000}, ChunkBytes: 2 * mb, MaxChunksPerTask: 2000, Concurrency: 1},
			wantN: 3, wantPer: 334, wantChunks: 1000,
		},
		{
			name:  "target task time scales target bytes",
			in:    PlanInput{GridDims: []int{1000}, ChunkBytes: 75 * mb, TargetTaskTime: 2 * time.Second, Concurrency: 1},
			wantN: 500, wantPer: 2, wantChunks: 1000,
		},
		{
			name:  "chunk larger than target gives one chunk per task",
			in:    PlanInput{GridDims: []int{7}, ChunkBytes: 10, TargetBytes: 1, Concurrency: 1},
			wantN: 7, wantPer: 1, wantChunks: 7,
		},
		{
			name:  "empty selection",
			in:    PlanInput{GridDims: []int{4, 0}, ChunkBytes: 10},
			wantN: 0, wantPer: 0, wantChunks: 0,
		},
		{
			name:  "mur25 year: 365 daily chunks over 1000 workers",
			in:    PlanInput{GridDims: []int{365, 1, 1}, ChunkBytes: 720 * 1440 * 2},
			wantN: 365, wantPer: 1, wantChunks: 365,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := MakePlan(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Tasks) != tc.wantN || p.ChunksPerTask != tc.wantPer || p.TotalChunks != tc.wantChunks {
				t.Fatalf("got %d tasks of <= %d chunks over %d, want %d of <= %d over %d",
					len(p.Tasks), p.ChunksPerTask, p.TotalChunks, tc.wantN, tc.wantPer, tc.wantChunks)
			}
			if tc.wantTasks != nil {
				if d := cmp.Diff(tc.wantTasks, p.Tasks); d != "" {
					t.Fatalf("tasks (-want +got):\n%s", d)
				}
			}
			checkPlanInvariants(t, p, tc.in)
			again, _ := MakePlan(tc.in)
			if d := cmp.Diff(p, again); d != "" {
				t.Fatalf("not deterministic:\n%s", d)
			}
		})
	}
}

// checkPlanInvariants: consecutive cover, sizes within cap and balanced,
// parallelism rule.
func checkPlanInvariants(t *testing.T, p Plan, in PlanInput) {
	t.Helper()
	next := int64(0)
	var lo, hi int64 = 1 << 62, 0
	for i, tk := range p.Tasks {
		if tk.Index != i || tk.First != next || tk.Count < 1 {
			t.Fatalf("task %d = %+v, want index %d first %d count >= 1", i, tk, i, next)
		}
		if tk.Count > int64(p.MaxChunksPerTask) {
			t.Fatalf("task %d has %d chunks > max %d", i, tk.Count, p.MaxChunksPerTask)
		}
		lo, hi = min(lo, tk.Count), max(hi, tk.Count)
		next += tk.Count
	}
	if next != p.TotalChunks {
		t.Fatalf("tasks cover %d chunks, want %d", next, p.TotalChunks)
	}
	if len(p.Tasks) > 0 && hi-lo > 1 {
		t.Fatalf("unbalanced tasks: sizes %d..%d", lo, hi)
	}
	if want := min(p.TotalChunks, int64(p.Concurrency)); int64(len(p.Tasks)) < want {
		t.Fatalf("%d tasks < min(chunks, concurrency) = %d", len(p.Tasks), want)
	}
}

func TestMakePlanErrors(t *testing.T) {
	tests := []struct {
		name string
		in   PlanInput
	}{
		{"no dims", PlanInput{ChunkBytes: 1}},
		{"zero chunk bytes", PlanInput{GridDims: []int{1}}},
		{"negative dim", PlanInput{GridDims: []int{2, -1}, ChunkBytes: 1}},
		{"negative target", PlanInput{GridDims: []int{2}, ChunkBytes: 1, TargetBytes: -1}},
		{"chunk count overflow", PlanInput{GridDims: []int{1 << 40, 1 << 40}, ChunkBytes: 1}},
		{"byte overflow", PlanInput{GridDims: []int{1 << 40}, ChunkBytes: 1 << 40}},
		{"too many tasks", PlanInput{GridDims: []int{1 << 30, 1 << 10}, ChunkBytes: 1, MaxChunksPerTask: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MakePlan(tc.in)
			if !errors.Is(err, ErrInvalidPlan) {
				t.Fatalf("err = %v, want ErrInvalidPlan", err)
			}
		})
	}
}

func TestPlanMillionChunksFast(t *testing.T) {
	in := PlanInput{GridDims: []int{1000, 1000}, ChunkBytes: 4 << 20, MaxChunksPerTask: 1}
	p, err := MakePlan(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tasks) != 1_000_000 {
		t.Fatalf("got %d tasks", len(p.Tasks))
	}
	checkPlanInvariants(t, p, in)
}

func BenchmarkPlanMillionChunks(b *testing.B) {
	in := PlanInput{GridDims: []int{1000, 1000}, ChunkBytes: 4 << 20, MaxChunksPerTask: 1}
	for b.Loop() {
		if _, err := MakePlan(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanMillionChunksGrouped(b *testing.B) {
	in := PlanInput{GridDims: []int{1000, 1000}, ChunkBytes: 1 << 20}
	for b.Loop() {
		if _, err := MakePlan(in); err != nil {
			b.Fatal(err)
		}
	}
}
