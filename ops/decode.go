package ops

import (
	"fmt"
	"math"
	"unsafe"
)

// Number is the set of raw element types the CF decoders accept.
type Number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// decodePlan is a CF prepared for the inner loop: unset tests become
// comparisons that never fire (NaN fill, infinite bounds).
type decodePlan struct {
	scale, offset   float64
	uscale, uoffset float64
	unit            bool    // apply uscale/uoffset
	pack            bool    // apply scale/offset
	lo, hi          float64 // valid raw range, ±Inf if unset
	fill, miss1     float64 // NaN if unset
	moreMiss        []float64
	masked          bool // any of fill, missing, range set
}

func (cf *CF) plan() decodePlan {
	p := decodePlan{scale: 1, uscale: 1, lo: math.Inf(-1), hi: math.Inf(1), fill: math.NaN(), miss1: math.NaN()}
	if cf == nil {
		return p
	}
	if cf.Scale != 0 {
		p.scale = cf.Scale
	}
	p.offset = cf.Offset
	p.pack = p.scale != 1 || p.offset != 0
	if cf.UnitScale != 0 {
		p.uscale = cf.UnitScale
	}
	p.uoffset = cf.UnitOffset
	p.unit = p.uscale != 1 || p.uoffset != 0
	rangeSet := !(cf.ValidMin == 0 && cf.ValidMax == 0)
	if rangeSet && !math.IsNaN(cf.ValidMin) {
		p.lo = cf.ValidMin
		p.masked = true
	}
	if rangeSet && !math.IsNaN(cf.ValidMax) {
		p.hi = cf.ValidMax
		p.masked = true
	}
	if cf.Fill != nil && !math.IsNaN(*cf.Fill) {
		p.fill = *cf.Fill
		p.masked = true
	}
	for _, m := range cf.Missing {
		if math.IsNaN(m) {
			continue // NaN raw values decode to NaN anyway
		}
		if math.IsNaN(p.miss1) {
			p.miss1 = m
		} else {
			p.moreMiss = append(p.moreMiss, m)
		}
		p.masked = true
	}
	return p
}

// Decode CF-decodes src into dst[:len(src)] (see CF). A nil cf is the
// identity. NaN inputs stay NaN; fill, missing and out-of-range values
// become NaN. CF.Unsigned/CF.Signed reinterpret integers first. It returns an error if dst is shorter than src.
//
// Integers are compared with the fill/missing/range values after conversion
// to float64, so int64/uint64 values beyond 2^53 may compare inexactly.
func Decode[T Number](dst []float64, src []T, cf *CF) error {
	if len(dst) < len(src) {
		return fmt.Errorf("cf decode: destination holds %d values, source has %d", len(dst), len(src))
	}
	if cf != nil && (cf.Unsigned || cf.Signed) {
		if done, err := decodeReinterpreted(dst, src, cf); done {
			return err
		}
	}
	p := cf.plan()
	dst = dst[:len(src)]
	switch {
	case !p.masked && !p.pack && !p.unit:
		for i, v := range src {
			dst[i] = float64(v)
		}
	case !p.masked:
		decodeUnmasked(dst, src, &p)
	case p.fillOnly():
		decodeFill(dst, src, &p)
	case len(p.moreMiss) == 0:
		decodeMasked(dst, src, &p)
	default:
		decodeMaskedMany(dst, src, &p)
	}
	return nil
}

// decodeReinterpreted decodes integer values whose signedness cf overrides (CF.Unsigned,
// CF.Signed) as the integers of the other signedness and the same size. It reports false when
// nothing is to be reinterpreted (floats, or integers that already have the wanted signedness).
func decodeReinterpreted[T Number](dst []float64, src []T, cf *CF) (bool, error) {
	c := *cf
	c.Unsigned, c.Signed = false, false
	switch s := any(src).(type) {
	case []int8:
		if cf.Unsigned {
			return true, Decode(dst, unsafe.Slice((*uint8)(unsafe.Pointer(unsafe.SliceData(s))), len(s)), &c)
		}
	case []int16:
		if cf.Unsigned {
			return true, Decode(dst, unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(s))), len(s)), &c)
		}
	case []int32:
		if cf.Unsigned {
			return true, Decode(dst, unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(s))), len(s)), &c)
		}
	case []int64:
		if cf.Unsigned {
			return true, Decode(dst, unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(s))), len(s)), &c)
		}
	case []uint8:
		if cf.Signed {
			return true, Decode(dst, unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(s))), len(s)), &c)
		}
	case []uint16:
		if cf.Signed {
			return true, Decode(dst, unsafe.Slice((*int16)(unsafe.Pointer(unsafe.SliceData(s))), len(s)), &c)
		}
	case []uint32:
		if cf.Signed {
			return true, Decode(dst, unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(s))), len(s)), &c)
		}
	case []uint64:
		if cf.Signed {
			return true, Decode(dst, unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(s))), len(s)), &c)
		}
	}
	return false, nil
}

