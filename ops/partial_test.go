package ops

import (
	"math"
	"math/rand/v2"
	"testing"
)

type geomCase struct {
	name  string
	g     Geometry
	chunk []int
}

func geomCases(rng *rand.Rand) []geomCase {
	lat := make([]float64, 5)
	for i := range lat {
		lat[i] = -80 + 40*float64(i)
	}
	posW := func(n int) []float64 {
		w := make([]float64, n)
		for i := range w {
			w[i] = rng.Float64()
		}
		return w
	}
	return []geomCase{
		{"all-reduced", Geometry{Shape: []int{6, 5, 7}, Reduce: []bool{true, true, true}}, []int{2, 3, 4}},
		{"sst-coslat", Geometry{Shape: []int{6, 5, 7}, Reduce: []bool{false, true, true},
			AxisWeights: [][]float64{nil, CosLatWeights(lat, 60)}}, []int{1, 5, 7}},
		{"map-keep-last", Geometry{Shape: []int{6, 5, 7}, Reduce: []bool{true, false, false}}, []int{4, 2, 3}},
		{"middle-reduced", Geometry{Shape: []int{4, 5, 6}, Reduce: []bool{false, true, false},
			AxisWeights: [][]float64{nil, posW(5), posW(6)}}, []int{3, 2, 4}},
		{"full-weights", Geometry{Shape: []int{4, 3, 5}, Reduce: []bool{true, false, true},
			FullWeights: posW(20), FullWeightsAxes: []int{0, 2}}, []int{3, 2, 2}},
		{"last-axis-weights-and-full", Geometry{Shape: []int{3, 4, 9}, Reduce: []bool{false, true, true},
			AxisWeights: [][]float64{posW(3), nil, posW(9)}, FullWeights: posW(36), FullWeightsAxes: []int{1, 2}}, []int{2, 3, 4}},
		{"zero-weights-last-reduced", Geometry{Shape: []int{4, 6}, Reduce: []bool{false, true},
			AxisWeights: [][]float64{nil, {0, 1, 0, 2, 0.5, 0}}}, []int{3, 4}},
		{"zero-weights-last-kept", Geometry{Shape: []int{4, 6}, Reduce: []bool{true, false},
			AxisWeights: [][]float64{{1, 0, 3, 1}, {0, 1, 0, 2, 0.5, 0}}}, []int{3, 4}},
		{"zero-full-weights", Geometry{Shape: []int{4, 3, 5}, Reduce: []bool{true, false, true},
			FullWeights: append(make([]float64, 7), posW(13)...), FullWeightsAxes: []int{0, 2}}, []int{3, 2, 2}},
		{"full-weights-leading-only", Geometry{Shape: []int{5, 6}, Reduce: []bool{true, true},
			FullWeights: posW(5), FullWeightsAxes: []int{0}}, []int{2, 4}},
		{"1d", Geometry{Shape: []int{50}, Reduce: []bool{true}}, []int{7}},
		{"1d-kept", Geometry{Shape: []int{9}, Reduce: []bool{false}}, []int{4}},
		{"scalar", Geometry{Shape: []int{}, Reduce: []bool{}}, []int{}},
		{"empty-axis", Geometry{Shape: []int{3, 0}, Reduce: []bool{false, true}}, []int{2, 1}},
	}
}

func TestKindsAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, gc := range geomCases(rng) {
		n := 1
		for _, e := range gc.g.Shape {
			n *= e
		}
		full := randomValues(rng, n, 10, 3, 0.2)
		if n > 3 {
			full[1], full[2] = math.Copysign(0, -1), 0 // signed zeros
		}
		for _, kind := range Kinds() {
			t.Run(gc.name+"/"+kind.String(), func(t *testing.T) {
				g := gc.g
				opts := Options{}
				if kind == Histogram {
					opts = Options{Bins: 7, Min: 5, Max: 15}
				}
				p := NewPartial(kind, &g, opts)
				if err := p.Err(); err != nil {
					t.Fatal(err)
				}
				for _, b := range splitBlocks(full, g.Shape, gc.chunk) {
					if err := p.AddBlock(b.origin, b.shape, b.vals); err != nil {
						t.Fatal(err)
					}
				}
				res := p.Finalize()
				weighted := kind.weighted() && g.Weighted()
				ref := reference(&g, full, weighted)
				if len(res.Value) != len(ref) {
					t.Fatalf("got %d cells, want %d", len(res.Value), len(ref))
				}
				for c, r := range ref {
					if res.Count[c] != r.n {
						t.Fatalf("cell %d: count %d, want %d", c, res.Count[c], r.n)
					}
					checkCell(t, kind, c, res, r, weighted, opts)
				}
			})
		}
	}
}

func checkCell(t *testing.T, kind Kind, c int, res Result, r *refStats, weighted bool, opts Options) {
	t.Helper()
	got := res.Value[c]
	sw, _ := r.sw.Float64()
	if r.n > 0 && weighted && relErr(res.WeightSum[c], sw) > 1e-14 {
		t.Errorf("cell %d: weight sum %v, want %v", c, res.WeightSum[c], sw)
	}
	var want float64
	tol := 0.0
	switch kind {
	case Count:
		want = float64(r.n)
	case Sum:
		want, _ = r.swx.Float64()
		tol = 1e-14
	case Mean:
		want = math.NaN()
		if r.sw.Sign() != 0 {
			want, _ = newBig().Quo(r.swx, r.sw).Float64()
		}
		tol = 1e-14
	case Min:
		want = r.min
	case Max:
		want = r.max
	case Var:
		want = r.variance(opts.DDOF, weighted)
		tol = 1e-12
	case Std:
		want = math.Sqrt(r.variance(opts.DDOF, weighted))
		tol = 1e-12
	case Histogram:
		// By definition (numpy.histogram): bin b holds edges[b] <= x < edges[b+1], the last
		// bin also x == Max.
		edges := HistogramEdges(opts.Min, opts.Max, opts.Bins)
		bins := make([]int64, opts.Bins)
		var in int64
		for _, x := range r.vals {
			for b := 0; b < opts.Bins; b++ {
				if x >= edges[b] && (x < edges[b+1] || (b == opts.Bins-1 && x == edges[b+1])) {
					bins[b]++
					in++
					break
				}
			}
		}
		for b, k := range bins {
			if res.Hist[c*opts.Bins+b] != k {
				t.Errorf("cell %d bin %d: %d, want %d", c, b, res.Hist[c*opts.Bins+b], k)
			}
		}
		want = float64(in)
	}
	if r.n == 0 && kind != Count && kind != Histogram {
		want = math.NaN()
	}
	if e := relErr(got, want); e > tol {
		t.Errorf("cell %d: %s = %v, want %v (rel err %g > %g)", c, kind, got, want, e, tol)
	}
	if (kind == Min || kind == Max) && r.n > 0 && math.Signbit(got) != math.Signbit(want) && got == 0 {
		// math.Min/Max also order -0 < +0.
		t.Errorf("cell %d: %s sign of zero %v, want %v", c, kind, got, want)
	}
}

