package ops

import (
	"fmt"
	"math"
)

// Limits that keep state sizes sane, also when they come from untrusted bytes.
const (
	// MaxCells is the largest number of output cells a Partial may have.
	MaxCells = 1 << 28
	// MaxDims is the largest supported rank.
	MaxDims = 32
	// MaxBins is the largest histogram bin count.
	MaxBins = 1 << 20
	// maxHistEntries caps cells*bins.
	maxHistEntries = 1 << 28
)

// Geometry describes a reduction over a selection.
type Geometry struct {
	// Shape is the selection shape.
	Shape []int
	// Reduce tells, per axis, whether the axis is reduced (true) or kept.
	Reduce []bool
	// AxisWeights holds per-axis weights: nil means 1, otherwise
	// len(AxisWeights[a]) == Shape[a] (e.g. CosLatWeights on the lat axis).
	// A nil or short outer slice means no weights for the missing axes.
	AxisWeights [][]float64
	// FullWeights is an optional weights array over the axes
	// FullWeightsAxes (strictly increasing), row-major with extents
	// Shape[FullWeightsAxes[i]], broadcast over the other axes.
	FullWeights []float64
	// FullWeightsAxes lists the axes FullWeights spans.
	FullWeightsAxes []int
}

// NumCells returns the number of output cells: the product of the kept
// extents, 1 when every axis is reduced.
func (g *Geometry) NumCells() int {
	n := 1
	for a, e := range g.Shape {
		if a < len(g.Reduce) && !g.Reduce[a] {
			n *= e
		}
	}
	return n
}

// KeptShape returns the extents of the kept axes (the shape of the output).
func (g *Geometry) KeptShape() []int {
	var out []int
	for a, e := range g.Shape {
		if a < len(g.Reduce) && !g.Reduce[a] {
			out = append(out, e)
		}
	}
	return out
}

// KeptAxes returns the indices of the kept axes.
func (g *Geometry) KeptAxes() []int {
	var out []int
	for a := range g.Shape {
		if a < len(g.Reduce) && !g.Reduce[a] {
			out = append(out, a)
		}
	}
	return out
}

// CellIndex returns the cell index of a selection coordinate: row-major over
// the kept axes. g must be valid and coord inside Shape.
func (g *Geometry) CellIndex(coord []int) int {
	c := 0
	for a, e := range g.Shape {
		if !g.Reduce[a] {
			c = c*e + coord[a]
		}
	}
	return c
}

// Weighted reports whether the geometry carries any weights.
func (g *Geometry) Weighted() bool {
	for _, w := range g.AxisWeights {
		if w != nil {
			return true
		}
	}
	return g.FullWeights != nil
}

// Validate checks the geometry's consistency and size limits.
func (g *Geometry) Validate() error {
	if g == nil {
		return fmt.Errorf("geometry: nil")
	}
	if len(g.Shape) > MaxDims {
		return fmt.Errorf("geometry: rank %d exceeds %d", len(g.Shape), MaxDims)
	}
	if len(g.Reduce) != len(g.Shape) {
		return fmt.Errorf("geometry: %d reduce flags for %d axes", len(g.Reduce), len(g.Shape))
	}
	cells := 1
	for a, e := range g.Shape {
		if e < 0 {
			return fmt.Errorf("geometry: axis %d has negative extent %d", a, e)
		}
		if !g.Reduce[a] {
			if e > 0 && cells > MaxCells/e {
				return fmt.Errorf("geometry: more than %d output cells", MaxCells)
			}
			cells *= e
		}
	}
	if len(g.AxisWeights) > len(g.Shape) {
		return fmt.Errorf("geometry: %d axis weight slices for %d axes", len(g.AxisWeights), len(g.Shape))
	}
	for a, w := range g.AxisWeights {
		if w == nil {
			continue
		}
		if len(w) != g.Shape[a] {
			return fmt.Errorf("geometry: axis %d has %d weights, want %d", a, len(w), g.Shape[a])
		}
		if err := checkWeights(w); err != nil {
			return fmt.Errorf("geometry: axis %d weights: %w", a, err)
		}
	}
	if g.FullWeights == nil {
		if len(g.FullWeightsAxes) != 0 {
			return fmt.Errorf("geometry: FullWeightsAxes without FullWeights")
		}
		return nil
	}
	n := 1
	for i, a := range g.FullWeightsAxes {
		if a < 0 || a >= len(g.Shape) {
			return fmt.Errorf("geometry: full weights axis %d out of range", a)
		}
		if i > 0 && a <= g.FullWeightsAxes[i-1] {
			return fmt.Errorf("geometry: full weights axes %v not strictly increasing", g.FullWeightsAxes)
		}
		n *= g.Shape[a]
	}
	if len(g.FullWeights) != n {
		return fmt.Errorf("geometry: full weights hold %d values, axes %v need %d", len(g.FullWeights), g.FullWeightsAxes, n)
	}
	if err := checkWeights(g.FullWeights); err != nil {
		return fmt.Errorf("geometry: full weights: %w", err)
	}
	return nil
}

func checkWeights(w []float64) error {
	for i, x := range w {
		if !(x >= 0) || math.IsInf(x, 1) {
			return fmt.Errorf("weight %d is %v (want finite and >= 0)", i, x)
		}
	}
	return nil
}

// CosLatWeights returns cos(lat) for latitudes in degrees, with weight 0
// where |lat| > limitDeg. A limit of 0 or NaN means no limit.
func CosLatWeights(lat []float64, limitDeg float64) []float64 {
	w := make([]float64, len(lat))
	noLimit := limitDeg == 0 || math.IsNaN(limitDeg)
	for i, l := range lat {
		if math.IsNaN(l) || (!noLimit && math.Abs(l) > limitDeg) {
			continue
		}
		c := math.Cos(l * math.Pi / 180)
		if c < 0 { // |lat| > 90 is not a latitude; never a negative weight
			c = 0
		}
		w[i] = c
	}
	return w
}

// fingerprint hashes the weights (an FNV-style hash of float64 bits) so that
// partials built with different weights refuse to merge.
func (g *Geometry) fingerprint() uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	mix := func(x uint64) {
		h ^= x
		h *= prime
		h ^= h >> 31
	}
	for a := range g.Shape {
		var w []float64
		if a < len(g.AxisWeights) {
			w = g.AxisWeights[a]
		}
		if w == nil {
			mix(^uint64(0))
			continue
		}
		mix(uint64(len(w)))
		for _, x := range w {
			mix(math.Float64bits(x))
		}
	}
	if g.FullWeights != nil {
		mix(uint64(len(g.FullWeightsAxes)))
		for _, a := range g.FullWeightsAxes {
			mix(uint64(a))
		}
		for _, x := range g.FullWeights {
			mix(math.Float64bits(x))
		}
	}
	return h
}
