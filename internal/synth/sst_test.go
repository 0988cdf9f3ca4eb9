package synth

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
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

// TestSSTFollowsCalendarDate: a domain's day holds the field of its calendar date, whatever the
// domain's first day is (issue 13: --start 2022-12-01 gave December the values of January 1st).
func TestSSTFollowsCalendarDate(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "mem://", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	day := func(domain string, start time.Time, days, index int) []byte {
		t.Helper()
		f, err := hdf.Create(ctx, st, "b", domain, hdf.CreateOptions{Owner: "test", Parents: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteSST(ctx, f, SSTOptions{Days: days, Start: start}); err != nil {
			t.Fatal(err)
		}
		ds, err := f.OpenDatasetPath(ctx, "/analysed_sst")
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := ds.ReadChunk(ctx, []int{index, 0, 0}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	dec1 := time.Date(2022, 12, 1, 0, 0, 0, 0, time.UTC)
	a := day("/a.h5", dec1, 1, 0)
	b := day("/b.h5", dec1.AddDate(0, 0, -2), 3, 2) // 2022-11-29 + 2 days
	if !bytes.Equal(a, b) {
		t.Fatal("2022-12-01 differs between a domain starting on it and one starting two days earlier")
	}
	want := make([]int16, SSTLat*SSTLon)
	SSTDay(334, want, nil) // 2022-12-01 is day number 334
	if got := int16(binary.LittleEndian.Uint16(a[2*(360*SSTLon):])); got != want[360*SSTLon] {
		t.Errorf("2022-12-01 at (360, 0): %d, want day number 334's %d", got, want[360*SSTLon])
	}
	jan := make([]int16, SSTLat*SSTLon)
	SSTDay(0, jan, nil)
	if !bytes.Equal(a, le16(want)) || bytes.Equal(a, le16(jan)) {
		t.Error("2022-12-01 holds another day's field (January 1st's?)")
	}
}

func TestSSTDayNumber(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want int
	}{
		{time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(2022, 1, 1, 23, 59, 0, 0, time.UTC), 0},
		{time.Date(2022, 12, 1, 9, 0, 0, 0, time.UTC), 334},
		{time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), 365},
		{time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC), -1},
		{time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), 790}, // 2024 is a leap year
	} {
		if got := SSTDayNumber(tc.t); got != tc.want {
			t.Errorf("SSTDayNumber(%s) = %d, want %d", tc.t, got, tc.want)
		}
	}
}
