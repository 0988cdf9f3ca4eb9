package synth

import (
	"testing"
	"time"
)

// TestSSTDayMatchesSSTPacked: the fast whole-day generator gives exactly the per-cell values
// that tests recompute independently.
func TestSSTDayMatchesSSTPacked(t *testing.T) {
	land := LandMask()
	vals := make([]int16, SSTLat*SSTLon)
	for _, d := range []int{0, 100, 364} {
		SSTDay(d, vals, land)
		for i := 0; i < SSTLat; i += 7 {
			for j := 0; j < SSTLon; j += 11 {
				if got, want := vals[i*SSTLon+j], SSTPacked(d, i, j); got != want {
					t.Fatalf("day %d cell (%d,%d): SSTDay %d, SSTPacked %d", d, i, j, got, want)
				}
			}
		}
	}
	// Land is fill, ocean is in the valid range.
	if SSTPacked(0, 0, 0) != SSTFill || SSTPacked(0, 360, 0) == SSTFill {
		t.Error("poles should be land and the equator at 180W ocean")
	}
}

func TestSSTTime(t *testing.T) {
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := SSTTime(start, 0); got != 1293872400 { // MUR's 2022-01-01 09:00 UTC
		t.Errorf("SSTTime = %d, want 1293872400", got)
	}
}

func TestCubeValueDeterministic(t *testing.T) {
	a, b := CubeValue([]int{3, 5, 7}), CubeValue([]int{3, 5, 7})
	if a != b || a == CubeValue([]int{3, 5, 8}) {
		t.Errorf("CubeValue not a deterministic function of the index: %v %v", a, b)
	}
}
