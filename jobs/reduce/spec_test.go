package reduce

import (
	"strings"
	"testing"
	"time"

	"github.com/hsfan/hsfan/ops"
)

// TestSpecMinCount: --min-count is xarray's min_count of sum; it is refused elsewhere (xarray has
// it for sum and prod only, and not for weighted sums).
func TestSpecMinCount(t *testing.T) {
	for _, tc := range []struct {
		op, weights string
		minCount    int
		want        string // "" = valid
	}{
		{"sum", "", 1, ""},
		{"sum", "", 0, ""},
		{"mean", "", 0, ""},
		{"mean", "", 1, "sum only"},
		{"sum", "coslat", 2, "weighted sum"},
		{"sum", "", -1, "negative"},
	} {
		s := Spec{Domain: "/d.h5", Dataset: "/x", Op: tc.op, Weights: tc.weights, MinCount: tc.minCount}
		err := s.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s weights %q min count %d: %v, want %q", tc.op, tc.weights, tc.minCount, err, tc.want)
		}
	}
}

// TestSpecHistogramRange: a histogram's range is both flags or neither (then the data's); the
// errors name the flags.
func TestSpecHistogramRange(t *testing.T) {
	for _, tc := range []struct {
		bins   int
		lo, hi float64
		want   string
	}{
		{50, 0, 0, ""},
		{50, -2, 35, ""},
		{50, 5, 0, "--hist-min 5 and --hist-max 0"},
		{50, 3, 3, "--hist-min < --hist-max"},
		{0, 0, 0, "--bins 0"},
		{1 << 21, 0, 0, "--bins"},
	} {
		s := Spec{Domain: "/d.h5", Dataset: "/x", Op: "hist", Bins: tc.bins, HistMin: tc.lo, HistMax: tc.hi}
		err := s.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("bins %d range [%v, %v]: %v, want %q", tc.bins, tc.lo, tc.hi, err, tc.want)
		}
	}
}

// TestWorkerTimeLineSaysSum: the worker time is a sum over tasks and parallel fetches, larger
// than the wall time; the line says so (issue 13: "decode 70 s" in a 7.9 s run).
func TestWorkerTimeLineSaysSum(t *testing.T) {
	out := &Outcome{Decode: 70 * time.Second, Fetch: 3 * time.Second, DecodedBytes: 1e9}
	out.Stats.Wall = 7900 * time.Millisecond
	got := workerTimeLine(out, 365)
	for _, want := range []string{"decode 70.00s", "summed over 365 tasks", "not elapsed time (wall 7.90s)"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}

// TestWeightsText: the title says weighted only for the ops that weigh; the others are masked.
func TestWeightsText(t *testing.T) {
	for _, tc := range []struct {
		w    string
		k    ops.Kind
		want string
	}{
		{"coslat:60", ops.Mean, "cos(lat)-weighted, |lat| <= 60°"},
		{"coslat", ops.Std, "cos(lat)-weighted"},
		{"coslat:60", ops.Histogram, "|lat| <= 60° (unweighted)"},
		{"/area", ops.Sum, "weights /area"},
		{"/area", ops.Count, "values of weight 0 in /area left out (unweighted)"},
	} {
		if got := weightsText(tc.w, tc.k); got != tc.want {
			t.Errorf("weightsText(%q, %s) = %q, want %q", tc.w, tc.k, got, tc.want)
		}
	}
}
