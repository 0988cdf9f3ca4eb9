package ops

import (
	"fmt"
)

// Integer is the set of raw element types AddBlockRaw decodes on the fly.
type Integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// AddBlockRaw accumulates a C-order block of raw (packed) integers, CF-decoding each value
// with cf as it is summed: one pass over raw, no float64 buffer. The result is bit for bit
// that of Decode(vals, raw, cf) followed by AddBlock(origin, shape, vals): every value is
// decoded by the same arithmetic (decodeMasked's) and rows are summed in the same four lanes
// as sumCount.
//
// It handles the reductions of a whole row (the last axis reduced) by Sum and Mean without
// per-element weights (axis weights on the other axes are fine, as in a latitude-weighted
// global mean), with a cf that needs no reinterpretation (Unsigned, Signed) and has at most one
// missing_value. For anything else it returns false without touching p, and the caller
// decodes and calls AddBlock. Errors are AddBlock's.
func AddBlockRaw[T Integer](p *Partial, origin, shape []int, raw []T, cf *CF) (bool, error) {
	if p.err != nil {
		return false, fmt.Errorf("add block: %w", p.err)
	}
	g := &p.g
	nd := len(g.Shape)
	if nd == 0 || (p.kind != Sum && p.kind != Mean) || !g.Reduce[nd-1] || g.FullWeights != nil {
		return false, nil
	}
	last := nd - 1
	if last < len(g.AxisWeights) && g.AxisWeights[last] != nil {
		return false, nil
	}
	if cf != nil && (cf.Unsigned || cf.Signed) {
		return false, nil
	}
	plan := cf.plan()
	if len(plan.moreMiss) > 0 {
		return false, nil
	}
	if len(origin) != nd || len(shape) != nd {
		return true, fmt.Errorf("add block: origin %v and shape %v need %d axes", origin, shape, nd)
	}
	n := 1
	for a := 0; a < nd; a++ {
		o, e := origin[a], shape[a]
		if o < 0 || e < 0 || o > g.Shape[a] || e > g.Shape[a]-o {
			return true, fmt.Errorf("add block: axis %d: [%d, %d+%d) outside [0, %d)", a, o, o, e, g.Shape[a])
		}
		n *= e
	}
	if n != len(raw) {
		return true, fmt.Errorf("add block: shape %v holds %d values, got %d", shape, n, len(raw))
	}
	if p.masked && !p.weightsKnown {
		return true, fmt.Errorf("add block: partial was decoded without its weights; create it with NewPartial")
	}
	if n == 0 {
		return true, nil
	}
	rowLen := shape[last]
	idx := p.idx
	for a := range idx {
		idx[a] = 0
	}
	for off := 0; off < n; off += rowLen {
		// The row's cell and scalar weight, as AddBlock computes them.
		c := 0
		ws := 1.0
		for a := 0; a < last; a++ {
			i := origin[a] + idx[a]
			c += i * p.cellStride[a]
			if p.masked && a < len(g.AxisWeights) && g.AxisWeights[a] != nil {
				ws = float64(ws * g.AxisWeights[a][i])
			}
		}
		// addRow and rowSum with wv == nil.
		if !p.masked || ws != 0 {
			if p.masked && !p.weighted {
				ws = 1
			}
			if s, k := sumCountRaw(raw[off:off+rowLen], &plan); k > 0 {
				w := float64(k)
				p.cnt[c] += int64(k)
				if ws != 1 {
					s = float64(s * ws)
					w = float64(w * ws)
				}
				p.sum.add(c, s)
				if p.wsum != nil {
					p.wsum.add(c, w)
				}
			}
		}
		for a := last - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < shape[a] {
				break
			}
			idx[a] = 0
		}
	}
	return true, nil
}

// sumCountRaw is sumCount over the values of row CF-decoded with p, without storing them:
// an element is skipped where decodeMasked writes NaN (outside [lo, hi], fill, missing) or its
// value is NaN, and the others are decoded as decodeMasked does (float64(r*s)+o, then
// float64(x*us)+uo with units; with no units the identity step x*1+0 changes nothing, not even
// the sum, since a -0 summand leaves a +0 lane unchanged).
func sumCountRaw[T Integer](row []T, p *decodePlan) (float64, int) {
	s, o, us, uo := p.scale, p.offset, 1.0, 0.0
	if p.unit {
		us, uo = p.uscale, p.uoffset
	}
	lo, hi, fill, m1 := p.lo, p.hi, p.fill, p.miss1
	var s0, s1, s2, s3 float64
	var n0, n1, n2, n3 int
	dec := func(v T) (float64, bool) {
		r := float64(v)
		if r < lo || r > hi || r == fill || r == m1 {
			return 0, false
		}
		x := float64(float64(float64(r*s)+o)*us) + uo
		return x, x == x
	}
	i := 0
	for ; i+4 <= len(row); i += 4 {
		if x, ok := dec(row[i]); ok {
			s0 += x
			n0++
		}
		if x, ok := dec(row[i+1]); ok {
			s1 += x
			n1++
		}
		if x, ok := dec(row[i+2]); ok {
			s2 += x
			n2++
		}
		if x, ok := dec(row[i+3]); ok {
			s3 += x
			n3++
		}
	}
	for ; i < len(row); i++ {
		if x, ok := dec(row[i]); ok {
			s0 += x
			n0++
		}
	}
	return (s0 + s1) + (s2 + s3), n0 + n1 + n2 + n3
}
