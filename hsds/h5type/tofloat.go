package h5type

import (
	"encoding/binary"
	"fmt"
	"math"
)

// ToFloat64 converts packed numeric elements of t (integer, float incl. F16,
// enum incl. bool, either byte order) to float64: dst[i] is element i of src.
// len(src) must be len(dst)*t.Size(). The class is dispatched once, outside
// the loop; aligned little-endian data is read in place on little-endian hosts.
// Integers beyond 2^53 round to the nearest float64.
func ToFloat64(dst []float64, src []byte, t *Type) error {
	if !t.IsNumeric() {
		return fmt.Errorf("to float64: type %s is not numeric", t.class)
	}
	if len(src) != len(dst)*t.size {
		return fmt.Errorf("to float64: %d bytes for %d elements of %d bytes", len(src), len(dst), t.size)
	}
	if t.isBool {
		for i, c := range src[:len(dst)] {
			dst[i] = float64(b2u(c != 0))
		}
		return nil
	}
	le := t.Order() == binary.ByteOrder(binary.LittleEndian)
	if t.class == ClassFloat {
		switch t.size {
		case 2:
			f16ToFloat64(dst, src, le)
		case 4:
			if le {
				f32LE(dst, src)
			} else {
				for i := range dst {
					dst[i] = float64(math.Float32frombits(binary.BigEndian.Uint32(src[4*i:])))
				}
			}
		default:
			if le {
				f64LE(dst, src)
			} else {
				for i := range dst {
					dst[i] = math.Float64frombits(binary.BigEndian.Uint64(src[8*i:]))
				}
			}
		}
		return nil
	}
	signed := t.IsSigned()
	switch t.size {
	case 1:
		if signed {
			for i, c := range src[:len(dst)] {
				dst[i] = float64(int8(c))
			}
		} else {
			for i, c := range src[:len(dst)] {
				dst[i] = float64(c)
			}
		}
	case 2:
		int16ToFloat64(dst, src, signed, le)
	case 4:
		int32ToFloat64(dst, src, signed, le)
	default:
		int64ToFloat64(dst, src, signed, le)
	}
	return nil
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func convertSlice[T fixedNum](dst []float64, s []T) {
	s = s[:len(dst)]
	for i, v := range s {
		dst[i] = float64(v)
	}
}

func int16ToFloat64(dst []float64, src []byte, signed, le bool) {
	switch {
	case le && signed:
		if v, ok := viewLE[int16](src); ok {
			convertSlice(dst, v)
			return
		}
		for i := range dst {
			dst[i] = float64(int16(binary.LittleEndian.Uint16(src[2*i:])))
		}
	case le:
		if v, ok := viewLE[uint16](src); ok {
			convertSlice(dst, v)
			return
		}
		for i := range dst {
			dst[i] = float64(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case signed:
		for i := range dst {
			dst[i] = float64(int16(binary.BigEndian.Uint16(src[2*i:])))
		}
	default:
		for i := range dst {
			dst[i] = float64(binary.BigEndian.Uint16(src[2*i:]))
		}
	}
}

func int32ToFloat64(dst []float64, src []byte, signed, le bool) {
	switch {
	case le && signed:
		if v, ok := viewLE[int32](src); ok {
			convertSlice(dst, v)
			return
		}
		for i := range dst {
			dst[i] = float64(int32(binary.LittleEndian.Uint32(src[4*i:])))
		}
	case le:
		if v, ok := viewLE[uint32](src); ok {
			convertSlice(dst, v)
			return
		}
		for i := range dst {
			dst[i] = float64(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case signed:
		for i := range dst {
			dst[i] = float64(int32(binary.BigEndian.Uint32(src[4*i:])))
		}
	default:
		for i := range dst {
			dst[i] = float64(binary.BigEndian.Uint32(src[4*i:]))
		}
	}
}

func int64ToFloat64(dst []float64, src []byte, signed, le bool) {
	switch {
	case le && signed:
		if v, ok := viewLE[int64](src); ok {
			convertSlice(dst, v)
			return
		}
		for i := range dst {
			dst[i] = float64(int64(binary.LittleEndian.Uint64(src[8*i:])))
		}
	case le:
		if v, ok := viewLE[uint64](src); ok {
			convertSlice(dst, v)
			return
		}
		for i := range dst {
			dst[i] = float64(binary.LittleEndian.Uint64(src[8*i:]))
		}
	case signed:
		for i := range dst {
			dst[i] = float64(int64(binary.BigEndian.Uint64(src[8*i:])))
		}
	default:
		for i := range dst {
			dst[i] = float64(binary.BigEndian.Uint64(src[8*i:]))
		}
	}
}

func f32LE(dst []float64, src []byte) {
	if v, ok := viewLE[float32](src); ok {
		convertSlice(dst, v)
		return
	}
	for i := range dst {
		dst[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:])))
	}
}

func f64LE(dst []float64, src []byte) {
	if v, ok := viewLE[float64](src); ok {
		copy(dst, v)
		return
	}
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
	}
}

func f16ToFloat64(dst []float64, src []byte, le bool) {
	src = src[:2*len(dst)]
	for i := range dst {
		var h uint16
		if le {
			h = binary.LittleEndian.Uint16(src[2*i:])
		} else {
			h = binary.BigEndian.Uint16(src[2*i:])
		}
		if e := h & 0x7c00; e != 0 && e != 0x7c00 {
			// Normal numbers inline: rebias the exponent into float32 bits.
			dst[i] = float64(math.Float32frombits(uint32(h&0x8000)<<16 | (uint32(h&0x7fff)+0x1c000)<<13))
		} else {
			dst[i] = Float16ToFloat64(h)
		}
	}
}
