package h5type

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// hostLE reports whether the host is little endian (then aligned LE element
// bytes can be reinterpreted in place).
var hostLE = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

type fixedNum interface {
	~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~uint32 | ~int64 | ~uint64 | ~float32 | ~float64
}

// viewLE reinterprets little-endian bytes as []T without copying when the
// host is little endian and b is aligned for T. len(b) beyond a multiple of
// the element size is ignored.
func viewLE[T fixedNum](b []byte) ([]T, bool) {
	var zero T
	size := int(unsafe.Sizeof(zero))
	n := len(b) / size
	if n == 0 {
		return []T{}, true
	}
	if !hostLE || uintptr(unsafe.Pointer(unsafe.SliceData(b)))%uintptr(unsafe.Alignof(zero)) != 0 {
		return nil, false
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n), true
}

// The typed views below interpret b as little-endian elements (the layout of
// *LE types). When the host is little endian and b is aligned they alias b
// (no copy: writes through the view change b); otherwise they return a
// decoded copy. Trailing bytes beyond a multiple of the element size are
// ignored.

// Int8s views b as []int8.
func Int8s(b []byte) []int8 {
	if len(b) == 0 {
		return []int8{}
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
}

// Int16s views b as little-endian []int16.
func Int16s(b []byte) []int16 {
	if v, ok := viewLE[int16](b); ok {
		return v
	}
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return out
}

// Uint16s views b as little-endian []uint16.
func Uint16s(b []byte) []uint16 {
	if v, ok := viewLE[uint16](b); ok {
		return v
	}
	out := make([]uint16, len(b)/2)
	for i := range out {
		out[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return out
}

// Int32s views b as little-endian []int32.
func Int32s(b []byte) []int32 {
	if v, ok := viewLE[int32](b); ok {
		return v
	}
	out := make([]int32, len(b)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// Uint32s views b as little-endian []uint32.
func Uint32s(b []byte) []uint32 {
	if v, ok := viewLE[uint32](b); ok {
		return v
	}
	out := make([]uint32, len(b)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out
}

// Int64s views b as little-endian []int64.
func Int64s(b []byte) []int64 {
	if v, ok := viewLE[int64](b); ok {
		return v
	}
	out := make([]int64, len(b)/8)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

// Uint64s views b as little-endian []uint64.
func Uint64s(b []byte) []uint64 {
	if v, ok := viewLE[uint64](b); ok {
		return v
	}
	out := make([]uint64, len(b)/8)
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return out
}

// Float32s views b as little-endian []float32.
func Float32s(b []byte) []float32 {
	if v, ok := viewLE[float32](b); ok {
		return v
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// Float64s views b as little-endian []float64.
func Float64s(b []byte) []float64 {
	if v, ok := viewLE[float64](b); ok {
		return v
	}
	out := make([]float64, len(b)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}
