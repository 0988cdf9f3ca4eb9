package ops

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// RawType is the element type of raw chunk bytes.
type RawType struct {
	// Class is 'i' (signed integer), 'u' (unsigned integer) or 'f' (IEEE
	// float).
	Class byte
	// Size is the element size in bytes: 1, 2, 4 or 8 (floats: 4 or 8).
	Size int
	// BigEndian selects big-endian byte order.
	BigEndian bool
}

// String returns the numpy-style spelling, e.g. "<i2".
func (t RawType) String() string {
	o := "<"
	if t.BigEndian {
		o = ">"
	}
	return fmt.Sprintf("%s%c%d", o, t.Class, t.Size)
}

func (t RawType) valid() bool {
	switch t.Class {
	case 'i', 'u':
		return t.Size == 1 || t.Size == 2 || t.Size == 4 || t.Size == 8
	case 'f':
		return t.Size == 4 || t.Size == 8
	}
	return false
}

// ParseRawType parses numpy-style ("<i2", ">f4", "|u1", "i8"), Go-style
// ("int16", "float32"; little endian) and HDF5 predefined names
// ("H5T_STD_I16LE", "H5T_IEEE_F32BE").
func ParseRawType(s string) (RawType, error) {
	in := strings.TrimSpace(s)
	u := strings.ToUpper(in)
	var t RawType
	switch {
	case strings.HasPrefix(u, "H5T_STD_") || strings.HasPrefix(u, "H5T_IEEE_"):
		body := strings.TrimPrefix(strings.TrimPrefix(u, "H5T_STD_"), "H5T_IEEE_")
		if len(body) < 4 {
			return RawType{}, fmt.Errorf("unsupported raw type %q", s)
		}
		switch body[0] {
		case 'I':
			t.Class = 'i'
		case 'U':
			t.Class = 'u'
		case 'F':
			t.Class = 'f'
		default:
			return RawType{}, fmt.Errorf("unsupported raw type %q", s)
		}
		switch body[len(body)-2:] {
		case "LE":
		case "BE":
			t.BigEndian = true
		default:
			return RawType{}, fmt.Errorf("unsupported raw type %q", s)
		}
		bits := body[1 : len(body)-2]
		switch bits {
		case "8", "16", "32", "64":
			t.Size = map[string]int{"8": 1, "16": 2, "32": 4, "64": 8}[bits]
		default:
			return RawType{}, fmt.Errorf("unsupported raw type %q", s)
		}
	case len(in) >= 2 && strings.ContainsRune("<>|=", rune(in[0])) || len(in) == 2:
		if strings.ContainsRune("<>|=", rune(in[0])) {
			t.BigEndian = in[0] == '>'
			in = in[1:]
		}
		if len(in) != 2 || in[1] < '1' || in[1] > '8' {
			return RawType{}, fmt.Errorf("unsupported raw type %q", s)
		}
		t.Class, t.Size = in[0], int(in[1]-'0')
	default:
		names := map[string]RawType{
			"int8": {'i', 1, false}, "int16": {'i', 2, false}, "int32": {'i', 4, false}, "int64": {'i', 8, false},
			"uint8": {'u', 1, false}, "uint16": {'u', 2, false}, "uint32": {'u', 4, false}, "uint64": {'u', 8, false},
			"float32": {'f', 4, false}, "float64": {'f', 8, false},
		}
		var ok bool
		if t, ok = names[strings.ToLower(in)]; !ok {
			return RawType{}, fmt.Errorf("unsupported raw type %q", s)
		}
	}
	if !t.valid() {
		return RawType{}, fmt.Errorf("unsupported raw type %q", s)
	}
	return t, nil
}

// rawBatch is the number of elements converted per step of DecodeBytes.
const rawBatch = 2048

