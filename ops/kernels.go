package ops

import "math"

// Row kernels. Every loop uses explicit float64 conversions around
// products so that no compiler may fuse them into FMAs: results are the
// same bits on every architecture.

// countValid counts the non-NaN values of row.
func countValid(row []float64) int {
	n := 0
	for _, x := range row {
		if x == x {
			n++
		}
	}
	return n
}

// sumCount returns the sum and the number of non-NaN values of row, with
// four interleaved partial sums.
func sumCount(row []float64) (float64, int) {
	var s0, s1, s2, s3 float64
	var n0, n1, n2, n3 int
	i := 0
	for ; i+4 <= len(row); i += 4 {
		x0, x1, x2, x3 := row[i], row[i+1], row[i+2], row[i+3]
		if x0 == x0 {
			s0 += x0
			n0++
		}
		if x1 == x1 {
			s1 += x1
			n1++
		}
		if x2 == x2 {
			s2 += x2
			n2++
		}
		if x3 == x3 {
			s3 += x3
			n3++
		}
	}
	for ; i < len(row); i++ {
		if x := row[i]; x == x {
			s0 += x
			n0++
		}
	}
	return (s0 + s1) + (s2 + s3), n0 + n1 + n2 + n3
}

// wsumCount returns Σw*x, Σw and the count over the non-NaN values of row.
func wsumCount(row, w []float64) (float64, float64, int) {
	w = w[:len(row)]
	var s0, s1, w0, w1 float64
	var n0, n1 int
	i := 0
	for ; i+2 <= len(row); i += 2 {
		x0, x1 := row[i], row[i+1]
		if x0 == x0 {
			s0 += float64(w[i] * x0)
			w0 += w[i]
			n0++
		}
		if x1 == x1 {
			s1 += float64(w[i+1] * x1)
			w1 += w[i+1]
			n1++
		}
	}
	if i < len(row) {
		if x := row[i]; x == x {
			s0 += float64(w[i] * x)
			w0 += w[i]
			n0++
		}
	}
	return s0 + s1, w0 + w1, n0 + n1
}

// rowSum folds one reduced row into cell c for Sum and Mean.
func (p *Partial) rowSum(row []float64, c int, ws float64, wv []float64) {
	var s, w float64
	var n int
	if wv == nil {
		s, n = sumCount(row)
		w = float64(n)
	} else {
		s, w, n = wsumCount(row, wv)
	}
	if n == 0 {
		return
	}
	p.cnt[c] += int64(n)
	if ws != 1 {
		s = float64(s * ws)
		w = float64(w * ws)
	}
	p.sum.add(c, s)
	if p.wsum != nil {
		p.wsum.add(c, w)
	}
}

// rowMin returns the minimum (-0 below +0) and count of the non-NaN values.
func rowMin(row []float64) (float64, int) {
	m := math.Inf(1)
	n := 0
	for _, x := range row {
		if x == x {
			n++
			if x < m || (x == m && math.Signbit(x)) {
				m = x
			}
		}
	}
	return m, n
}

// rowMax returns the maximum (+0 above -0) and count of the non-NaN values.
func rowMax(row []float64) (float64, int) {
	m := math.Inf(-1)
	n := 0
	for _, x := range row {
		if x == x {
			n++
			if x > m || (x == m && !math.Signbit(x)) {
				m = x
			}
		}
	}
	return m, n
}

// rowMoments folds one reduced row into cell c for Var and Std: see the
// package doc for the identity. Two passes over the row (in L1 cache).
func (p *Partial) rowMoments(row []float64, c int, ws float64, wv []float64) {
	var sx, wr float64
	var n int
	if wv == nil {
		sx, n = sumCount(row)
		wr = float64(n)
	} else {
		sx, wr, n = wsumCount(row, wv)
	}
	if n == 0 {
		return
	}
	p.cnt[c] += int64(n)
	if wr == 0 {
		return // every valid value has weight 0
	}
	m := sx / wr
	var r0, r1, q0, q1 float64
	if wv == nil {
		i := 0
		for ; i+2 <= len(row); i += 2 {
			x0, x1 := row[i], row[i+1]
			if x0 == x0 {
				d := x0 - m
				r0 += d
				q0 += float64(d * d)
			}
			if x1 == x1 {
				d := x1 - m
				r1 += d
				q1 += float64(d * d)
			}
		}
		if i < len(row) {
			if x := row[i]; x == x {
				d := x - m
				r0 += d
				q0 += float64(d * d)
			}
		}
	} else {
		w := wv[:len(row)]
		for i, x := range row {
			if x == x {
				wd := float64(w[i] * (x - m))
				r0 += wd
				q0 += float64(wd * (x - m))
			}
		}
	}
	r, m2 := r0+r1, q0+q1
	if ws != 1 {
		wr = float64(wr * ws)
		r = float64(r * ws)
		m2 = float64(m2 * ws)
	}
	p.addMoments(c, wr, m, r, m2)
}

