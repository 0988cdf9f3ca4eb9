package ops

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// partialsPerBlock accumulates each block into its own partial.
func partialsPerBlock(t *testing.T, kind Kind, g *Geometry, opts Options, blocks []block) []*Partial {
	t.Helper()
	out := make([]*Partial, len(blocks))
	for i, b := range blocks {
		p := NewPartial(kind, g, opts)
		if err := p.AddBlock(b.origin, b.shape, b.vals); err != nil {
			t.Fatal(err)
		}
		out[i] = p
	}
	return out
}

// roundTrip marshals and unmarshals p into a fresh zero Partial.
func roundTrip(t *testing.T, p *Partial) *Partial {
	t.Helper()
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var q Partial
	if err := q.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	return &q
}

// mergeTree merges parts with a random tree shape, marshalling some
// intermediate results.
func mergeTree(t *testing.T, rng *rand.Rand, parts []*Partial) *Partial {
	t.Helper()
	for len(parts) > 1 {
		i := rng.IntN(len(parts))
		j := rng.IntN(len(parts) - 1)
		if j >= i {
			j++
		}
		a, b := parts[i], parts[j]
		if rng.IntN(3) == 0 {
			a = roundTrip(t, a)
		}
		if err := a.Merge(b); err != nil {
			t.Fatal(err)
		}
		parts[i] = a
		parts = append(parts[:j], parts[j+1:]...)
	}
	return parts[0]
}

func resultBits(r Result) []uint64 {
	var out []uint64
	for _, v := range r.Value {
		out = append(out, math.Float64bits(v))
	}
	for _, v := range r.WeightSum {
		out = append(out, math.Float64bits(v))
	}
	for _, n := range r.Count {
		out = append(out, uint64(n))
	}
	for _, n := range r.Hist {
		out = append(out, uint64(n))
	}
	return out
}

func TestMergeOrderIndependence(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, gc := range geomCases(rng) {
		n := 1
		for _, e := range gc.g.Shape {
			n *= e
		}
		// Wildly different magnitudes make float64 sums order dependent,
		// so only exact merging gives identical bits.
		full := randomValues(rng, n, 0, 1, 0.1)
		for i := range full {
			full[i] *= math.Pow(10, float64(rng.IntN(30)-15))
		}
		blocks := splitBlocks(full, gc.g.Shape, gc.chunk)
		for _, kind := range Kinds() {
			t.Run(gc.name+"/"+kind.String(), func(t *testing.T) {
				opts := Options{}
				if kind == Histogram {
					opts = Options{Bins: 5, Min: -1, Max: 1}
				}
				// Sequential reference: one partial fed every block in order.
				seq := NewPartial(kind, &gc.g, opts)
				for _, b := range blocks {
					if err := seq.AddBlock(b.origin, b.shape, b.vals); err != nil {
						t.Fatal(err)
					}
				}
				want := resultBits(seq.Finalize())
				for trial := 0; trial < 6; trial++ {
					parts := partialsPerBlock(t, kind, &gc.g, opts, blocks)
					rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
					var got []uint64
					if len(parts) == 0 {
						got = resultBits(NewPartial(kind, &gc.g, opts).Finalize())
					} else {
						got = resultBits(roundTrip(t, mergeTree(t, rng, parts)).Finalize())
					}
					if len(got) != len(want) {
						t.Fatalf("trial %d: %d result words, want %d", trial, len(got), len(want))
					}
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("trial %d: word %d differs: %#x vs %#x", trial, i, got[i], want[i])
						}
					}
				}
				// Re-grouping: feed several blocks into one partial (a task), in
				// shuffled order, then merge tasks.
				perm := rng.Perm(len(blocks))
				var tasks []*Partial
				for k := 0; k < len(perm); {
					size := 1 + rng.IntN(4)
					p := NewPartial(kind, &gc.g, opts)
					for ; size > 0 && k < len(perm); size-- {
						b := blocks[perm[k]]
						k++
						if err := p.AddBlock(b.origin, b.shape, b.vals); err != nil {
							t.Fatal(err)
						}
					}
					tasks = append(tasks, p)
				}
				if len(tasks) > 0 {
					got := resultBits(mergeTree(t, rng, tasks).Finalize())
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("grouped tasks: word %d differs", i)
						}
					}
				}
			})
		}
	}
}

func TestMergeMismatch(t *testing.T) {
	g := Geometry{Shape: []int{4, 5}, Reduce: []bool{true, false}}
	gw := Geometry{Shape: []int{4, 5}, Reduce: []bool{true, false}, AxisWeights: [][]float64{{1, 2, 3, 4}, nil}}
	gw2 := Geometry{Shape: []int{4, 5}, Reduce: []bool{true, false}, AxisWeights: [][]float64{{1, 2, 3, 5}, nil}}
	tests := []struct {
		name string
		a, b *Partial
	}{
		{"kind", NewPartial(Mean, &g, Options{}), NewPartial(Sum, &g, Options{})},
		{"shape", NewPartial(Mean, &g, Options{}), NewPartial(Mean, &Geometry{Shape: []int{4, 6}, Reduce: []bool{true, false}}, Options{})},
		{"reduce", NewPartial(Mean, &g, Options{}), NewPartial(Mean, &Geometry{Shape: []int{4, 5}, Reduce: []bool{false, true}}, Options{})},
		{"weighted vs not", NewPartial(Mean, &g, Options{}), NewPartial(Mean, &gw, Options{})},
		{"different weights", NewPartial(Mean, &gw, Options{}), NewPartial(Mean, &gw2, Options{})},
		{"ddof", NewPartial(Var, &g, Options{}), NewPartial(Var, &g, Options{DDOF: 1})},
		{"bins", NewPartial(Histogram, &g, Options{Bins: 2, Max: 1}), NewPartial(Histogram, &g, Options{Bins: 3, Max: 1})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.a.Merge(tt.b); !errors.Is(err, ErrMismatch) {
				t.Fatalf("Merge error %v, want ErrMismatch", err)
			}
			b, err := tt.b.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.a.UnmarshalBinary(b); !errors.Is(err, ErrMismatch) {
				t.Fatalf("UnmarshalBinary error %v, want ErrMismatch", err)
			}
		})
	}
	p := NewPartial(Mean, &g, Options{})
	if err := p.Merge(p); err == nil {
		t.Error("self merge succeeded")
	}
	if err := p.Merge(nil); err == nil {
		t.Error("nil merge succeeded")
	}
}

func TestUnmarshalKeepsWeights(t *testing.T) {
	g := Geometry{Shape: []int{2, 3}, Reduce: []bool{false, true}, AxisWeights: [][]float64{nil, {1, 2, 3}}}
	p := NewPartial(Mean, &g, Options{})
	if err := p.AddBlock([]int{0, 0}, []int{1, 3}, []float64{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var bare Partial
	if err := bare.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if err := bare.AddBlock([]int{1, 0}, []int{1, 3}, []float64{1, 2, 3}); err == nil {
		t.Error("AddBlock on a weighted partial without weights succeeded")
	}
	q := NewPartial(Mean, &g, Options{})
	if err := q.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if err := q.AddBlock([]int{1, 0}, []int{1, 3}, []float64{4, 4, 4}); err != nil {
		t.Fatal(err)
	}
	r := q.Finalize()
	if want := []float64{14.0 / 6, 4}; r.Value[0] != want[0] || r.Value[1] != want[1] {
		t.Errorf("values %v, want %v", r.Value, want)
	}
}
