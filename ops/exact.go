package ops

import (
	"math"
	"math/big"
)

// Exact summation with Shewchuk floating-point expansions: a value is the
// exact (unrounded) sum of float64 components. twoSum and twoProd are
// error-free transformations, so adding a float64 to an expansion never
// loses a bit.

// twoSum returns s = fl(a+b) and e with a+b = s+e exactly (Knuth).
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

// twoProd returns p = fl(a*b) and e with a*b = p+e exactly (barring
// underflow).
func twoProd(a, b float64) (p, e float64) {
	p = a * b
	e = math.FMA(a, b, -p)
	return p, e
}

// finite reports whether x is neither NaN nor ±Inf.
func finite(x float64) bool { return x-x == 0 }

// growExpansion adds x to the expansion e (components in increasing
// magnitude), appending the result to dst with zero components removed.
func growExpansion(dst, e []float64, x float64) []float64 {
	q := x
	for _, a := range e {
		var h float64
		q, h = twoSum(q, a)
		if h != 0 {
			dst = append(dst, h)
		}
	}
	if q != 0 {
		dst = append(dst, q)
	}
	return dst
}

// compress rewrites e in place into a shorter expansion of the same exact
// value (Shewchuk's COMPRESS, with twoSum so that it stays exact even for
// overlapping input) and returns it.
func compress(e []float64) []float64 {
	m := len(e)
	if m < 2 {
		return e
	}
	var gbuf [2*maxSpill + 2]float64
	var g []float64
	if m <= len(gbuf) {
		g = gbuf[:m]
	} else {
		g = make([]float64, m)
	}
	bottom := m - 1
	q := e[m-1]
	for i := m - 2; i >= 0; i-- {
		var r float64
		q, r = twoSum(q, e[i])
		if r != 0 {
			g[bottom] = q
			bottom--
			q = r
		}
	}
	g[bottom] = q
	top := 0
	for i := bottom + 1; i < m; i++ {
		var r float64
		q, r = twoSum(g[i], q)
		if r != 0 {
			e[top] = r
			top++
		}
	}
	if q != 0 {
		e[top] = q
		top++
	}
	return e[:top]
}

// inlineK is the number of expansion components stored inline per cell.
// add unrolls for exactly three.
const inlineK = 3

// spilledMark in exactStore.n marks a cell whose expansion lives in spill.
const spilledMark = 0xff

// maxSpill bounds a spilled expansion; longer ones are compressed.
const maxSpill = 8

// exactStore is one exact accumulator per cell.
type exactStore struct {
	comps   []float64 // cells*inlineK, components in increasing magnitude
	n       []uint8   // components in use, or spilledMark
	spill   map[int][]float64
	special map[int]float64 // IEEE sum of non-finite contributions
	tmp     []float64       // scratch for addSpill
}

func newExactStore(cells int) *exactStore {
	return &exactStore{comps: make([]float64, cells*inlineK), n: make([]uint8, cells)}
}

// add adds x exactly to cell c.
func (s *exactStore) add(c int, x float64) {
	if x == 0 {
		return
	}
	if !finite(x) {
		s.addSpecial(c, x)
		return
	}
	k := s.n[c]
	base := c * inlineK
	if k == 0 {
		s.comps[base] = x
		s.n[c] = 1
		return
	}
	if k == spilledMark {
		s.addSpill(c, x)
		return
	}
	var h [inlineK + 1]float64
	m := 0
	q := x
	for i := 0; i < int(k); i++ {
		var r float64
		q, r = twoSum(q, s.comps[base+i])
		if r != 0 {
			h[m] = r
			m++
		}
	}
	if !finite(q) { // overflow beyond float64 range
		s.addSpecial(c, q)
		return
	}
	if q != 0 {
		h[m] = q
		m++
	}
	if m > inlineK {
		e := compress(h[:m])
		m = len(e)
		if m > inlineK {
			s.spillCell(c, e)
			return
		}
	}
	dst := s.comps[base : base+inlineK : base+inlineK]
	dst[0], dst[1], dst[2] = h[0], h[1], h[2] // h is zero beyond m
	s.n[c] = uint8(m)
}

func (s *exactStore) spillCell(c int, e []float64) {
	if s.spill == nil {
		s.spill = make(map[int][]float64)
	}
	s.spill[c] = append(make([]float64, 0, maxSpill+1), e...)
	base := c * inlineK
	for i := 0; i < inlineK; i++ {
		s.comps[base+i] = 0
	}
	s.n[c] = spilledMark
}

func (s *exactStore) addSpill(c int, x float64) {
	e := s.spill[c]
	s.tmp = growExpansion(s.tmp[:0], e, x)
	out := s.tmp
	if len(out) > 0 && !finite(out[len(out)-1]) {
		s.addSpecial(c, out[len(out)-1])
		return
	}
	if len(out) > maxSpill {
		out = compress(out)
	}
	// Reuse e's storage: growExpansion has finished reading it.
	s.spill[c] = append(e[:0], out...)
}

