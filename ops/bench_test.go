package ops

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// MUR25-like day: 720 x 1440, ~30% land (fill).
const benchNY, benchNX = 720, 1440

func benchLat() []float64 {
	lat := make([]float64, benchNY)
	for i := range lat {
		lat[i] = -89.875 + 0.25*float64(i)
	}
	return lat
}

func benchRaw() []int16 {
	rng := rand.New(rand.NewPCG(1, 1))
	raw := make([]int16, benchNY*benchNX)
	for i := range raw {
		row, col := i/benchNX, i%benchNX
		if (col/97+row/53)%3 == 0 { // contiguous land runs
			raw[i] = -32768
			continue
		}
		raw[i] = int16(rng.IntN(30000) - 15000)
	}
	return raw
}

func benchDay(b *testing.B) []float64 {
	b.Helper()
	cf := CF{Scale: 0.001, Offset: 298.15, Fill: ptr(-32768), ValidMin: math.NaN(), ValidMax: math.NaN(), UnitOffset: -273.15}
	vals := make([]float64, benchNY*benchNX)
	if err := DecodeInt16(vals, benchRaw(), &cf); err != nil {
		b.Fatal(err)
	}
	return vals
}

// report adds ns/element and GB/s of input (wall clock), and cpu-ns/elem
// (process CPU time, robust against other load on a shared machine).
// cpu0 is cpuTime() taken just before the timed loop.
func report(b *testing.B, elems, bytesPerElem int, cpu0 time.Duration) {
	b.SetBytes(int64(elems * bytesPerElem))
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(elems)
	b.ReportMetric(ns, "ns/elem")
	b.ReportMetric(float64(bytesPerElem)/ns, "GB/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(elems), "cpu-ns/elem")
	}
}

// BenchmarkPlainSum is the ceiling: plain loops summing the same []float64 a
// MUR25 day decodes to (NaN replaced by 0), with one accumulator (latency
// bound) and with four (memory bound).
func BenchmarkPlainSum(b *testing.B) {
	vals := benchDay(b)
	for i := range vals {
		if vals[i] != vals[i] {
			vals[i] = 0
		}
	}
	var sink float64
	b.Run("1acc", func(b *testing.B) {
		cpu0 := cpuTime()
		for b.Loop() {
			s := 0.0
			for _, x := range vals {
				s += x
			}
			sink += s
		}
		report(b, len(vals), 8, cpu0)
	})
	b.Run("4acc", func(b *testing.B) {
		cpu0 := cpuTime()
		for b.Loop() {
			var s0, s1, s2, s3 float64
			for i := 0; i+4 <= len(vals); i += 4 {
				s0 += vals[i]
				s1 += vals[i+1]
				s2 += vals[i+2]
				s3 += vals[i+3]
			}
			sink += s0 + s1 + s2 + s3
		}
		report(b, len(vals), 8, cpu0)
	})
	if sink == 1 {
		b.Log(sink)
	}
}

func BenchmarkDecodeInt16(b *testing.B) {
	raw := benchRaw()
	dst := make([]float64, len(raw))
	cf := CF{Scale: 0.001, Offset: 298.15, Fill: ptr(-32768), ValidMin: math.NaN(), ValidMax: math.NaN(), UnitOffset: -273.15}
	b.Run("generic", func(b *testing.B) {
		cpu0 := cpuTime()
		for b.Loop() {
			if err := DecodeInt16(dst, raw, &cf); err != nil {
				b.Fatal(err)
			}
		}
		report(b, len(raw), 2, cpu0)
	})
	// The same loop written by hand for int16, to show that stenciling
	// costs nothing.
	b.Run("handwritten", func(b *testing.B) {
		nan := math.NaN()
		cpu0 := cpuTime()
		for b.Loop() {
			for i, v := range raw {
				r := float64(v)
				x := float64(float64(r*0.001)+298.15) - 273.15
				if v == -32768 {
					x = nan
				}
				dst[i] = x
			}
		}
		report(b, len(raw), 2, cpu0)
	})
}

// BenchmarkAddBlockSST: one (1,720,1440) block, lat and lon reduced with
// cos(lat) weights limited to 60 degrees.
func BenchmarkAddBlockSST(b *testing.B) {
	vals := benchDay(b)
	for _, kind := range []Kind{Mean, Var, Min} {
		b.Run(kind.String(), func(b *testing.B) {
			g := Geometry{Shape: []int{365, benchNY, benchNX}, Reduce: []bool{false, true, true},
				AxisWeights: [][]float64{nil, CosLatWeights(benchLat(), 60), nil}}
			p := NewPartial(kind, &g, Options{})
			origin, shape := []int{0, 0, 0}, []int{1, benchNY, benchNX}
			cpu0 := cpuTime()
			for b.Loop() {
				if err := p.AddBlock(origin, shape, vals); err != nil {
					b.Fatal(err)
				}
			}
			report(b, len(vals), 8, cpu0)
		})
	}
}

// BenchmarkAddBlockMap: one (1,720,1440) block, time reduced, lat and lon
// kept (a 1M-cell map).
func BenchmarkAddBlockMap(b *testing.B) {
	vals := benchDay(b)
	for _, kind := range []Kind{Mean, Var, Max} {
		b.Run(kind.String(), func(b *testing.B) {
			g := Geometry{Shape: []int{365, benchNY, benchNX}, Reduce: []bool{true, false, false}}
			p := NewPartial(kind, &g, Options{})
			origin, shape := []int{0, 0, 0}, []int{1, benchNY, benchNX}
			cpu0 := cpuTime()
			for b.Loop() {
				origin[0] = (origin[0] + 1) % 365
				if err := p.AddBlock(origin, shape, vals); err != nil {
					b.Fatal(err)
				}
			}
			report(b, len(vals), 8, cpu0)
		})
	}
}

// BenchmarkFinalizeMap: finalizing and marshalling a 1M-cell map after 30
// days.
func BenchmarkFinalizeMap(b *testing.B) {
	for _, kind := range []Kind{Mean, Var} {
		b.Run(kind.String(), func(b *testing.B) { benchFinalizeMap(b, kind) })
	}
}

func benchFinalizeMap(b *testing.B, kind Kind) {
	vals := benchDay(b)
	g := Geometry{Shape: []int{365, benchNY, benchNX}, Reduce: []bool{true, false, false}}
	p := NewPartial(kind, &g, Options{})
	for d := 0; d < 30; d++ {
		if err := p.AddBlock([]int{d, 0, 0}, []int{1, benchNY, benchNX}, vals); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("finalize", func(b *testing.B) {
		cpu0 := cpuTime()
		for b.Loop() {
			_ = p.Finalize()
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	})
	b.Run("marshal", func(b *testing.B) {
		var n int
		cpu0 := cpuTime()
		for b.Loop() {
			buf, err := p.MarshalBinary()
			if err != nil {
				b.Fatal(err)
			}
			n = len(buf)
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(n), "bytes")
	})
}
