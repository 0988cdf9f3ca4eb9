package ops

import (
	"errors"
	"fmt"
	"math"
)

// Options configures a reduction.
type Options struct {
	// Bins is the histogram bin count (Histogram only, 1..MaxBins).
	Bins int
	// Min and Max bound the histogram range [Min, Max]; Max falls in the
	// last bin, values outside go to Result.Under / Result.Over. The bins
	// are numpy.histogram's (HistogramEdges); HistogramRange gives its range
	// from the data's minimum and maximum when the caller has none.
	Min, Max float64
	// DDOF is the delta degrees of freedom of Var and Std without weights:
	// var = M2/(N-DDOF). 0 (numpy's default) is the population variance,
	// 1 the sample variance. Must be 0 with weights.
	DDOF int
}

// Partial is the mergeable state of one reduction. It is not safe for
// concurrent use; give each goroutine its own Partial and Merge them.
type Partial struct {
	kind  Kind
	opts  Options
	g     Geometry
	err   error // sticky construction error
	cells int
	// weighted: weights apply to this kind and the geometry has some.
	weighted bool
	// masked: the geometry has weights; values whose weight is 0 are excluded from every kind
	// (see the package doc, "Weights").
	masked bool
	// weightsKnown: the weight arrays are present (false after a standalone
	// UnmarshalBinary, which only carries their fingerprint).
	weightsKnown bool
	fp           uint64

	cnt   []int64
	sum   *exactStore // Σwx (Sum, Mean), S of the variance identity
	wsum  *exactStore // Σw over valid values, weighted Sum/Mean/Var/Std only
	sq    *exactStore // Q = Σ W_r m_r² (Var/Std)
	dev   *exactStore // A = Σ (M2_r + 2 m_r r_r) (Var/Std)
	ext   []float64   // Min/Max
	hist  []int64     // cells*Bins
	under []int64
	over  []int64

	// Precomputed geometry helpers and scratch, reused by AddBlock.
	cellStride []int // per axis, 0 for reduced axes
	fwStride   []int // per axis, 0 for axes outside FullWeightsAxes
	idx        []int
	wrow       []float64
	mrow       []float64 // a row with its zero-weight values set to NaN
	tmpHi      []float64
	tmpLo      []float64
	histScale  float64
	edges      []float64 // histogram bin edges, numpy.linspace(Min, Max, Bins+1)
}

// NewPartial returns an empty partial state for kind over g. The geometry is
// referenced, not copied: do not modify it afterwards. An invalid kind,
// geometry or option is reported by Err and by every later method call.
func NewPartial(kind Kind, g *Geometry, opts Options) *Partial {
	p := &Partial{kind: kind, opts: opts}
	if err := p.init(g); err != nil {
		p.err = err
	}
	return p
}

// Err returns the construction error, if any.
func (p *Partial) Err() error { return p.err }

// Kind returns the partial's reduction kind.
func (p *Partial) Kind() Kind { return p.kind }

// NumCells returns the number of output cells.
func (p *Partial) NumCells() int { return p.cells }

func (p *Partial) init(g *Geometry) error {
	if !p.kind.Valid() {
		return fmt.Errorf("new partial: invalid kind %d", p.kind)
	}
	if err := g.Validate(); err != nil {
		return fmt.Errorf("new partial: %w", err)
	}
	if err := p.checkOptions(); err != nil {
		return fmt.Errorf("new partial: %w", err)
	}
	p.g = *g
	p.masked = g.Weighted()
	p.weighted = p.kind.weighted() && p.masked
	if p.weighted && p.opts.DDOF != 0 {
		return fmt.Errorf("new partial: ddof %d with weights (weighted variance is the population variance)", p.opts.DDOF)
	}
	p.weightsKnown = true
	p.fp = g.fingerprint()
	return p.alloc()
}

func (p *Partial) checkOptions() error {
	if p.opts.DDOF < 0 {
		return fmt.Errorf("ddof %d is negative", p.opts.DDOF)
	}
	if p.kind != Histogram {
		p.opts.Bins, p.opts.Min, p.opts.Max = 0, 0, 0
		return nil
	}
	o := p.opts
	if o.Bins < 1 || o.Bins > MaxBins {
		return fmt.Errorf("histogram: %d bins (want 1..%d)", o.Bins, MaxBins)
	}
	if !(o.Min < o.Max) || !finite(o.Min) || !finite(o.Max) || !finite(o.Max-o.Min) {
		return fmt.Errorf("histogram: range [%v, %v] must be finite and non-empty", o.Min, o.Max)
	}
	return nil
}

