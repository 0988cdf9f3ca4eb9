// Package synth generates deterministic synthetic data sets: a MUR25-like daily sea surface
// temperature cube and dense benchmark cubes. The values depend only on their coordinates, so any
// slice can be regenerated independently (tests recompute the expected answers from here).
package synth

import (
	"math"
	"time"
)

// MUR25-like grid and CF packing constants.
const (
	SSTLat        = 720
	SSTLon        = 1440
	SSTScale      = 0.001
	SSTOffset     = 298.15
	SSTFill       = int16(-32768)
	SSTEpochLabel = "seconds since 1981-01-01 00:00:00 UTC"
)

// SSTEpoch is the time origin of the /time coordinate (as in MUR).
var SSTEpoch = time.Date(1981, 1, 1, 0, 0, 0, 0, time.UTC)

// SSTLats returns the cell-centre latitudes in degrees, south to north (-89.875 .. 89.875).
func SSTLats() []float32 {
	lat := make([]float32, SSTLat)
	for i := range lat {
		lat[i] = float32(-89.875 + 0.25*float64(i))
	}
	return lat
}

// SSTLons returns the cell-centre longitudes in degrees, west to east (-179.875 .. 179.875).
func SSTLons() []float32 {
	lon := make([]float32, SSTLon)
	for j := range lon {
		lon[j] = float32(-179.875 + 0.25*float64(j))
	}
	return lon
}

// SSTDayZero is the calendar date of day number 0 of the field (SSTKelvin, SSTPacked, SSTDay):
// the values follow the calendar date, whatever day a generated domain starts on, and a domain
// starting on SSTDayZero has day index == day number.
var SSTDayZero = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)

// SSTDayNumber returns the day number of the calendar date of t (UTC; the time of day is
// ignored): whole days since SSTDayZero, negative before it.
func SSTDayNumber(t time.Time) int {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return int(day.Sub(SSTDayZero) / (24 * time.Hour))
}

// SSTTime returns the /time value (seconds since 1981-01-01, at 09:00 UTC as MUR) of day d after start.
func SSTTime(start time.Time, d int) int32 {
	t := start.AddDate(0, 0, d).Add(9 * time.Hour)
	return int32(t.Sub(SSTEpoch) / time.Second)
}

// IsLand reports whether the cell (i, j) of the 720 x 1440 grid is land (a fill value every day).
// The mask is a handful of smooth "continents" plus the polar caps beyond |lat| > 80.
func IsLand(i, j int) bool {
	lat := -89.875 + 0.25*float64(i)
	lon := -179.875 + 0.25*float64(j)
	if math.Abs(lat) > 80 {
		return true
	}
	// Continents: ellipses in (lat, lon), a deterministic stand-in for a land mask.
	type blob struct{ lat, lon, rlat, rlon float64 }
	blobs := [...]blob{
		{45, -100, 25, 35}, // North America
		{-15, -60, 25, 18}, // South America
		{50, 60, 22, 70},   // Eurasia
		{5, 20, 28, 22},    // Africa
		{-25, 135, 13, 20}, // Australia
		{-75, 0, 6, 180},   // Antarctica fringe
		{72, -40, 10, 18},  // Greenland
		{35, 138, 6, 5},    // Japan-ish
		{-2, 115, 6, 12},   // Maritime continent
		{64, -150, 8, 20},  // Alaska
	}
	for _, b := range blobs {
		dl := (lat - b.lat) / b.rlat
		dn := (lon - b.lon) / b.rlon
		if dl*dl+dn*dn < 1 {
			return true
		}
	}
	return false
}

// SSTKelvin returns the true (unpacked) temperature of cell (i, j) on day number d (see
// SSTDayNumber: the calendar date, not the index in a domain), in kelvin, before quantisation: a
// latitude profile, a seasonal cycle of opposite sign in each hemisphere (a 365.25-day period,
// phase 0 on day number 80, 2022-03-22), a longitude wave and deterministic noise.
func SSTKelvin(d, i, j int) float64 {
	base, season := latTerms(d, i)
	return combine(base, season, lonTerm(d, j), d, i, j)
}

func latTerms(d, i int) (base, season float64) {
	rl := (-89.875 + 0.25*float64(i)) * math.Pi / 180
	c := math.Cos(rl)
	phase := 2 * math.Pi * (float64(d) - 80) / 365.25
	// A hemispheric cycle plus a small global one (the real global mean peaks in March).
	return 271.35 + 30*c*c, 3*math.Sin(phase)*math.Sin(rl) + 0.4*math.Cos(phase)
}

func lonTerm(d, j int) float64 {
	lon := -179.875 + 0.25*float64(j)
	return 0.8 * math.Sin(3*lon*math.Pi/180+0.02*float64(d))
}

func combine(base, season, wave float64, d, i, j int) float64 {
	t := base + season + wave + 0.25*(unitNoise(uint64(d), uint64(i), uint64(j))-0.5)
	if t < 271.35 {
		t = 271.35 // sea ice floor
	}
	return t
}

// SSTPacked returns the stored int16 value of cell (i, j) on day number d (see SSTDayNumber; the
// fill value on land).
func SSTPacked(d, i, j int) int16 {
	if IsLand(i, j) {
		return SSTFill
	}
	return pack(SSTKelvin(d, i, j))
}

func pack(k float64) int16 { return int16(math.Round((k - SSTOffset) / SSTScale)) }

// SSTDay fills dst (length 720*1440, row-major lat x lon) with the packed values of day number d
// (see SSTDayNumber); land is
// LandMask() (computed when nil). It gives exactly SSTPacked for every cell, only faster.
func SSTDay(d int, dst []int16, land []bool) {
	if land == nil {
		land = LandMask()
	}
	wave := make([]float64, SSTLon)
	for j := range wave {
		wave[j] = lonTerm(d, j)
	}
	for i := 0; i < SSTLat; i++ {
		base, season := latTerms(d, i)
		row := dst[i*SSTLon : (i+1)*SSTLon]
		mask := land[i*SSTLon : (i+1)*SSTLon]
		for j := range row {
			if mask[j] {
				row[j] = SSTFill
				continue
			}
			row[j] = pack(combine(base, season, wave[j], d, i, j))
		}
	}
}

// LandMask returns IsLand for every cell, row-major, for use with SSTDay.
func LandMask() []bool {
	m := make([]bool, SSTLat*SSTLon)
	for i := 0; i < SSTLat; i++ {
		for j := 0; j < SSTLon; j++ {
			m[i*SSTLon+j] = IsLand(i, j)
		}
	}
	return m
}

// unitNoise is a deterministic hash of the coordinates mapped to [0, 1).
func unitNoise(a, b, c uint64) float64 { // a is a day number: negative days wrap, still distinct
	x := a*0x9E3779B97F4A7C15 ^ b*0xC2B2AE3D27D4EB4F ^ c*0x165667B19E3779F9
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}