func TestVarianceLargeOffset(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name   string
		center float64
		spread float64
		ddof   int
		shape  []int
		chunk  []int
		reduce []bool
	}{
		{"1e9+noise rows", 1e9, 1e-3, 0, []int{40, 300}, []int{7, 300}, []bool{true, true}},
		{"1e9+noise kept last", 1e9, 1e-3, 1, []int{300, 4}, []int{7, 4}, []bool{true, false}},
		{"1e12 ddof1", 1e12, 1, 1, []int{10, 100}, []int{3, 50}, []bool{true, true}},
		{"-1e9 tiny noise", -1e9, 1e-6, 0, []int{1000}, []int{64}, []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := Geometry{Shape: tt.shape, Reduce: tt.reduce}
			n := 1
			for _, e := range tt.shape {
				n *= e
			}
			full := randomValues(rng, n, tt.center, tt.spread, 0.05)
			p := NewPartial(Var, &g, Options{DDOF: tt.ddof})
			for _, b := range splitBlocks(full, g.Shape, tt.chunk) {
				if err := p.AddBlock(b.origin, b.shape, b.vals); err != nil {
					t.Fatal(err)
				}
			}
			res := p.Finalize()
			ref := reference(&g, full, false)
			for c, r := range ref {
				want := r.variance(tt.ddof, false)
				if e := relErr(res.Value[c], want); e > 1e-9 {
					t.Errorf("cell %d: var %v, want %v (rel err %g)", c, res.Value[c], want, e)
				}
				// The naive formula fails badly here, proving the test can fail.
				if c == 0 && tt.center >= 1e9 {
					var s, s2 float64
					for _, x := range r.vals {
						s += x
						s2 += x * x
					}
					k := float64(len(r.vals))
					naive := (s2 - s*s/k) / (k - float64(tt.ddof))
					if relErr(naive, want) < 1e-3 {
						t.Logf("naive variance unexpectedly fine: %v vs %v", naive, want)
					}
				}
			}
		})
	}
}

func TestEmptyAndZeroWeight(t *testing.T) {
	g := Geometry{Shape: []int{2, 3}, Reduce: []bool{false, true}, AxisWeights: [][]float64{{0, 1}, nil}}
	vals := []float64{1, 2, math.NaN(), math.NaN(), math.NaN(), math.NaN()}
	tests := []struct {
		kind      Kind
		wantValue []float64
		wantCount []int64
	}{
		// Row 0 has weight 0: masked out for every kind (issue 13: count, min and max used to
		// ignore the weights).
		{Mean, []float64{math.NaN(), math.NaN()}, []int64{0, 0}},
		{Sum, []float64{0, 0}, []int64{0, 0}}, // xarray's weighted sum of nothing is 0
		{Var, []float64{math.NaN(), math.NaN()}, []int64{0, 0}},
		{Count, []float64{0, 0}, []int64{0, 0}},
		{Min, []float64{math.NaN(), math.NaN()}, []int64{0, 0}},
		{Max, []float64{math.NaN(), math.NaN()}, []int64{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			p := NewPartial(tt.kind, &g, Options{})
			if err := p.AddBlock([]int{0, 0}, []int{2, 3}, vals); err != nil {
				t.Fatal(err)
			}
			r := p.Finalize()
			for c := range tt.wantValue {
				if relErr(r.Value[c], tt.wantValue[c]) != 0 || r.Count[c] != tt.wantCount[c] {
					t.Errorf("cell %d: value %v count %d, want %v %d", c, r.Value[c], r.Count[c], tt.wantValue[c], tt.wantCount[c])
				}
			}
		})
	}
}