// addMoments adds one group's (weight W, mean m, residual r, centred M2)
// to cell c exactly.
func (p *Partial) addMoments(c int, w, m, r, m2 float64) {
	// S += W*m + r
	a, b := twoProd(w, m)
	p.sum.add(c, a)
	p.sum.add(c, b)
	p.sum.add(c, r)
	// Q += W*m²
	h, l := twoProd(m, m)
	a, b = twoProd(w, h)
	p.sq.add(c, a)
	p.sq.add(c, b)
	if l != 0 {
		a, b = twoProd(w, l)
		p.sq.add(c, a)
		p.sq.add(c, b)
	}
	// A += M2 + 2*m*r
	p.dev.add(c, m2)
	if r != 0 {
		a, b = twoProd(2*m, r)
		p.dev.add(c, a)
		p.dev.add(c, b)
	}
	if p.wsum != nil {
		p.wsum.add(c, w)
	}
}

// elemSum adds element j of row to cell c+j (kept last axis).
func (p *Partial) elemSum(row []float64, c int, ws float64, wv []float64) {
	cnt := p.cnt[c : c+len(row)]
	if wv == nil && ws == 1 && p.wsum == nil {
		p.sum.addSeq(c, row, cnt)
		return
	}
	if wv == nil && ws == 1 {
		for j, x := range row {
			if x == x {
				cnt[j]++
				p.sum.add(c+j, x)
				if p.wsum != nil {
					p.wsum.add(c+j, 1)
				}
			}
		}
		return
	}
	for j, x := range row {
		if x == x {
			cnt[j]++
			w := ws
			if wv != nil {
				w = float64(ws * wv[j])
			}
			p.sum.add(c+j, float64(w*x))
			if p.wsum != nil {
				p.wsum.add(c+j, w)
			}
		}
	}
}

// elemMoments adds element j of row as a one-value group to cell c+j.
func (p *Partial) elemMoments(row []float64, c int, ws float64, wv []float64) {
	cnt := p.cnt[c : c+len(row)]
	if wv == nil && ws == 1 && p.wsum == nil {
		// S += x, Q += x² split exactly into hi and lo rows.
		p.sum.addSeq(c, row, cnt)
		if cap(p.tmpHi) < len(row) {
			p.tmpHi = make([]float64, len(row))
			p.tmpLo = make([]float64, len(row))
		}
		hi, lo := p.tmpHi[:len(row)], p.tmpLo[:len(row)]
		for j, x := range row {
			hi[j], lo[j] = twoProd(x, x)
		}
		p.sq.addSeq(c, hi, nil)
		p.sq.addSeq(c, lo, nil)
		return
	}
	for j, x := range row {
		if x != x {
			continue
		}
		cnt[j]++
		w := ws
		if wv != nil {
			w = float64(ws * wv[j])
		}
		if w == 0 {
			continue
		}
		p.addMoments(c+j, w, x, 0, 0)
	}
}

func (p *Partial) elemMin(row []float64, c int) {
	ext := p.ext[c : c+len(row)]
	cnt := p.cnt[c : c+len(row)]
	for j, x := range row {
		if x == x {
			cnt[j]++
			if less(x, ext[j]) {
				ext[j] = x
			}
		}
	}
}

func (p *Partial) elemMax(row []float64, c int) {
	ext := p.ext[c : c+len(row)]
	cnt := p.cnt[c : c+len(row)]
	for j, x := range row {
		if x == x {
			cnt[j]++
			if less(ext[j], x) {
				ext[j] = x
			}
		}
	}
}

// histRow bins row into cell c (step 0: whole row to one cell) or into cells
// c+j (step 1).
func (p *Partial) histRow(row []float64, c int, step int) {
	lo, hi, scale := p.opts.Min, p.opts.Max, p.histScale
	bins := p.opts.Bins
	for _, x := range row {
		if x == x {
			p.cnt[c]++
			switch {
			case x < lo:
				p.under[c]++
			case x > hi:
				p.over[c]++
			default:
				// numpy.histogram's rule (numpy/lib/histograms.py histogram): the scaled index,
				// then corrected against the edges, which it may miss by an ulp.
				b := int(float64((x - lo) * scale))
				if b >= bins {
					b = bins - 1
				}
				if x < p.edges[b] {
					b--
				} else if b != bins-1 && x >= p.edges[b+1] {
					b++
				}
				p.hist[c*bins+b]++
			}
		}
		c += step
	}
}
