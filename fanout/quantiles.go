package fanout

import (
	"sort"
	"time"

	"gonum.org/v1/gonum/stat"
)

// Quantiles summarise a distribution of task durations in seconds (stragglers show as a max far
// above the p90).
type Quantiles struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// DurationQuantiles computes Quantiles of ds (nil for an empty slice). ds is not modified.
func DurationQuantiles(ds []time.Duration) *Quantiles {
	if len(ds) == 0 {
		return nil
	}
	x := make([]float64, len(ds))
	for i, d := range ds {
		x[i] = d.Seconds()
	}
	sort.Float64s(x)
	q := func(p float64) float64 { return stat.Quantile(p, stat.Empirical, x, nil) }
	return &Quantiles{N: len(x), Mean: stat.Mean(x, nil), P50: q(0.5), P90: q(0.9), P99: q(0.99), Max: x[len(x)-1]}
}