// DecodeBytes CF-decodes raw element bytes of type t into
// dst[:len(src)/t.Size] (see Decode). len(src) must be a multiple of the
// element size and dst long enough.
func DecodeBytes(dst []float64, src []byte, t RawType, cf *CF) error {
	if !t.valid() {
		return fmt.Errorf("cf decode bytes: unsupported raw type %+v", t)
	}
	if len(src)%t.Size != 0 {
		return fmt.Errorf("cf decode bytes: %d bytes is not a multiple of the %d-byte %s element", len(src), t.Size, t)
	}
	n := len(src) / t.Size
	if len(dst) < n {
		return fmt.Errorf("cf decode bytes: destination holds %d values, source has %d", len(dst), n)
	}
	for start := 0; start < n; start += rawBatch {
		k := min(rawBatch, n-start)
		b := src[start*t.Size : (start+k)*t.Size]
		d := dst[start : start+k]
		var err error
		switch {
		case t.Class == 'i' && t.Size == 1:
			var v [rawBatch]int8
			for i := range d {
				v[i] = int8(b[i])
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'u' && t.Size == 1:
			var v [rawBatch]uint8
			for i := range d {
				v[i] = b[i]
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'i' && t.Size == 2 && !t.BigEndian:
			var v [rawBatch]int16
			for i := range d {
				v[i] = int16(binary.LittleEndian.Uint16(b[i*2:]))
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'i' && t.Size == 2 && t.BigEndian:
			var v [rawBatch]int16
			for i := range d {
				v[i] = int16(binary.BigEndian.Uint16(b[i*2:]))
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'u' && t.Size == 2 && !t.BigEndian:
			var v [rawBatch]uint16
			for i := range d {
				v[i] = binary.LittleEndian.Uint16(b[i*2:])
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'u' && t.Size == 2 && t.BigEndian:
			var v [rawBatch]uint16
			for i := range d {
				v[i] = binary.BigEndian.Uint16(b[i*2:])
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'i' && t.Size == 4 && !t.BigEndian:
			var v [rawBatch]int32
			for i := range d {
				v[i] = int32(binary.LittleEndian.Uint32(b[i*4:]))
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'i' && t.Size == 4 && t.BigEndian:
			var v [rawBatch]int32
			for i := range d {
				v[i] = int32(binary.BigEndian.Uint32(b[i*4:]))
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'u' && t.Size == 4 && !t.BigEndian:
			var v [rawBatch]uint32
			for i := range d {
				v[i] = binary.LittleEndian.Uint32(b[i*4:])
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'u' && t.Size == 4 && t.BigEndian:
			var v [rawBatch]uint32
			for i := range d {
				v[i] = binary.BigEndian.Uint32(b[i*4:])
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'i' && t.Size == 8 && !t.BigEndian:
			var v [rawBatch]int64
			for i := range d {
				v[i] = int64(binary.LittleEndian.Uint64(b[i*8:]))
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'i' && t.Size == 8 && t.BigEndian:
			var v [rawBatch]int64
			for i := range d {
				v[i] = int64(binary.BigEndian.Uint64(b[i*8:]))
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'u' && t.Size == 8 && !t.BigEndian:
			var v [rawBatch]uint64
			for i := range d {
				v[i] = binary.LittleEndian.Uint64(b[i*8:])
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'u' && t.Size == 8 && t.BigEndian:
			var v [rawBatch]uint64
			for i := range d {
				v[i] = binary.BigEndian.Uint64(b[i*8:])
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'f' && t.Size == 4 && !t.BigEndian:
			var v [rawBatch]float32
			for i := range d {
				v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[i*4:]))
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'f' && t.Size == 4 && t.BigEndian:
			var v [rawBatch]float32
			for i := range d {
				v[i] = math.Float32frombits(binary.BigEndian.Uint32(b[i*4:]))
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'f' && t.Size == 8 && !t.BigEndian:
			var v [rawBatch]float64
			for i := range d {
				v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[i*8:]))
			}
			err = Decode(d, v[:k], cf)
		case t.Class == 'f' && t.Size == 8 && t.BigEndian:
			var v [rawBatch]float64
			for i := range d {
				v[i] = math.Float64frombits(binary.BigEndian.Uint64(b[i*8:]))
			}
			err = Decode(d, v[:k], cf)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
