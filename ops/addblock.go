package ops

import (
	"fmt"
	"math"
)

// AddBlock accumulates a C-order block of decoded values whose first
// element sits at selection coordinate origin and whose extents are shape.
// NaN values are skipped. In hsfan a block is one chunk intersected with the
// selection; offering the same data as different blocks can change the last
// bits (see the package doc), offering it in any order cannot.
//
// The block is walked one row (last axis) at a time with counters: no
// allocation, no per-element division or interface call.
func (p *Partial) AddBlock(origin []int, shape []int, vals []float64) error {
	if p.err != nil {
		return fmt.Errorf("add block: %w", p.err)
	}
	g := &p.g
	nd := len(g.Shape)
	if len(origin) != nd || len(shape) != nd {
		return fmt.Errorf("add block: origin %v and shape %v need %d axes", origin, shape, nd)
	}
	n := 1
	for a := 0; a < nd; a++ {
		o, e := origin[a], shape[a]
		if o < 0 || e < 0 || o > g.Shape[a] || e > g.Shape[a]-o {
			return fmt.Errorf("add block: axis %d: [%d, %d+%d) outside [0, %d)", a, o, o, e, g.Shape[a])
		}
		n *= e
	}
	if n != len(vals) {
		return fmt.Errorf("add block: shape %v holds %d values, got %d", shape, n, len(vals))
	}
	if p.masked && !p.weightsKnown {
		return fmt.Errorf("add block: partial was decoded without its weights; create it with NewPartial")
	}
	if n == 0 {
		return nil
	}
	if nd == 0 {
		ws := 1.0
		if p.masked && g.FullWeights != nil {
			ws = g.FullWeights[0]
		}
		p.addRow(vals, 0, ws, nil, true)
		return nil
	}
	last := nd - 1
	rowLen := shape[last]
	lastKept := !g.Reduce[last]
	useW := p.masked
	var awLast, fwRowBase []float64
	if useW {
		if last < len(g.AxisWeights) && g.AxisWeights[last] != nil {
			awLast = g.AxisWeights[last][origin[last] : origin[last]+rowLen]
		}
		if g.FullWeights != nil && p.fwStride[last] != 0 {
			fwRowBase = g.FullWeights
		}
		if awLast != nil && fwRowBase != nil && cap(p.wrow) < rowLen {
			p.wrow = make([]float64, rowLen)
		}
	}
	idx := p.idx
	for a := range idx {
		idx[a] = 0
	}
	for off := 0; off < n; off += rowLen {
		// Cell of the row's first element, scalar weight and element weights.
		c := 0
		if lastKept {
			c = origin[last]
		}
		ws := 1.0
		fwo := 0
		for a := 0; a < last; a++ {
			i := origin[a] + idx[a]
			c += i * p.cellStride[a]
			if useW {
				if a < len(g.AxisWeights) && g.AxisWeights[a] != nil {
					ws = float64(ws * g.AxisWeights[a][i])
				}
				fwo += i * p.fwStride[a]
			}
		}
		var wv []float64
		if useW {
			if g.FullWeights != nil {
				if fwRowBase != nil {
					fwo += origin[last]
					fr := fwRowBase[fwo : fwo+rowLen]
					if awLast != nil {
						w := p.wrow[:rowLen]
						for j := range w {
							w[j] = float64(awLast[j] * fr[j])
						}
						wv = w
					} else {
						wv = fr
					}
				} else {
					ws = float64(ws * g.FullWeights[fwo])
					wv = awLast
				}
			} else {
				wv = awLast
			}
		}
		p.addRow(vals[off:off+rowLen], c, ws, wv, !lastKept)
		// Advance the odometer over the leading axes.
		for a := last - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < shape[a] {
				break
			}
			idx[a] = 0
		}
	}
	return nil
}

// addRow dispatches one row. reduced: the whole row goes to cell c;
// otherwise element j goes to cell c+j. ws is the row's scalar weight, wv the
// optional per-element weights (set when the geometry has weights). Values
// of weight 0 are dropped first (a mask for every kind, see the package
// doc); weighted kinds then multiply by the weights.
func (p *Partial) addRow(row []float64, c int, ws float64, wv []float64, reduced bool) {
	if p.masked {
		if ws == 0 {
			return // the whole row has weight 0
		}
		row = p.maskRow(row, ws, wv)
		if !p.weighted {
			ws, wv = 1, nil
		}
	}
	if reduced {
		switch p.kind {
		case Count:
			p.cnt[c] += int64(countValid(row))
		case Sum, Mean:
			p.rowSum(row, c, ws, wv)
		case Min:
			if m, k := rowMin(row); k > 0 {
				p.cnt[c] += int64(k)
				if less(m, p.ext[c]) {
					p.ext[c] = m
				}
			}
		case Max:
			if m, k := rowMax(row); k > 0 {
				p.cnt[c] += int64(k)
				if less(p.ext[c], m) {
					p.ext[c] = m
				}
			}
		case Var, Std:
			p.rowMoments(row, c, ws, wv)
		case Histogram:
			p.histRow(row, c, 0)
		}
		return
	}
	switch p.kind {
	case Count:
		cnt := p.cnt[c : c+len(row)]
		for j, x := range row {
			if x == x {
				cnt[j]++
			}
		}
	case Sum, Mean:
		p.elemSum(row, c, ws, wv)
	case Min:
		p.elemMin(row, c)
	case Max:
		p.elemMax(row, c)
	case Var, Std:
		p.elemMoments(row, c, ws, wv)
	case Histogram:
		p.histRow(row, c, 1)
	}
}

// maskRow returns row, or a copy of it in p.mrow with NaN where the element
// weight ws*wv[j] is 0 (also when the product underflows). ws is not 0.
func (p *Partial) maskRow(row []float64, ws float64, wv []float64) []float64 {
	if wv == nil {
		return row
	}
	wv = wv[:len(row)]
	zero := -1
	for j, w := range wv {
		if w == 0 || float64(ws*w) == 0 {
			zero = j
			break
		}
	}
	if zero < 0 {
		return row
	}
	if cap(p.mrow) < len(row) {
		p.mrow = make([]float64, len(row))
	}
	m := p.mrow[:len(row)]
	copy(m, row)
	nan := math.NaN()
	for j := zero; j < len(m); j++ {
		if w := wv[j]; w == 0 || float64(ws*w) == 0 {
			m[j] = nan
		}
	}
	return m
}