func decodeUnmasked[T Number](dst []float64, src []T, p *decodePlan) {
	s, o, us, uo := p.scale, p.offset, p.uscale, p.uoffset
	if !p.unit {
		for i, v := range src {
			dst[i] = float64(float64(v)*s) + o
		}
		return
	}
	for i, v := range src {
		x := float64(float64(v)*s) + o
		dst[i] = float64(x*us) + uo
	}
}

// fillOnly reports whether the fill value is the only mask.
func (p *decodePlan) fillOnly() bool {
	return math.IsInf(p.lo, -1) && math.IsInf(p.hi, 1) && math.IsNaN(p.miss1) && !math.IsNaN(p.fill)
}

// decodeFill is the common case: packed values with a fill value only.
func decodeFill[T Number](dst []float64, src []T, p *decodePlan) {
	s, o, us, uo, fill := p.scale, p.offset, p.uscale, p.uoffset, p.fill
	nan := math.NaN()
	dst = dst[:len(src)]
	if !p.unit {
		for i, v := range src {
			r := float64(v)
			x := float64(r*s) + o
			if r == fill {
				x = nan
			}
			dst[i] = x
		}
		return
	}
	for i, v := range src {
		r := float64(v)
		x := float64(float64(float64(r*s)+o)*us) + uo
		if r == fill {
			x = nan
		}
		dst[i] = x
	}
}

func decodeMasked[T Number](dst []float64, src []T, p *decodePlan) {
	s, o, us, uo := p.scale, p.offset, p.uscale, p.uoffset
	lo, hi, fill, m1 := p.lo, p.hi, p.fill, p.miss1
	nan := math.NaN()
	if !p.unit {
		for i, v := range src {
			r := float64(v)
			if r < lo || r > hi || r == fill || r == m1 {
				dst[i] = nan
				continue
			}
			dst[i] = float64(r*s) + o
		}
		return
	}
	for i, v := range src {
		r := float64(v)
		if r < lo || r > hi || r == fill || r == m1 {
			dst[i] = nan
			continue
		}
		x := float64(r*s) + o
		dst[i] = float64(x*us) + uo
	}
}

func decodeMaskedMany[T Number](dst []float64, src []T, p *decodePlan) {
	s, o, us, uo := p.scale, p.offset, p.uscale, p.uoffset
	if !p.unit {
		us, uo = 1, 0
	}
	lo, hi, fill, m1 := p.lo, p.hi, p.fill, p.miss1
	nan := math.NaN()
outer:
	for i, v := range src {
		r := float64(v)
		if r < lo || r > hi || r == fill || r == m1 {
			dst[i] = nan
			continue
		}
		for _, m := range p.moreMiss {
			if r == m {
				dst[i] = nan
				continue outer
			}
		}
		x := float64(r*s) + o
		if p.unit {
			x = float64(x*us) + uo
		}
		dst[i] = x
	}
}

// DecodeInt8 CF-decodes int8 values, see Decode.
func DecodeInt8(dst []float64, src []int8, cf *CF) error { return Decode(dst, src, cf) }

// DecodeUint8 CF-decodes uint8 values, see Decode.
func DecodeUint8(dst []float64, src []uint8, cf *CF) error { return Decode(dst, src, cf) }

// DecodeInt16 CF-decodes int16 values, see Decode.
func DecodeInt16(dst []float64, src []int16, cf *CF) error { return Decode(dst, src, cf) }

// DecodeUint16 CF-decodes uint16 values, see Decode.
func DecodeUint16(dst []float64, src []uint16, cf *CF) error { return Decode(dst, src, cf) }

// DecodeInt32 CF-decodes int32 values, see Decode.
func DecodeInt32(dst []float64, src []int32, cf *CF) error { return Decode(dst, src, cf) }

// DecodeUint32 CF-decodes uint32 values, see Decode.
func DecodeUint32(dst []float64, src []uint32, cf *CF) error { return Decode(dst, src, cf) }

// DecodeInt64 CF-decodes int64 values, see Decode.
func DecodeInt64(dst []float64, src []int64, cf *CF) error { return Decode(dst, src, cf) }

// DecodeUint64 CF-decodes uint64 values, see Decode.
func DecodeUint64(dst []float64, src []uint64, cf *CF) error { return Decode(dst, src, cf) }

// DecodeFloat32 CF-decodes float32 values, see Decode.
func DecodeFloat32(dst []float64, src []float32, cf *CF) error { return Decode(dst, src, cf) }

// DecodeFloat64 CF-decodes float64 values, see Decode. dst and src may be
// the same slice.
func DecodeFloat64(dst []float64, src []float64, cf *CF) error { return Decode(dst, src, cf) }