// TestXarraySkipnaSemantics: what each op gives over a cell with some and a cell with no valid
// values, and min_count, as xarray 2025 computes it (/usr/bin/python3):
//
//	da = xr.DataArray([[1, 2, np.nan], [np.nan, np.nan, np.nan]], dims=("a", "b"))
//	[getattr(da, op)("b").values.tolist() for op in ("sum", "mean", "count", "min", "max", "var", "std")]
//	[da.sum("b", min_count=k).values.tolist() for k in (1, 2, 3)]
func TestXarraySkipnaSemantics(t *testing.T) {
	nan := math.NaN()
	g := Geometry{Shape: []int{2, 3}, Reduce: []bool{false, true}}
	vals := []float64{1, 2, nan, nan, nan, nan}
	for _, tc := range []struct {
		kind     Kind
		minCount int
		want     []float64
	}{
		{Sum, 0, []float64{3, 0}},
		{Mean, 0, []float64{1.5, nan}},
		{Count, 0, []float64{2, 0}},
		{Min, 0, []float64{1, nan}},
		{Max, 0, []float64{2, nan}},
		{Var, 0, []float64{0.25, nan}},
		{Std, 0, []float64{0.5, nan}},
		{Sum, 1, []float64{3, nan}},
		{Sum, 2, []float64{3, nan}},
		{Sum, 3, []float64{nan, nan}},
	} {
		p := NewPartial(tc.kind, &g, Options{})
		if err := p.AddBlock([]int{0, 0}, []int{2, 3}, vals); err != nil {
			t.Fatal(err)
		}
		r := p.Finalize()
		if err := r.ApplyMinCount(tc.minCount); err != nil {
			t.Fatal(err)
		}
		for c, w := range tc.want {
			if relErr(r.Value[c], w) != 0 {
				t.Errorf("%s min_count %d cell %d: %v, xarray gives %v", tc.kind, tc.minCount, c, r.Value[c], w)
			}
		}
	}
	r := Result{Kind: Mean}
	if err := r.ApplyMinCount(1); err == nil {
		t.Error("min_count on mean accepted")
	}
}

func TestInfinities(t *testing.T) {
	g := Geometry{Shape: []int{3, 2}, Reduce: []bool{true, false}}
	inf := math.Inf(1)
	vals := []float64{1, inf, 2, -inf, 3, 4}
	tests := []struct {
		kind Kind
		want []float64
	}{
		{Sum, []float64{6, math.NaN()}},
		{Mean, []float64{2, math.NaN()}},
		{Max, []float64{3, inf}},
		{Min, []float64{1, -inf}},
		{Var, []float64{2.0 / 3, math.NaN()}},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			p := NewPartial(tt.kind, &g, Options{})
			if err := p.AddBlock([]int{0, 0}, []int{3, 2}, vals); err != nil {
				t.Fatal(err)
			}
			r := p.Finalize()
			for c, w := range tt.want {
				if relErr(r.Value[c], w) > 1e-15 {
					t.Errorf("cell %d: %v, want %v", c, r.Value[c], w)
				}
			}
		})
	}
	p := NewPartial(Sum, &Geometry{Shape: []int{2}, Reduce: []bool{true}}, Options{})
	if err := p.AddBlock([]int{0}, []int{2}, []float64{inf, 5}); err != nil {
		t.Fatal(err)
	}
	if v := p.Finalize().Value[0]; !math.IsInf(v, 1) {
		t.Errorf("sum with +Inf = %v", v)
	}
}

