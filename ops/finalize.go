package ops

import (
	"fmt"
	"math"
	"math/big"
)

// Result is a finalized reduction, one entry per output cell (row-major
// over the kept axes).
type Result struct {
	// Kind is the reduction.
	Kind Kind
	// Shape is the shape of the output (the kept extents; empty when every
	// axis is reduced, in which case there is one cell).
	Shape []int
	// Value is the reduced value per cell, with xarray's semantics (skipna):
	// Sum is 0 where the cell saw no valid value (numpy nansum; see
	// ApplyMinCount), Count is 0 there, Mean, Min, Max, Var and Std are NaN
	// (and a weighted mean/var/std with only zero weights). For Histogram it
	// is the number of values inside [Min, Max].
	Value []float64
	// Count is the number of valid (non-NaN) values per cell; with weights,
	// those of non-zero weight (the values the reduction saw).
	Count []int64
	// WeightSum is Σw over the valid values for weighted sum, mean, var and
	// std; otherwise the count.
	WeightSum []float64
	// Hist holds the histogram bin counts, cells x Bins, row-major.
	Hist []int64
	// Edges are the Bins+1 histogram bin edges (HistogramEdges: numpy's).
	Edges []float64
	// Under and Over count values below Min and above Max per cell.
	Under, Over []int64
}

// Finalize computes the result. Every exact accumulator is rounded once, so
// the result depends only on the exact accumulated values, never on the
// merge history. The partial is not modified. A partial with a construction
// error (see Err) finalizes to an empty Result.
func (p *Partial) Finalize() Result {
	if p.err != nil {
		return Result{Kind: p.kind}
	}
	r := Result{
		Kind:      p.kind,
		Shape:     p.g.KeptShape(),
		Value:     make([]float64, p.cells),
		Count:     append([]int64(nil), p.cnt...),
		WeightSum: make([]float64, p.cells),
	}
	var bf bigScratch
	nan := math.NaN()
	for c := 0; c < p.cells; c++ {
		n := p.cnt[c]
		if p.wsum != nil {
			r.WeightSum[c], _ = p.wsum.canonical(c, &bf)
		} else {
			r.WeightSum[c] = float64(n)
		}
		v := nan
		switch p.kind {
		case Count:
			v = float64(n)
		case Sum:
			// xarray's sum skips NaN (numpy nansum): a cell without a valid value sums to 0;
			// min_count (ApplyMinCount) turns it into NaN.
			v = 0
			if n > 0 {
				v = p.finalSum(c, &bf)
			}
		case Mean:
			if n > 0 {
				v = p.finalMean(c, n, &bf)
			}
		case Min, Max:
			if n > 0 {
				v = p.ext[c]
			}
		case Var, Std:
			if n > 0 {
				v = p.finalVar(c, n, &bf)
				if p.kind == Std {
					v = math.Sqrt(v)
				}
			}
		case Histogram:
			v = float64(n - p.under[c] - p.over[c])
		}
		r.Value[c] = v
	}
	if p.kind == Histogram {
		r.Hist = append([]int64(nil), p.hist...)
		r.Under = append([]int64(nil), p.under...)
		r.Over = append([]int64(nil), p.over...)
		r.Edges = HistogramEdges(p.opts.Min, p.opts.Max, p.opts.Bins)
	}
	return r
}

// ApplyMinCount gives NaN to the sums of cells with fewer than minCount
// valid values, as xarray's DataArray.sum(min_count=minCount) does (0 and 1
// differ: an all-NaN cell sums to 0 with min_count 0, NaN with 1). Only Sum
// takes a min count (xarray: sum and prod); other kinds are an error when
// minCount > 0.
func (r *Result) ApplyMinCount(minCount int) error {
	if minCount <= 0 {
		return nil
	}
	if r.Kind != Sum {
		return fmt.Errorf("min_count applies to sum only (as in xarray), not %s", r.Kind)
	}
	for c, n := range r.Count {
		if n < int64(minCount) {
			r.Value[c] = math.NaN()
		}
	}
	return nil
}

func (p *Partial) finalSum(c int, bf *bigScratch) float64 {
	if v, ok := p.sum.nonFinite(c); ok {
		return v
	}
	hi, _ := p.sum.canonical(c, bf)
	return hi
}

func (p *Partial) finalMean(c int, n int64, bf *bigScratch) float64 {
	if v, ok := p.sum.nonFinite(c); ok {
		return v
	}
	sh, sl := p.sum.canonical(c, bf)
	wh, wl := float64(n), 0.0
	if p.wsum != nil {
		wh, wl = p.wsum.canonical(c, bf)
	}
	if wh == 0 {
		return math.NaN()
	}
	return ddDiv(sh, sl, wh, wl)
}

// ddDiv returns (sh+sl)/(wh+wl) to about one ulp: a fixed sequence of IEEE
// operations on canonical pairs, hence deterministic.
func ddDiv(sh, sl, wh, wl float64) float64 {
	q1 := sh / wh
	if !finite(q1) {
		return q1
	}
	p, e := twoProd(q1, wh)
	r := float64(float64(float64(sh-p)-e)+sl) - float64(q1*wl)
	return q1 + r/wh
}

// finalVar evaluates M2 = A + Q - S²/W with math/big on the exact values
// and divides by W (weighted) or N-DDOF.
func (p *Partial) finalVar(c int, n int64, bf *bigScratch) float64 {
	for _, s := range []*exactStore{p.sum, p.sq, p.dev} {
		if _, ok := s.nonFinite(c); ok {
			return math.NaN()
		}
	}
	var w, s, q, a, m2 big.Float
	if p.wsum != nil {
		bf.exact(p.wsum.cell(c), &w)
		if w.Sign() <= 0 {
			return math.NaN()
		}
	} else {
		w.SetInt64(n)
	}
	bf.exact(p.sum.cell(c), &s)
	bf.exact(p.sq.cell(c), &q)
	bf.exact(p.dev.cell(c), &a)
	// S² exactly, then S²/W with ample precision.
	prec := 2*s.MinPrec() + 64
	if prec < 128 {
		prec = 128
	}
	var s2 big.Float
	s2.SetPrec(prec).Mul(&s, &s)
	s2.Quo(&s2, &w)
	m2.SetPrec(prec + exactPrec)
	m2.Add(&a, &q)
	m2.Sub(&m2, &s2)
	if m2.Sign() <= 0 {
		return 0
	}
	denom := new(big.Float).Set(&w)
	if p.wsum == nil {
		k := n - int64(p.opts.DDOF)
		if k <= 0 {
			return math.NaN()
		}
		denom.SetInt64(k)
	}
	var v big.Float
	v.SetPrec(53).Quo(&m2, denom)
	f, _ := v.Float64()
	return f
}
