package interop

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The HDF5 types of the matrix and their deterministic values. Every value is generated twice
// over: as the bytes HSDS stores and serves in binary (hsds-format.md 1.8: packed compounds,
// the type's byte order, vlen pieces as an int32 LE byte count then the bytes) and as the JSON
// value HSDS serves for it. Both come from the definitions here, not from hsfan's h5type.

type kind int

const (
	kInt kind = iota
	kFloat
	kFString // fixed-length string
	kVString // variable-length string
	kCompound
	kEnum
	kArray
)

// dtype is one HDF5 type of the matrix.
type dtype struct {
	name   string
	kind   kind
	size   int // bytes of an int or float; length of a fixed string
	signed bool
	be     bool
	utf8   bool
	fields []field  // compound
	base   *dtype   // enum and array base
	enum   [][2]any // enum members: name, value
	dims   []int    // array dims
	asName bool     // send the predefined name string instead of the type object
}

type field struct {
	name string
	t    *dtype
}

func intT(bits int, signed, be bool) *dtype {
	p, o := "u", "le"
	if signed {
		p = "i"
	}
	if be {
		o = "be"
	}
	return &dtype{name: fmt.Sprintf("%s%d%s", p, bits, o), kind: kInt, size: bits / 8, signed: signed, be: be}
}

func floatT(bits int, be bool) *dtype {
	o := "le"
	if be {
		o = "be"
	}
	return &dtype{name: fmt.Sprintf("f%d%s", bits, o), kind: kFloat, size: bits / 8, be: be}
}

var (
	tI8     = intT(8, true, false)
	tU8     = intT(8, false, false)
	tI16    = intT(16, true, false)
	tI16BE  = intT(16, true, true)
	tU16BE  = intT(16, false, true)
	tI32    = intT(32, true, false)
	tI32BE  = intT(32, true, true)
	tU64    = intT(64, false, false)
	tU64BE  = intT(64, false, true)
	tF16    = floatT(16, false)
	tF32    = floatT(32, false)
	tF32BE  = floatT(32, true)
	tF64    = floatT(64, false)
	tF64BE  = floatT(64, true)
	tFStr   = &dtype{name: "fstr7", kind: kFString, size: 7}
	tFStrU  = &dtype{name: "fstr9utf8", kind: kFString, size: 9, utf8: true}
	tVStr   = &dtype{name: "vstr", kind: kVString, utf8: true}
	tVStrA  = &dtype{name: "vstrascii", kind: kVString}
	tCmpd   = &dtype{name: "cmpd", kind: kCompound, fields: []field{{"a", tI16}, {"b", tF32}, {"s", &dtype{kind: kFString, size: 3}}}}
	tNested = &dtype{name: "cmpdnested", kind: kCompound, fields: []field{
		{"x", tI32BE},
		{"inner", &dtype{kind: kCompound, fields: []field{{"c", tU8}, {"d", tF64}, {"name", &dtype{kind: kFString, size: 5, utf8: true}}}}},
		{"tail", tU16BE},
	}}
	tCmpdV = &dtype{name: "cmpdvlen", kind: kCompound, fields: []field{{"id", tI32}, {"label", tVStr}}}
	tEnum  = &dtype{name: "enum", kind: kEnum, base: tI16, enum: [][2]any{{"RED", 0}, {"GREEN", 1}, {"BLUE", 2}, {"NEG", -7}, {"BIG", 30000}}}
	tBool  = &dtype{name: "bool", kind: kEnum, base: tI8, enum: [][2]any{{"FALSE", 0}, {"TRUE", 1}}}
	// Arrays are fields of compounds: HSDS 0.9.4 cannot write datasets whose element type is an
	// H5T_ARRAY itself (numpy turns the subarray into extra dimensions: a binary PUT answers 400
	// "cannot reshape array of size 252 into shape (7,9)", a JSON PUT "input data doesn't match
	// selection"); its own tests use arrays inside compounds (value_test.py
	// testCreateArrayDataset), as here.
	tArr  = &dtype{name: "arrf32be", kind: kCompound, fields: []field{{"m", &dtype{kind: kArray, base: tF32BE, dims: []int{2, 3}}}, {"k", tI8}}}
	tArrI = &dtype{name: "arri64", kind: kCompound, fields: []field{{"temp", &dtype{kind: kArray, base: intT(64, true, false), dims: []int{5}}}, {"pressure", tF16}}}
)