func TestNewPartialErrors(t *testing.T) {
	good := Geometry{Shape: []int{4, 5}, Reduce: []bool{true, false}}
	tests := []struct {
		name string
		kind Kind
		g    *Geometry
		opts Options
	}{
		{"bad kind", Kind(0), &good, Options{}},
		{"nil geometry", Mean, nil, Options{}},
		{"reduce length", Mean, &Geometry{Shape: []int{4}, Reduce: []bool{true, false}}, Options{}},
		{"negative extent", Mean, &Geometry{Shape: []int{-1}, Reduce: []bool{true}}, Options{}},
		{"weights length", Mean, &Geometry{Shape: []int{4}, Reduce: []bool{true}, AxisWeights: [][]float64{{1, 2}}}, Options{}},
		{"NaN weight", Mean, &Geometry{Shape: []int{2}, Reduce: []bool{true}, AxisWeights: [][]float64{{1, math.NaN()}}}, Options{}},
		{"negative weight", Mean, &Geometry{Shape: []int{2}, Reduce: []bool{true}, AxisWeights: [][]float64{{1, -1}}}, Options{}},
		{"full weights size", Mean, &Geometry{Shape: []int{2, 3}, Reduce: []bool{true, true}, FullWeights: []float64{1}, FullWeightsAxes: []int{1}}, Options{}},
		{"full weights axes order", Mean, &Geometry{Shape: []int{2, 3}, Reduce: []bool{true, true}, FullWeights: make([]float64, 6), FullWeightsAxes: []int{1, 0}}, Options{}},
		{"too many cells", Count, &Geometry{Shape: []int{1 << 20, 1 << 20}, Reduce: []bool{false, false}}, Options{}},
		{"hist no bins", Histogram, &good, Options{Min: 0, Max: 1}},
		{"hist empty range", Histogram, &good, Options{Bins: 3, Min: 1, Max: 1}},
		{"hist nan range", Histogram, &good, Options{Bins: 3, Min: math.NaN(), Max: 1}},
		{"negative ddof", Var, &good, Options{DDOF: -1}},
		{"ddof with weights", Var, &Geometry{Shape: []int{2}, Reduce: []bool{true}, AxisWeights: [][]float64{{1, 1}}}, Options{DDOF: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPartial(tt.kind, tt.g, tt.opts)
			if p.Err() == nil {
				t.Fatal("no error")
			}
			if err := p.AddBlock(nil, nil, nil); err == nil {
				t.Error("AddBlock succeeded on a broken partial")
			}
			if _, err := p.MarshalBinary(); err == nil {
				t.Error("MarshalBinary succeeded on a broken partial")
			}
		})
	}
}

func TestAddBlockErrors(t *testing.T) {
	g := Geometry{Shape: []int{4, 5}, Reduce: []bool{true, false}}
	tests := []struct {
		name          string
		origin, shape []int
		n             int
	}{
		{"rank", []int{0}, []int{4}, 4},
		{"outside", []int{2, 0}, []int{3, 5}, 15},
		{"negative origin", []int{-1, 0}, []int{1, 5}, 5},
		{"negative shape", []int{0, 0}, []int{-1, 5}, 0},
		{"value count", []int{0, 0}, []int{2, 5}, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPartial(Mean, &g, Options{})
			if err := p.AddBlock(tt.origin, tt.shape, make([]float64, tt.n)); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestAddBlockNoAlloc(t *testing.T) {
	lat := make([]float64, 30)
	for i := range lat {
		lat[i] = -87 + 6*float64(i)
	}
	vals := randomValues(rand.New(rand.NewPCG(19, 20)), 30*40, 15, 5, 0.3)
	tests := []struct {
		name string
		kind Kind
		g    Geometry
	}{
		{"sst mean", Mean, Geometry{Shape: []int{10, 30, 40}, Reduce: []bool{false, true, true}, AxisWeights: [][]float64{nil, CosLatWeights(lat, 60), nil}}},
		{"sst var", Var, Geometry{Shape: []int{10, 30, 40}, Reduce: []bool{false, true, true}, AxisWeights: [][]float64{nil, CosLatWeights(lat, 60), nil}}},
		{"map mean", Mean, Geometry{Shape: []int{10, 30, 40}, Reduce: []bool{true, false, false}}},
		{"map var", Var, Geometry{Shape: []int{10, 30, 40}, Reduce: []bool{true, false, false}}},
		{"map max", Max, Geometry{Shape: []int{10, 30, 40}, Reduce: []bool{true, false, false}}},
		{"hist", Histogram, Geometry{Shape: []int{10, 30, 40}, Reduce: []bool{true, true, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPartial(tt.kind, &tt.g, Options{Bins: 10, Min: 0, Max: 30})
			origin, shape := []int{0, 0, 0}, []int{1, 30, 40}
			_ = p.AddBlock(origin, shape, vals) // warm scratch buffers
			// Same cells every run: the first spill of a long expansion into
			// the overflow map allocates once per cell, then never again.
			allocs := testing.AllocsPerRun(20, func() {
				if err := p.AddBlock(origin, shape, vals); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per AddBlock", allocs)
			}
		})
	}
}
