package ops

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestAddBlockRawMatchesTwoPass checks that AddBlockRaw leaves a partial byte for byte equal
// (MarshalBinary) to Decode into float64 followed by AddBlock, for every integer CF variant
// (identity, packed, fill only, valid range, missing value, units), axis weights with zeros,
// every kind and geometry, and that it declines (false, partial untouched) exactly where it
// does not apply.
func TestAddBlockRawMatchesTwoPass(t *testing.T) {
	fill := -32768.0
	neg0 := math.Copysign(0, -1)
	cfs := map[string]*CF{
		"nil":      nil,
		"identity": func() *CF { c := NewCF(); return &c }(),
		"packed":   {Scale: 0.001, Offset: 298.15, ValidMin: math.NaN(), ValidMax: math.NaN()},
		"fill":     {Scale: 0.001, Offset: 298.15, Fill: &fill, ValidMin: math.NaN(), ValidMax: math.NaN()},
		"sst-C": {Scale: 0.001, Offset: 298.15, Fill: &fill, ValidMin: -32767, ValidMax: 32767,
			UnitScale: 1, UnitOffset: -273.15},
		"range":     {Scale: 0.01, ValidMin: -1000, ValidMax: 1000},
		"missing":   {Scale: 1, Missing: []float64{7}, ValidMin: math.NaN(), ValidMax: math.NaN()},
		"missing2":  {Scale: 1, Missing: []float64{7, 9}, ValidMin: math.NaN(), ValidMax: math.NaN()},
		"unsigned":  {Scale: 1, Unsigned: true, ValidMin: math.NaN(), ValidMax: math.NaN()},
		"neg0-off":  {Scale: 2, Offset: neg0, ValidMin: math.NaN(), ValidMax: math.NaN()},
		"units-F":   {Scale: 0.01, Offset: 1, Fill: &fill, UnitScale: 1.8, UnitOffset: 32, ValidMin: math.NaN(), ValidMax: math.NaN()},
		"hugescale": {Scale: 1e308, ValidMin: math.NaN(), ValidMax: math.NaN()},
	}
	r := rand.New(rand.NewPCG(5, 6))
	shape := []int{3, 7, 37}
	raw := make([]int16, 3*7*37)
	for i := range raw {
		switch r.IntN(10) {
		case 0:
			raw[i] = -32768
		case 1:
			raw[i] = 7
		case 2:
			raw[i] = int16(r.IntN(65536) - 32768)
		default:
			raw[i] = int16(1500 + r.IntN(200) - 100)
		}
	}
	lat := make([]float64, 7)
	for i := range lat {
		lat[i] = math.Cos(float64(i) * 0.2)
	}
	lat[3] = 0 // a masked row
	geoms := map[string]Geometry{
		"all":        {Shape: shape, Reduce: []bool{true, true, true}},
		"keep-time":  {Shape: shape, Reduce: []bool{false, true, true}},
		"lat-weight": {Shape: shape, Reduce: []bool{false, true, true}, AxisWeights: [][]float64{nil, lat}},
		"last-kept":  {Shape: shape, Reduce: []bool{true, true, false}},
		"lon-weight": {Shape: shape, Reduce: []bool{false, true, true}, AxisWeights: [][]float64{nil, nil, make37()}},
		"full":       {Shape: shape, Reduce: []bool{false, true, true}, FullWeights: lat, FullWeightsAxes: []int{1}},
	}
	applies := func(k Kind, gname, cname string) bool {
		return (k == Sum || k == Mean) && (gname == "all" || gname == "keep-time" || gname == "lat-weight") &&
			cname != "missing2" && cname != "unsigned"
	}
	for _, k := range []Kind{Sum, Mean, Count, Min, Var} {
		for gname, g := range geoms {
			for cname, cf := range cfs {
				t.Run(fmt.Sprintf("%v/%s/%s", k, gname, cname), func(t *testing.T) {
					g := g
					two := NewPartial(k, &g, Options{})
					fused := NewPartial(k, &g, Options{})
					vals := make([]float64, len(raw))
					// Two blocks (time 0 and times 1-2), as chunks.
					blocks := []struct{ origin, shape []int }{{[]int{0, 0, 0}, []int{1, 7, 37}}, {[]int{1, 0, 0}, []int{2, 7, 37}}}
					off := 0
					for _, b := range blocks {
						n := b.shape[0] * b.shape[1] * b.shape[2]
						if err := Decode(vals[:n], raw[off:off+n], cf); err != nil {
							t.Fatal(err)
						}
						if err := two.AddBlock(b.origin, b.shape, vals[:n]); err != nil {
							t.Fatal(err)
						}
						done, err := AddBlockRaw(fused, b.origin, b.shape, raw[off:off+n], cf)
						if err != nil {
							t.Fatal(err)
						}
						if done != applies(k, gname, cname) {
							t.Fatalf("AddBlockRaw handled=%v, want %v", done, !done)
						}
						if !done {
							if err := fused.AddBlock(b.origin, b.shape, vals[:n]); err != nil {
								t.Fatal(err)
							}
						}
						off += n
					}
					a, err := two.MarshalBinary()
					if err != nil {
						t.Fatal(err)
					}
					b, err := fused.MarshalBinary()
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(a, b) {
						t.Fatal("the fused partial differs from the two-pass one")
					}
				})
			}
		}
	}
}

