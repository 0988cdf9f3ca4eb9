package ops

import (
	"math"
	"math/big"
	"math/rand/v2"
)

// block is one chunk-aligned piece of a selection.
type block struct {
	origin, shape []int
	vals          []float64
}

// splitBlocks cuts full (C order, shape) into blocks of at most chunk.
func splitBlocks(full []float64, shape, chunk []int) []block {
	nd := len(shape)
	if nd == 0 {
		return []block{{vals: append([]float64(nil), full...)}}
	}
	grid := make([]int, nd)
	for a := range shape {
		grid[a] = (shape[a] + chunk[a] - 1) / chunk[a]
		if grid[a] == 0 {
			return nil
		}
	}
	var out []block
	gi := make([]int, nd)
	for {
		o := make([]int, nd)
		s := make([]int, nd)
		for a := range shape {
			o[a] = gi[a] * chunk[a]
			s[a] = min(chunk[a], shape[a]-o[a])
		}
		out = append(out, block{origin: o, shape: s, vals: extract(full, shape, o, s)})
		a := nd - 1
		for ; a >= 0; a-- {
			gi[a]++
			if gi[a] < grid[a] {
				break
			}
			gi[a] = 0
		}
		if a < 0 {
			return out
		}
	}
}

// extract copies the sub-box (origin, bs) out of full.
func extract(full []float64, shape, origin, bs []int) []float64 {
	n := 1
	for _, e := range bs {
		n *= e
	}
	out := make([]float64, 0, n)
	forEach(bs, func(rel []int) {
		off := 0
		for a := range shape {
			off = off*shape[a] + origin[a] + rel[a]
		}
		out = append(out, full[off])
	})
	return out
}

// forEach calls fn for every coordinate of shape in C order.
func forEach(shape []int, fn func(coord []int)) {
	for _, e := range shape {
		if e == 0 {
			return
		}
	}
	c := make([]int, len(shape))
	for {
		fn(c)
		a := len(shape) - 1
		for ; a >= 0; a-- {
			c[a]++
			if c[a] < shape[a] {
				break
			}
			c[a] = 0
		}
		if a < 0 {
			return
		}
	}
}

// refWeight is the weight of one coordinate, computed independently.
func refWeight(g *Geometry, coord []int) float64 {
	w := 1.0
	for a, aw := range g.AxisWeights {
		if aw != nil {
			w *= aw[coord[a]]
		}
	}
	if g.FullWeights != nil {
		off := 0
		for _, a := range g.FullWeightsAxes {
			off = off*g.Shape[a] + coord[a]
		}
		w *= g.FullWeights[off]
	}
	return w
}

// randomValues returns n values around center with the given spread, a
// fraction nanFrac of NaNs.
func randomValues(rng *rand.Rand, n int, center, spread, nanFrac float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		if rng.Float64() < nanFrac {
			v[i] = math.NaN()
			continue
		}
		v[i] = center + spread*rng.NormFloat64()
	}
	return v
}

// refStats is the reference reduction of one cell.
type refStats struct {
	n        int64
	sw, swx  *big.Float // Σw, Σwx exactly (products rounded like AddBlock does not matter: tolerance)
	vals, ws []float64
	min, max float64
}

func newBig() *big.Float { return new(big.Float).SetPrec(4000) }

// reference computes per-cell reference stats over full data: values of weight 0 are skipped
// when g has weights; weighted multiplies by the weights.
func reference(g *Geometry, full []float64, weighted bool) []*refStats {
	cells := g.NumCells()
	out := make([]*refStats, cells)
	for c := range out {
		out[c] = &refStats{sw: newBig(), swx: newBig(), min: math.Inf(1), max: math.Inf(-1)}
	}
	i := 0
	forEach(g.Shape, func(coord []int) {
		x := full[i]
		i++
		if math.IsNaN(x) {
			return
		}
		r := out[g.CellIndex(coord)]
		w := 1.0
		if g.Weighted() {
			// Weights mask every kind: a value of weight 0 is not there (package doc, "Weights").
			if w = refWeight(g, coord); w == 0 {
				return
			}
		}
		if !weighted {
			w = 1
		}
		r.n++
		r.sw.Add(r.sw, newBig().SetFloat64(w))
		r.swx.Add(r.swx, newBig().Mul(newBig().SetFloat64(w), newBig().SetFloat64(x)))
		r.vals = append(r.vals, x)
		r.ws = append(r.ws, w)
		r.min = math.Min(r.min, x)
		r.max = math.Max(r.max, x)
	})
	return out
}

// variance returns Σw(x-M)²/denom computed in big arithmetic.
func (r *refStats) variance(ddof int, weighted bool) float64 {
	if r.n == 0 {
		return math.NaN()
	}
	if r.sw.Sign() == 0 {
		return math.NaN()
	}
	mean := newBig().Quo(r.swx, r.sw)
	m2 := newBig()
	for i, x := range r.vals {
		d := newBig().Sub(newBig().SetFloat64(x), mean)
		m2.Add(m2, newBig().Mul(newBig().SetFloat64(r.ws[i]), newBig().Mul(d, d)))
	}
	den := newBig().Set(r.sw)
	if !weighted {
		den.SetInt64(r.n - int64(ddof))
		if r.n-int64(ddof) <= 0 {
			return math.NaN()
		}
	}
	f, _ := newBig().Quo(m2, den).Float64()
	return f
}

// relErr is |a-b|/max(|b|, tiny); NaN==NaN counts as equal.
func relErr(a, b float64) float64 {
	if math.IsNaN(a) && math.IsNaN(b) {
		return 0
	}
	if a == b {
		return 0
	}
	d := math.Abs(a - b)
	s := math.Abs(b)
	if s < 1e-300 {
		return d
	}
	return d / s
}
