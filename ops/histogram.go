package ops

import "fmt"

// HistogramEdges returns the bins+1 edges of bins equal bins over [lo, hi] exactly as
// numpy.linspace(lo, hi, bins+1) computes them (numpy/core/function_base.py linspace: step =
// (hi-lo)/bins, edge i = i*step + lo without fused multiply-add, the last edge hi), which is what
// numpy.histogram uses. bins must be >= 1.
func HistogramEdges(lo, hi float64, bins int) []float64 {
	e := make([]float64, bins+1)
	delta := hi - lo
	step := delta / float64(bins)
	for i := range e {
		if step == 0 { // numpy: y /= div; y *= delta when the step underflows
			e[i] = float64(float64(float64(i)/float64(bins))*delta) + lo
			continue
		}
		e[i] = float64(float64(i)*step) + lo
	}
	e[bins] = hi
	return e
}

// HistogramRange returns numpy.histogram's range for data whose valid values have the minimum lo
// and maximum hi (numpy/lib/histograms.py _get_outer_edges): [lo, hi], widened to
// [lo-0.5, hi+0.5] when lo == hi, and [0, 1] when there is no valid value (n == 0). An infinite
// minimum or maximum is an error (numpy: "autodetected range ... is not finite").
func HistogramRange(lo, hi float64, n int64) (float64, float64, error) {
	if n == 0 {
		return 0, 1, nil
	}
	if !finite(lo) || !finite(hi) || lo > hi {
		return 0, 0, fmt.Errorf("histogram: the range of the data [%v, %v] is not finite: give --hist-min and --hist-max", lo, hi)
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	if !(lo < hi) { // lo == hi still: 0.5 is below the ulp of a huge constant
		return 0, 0, fmt.Errorf("histogram: every value is %v, and [%v-0.5, %v+0.5] is empty in float64: give --hist-min and --hist-max", lo+0.5, lo+0.5, lo+0.5)
	}
	if !finite(hi - lo) {
		return 0, 0, fmt.Errorf("histogram: the range of the data [%v, %v] is wider than float64: give --hist-min and --hist-max", lo, hi)
	}
	return lo, hi, nil
}
