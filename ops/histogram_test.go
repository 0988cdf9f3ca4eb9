package ops

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const python = "/usr/bin/python3"

// numpyHistogram runs numpy.histogram(values, bins) with no range (numpy takes it from the
// data) and returns its counts and edges.
func numpyHistogram(t *testing.T, values []float64, bins int) ([]int64, []float64) {
	t.Helper()
	if out, err := exec.Command(python, "-c", "import numpy").CombinedOutput(); err != nil {
		if os.Getenv("HSFAN_REQUIRE_PEERS") != "" {
			t.Fatalf("%s cannot import numpy: %v: %s", python, err, out)
		}
		t.Skipf("SKIP: %s cannot import numpy (install python3-numpy to check histograms against numpy): %v", python, err)
	}
	in := filepath.Join(t.TempDir(), "values.json")
	b, _ := json.Marshal(values)
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	script := `import json, sys, numpy as np
a = np.array(json.load(open(sys.argv[1])), dtype=np.float64)
h, e = np.histogram(a, bins=int(sys.argv[2]))
json.dump({"counts": h.tolist(), "edges": [float(x).hex() for x in e]}, sys.stdout)`
	out, err := exec.Command(python, "-c", script, in, fmtInt(bins)).Output()
	if err != nil {
		t.Fatalf("numpy.histogram: %v", err)
	}
	var r struct {
		Counts []int64
		Edges  []string
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	edges := make([]float64, len(r.Edges))
	for i, h := range r.Edges {
		edges[i] = parseHexFloat(t, h)
	}
	return r.Counts, edges
}

func fmtInt(n int) string { b, _ := json.Marshal(n); return string(b) }

// parseHexFloat parses Python's float.hex() ("0x1.8p+1", "-0x0.0p+0").
func parseHexFloat(t *testing.T, s string) float64 {
	t.Helper()
	var v float64
	var err error
	switch s {
	case "inf":
		return math.Inf(1)
	case "-inf":
		return math.Inf(-1)
	}
	if v, err = parseFloatHex(s); err != nil {
		t.Fatalf("hex float %q: %v", s, err)
	}
	return v
}

// TestHistogramRangeFromDataMatchesNumpy: with no range, the range is the data's [min, max]
// (numpy.histogram's rule, widened by 0.5 when constant) and the edges and counts are numpy's to
// the bit, values on the edges included (issue 13: histogram without a range used to fail).
func TestHistogramRangeFromDataMatchesNumpy(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 13))
	cases := map[string][]float64{}
	// Decimal values that land on (or an ulp off) the edges.
	dec := make([]float64, 2000)
	for i := range dec {
		dec[i] = float64(rng.IntN(1000))*0.1 - 30
	}
	cases["decimal"] = dec
	norm := make([]float64, 5000)
	for i := range norm {
		norm[i] = 20 + 7*rng.NormFloat64()
	}
	cases["normal"] = norm
	cases["constant"] = []float64{3.25, 3.25, 3.25}
	cases["one"] = []float64{-42.125}
	cases["tiny-range"] = []float64{1, math.Nextafter(1, 2), math.Nextafter(math.Nextafter(1, 2), 2)}
	for name, vals := range cases {
		for _, bins := range []int{1, 7, 50} {
			t.Run(name+"/"+fmtInt(bins), func(t *testing.T) {
				// First pass: min and max, as hsfan run does over the selection.
				g := Geometry{Shape: []int{len(vals)}, Reduce: []bool{true}}
				mn, mx := NewPartial(Min, &g, Options{}), NewPartial(Max, &g, Options{})
				for _, p := range []*Partial{mn, mx} {
					if err := p.AddBlock([]int{0}, []int{len(vals)}, vals); err != nil {
						t.Fatal(err)
					}
				}
				rmin, rmax := mn.Finalize(), mx.Finalize()
				lo, hi, err := HistogramRange(rmin.Value[0], rmax.Value[0], rmin.Count[0])
				if err != nil {
					t.Fatal(err)
				}
				h := NewPartial(Histogram, &g, Options{Bins: bins, Min: lo, Max: hi})
				if err := h.AddBlock([]int{0}, []int{len(vals)}, vals); err != nil {
					t.Fatal(err)
				}
				res := h.Finalize()
				counts, edges := numpyHistogram(t, vals, bins)
				for i := range edges {
					if math.Float64bits(res.Edges[i]) != math.Float64bits(edges[i]) {
						t.Errorf("edge %d: %v, numpy %v", i, res.Edges[i], edges[i])
					}
				}
				for b := range counts {
					if res.Hist[b] != counts[b] {
						t.Errorf("bin %d [%v, %v): %d, numpy %d", b, edges[b], edges[b+1], res.Hist[b], counts[b])
					}
				}
				if res.Under[0] != 0 || res.Over[0] != 0 {
					t.Errorf("under %d over %d: the range from the data holds every value", res.Under[0], res.Over[0])
				}
			})
		}
	}
}

func TestHistogramRangeEdgeCases(t *testing.T) {
	if lo, hi, err := HistogramRange(math.Inf(1), math.Inf(-1), 0); err != nil || lo != 0 || hi != 1 {
		t.Errorf("no valid value: [%v, %v] %v, want numpy's [0, 1]", lo, hi, err)
	}
	if _, _, err := HistogramRange(math.Inf(-1), 3, 5); err == nil || !strings.Contains(err.Error(), "--hist-min") {
		t.Errorf("infinite minimum: %v, want an error naming --hist-min and --hist-max", err)
	}
	if _, _, err := HistogramRange(-1e300, -1e300, 1); err == nil {
		t.Error("a constant too large to widen by 0.5 was accepted")
	}
	if _, _, err := HistogramRange(-math.MaxFloat64, math.MaxFloat64, 2); err == nil {
		t.Error("a range wider than float64 was accepted")
	}
}

// parseFloatHex parses a C99/Python hexadecimal float with strconv (Go accepts "0x1.8p+1").
func parseFloatHex(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