func make37() []float64 {
	w := make([]float64, 37)
	for i := range w {
		w[i] = 1 + float64(i%3)
	}
	return w
}

// TestAddBlockRawErrors checks AddBlock's errors on bad blocks.
func TestAddBlockRawErrors(t *testing.T) {
	g := Geometry{Shape: []int{2, 4}, Reduce: []bool{true, true}}
	p := NewPartial(Mean, &g, Options{})
	for _, c := range []struct {
		origin, shape []int
		n             int
	}{{[]int{0}, []int{2, 4}, 8}, {[]int{0, 1}, []int{2, 4}, 8}, {[]int{0, 0}, []int{2, 4}, 7}, {[]int{-1, 0}, []int{1, 4}, 4}} {
		if done, err := AddBlockRaw(p, c.origin, c.shape, make([]int16, c.n), nil); !done || err == nil {
			t.Errorf("origin %v shape %v n %d: done %v err %v, want an error", c.origin, c.shape, c.n, done, err)
		}
	}
}

// BenchmarkAddBlockRawSST reduces one SST-like day (1 x 720 x 1440 int16, 30% fill in runs, the
// MUR CF attributes, Celsius) to its latitude-weighted mean, fused (AddBlockRaw) and in two
// passes (Decode into float64, AddBlock), interleaved in every iteration; it reports both
// MB/s of int16 input per second of thread CPU time and the two-pass/fused time ratio.
func BenchmarkAddBlockRawSST(b *testing.B) {
	const nlat, nlon = 720, 1440
	fill := -32768.0
	cf := &CF{Scale: 0.001, Offset: 298.15, Fill: &fill, ValidMin: -32767, ValidMax: 32767, UnitScale: 1, UnitOffset: -273.15}
	r := rand.New(rand.NewPCG(1, 1))
	raw := make([]int16, nlat*nlon)
	for i := range raw {
		if i%nlon < 430 { // land: contiguous runs, as in the SST
			raw[i] = -32768
		} else {
			raw[i] = int16(r.IntN(30000) - 5000)
		}
	}
	lat := make([]float64, nlat)
	for i := range lat {
		lat[i] = math.Cos((float64(i) - 359.5) / 4 * math.Pi / 180)
	}
	g := Geometry{Shape: []int{1, nlat, nlon}, Reduce: []bool{false, true, true}, AxisWeights: [][]float64{nil, lat}}
	origin, shape := []int{0, 0, 0}, []int{1, nlat, nlon}
	vals := make([]float64, len(raw))
	var fusedT, twoT time.Duration
	b.SetBytes(int64(2 * 2 * len(raw)))
	// Thread CPU time: other processes on the machine do not count.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for b.Loop() {
		t0 := threadCPU()
		p := NewPartial(Mean, &g, Options{})
		if ok, err := AddBlockRaw(p, origin, shape, raw, cf); !ok || err != nil {
			b.Fatal(ok, err)
		}
		t1 := threadCPU()
		q := NewPartial(Mean, &g, Options{})
		if err := Decode(vals, raw, cf); err != nil {
			b.Fatal(err)
		}
		if err := q.AddBlock(origin, shape, vals); err != nil {
			b.Fatal(err)
		}
		t2 := threadCPU()
		fusedT += t1 - t0
		twoT += t2 - t1
	}
	b.ReportMetric(float64(b.N*2*len(raw))/fusedT.Seconds()/1e6, "fused-cpuMB/s")
	b.ReportMetric(float64(b.N*2*len(raw))/twoT.Seconds()/1e6, "twopass-cpuMB/s")
	b.ReportMetric(twoT.Seconds()/fusedT.Seconds(), "twopass/fused")
}

// threadCPU returns the CPU time of the calling OS thread (lock the goroutine to it).
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Duration(ts.Nano())
}
