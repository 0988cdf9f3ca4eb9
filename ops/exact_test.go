package ops

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestExactStoreSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	tests := []struct {
		name string
		gen  func() float64
		n    int
	}{
		{"wide exponents", func() float64 { return rng.NormFloat64() * math.Pow(2, float64(rng.IntN(200)-100)) }, 2000},
		{"cancelling", func() float64 {
			if rng.IntN(2) == 0 {
				return 1e300
			}
			return -1e300 + rng.Float64()
		}, 500},
		{"sst-like", func() float64 { return 20 + rng.NormFloat64() }, 5000},
		{"tiny", func() float64 { return rng.Float64() * 1e-300 }, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newExactStore(2)
			ref := new(big.Float).SetPrec(exactPrec)
			xs := make([]float64, tt.n)
			for i := range xs {
				xs[i] = tt.gen()
				s.add(1, xs[i])
				ref.Add(ref, new(big.Float).SetFloat64(xs[i]))
			}
			var bf bigScratch
			got := bf.exact(s.cell(1), new(big.Float))
			if got.Cmp(ref) != 0 {
				t.Fatalf("exact sum %v, want %v", got, ref)
			}
			hi, _ := s.canonical(1, &bf)
			want, _ := ref.Float64()
			if hi != want {
				t.Errorf("rounded %v, want %v", hi, want)
			}
			// The same values in another order give the same canonical pair.
			rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
			s2 := newExactStore(1)
			for _, x := range xs {
				s2.add(0, x)
			}
			h2, l2 := s2.canonical(0, &bf)
			h1, l1 := s.canonical(1, &bf)
			if h1 != h2 || l1 != l2 {
				t.Errorf("canonical pairs differ: (%v,%v) vs (%v,%v)", h1, l1, h2, l2)
			}
			if len(s.cell(0)) != 0 {
				t.Error("cell 0 touched")
			}
		})
	}
}

func TestCompressKeepsValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 200; trial++ {
		n := 2 + rng.IntN(10)
		e := make([]float64, n)
		ref := new(big.Float).SetPrec(exactPrec)
		for i := range e {
			e[i] = rng.NormFloat64() * math.Pow(2, float64(rng.IntN(100)))
			ref.Add(ref, new(big.Float).SetFloat64(e[i]))
		}
		var bf bigScratch
		got := bf.exact(compress(e), new(big.Float))
		if got.Cmp(ref) != 0 {
			t.Fatalf("trial %d: compress changed the value: %v vs %v", trial, got, ref)
		}
	}
}

func TestDDDiv(t *testing.T) {
	tests := []struct{ sh, sl, wh, wl float64 }{
		{1, 0, 3, 0},
		{1, 1e-20, 3, 0},
		{10, -1e-17, 7, 1e-18},
		{1e300, 1e283, 1e-5, 0},
	}
	for _, tt := range tests {
		got := ddDiv(tt.sh, tt.sl, tt.wh, tt.wl)
		num := new(big.Float).SetPrec(300).SetFloat64(tt.sh)
		num.Add(num, new(big.Float).SetFloat64(tt.sl))
		den := new(big.Float).SetPrec(300).SetFloat64(tt.wh)
		den.Add(den, new(big.Float).SetFloat64(tt.wl))
		want, _ := new(big.Float).SetPrec(300).Quo(num, den).Float64()
		if relErr(got, want) > 2.3e-16 {
			t.Errorf("ddDiv(%v,%v,%v,%v) = %v, want %v", tt.sh, tt.sl, tt.wh, tt.wl, got, want)
		}
	}
}