// alloc sizes the state and the geometry helpers for p.g.
func (p *Partial) alloc() error {
	g := &p.g
	p.cells = g.NumCells()
	nd := len(g.Shape)
	p.cellStride = make([]int, nd)
	s := 1
	for a := nd - 1; a >= 0; a-- {
		if !g.Reduce[a] {
			p.cellStride[a] = s
			s *= g.Shape[a]
		}
	}
	p.fwStride = make([]int, nd)
	s = 1
	for i := len(g.FullWeightsAxes) - 1; i >= 0; i-- {
		a := g.FullWeightsAxes[i]
		p.fwStride[a] = s
		s *= g.Shape[a]
	}
	p.idx = make([]int, nd)
	p.cnt = make([]int64, p.cells)
	if p.kind.needsSum() {
		p.sum = newExactStore(p.cells)
	}
	if p.weighted {
		p.wsum = newExactStore(p.cells)
	}
	if p.kind.needsMoments() {
		p.sq = newExactStore(p.cells)
		p.dev = newExactStore(p.cells)
	}
	switch p.kind {
	case Min, Max:
		p.ext = make([]float64, p.cells)
		fill := math.Inf(1)
		if p.kind == Max {
			fill = math.Inf(-1)
		}
		for i := range p.ext {
			p.ext[i] = fill
		}
	case Histogram:
		if p.cells > 0 && p.opts.Bins > maxHistEntries/p.cells {
			return fmt.Errorf("histogram: %d cells x %d bins is too large", p.cells, p.opts.Bins)
		}
		p.hist = make([]int64, p.cells*p.opts.Bins)
		p.under = make([]int64, p.cells)
		p.over = make([]int64, p.cells)
		p.histScale = float64(p.opts.Bins) / (p.opts.Max - p.opts.Min)
		p.edges = HistogramEdges(p.opts.Min, p.opts.Max, p.opts.Bins)
	}
	return nil
}

// ErrMismatch is wrapped by Merge and UnmarshalBinary when two partials
// describe different reductions.
var ErrMismatch = errors.New("partials do not match")

// compatible checks that o reduces the same way as p.
func (p *Partial) compatible(o *Partial) error {
	switch {
	case p.kind != o.kind:
		return fmt.Errorf("%w: kind %s vs %s", ErrMismatch, p.kind, o.kind)
	case !equalInts(p.g.Shape, o.g.Shape):
		return fmt.Errorf("%w: shape %v vs %v", ErrMismatch, p.g.Shape, o.g.Shape)
	case !equalBools(p.g.Reduce, o.g.Reduce):
		return fmt.Errorf("%w: reduced axes %v vs %v", ErrMismatch, p.g.Reduce, o.g.Reduce)
	case p.weighted != o.weighted || p.masked != o.masked || p.fp != o.fp:
		return fmt.Errorf("%w: different weights", ErrMismatch)
	case p.opts != o.opts:
		return fmt.Errorf("%w: options %+v vs %+v", ErrMismatch, p.opts, o.opts)
	}
	return nil
}

// Merge adds o's state into p. The merge is exact: any order and grouping of
// merges gives bit-identical results. o is not modified.
func (p *Partial) Merge(o *Partial) error {
	if p.err != nil {
		return fmt.Errorf("merge: %w", p.err)
	}
	if o == nil {
		return fmt.Errorf("merge: nil partial")
	}
	if o.err != nil {
		return fmt.Errorf("merge: other partial: %w", o.err)
	}
	if p == o {
		return fmt.Errorf("merge: a partial cannot be merged into itself")
	}
	if err := p.compatible(o); err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	for i, n := range o.cnt {
		p.cnt[i] += n
	}
	for _, pair := range [][2]*exactStore{{p.sum, o.sum}, {p.wsum, o.wsum}, {p.sq, o.sq}, {p.dev, o.dev}} {
		if pair[0] != nil {
			pair[0].merge(pair[1])
		}
	}
	switch p.kind {
	case Min:
		for i, x := range o.ext {
			if less(x, p.ext[i]) {
				p.ext[i] = x
			}
		}
	case Max:
		for i, x := range o.ext {
			if less(p.ext[i], x) {
				p.ext[i] = x
			}
		}
	case Histogram:
		for i, n := range o.hist {
			p.hist[i] += n
		}
		for i := range o.under {
			p.under[i] += o.under[i]
			p.over[i] += o.over[i]
		}
	}
	return nil
}

// less orders float64 values with -0 < +0 (NaN never occurs in state).
func less(a, b float64) bool {
	return a < b || (a == b && math.Signbit(a) && !math.Signbit(b))
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
