package fanout

import (
	"testing"
)

// FuzzMakePlan: any input gives an error or a plan that satisfies the
// planning invariants; never a panic or an unbounded allocation.
func FuzzMakePlan(f *testing.F) {
	f.Add(365, 1, 1, int64(2073600), int64(0), int64(0), 0, 0)
	f.Add(1000, 1000, 1, int64(4<<20), int64(1<<30), int64(1), 1, 1)
	f.Add(0, 5, 5, int64(1), int64(0), int64(0), 0, 0)
	f.Add(-1, 5, 5, int64(1), int64(0), int64(0), 0, 0)
	f.Add(1<<30, 1<<30, 1<<30, int64(1<<40), int64(-1), int64(0), 0, 1<<20)
	f.Fuzz(func(t *testing.T, d0, d1, d2 int, chunk, stored, target int64, maxPer, conc int) {
		in := PlanInput{GridDims: []int{d0, d1, d2}, ChunkBytes: chunk, StoredBytes: stored,
			TargetBytes: target, MaxChunksPerTask: maxPer, Concurrency: conc}
		p, err := MakePlan(in)
		if err != nil {
			return
		}
		if len(p.Tasks) > MaxPlanTasks {
			t.Fatalf("%d tasks", len(p.Tasks))
		}
		checkPlanInvariants(t, p, in)
	})
}