// allTypes is every type of the matrix: all integer sizes signed and unsigned in both byte
// orders, float16/32/64 in both orders, fixed and variable strings, compounds (nested, with
// strings, with a vlen string), enums (incl. numpy's bool) and arrays (as compound fields).
func allTypes() []*dtype {
	var ts []*dtype
	for _, bits := range []int{8, 16, 32, 64} {
		for _, signed := range []bool{true, false} {
			for _, be := range []bool{false, true} {
				ts = append(ts, intT(bits, signed, be))
			}
		}
	}
	for _, bits := range []int{16, 32, 64} {
		for _, be := range []bool{false, true} {
			ts = append(ts, floatT(bits, be))
		}
	}
	return append(ts, tFStr, tFStrU, tVStr, tVStrA, tCmpd, tNested, tCmpdV, tEnum, tBool, tArr, tArrI)
}

func (d *dtype) isFloat() bool { return d.kind == kFloat }

// isBool reports numpy's bool: the enum {FALSE: 0, TRUE: 1} over an 8-bit integer
// (hsds-format.md 1.8).
func (d *dtype) isBool() bool { return d.kind == kEnum && d.base.size == 1 && len(d.enum) == 2 }

// variable reports whether elements have variable length.
func (d *dtype) variable() bool {
	switch d.kind {
	case kVString:
		return true
	case kCompound:
		for _, f := range d.fields {
			if f.t.variable() {
				return true
			}
		}
	}
	return false
}

// itemSize is the element size in bytes (-1 for variable length).
func (d *dtype) itemSize() int {
	switch d.kind {
	case kInt, kFloat, kFString:
		return d.size
	case kVString:
		return -1
	case kEnum:
		return d.base.size
	case kArray:
		n := d.base.itemSize()
		for _, x := range d.dims {
			n *= x
		}
		return n
	}
	n := 0
	for _, f := range d.fields {
		s := f.t.itemSize()
		if s < 0 {
			return -1
		}
		n += s
	}
	return n
}

// predefined is the HDF5 name of an int or float type.
func (d *dtype) predefined() string {
	o := "LE"
	if d.be {
		o = "BE"
	}
	if d.kind == kFloat {
		return fmt.Sprintf("H5T_IEEE_F%d%s", 8*d.size, o)
	}
	s := "U"
	if d.signed {
		s = "I"
	}
	return fmt.Sprintf("H5T_STD_%s%d%s", s, 8*d.size, o)
}

