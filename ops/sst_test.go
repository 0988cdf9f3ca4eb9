package ops

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSSTFormula checks the PO.DAAC global mean SST recipe on a small
// synthetic (time, lat, lon) int16 cube against a direct single-threaded
// evaluation of mean = Σ w x / Σ w.
func TestSSTFormula(t *testing.T) {
	const nt, ny, nx = 5, 36, 72
	lat := make([]float64, ny)
	for i := range lat {
		lat[i] = -87.5 + 5*float64(i)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	raw := make([]int16, nt*ny*nx)
	for d := 0; d < nt; d++ {
		for i := 0; i < ny; i++ {
			for j := 0; j < nx; j++ {
				k := (d*ny+i)*nx + j
				if (i*7+j*3)%11 == 0 || i == 0 { // land and a polar band of fill
					raw[k] = -32768
					continue
				}
				kelvin := 273.15 + 28*math.Cos(lat[i]*math.Pi/180) + 0.5*math.Sin(float64(d)) + 0.3*rng.NormFloat64()
				raw[k] = int16(math.Round((kelvin - 298.15) / 0.001))
			}
		}
	}
	attrs := map[string]any{
		"scale_factor": json.Number("0.001"),
		"add_offset":   []any{json.Number("298.15")},
		"_FillValue":   json.Number("-32768"),
	}
	tests := []struct {
		name  string
		chunk []int
	}{
		{"daily chunks", []int{1, ny, nx}},
		{"tiled chunks", []int{2, 10, 25}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cf, err := CFFromAttrs(attrs)
			if err != nil {
				t.Fatal(err)
			}
			cf.AddLinear(1, -273.15) // kelvin to Celsius
			g := Geometry{Shape: []int{nt, ny, nx}, Reduce: []bool{false, true, true},
				AxisWeights: [][]float64{nil, CosLatWeights(lat, 60), nil}}
			p := NewPartial(Mean, &g, Options{})
			full := make([]float64, len(raw))
			if err := DecodeInt16(full, raw, &cf); err != nil {
				t.Fatal(err)
			}
			for _, b := range splitBlocks(full, g.Shape, tt.chunk) {
				part := NewPartial(Mean, &g, Options{})
				if err := part.AddBlock(b.origin, b.shape, b.vals); err != nil {
					t.Fatal(err)
				}
				if err := p.Merge(roundTrip(t, part)); err != nil {
					t.Fatal(err)
				}
			}
			res := p.Finalize()
			for d := 0; d < nt; d++ {
				var num, den float64
				var n int64
				for i := 0; i < ny; i++ {
					w := 0.0
					if math.Abs(lat[i]) <= 60 {
						w = math.Cos(lat[i] * math.Pi / 180)
					}
					for j := 0; j < nx; j++ {
						r := raw[(d*ny+i)*nx+j]
						if r == -32768 {
							continue
						}
						x := float64(r)*0.001 + 298.15 - 273.15
						num += w * x
						den += w
						if w > 0 { // the count is of the values inside the weights' mask
							n++
						}
					}
				}
				want := num / den
				if e := relErr(res.Value[d], want); e > 1e-12 {
					t.Errorf("day %d: mean %.15g, want %.15g (rel err %g)", d, res.Value[d], want, e)
				}
				if res.Count[d] != n {
					t.Errorf("day %d: count %d, want %d", d, res.Count[d], n)
				}
				if relErr(res.WeightSum[d], den) > 1e-12 {
					t.Errorf("day %d: weight sum %v, want %v", d, res.WeightSum[d], den)
				}
				if res.Value[d] < 10 || res.Value[d] > 30 {
					t.Errorf("day %d: implausible SST %v C", d, res.Value[d])
				}
			}
		})
	}
}

// neumaier is a compensated float64 accumulator for references.
type neumaier struct{ s, c float64 }

func (n *neumaier) add(x float64) {
	t := n.s + x
	if math.Abs(n.s) >= math.Abs(x) {
		n.c += (n.s - t) + x
	} else {
		n.c += (x - t) + n.s
	}
	n.s = t
}

func (n *neumaier) value() float64 { return n.s + n.c }

// TestYearPrecision reduces a year of daily (lat, lon) blocks to one
// weighted mean and checks that nothing measurable is lost against a
// compensated reference with exact products.
func TestYearPrecision(t *testing.T) {
	if testing.Short() {
		t.Skip("8M elements")
	}
	const nt, ny, nx = 365, 16, 1440
	lat := make([]float64, ny)
	for i := range lat {
		lat[i] = -70 + 9*float64(i)
	}
	w := CosLatWeights(lat, 60)
	g := Geometry{Shape: []int{nt, ny, nx}, Reduce: []bool{true, true, true}, AxisWeights: [][]float64{nil, w, nil}}
	cf := CF{Scale: 0.001, Offset: 298.15, Fill: ptr(-32768), ValidMin: math.NaN(), ValidMax: math.NaN(), UnitOffset: -273.15}
	rng := rand.New(rand.NewPCG(15, 16))
	raw := make([]int16, ny*nx)
	vals := make([]float64, ny*nx)
	total := NewPartial(Mean, &g, Options{})
	var num, den neumaier
	var naiveNum, naiveDen float64
	for d := 0; d < nt; d++ {
		for k := range raw {
			if rng.IntN(4) == 0 {
				raw[k] = -32768
			} else {
				raw[k] = int16(rng.IntN(40000) - 25000)
			}
		}
		if err := DecodeInt16(vals, raw, &cf); err != nil {
			t.Fatal(err)
		}
		day := NewPartial(Mean, &g, Options{})
		if err := day.AddBlock([]int{d, 0, 0}, []int{1, ny, nx}, vals); err != nil {
			t.Fatal(err)
		}
		if err := total.Merge(day); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < ny; i++ {
			for _, x := range vals[i*nx : (i+1)*nx] {
				if x != x {
					continue
				}
				p, e := twoProd(w[i], x)
				num.add(p)
				num.add(e)
				den.add(w[i])
				naiveNum += w[i] * x
				naiveDen += w[i]
			}
		}
	}
	got := total.Finalize().Value[0]
	want := num.value() / den.value()
	if e := relErr(got, want); e > 1e-15 {
		t.Errorf("year mean %.17g, want %.17g (rel err %g)", got, want, e)
	}
	t.Logf("year mean %.17g, rel err %g (naive running sum: %g)", got, relErr(got, want), relErr(naiveNum/naiveDen, want))
}
