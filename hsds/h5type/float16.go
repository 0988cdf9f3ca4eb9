package h5type

import "math"

// Float16ToFloat64 converts IEEE 754 binary16 bits to float64 (exact).
func Float16ToFloat64(h uint16) float64 {
	if e := h & 0x7c00; e != 0 && e != 0x7c00 {
		// Normal: rebias the exponent (15 -> 127) into float32 bits.
		return float64(math.Float32frombits(uint32(h&0x8000)<<16 | (uint32(h&0x7fff)+0x1c000)<<13))
	}
	sign := h >> 15
	exp := int(h>>10) & 0x1f
	frac := uint64(h & 0x3ff)
	var f float64
	switch exp {
	case 0: // zero or subnormal
		f = math.Ldexp(float64(frac), -24)
	case 0x1f:
		if frac != 0 {
			f = math.NaN()
		} else {
			f = math.Inf(1)
		}
	default:
		f = math.Float64frombits(uint64(exp-15+1023)<<52 | frac<<42)
	}
	if sign != 0 {
		f = -f
	}
	return f
}

// Float64ToFloat16 converts a float64 to binary16 bits with round to nearest
// even; values beyond the range become ±Inf, NaN stays NaN (quiet).
func Float64ToFloat16(f float64) uint16 {
	bits := math.Float64bits(f)
	sign := uint16(bits>>48) & 0x8000
	exp := int(bits>>52) & 0x7ff
	mant := bits & (1<<52 - 1)
	if exp == 0x7ff {
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 1023 + 15 // biased half exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// subnormal half (or zero): value = m * 2^-24
		if e < -10 {
			return sign // rounds to zero (below half of the smallest subnormal)
		}
		m := mant | 1<<52 // implicit bit
		shift := uint(42 + 1 - e)
		half := m >> shift
		rem := m & (1<<shift - 1)
		mid := uint64(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | uint16(half)
	}
	half := uint16(e)<<10 | uint16(mant>>42)
	rem := mant & (1<<42 - 1)
	const mid = uint64(1) << 41
	if rem > mid || (rem == mid && half&1 == 1) {
		half++ // may carry into the exponent, up to Inf: correct
	}
	return sign | half
}
