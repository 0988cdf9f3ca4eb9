package h5file

import (
	"fmt"
)

// Datatype classes (spec IV.A.2.d).
const (
	ClassFixed     = 0
	ClassFloat     = 1
	ClassTime      = 2
	ClassString    = 3
	ClassBitfield  = 4
	ClassOpaque    = 5
	ClassCompound  = 6
	ClassReference = 7
	ClassEnum      = 8
	ClassVlen      = 9
	ClassArray     = 10
)

// Datatype is a decoded datatype message.
type Datatype struct {
	Class     int
	Size      int  // bytes per element
	BigEndian bool // fixed/float
	Signed    bool // fixed
	// Strings: Padding 0 null-terminated, 1 null-padded, 2 space-padded; CharSet 0 ASCII, 1 UTF-8.
	Padding, CharSet int
	VlenString       bool      // vlen: a string rather than a sequence
	RefType          int       // reference: 0 object, 1 region
	Base             *Datatype // vlen, array, enum base type
	ArrayDims        []int
	Members          []Member // compound
	Precision        int      // fixed/float: bits of precision
	BitOffset        int
}

// Member is one field of a compound type.
type Member struct {
	Name   string
	Offset int
	Type   *Datatype
}

func parseDatatype(b []byte, depth int) (*Datatype, int, error) {
	if depth > 16 {
		return nil, 0, fmt.Errorf("datatype nested more than 16 deep: %w", ErrFormat)
	}
	c := &cursor{b: b}
	cv := c.u8()
	class, version := int(cv&0x0f), int(cv>>4)
	bits := c.uint(3)
	size := c.u32()
	if c.err != nil {
		return nil, 0, fmt.Errorf("datatype: %w", c.err)
	}
	if size > 1<<24 {
		return nil, 0, fmt.Errorf("datatype size %d: %w", size, ErrFormat)
	}
	t := &Datatype{Class: class, Size: int(size)}
	switch class {
	case ClassFixed, ClassBitfield:
		t.BigEndian = bits&1 != 0
		t.Signed = bits&8 != 0
		t.BitOffset = int(c.u16())
		t.Precision = int(c.u16())
	case ClassFloat:
		t.BigEndian = bits&1 != 0
		if bits&0x40 != 0 {
			return nil, 0, fmt.Errorf("VAX float order: %w", ErrUnsupported)
		}
		t.BitOffset = int(c.u16())
		t.Precision = int(c.u16())
		c.skip(8)
	case ClassTime:
		t.BigEndian = bits&1 != 0
		c.skip(2)
	case ClassString:
		t.Padding = int(bits & 0x0f)
		t.CharSet = int(bits>>4) & 0x0f
	case ClassOpaque:
		n := int(bits & 0xff)
		c.skip(n)
	case ClassReference:
		t.RefType = int(bits & 0x0f)
	case ClassVlen:
		t.VlenString = bits&0x0f == 1
		t.Padding = int(bits>>4) & 0x0f
		t.CharSet = int(bits>>8) & 0x0f
		base, n, err := parseDatatype(c.b[min(c.p, len(c.b)):], depth+1)
		if err != nil {
			return nil, 0, err
		}
		c.skip(n)
		t.Base = base
	case ClassEnum:
		nm := int(bits & 0xffff)
		base, n, err := parseDatatype(c.b[min(c.p, len(c.b)):], depth+1)
		if err != nil {
			return nil, 0, err
		}
		c.skip(n)
		t.Base = base
		if nm > c.left() {
			return nil, 0, fmt.Errorf("enum of %d members: %w", nm, ErrFormat)
		}
		for i := 0; i < nm; i++ {
			readName(c, version < 3)
		}
		c.skip(nm * base.Size)
	case ClassArray:
		rank := int(c.u8())
		if rank > maxRank {
			return nil, 0, fmt.Errorf("array type rank %d: %w", rank, ErrFormat)
		}
		if version < 3 {
			c.skip(3)
		}
		for i := 0; i < rank; i++ {
			t.ArrayDims = append(t.ArrayDims, int(c.u32()))
		}
		if version < 3 {
			c.skip(4 * rank)
		}
		base, n, err := parseDatatype(c.b[min(c.p, len(c.b)):], depth+1)
		if err != nil {
			return nil, 0, err
		}
		c.skip(n)
		t.Base = base
	case ClassCompound:
		nm := int(bits & 0xffff)
		if nm > c.left() {
			return nil, 0, fmt.Errorf("compound of %d members: %w", nm, ErrFormat)
		}
		for i := 0; i < nm; i++ {
			name := readName(c, version < 3)
			var off int
			switch {
			case version == 1:
				off = int(c.u32())
				c.skip(1 + 3 + 4 + 4 + 16) // dimensionality, reserved, permutation, reserved, dims
			case version == 2:
				off = int(c.u32())
			default:
				off = int(c.uint(byteLen(uint64(size))))
			}
			if c.err != nil {
				return nil, 0, fmt.Errorf("compound member %d: %w", i, c.err)
			}
			mt, n, err := parseDatatype(c.b[c.p:], depth+1)
			if err != nil {
				return nil, 0, err
			}
			c.skip(n)
			if off < 0 || off+mt.Size > int(size) {
				return nil, 0, fmt.Errorf("compound member %q at %d+%d beyond size %d: %w", name, off, mt.Size, size, ErrFormat)
			}
			t.Members = append(t.Members, Member{Name: name, Offset: off, Type: mt})
		}
	default:
		return nil, 0, fmt.Errorf("datatype class %d: %w", class, ErrUnsupported)
	}
	if c.err != nil {
		return nil, 0, fmt.Errorf("datatype class %d: %w", class, c.err)
	}
	return t, c.p, nil
}