func (s *exactStore) addSpecial(c int, x float64) {
	if s.special == nil {
		s.special = make(map[int]float64)
	}
	v, ok := s.special[c]
	if ok {
		x += v
	}
	if math.IsNaN(x) {
		x = math.NaN() // canonical payload
	}
	s.special[c] = x
}

// set replaces cell c's expansion with a copy of e (components verbatim:
// any finite non-zero float64s sum exactly, so no order is assumed).
func (s *exactStore) set(c int, e []float64) {
	base := c * inlineK
	for i := 0; i < inlineK; i++ {
		s.comps[base+i] = 0
	}
	if s.n[c] == spilledMark {
		delete(s.spill, c)
	}
	if len(e) > inlineK {
		s.spillCell(c, e)
		return
	}
	copy(s.comps[base:], e)
	s.n[c] = uint8(len(e))
}

// cell returns the components of cell c (aliasing internal storage).
func (s *exactStore) cell(c int) []float64 {
	k := s.n[c]
	if k == spilledMark {
		return s.spill[c]
	}
	base := c * inlineK
	return s.comps[base : base+int(k)]
}

// nonFinite returns the non-finite part of cell c, if any.
func (s *exactStore) nonFinite(c int) (float64, bool) {
	if s.special == nil {
		return 0, false
	}
	v, ok := s.special[c]
	return v, ok
}

// merge adds every cell of o into s exactly.
func (s *exactStore) merge(o *exactStore) {
	var buf [maxSpill * 2]float64
	for c := range o.n {
		e := o.cell(c)
		if len(e) == 0 {
			continue
		}
		// Copy first: e may alias o's storage, which is never s's, but keep
		// add's inline path free of aliasing worries regardless.
		tmp := append(buf[:0], e...)
		for _, x := range tmp {
			s.add(c, x)
		}
	}
	for c, v := range o.special {
		s.addSpecial(c, v)
	}
}

// canonical returns hi = RN(v) and lo = RN(v-hi) for the exact value v of
// cell c: a function of v alone, whatever its representation.
func (s *exactStore) canonical(c int, bf *bigScratch) (hi, lo float64) {
	return canonical(s.cell(c), bf)
}

func canonical(e []float64, bf *bigScratch) (hi, lo float64) {
	switch len(e) {
	case 0:
		return 0, 0
	case 1:
		return e[0], 0
	case 2:
		return twoSum(e[1], e[0])
	}
	v := bf.exact(e, &bf.a)
	hi, _ = v.Float64()
	bf.b.SetPrec(v.Prec())
	bf.b.Sub(v, bf.c.SetFloat64(hi))
	lo, _ = bf.b.Float64()
	return hi, lo
}

// bigScratch holds reusable big.Floats for finalize.
type bigScratch struct{ a, b, c, d, e big.Float }

// exactPrec is enough bits to hold any sum of a few thousand float64
// values exactly (exponents span 2^-1074 .. 2^1024).
const exactPrec = 2200

// exact sets z to the exact sum of e and returns it.
func (bf *bigScratch) exact(e []float64, z *big.Float) *big.Float {
	z.SetPrec(exactPrec).SetMode(big.ToNearestEven)
	z.SetFloat64(0)
	for _, x := range e {
		bf.c.SetPrec(53).SetFloat64(x)
		z.Add(z, &bf.c)
	}
	return z
}

// addSeq adds xs[j] to cell c+j for every non-NaN xs[j] and, if cnt is not
// nil, counts them in cnt[j]: the kept-last-axis loop with the common
// expansion lengths handled inline (no call per element).
func (s *exactStore) addSeq(c int, xs []float64, cnt []int64) {
	counting := cnt != nil
	if counting {
		cnt = cnt[:len(xs)]
	}
	n := s.n[c : c+len(xs)]
	comps := s.comps[c*inlineK : (c+len(xs))*inlineK]
	for j, x := range xs {
		if x != x {
			continue
		}
		if counting {
			cnt[j]++
		}
		if x == 0 {
			continue
		}
		e := comps[j*inlineK : j*inlineK+inlineK : j*inlineK+inlineK]
		switch n[j] {
		case 0:
			if finite(x) {
				e[0] = x
				n[j] = 1
				continue
			}
		case 1:
			q, h := twoSum(x, e[0])
			if finite(q) {
				if h == 0 {
					e[0] = q
				} else {
					e[0], e[1] = h, q
					n[j] = 2
				}
				continue
			}
		case 2:
			q, h0 := twoSum(x, e[0])
			q, h1 := twoSum(q, e[1])
			if finite(q) {
				k := uint8(0)
				var t [3]float64
				if h0 != 0 {
					t[k] = h0
					k++
				}
				if h1 != 0 {
					t[k] = h1
					k++
				}
				if q != 0 {
					t[k] = q
					k++
				}
				e[0], e[1], e[2] = t[0], t[1], t[2]
				n[j] = k
				continue
			}
		}
		s.add(c+j, x)
	}
}