// typeJSON is the type as a request sends it (HSDS's JSON, hsds-format.md 1.8).
func (d *dtype) typeJSON() any {
	cs := "H5T_CSET_ASCII"
	if d.utf8 {
		cs = "H5T_CSET_UTF8"
	}
	switch d.kind {
	case kInt:
		if d.asName {
			return d.predefined()
		}
		return map[string]any{"class": "H5T_INTEGER", "base": d.predefined()}
	case kFloat:
		if d.asName {
			return d.predefined()
		}
		return map[string]any{"class": "H5T_FLOAT", "base": d.predefined()}
	case kFString:
		return map[string]any{"class": "H5T_STRING", "charSet": cs, "strPad": "H5T_STR_NULLPAD", "length": d.size}
	case kVString:
		return map[string]any{"class": "H5T_STRING", "charSet": cs, "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}
	case kEnum:
		m := map[string]any{}
		for _, e := range d.enum {
			m[e[0].(string)] = e[1]
		}
		return map[string]any{"class": "H5T_ENUM", "base": d.base.typeJSON(), "mapping": m}
	case kArray:
		return map[string]any{"class": "H5T_ARRAY", "dims": d.dims, "base": d.base.typeJSON()}
	}
	fs := make([]any, len(d.fields))
	for i, f := range d.fields {
		fs[i] = map[string]any{"name": f.name, "type": f.t.typeJSON()}
	}
	return map[string]any{"class": "H5T_COMPOUND", "fields": fs}
}

func (d *dtype) typeRaw() json.RawMessage {
	b, err := json.Marshal(d.typeJSON())
	if err != nil {
		panic(err)
	}
	return b
}

// order is the byte order of ints and floats.
func (d *dtype) order() binary.ByteOrder {
	if d.be {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// mix is splitmix64: the deterministic hash behind every generated value.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// value returns element i of a dataset with seed: its bytes and its JSON value (json.Number
// for integers, float64 for floats, string, []any for compounds and arrays). The first
// elements are the type's edge values.
func (d *dtype) value(seed uint64, i int) ([]byte, any) {
	h := mix(seed ^ mix(uint64(i)+1))
	switch d.kind {
	case kInt:
		return d.intValue(i, h)
	case kFloat:
		return d.floatValue(i, h)
	case kFString:
		s := d.stringValue(i, h)
		for len(s) > d.size { // cut whole characters only: the text must stay valid UTF-8
			_, n := utf8.DecodeLastRuneInString(s)
			s = s[:len(s)-n]
		}
		b := make([]byte, d.size)
		copy(b, s)
		return b, s
	case kVString:
		s := d.stringValue(i, h)
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(s)))
		return append(b, s...), s
	case kEnum:
		e := d.enum[(i+int(h%3))%len(d.enum)]
		n := e[1].(int)
		b := make([]byte, d.base.size)
		putInt(b, uint64(int64(n)), d.base.order())
		if d.isBool() {
			return b, n == 1 // numpy's bool: HSDS serves JSON booleans
		}
		return b, json.Number(strconv.Itoa(n))
	case kArray:
		n := 1
		for _, x := range d.dims {
			n *= x
		}
		var b []byte
		flat := make([]any, n)
		for j := range flat {
			eb, ev := d.base.value(seed^0xa11a, i*n+j)
			b = append(b, eb...)
			flat[j] = ev
		}
		return b, nest(flat, d.dims)
	}
	var b []byte
	vals := make([]any, len(d.fields))
	for k, f := range d.fields {
		fb, fv := f.t.value(mix(seed+uint64(k)*0x51), i)
		b = append(b, fb...)
		vals[k] = fv
	}
	return b, vals
}

func putInt(b []byte, u uint64, o binary.ByteOrder) {
	switch len(b) {
	case 1:
		b[0] = byte(u)
	case 2:
		o.PutUint16(b, uint16(u))
	case 4:
		o.PutUint32(b, uint32(u))
	case 8:
		o.PutUint64(b, u)
	}
}

func (d *dtype) intValue(i int, h uint64) ([]byte, any) {
	bits := 8 * d.size
	var edges []uint64
	if d.signed {
		lo := uint64(1) << (bits - 1)                                  // bit pattern of the minimum
		edges = []uint64{lo, lo - 1, 0, ^uint64(0), 1, lo + 1, lo - 2} // min, max, 0, -1, 1, min+1, max-1
	} else {
		mx := ^uint64(0) >> (64 - bits)
		edges = []uint64{0, mx, 1, mx - 1, mx>>1 + 1, mx >> 1}
	}
	u := h
	if i < len(edges) {
		u = edges[i]
	}
	if bits < 64 {
		u &= (uint64(1) << bits) - 1
	}
	b := make([]byte, d.size)
	putInt(b, u, d.order())
	if d.signed {
		v := int64(u<<(64-bits)) >> (64 - bits) // sign-extend
		return b, json.Number(strconv.FormatInt(v, 10))
	}
	return b, json.Number(strconv.FormatUint(u, 10))
}

// Edge bit patterns of the float types: NaN, -0.0, +Inf, -Inf, the smallest and the largest
// subnormal, the smallest normal, the largest finite, its negative, 1, -1.5 and 0.1.
var (
	f16Edges = []uint64{0x7e00, 0x8000, 0x7c00, 0xfc00, 0x0001, 0x03ff, 0x0400, 0x7bff, 0xfbff, 0x3c00, 0xbe00, 0x2e66}
	f32Edges = []uint64{0x7fc00000, 0x80000000, 0x7f800000, 0xff800000, 0x00000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0xff7fffff,
		0x3f800000, 0xbfc00000, uint64(math.Float32bits(0.1))}
	f64Edges = []uint64{0x7ff8000000000000, 1 << 63, 0x7ff0000000000000, 0xfff0000000000000, 1, 0x000fffffffffffff, 0x0010000000000000,
		0x7fefffffffffffff, 0xffefffffffffffff, math.Float64bits(1), math.Float64bits(-1.5), math.Float64bits(0.1)}
)

func (d *dtype) floatValue(i int, h uint64) ([]byte, any) {
	// A random finite value with a spread of magnitudes.
	x := (float64(h>>11)/(1<<53)*2 - 1) * math.Pow(10, float64(int(h%7))-3)
	b := make([]byte, d.size)
	switch d.size {
	case 2:
		bits := uint64(f16FromFloat(x))
		if i < len(f16Edges) {
			bits = f16Edges[i]
		}
		d.order().PutUint16(b, uint16(bits))
		return b, f16ToFloat(uint16(bits))
	case 4:
		bits := uint64(math.Float32bits(float32(x)))
		if i < len(f32Edges) {
			bits = f32Edges[i]
		}
		d.order().PutUint32(b, uint32(bits))
		return b, float64(math.Float32frombits(uint32(bits)))
	}
	bits := math.Float64bits(x)
	if i < len(f64Edges) {
		bits = f64Edges[i]
	}
	d.order().PutUint64(b, bits)
	return b, math.Float64frombits(bits)
}

// f16ToFloat converts IEEE half-precision bits (written here, independent of hsfan's h5type).
func f16ToFloat(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * frac * math.Pow(2, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	}
	return sign * (1 + frac/1024) * math.Pow(2, float64(exp-15))
}

// f16FromFloat rounds a value well inside the half range (|x| < 1000) to half bits, nearest
// even.
func f16FromFloat(x float64) uint16 {
	var sign uint16
	if math.Signbit(x) {
		sign, x = 0x8000, -x
	}
	if x < math.Pow(2, -14) { // subnormal: units of 2^-24
		return sign | uint16(math.RoundToEven(x*math.Pow(2, 24)))
	}
	e := math.Floor(math.Log2(x))
	m := math.RoundToEven((x/math.Pow(2, e) - 1) * 1024)
	if m == 1024 {
		m, e = 0, e+1
	}
	return sign | uint16(int(e)+15)<<10 | uint16(m)
}

// stringValue is the text of element i: edge strings first (empty, one character, full length,
// non-ASCII for UTF-8 types), then words.
func (d *dtype) stringValue(i int, h uint64) string {
	var edges []string
	if d.kind == kFString {
		edges = []string{"", "a", strings.Repeat("z", d.size), "a b\tc"}
		if d.utf8 {
			edges = append(edges, "héllo", "日本")
		}
	} else {
		edges = []string{"", "a", "a b\tc", strings.Repeat("long", 80)}
		if d.utf8 {
			edges = append(edges, "héllo", "日本語のテキスト", "emoji 🙂")
		}
	}
	if i < len(edges) {
		return edges[i]
	}
	n := int(h % 12)
	if d.kind == kFString {
		n = 1 + int(h%uint64(d.size))
	}
	b := make([]byte, n)
	for k := range b {
		h = mix(h)
		b[k] = 'a' + byte(h%26)
	}
	return string(b)
}

// nest shapes a flat list into nested lists of dims (a scalar for no dims).
func nest(flat []any, dims []int) any {
	if len(dims) == 0 {
		return flat[0]
	}
	if len(dims) == 1 {
		return flat
	}
	inner := 1
	for _, x := range dims[1:] {
		inner *= x
	}
	out := make([]any, dims[0])
	for k := range out {
		out[k] = nest(flat[k*inner:(k+1)*inner], dims[1:])
	}
	return out
}

// nanBits is the bit pattern numpy gives float('nan') in each float size.
func nanBytes(d *dtype) []byte {
	b := make([]byte, d.size)
	switch d.size {
	case 2:
		d.order().PutUint16(b, 0x7e00)
	case 4:
		d.order().PutUint32(b, 0x7fc00000)
	default:
		d.order().PutUint64(b, 0x7ff8000000000000)
	}
	return b
}