// readName reads a null-terminated name, padded to a multiple of 8 bytes when pad8.
func readName(c *cursor, pad8 bool) string {
	start := c.p
	for c.p < len(c.b) && c.b[c.p] != 0 {
		c.p++
	}
	if c.p >= len(c.b) {
		c.fail()
		return ""
	}
	name := string(c.b[start:c.p])
	c.p++
	if pad8 {
		n := c.p - start
		c.skip((8 - n%8) % 8)
	}
	return name
}

// byteLen is the number of bytes needed to encode values up to v (at least 1).
func byteLen(v uint64) int {
	n := 1
	for v > 0xff {
		v >>= 8
		n++
	}
	return n
}

// Dataspace is a decoded dataspace message. MaxDims entries of -1 mean unlimited.
type Dataspace struct {
	Null    bool
	Dims    []uint64
	MaxDims []int64
}

func (s Dataspace) scalar() bool { return !s.Null && len(s.Dims) == 0 }

// NumElements is the product of Dims (1 for scalar, 0 for null).
func (s Dataspace) NumElements() uint64 {
	if s.Null {
		return 0
	}
	n := uint64(1)
	for _, d := range s.Dims {
		if d != 0 && n > (1<<62)/d {
			return 1 << 62
		}
		n *= d
	}
	return n
}

func (f *File) parseDataspace(b []byte) (Dataspace, error) {
	c := &cursor{b: b}
	version := c.u8()
	rank := int(c.u8())
	flags := c.u8()
	var s Dataspace
	switch version {
	case 1:
		c.skip(5)
	case 2:
		typ := c.u8()
		if typ == 2 {
			s.Null = true
		}
	default:
		return s, fmt.Errorf("dataspace version %d: %w", version, ErrFormat)
	}
	if rank > maxRank {
		return s, fmt.Errorf("dataspace rank %d: %w", rank, ErrFormat)
	}
	for i := 0; i < rank; i++ {
		s.Dims = append(s.Dims, c.uint(f.SizeLengths))
	}
	if flags&1 != 0 {
		for i := 0; i < rank; i++ {
			m := c.uint(f.SizeLengths)
			if m == undef(f.SizeLengths) {
				s.MaxDims = append(s.MaxDims, -1)
			} else {
				s.MaxDims = append(s.MaxDims, int64(m))
			}
		}
	}
	if c.err != nil {
		return s, fmt.Errorf("dataspace: %w", c.err)
	}
	for _, d := range s.Dims {
		if d > 1<<53 {
			return s, fmt.Errorf("dataspace dimension %d: %w", d, ErrFormat)
		}
	}
	return s, nil
}
