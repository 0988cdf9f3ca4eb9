package h5type

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrCommittedType is matched by the error Parse returns for a committed
	// type reference "t-..."; the caller resolves it (see CommittedTypeError).
	ErrCommittedType = errors.New("committed type reference")
	// ErrInvalidType is matched by every error Parse returns for a malformed type.
	ErrInvalidType = errors.New("invalid type")
	// ErrNotUTF8 is matched when string or opaque bytes cannot be shown as JSON
	// text; callers fall back to base64.
	ErrNotUTF8 = errors.New("bytes are not valid UTF-8")
)

// CommittedTypeError is returned by Parse for a type given as the id of a
// committed datatype ("t-..."). It matches ErrCommittedType.
type CommittedTypeError struct {
	// ID is the committed type id as given, e.g. "t-0a1b...".
	ID string
}

// Error implements error.
func (e *CommittedTypeError) Error() string {
	return fmt.Sprintf("type %q is a committed type reference, resolve it first", e.ID)
}

// Is reports whether target is ErrCommittedType.
func (e *CommittedTypeError) Is(target error) bool { return target == ErrCommittedType }

// MaxVlenElement is the largest byte count HSDS allows for one
// variable-length piece (arrayUtil.MAX_VLEN_ELEMENT).
const MaxVlenElement = 1_000_000

// RefSize is the item size of H5T_REFERENCE types: a null-padded ASCII
// string such as "datasets/d-...".
const RefSize = 48

// Class is an HDF5 type class.
type Class int

// The type classes, named after their HSDS JSON "class" values.
const (
	ClassInteger   Class = iota + 1 // H5T_INTEGER
	ClassFloat                      // H5T_FLOAT
	ClassString                     // H5T_STRING
	ClassCompound                   // H5T_COMPOUND
	ClassArray                      // H5T_ARRAY
	ClassEnum                       // H5T_ENUM
	ClassOpaque                     // H5T_OPAQUE
	ClassVlen                       // H5T_VLEN
	ClassReference                  // H5T_REFERENCE
)

var classNames = map[Class]string{
	ClassInteger:   "H5T_INTEGER",
	ClassFloat:     "H5T_FLOAT",
	ClassString:    "H5T_STRING",
	ClassCompound:  "H5T_COMPOUND",
	ClassArray:     "H5T_ARRAY",
	ClassEnum:      "H5T_ENUM",
	ClassOpaque:    "H5T_OPAQUE",
	ClassVlen:      "H5T_VLEN",
	ClassReference: "H5T_REFERENCE",
}

// String returns the HSDS class name, e.g. "H5T_INTEGER".
func (c Class) String() string {
	if s, ok := classNames[c]; ok {
		return s
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// String pad and character set names used by H5T_STRING.
const (
	CharSetASCII  = "H5T_CSET_ASCII"
	CharSetUTF8   = "H5T_CSET_UTF8"
	StrPadNull    = "H5T_STR_NULLPAD"
	StrPadNullTrm = "H5T_STR_NULLTERM"
	StrPadSpace   = "H5T_STR_SPACEPAD"
	// Variable is the "length" (strings) value of variable-length types.
	Variable = "H5T_VARIABLE"
)

// Field is one member of a compound type.
type Field struct {
	// Name is the field name (ASCII).
	Name string
	// Type is the field type.
	Type *Type
	// Offset is the byte offset of the field inside a packed element, or -1
	// when a variable-length field precedes it (the offset then varies).
	Offset int
}

// EnumMember is one name/value pair of an enum mapping, in the order sent.
type EnumMember struct {
	Name  string
	Value int64
}

// Type is a parsed HDF5 datatype. It is immutable once returned by Parse or
// SubsetFields and safe for concurrent use.
type Type struct {
	class  Class
	size   int // item bytes, -1 when variable
	base   string
	order  binary.ByteOrder
	signed bool

	// strings
	length  int // fixed length, -1 variable
	charSet string
	strPad  string

	fields  []Field
	dims    []int
	elem    *Type // array, enum, vlen base
	mapping []EnumMember
	isBool  bool

	id       string                     // committed type id
	asString bool                       // given as a bare predefined name
	extra    map[string]json.RawMessage // unknown keys kept for MarshalJSON
}

// Class returns the type class.
func (t *Type) Class() Class { return t.class }

// Size returns the item size in bytes, or -1 when the type or any member is
// variable length.
func (t *Type) Size() int { return t.size }

// IsVariable reports whether elements are variable length (Size() == -1).
func (t *Type) IsVariable() bool { return t.size < 0 }

// Order returns the byte order of integer, float and enum types (and of
// arrays of them), or nil for types without one.
func (t *Type) Order() binary.ByteOrder {
	switch t.class {
	case ClassInteger, ClassFloat:
		return t.order
	case ClassEnum, ClassArray:
		return t.elem.Order()
	}
	return nil
}

// BaseName returns the predefined base name of integer, float and reference
// types ("H5T_STD_I16LE", "H5T_STD_REF_OBJ"), else "".
func (t *Type) BaseName() string { return t.base }

// Base returns the base type of arrays, enums and vlen sequences, else nil.
func (t *Type) Base() *Type { return t.elem }

// Dims returns a copy of the dimensions of an array type, else nil.
func (t *Type) Dims() []int { return append([]int(nil), t.dims...) }

// Length returns the fixed length of a string type, -1 for a variable-length
// string, 0 for other classes.
func (t *Type) Length() int { return t.length }

// CharSet returns the string character set (H5T_CSET_ASCII or H5T_CSET_UTF8).
func (t *Type) CharSet() string { return t.charSet }

// StrPad returns the string padding name.
func (t *Type) StrPad() string { return t.strPad }

// Mapping returns a copy of the enum mapping in the order sent.
func (t *Type) Mapping() []EnumMember { return append([]EnumMember(nil), t.mapping...) }

// IsBool reports whether the type is h5py's bool enum (numpy bool).
func (t *Type) IsBool() bool { return t.isBool }

// ID returns the committed type id kept in the type JSON ("id"), if any.
func (t *Type) ID() string { return t.id }

// Fields returns a copy of the fields of a compound type, else nil.
func (t *Type) Fields() []Field { return append([]Field(nil), t.fields...) }

// Field returns the named field of a compound type.
func (t *Type) Field(name string) (Field, bool) {
	for _, f := range t.fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// IsNumeric reports whether the type is an integer, float or enum (incl. bool)
// scalar that ToFloat64 accepts.
func (t *Type) IsNumeric() bool {
	return t.class == ClassInteger || t.class == ClassFloat || t.class == ClassEnum
}

// IsFloat reports whether the type is a floating-point scalar.
func (t *Type) IsFloat() bool { return t.class == ClassFloat }

// IsSigned reports whether the type is a signed integer or float (an enum
// answers for its base integer).
func (t *Type) IsSigned() bool {
	switch t.class {
	case ClassInteger:
		return t.signed
	case ClassFloat:
		return true
	case ClassEnum:
		return t.elem.signed
	}
	return false
}

// Bits returns the width in bits of numeric scalars, else 0.
func (t *Type) Bits() int {
	if t.IsNumeric() {
		return 8 * t.size
	}
	return 0
}

// String returns the canonical JSON of the type (for messages and logs).
func (t *Type) String() string {
	b, err := t.MarshalJSON()
	if err != nil {
		return t.class.String()
	}
	return string(b)
}

// Equal reports whether two types have the same layout and JSON meaning
// (ignoring committed ids and whether predefined names were sent as strings).
func (t *Type) Equal(u *Type) bool {
	if t == nil || u == nil {
		return t == u
	}
	if t.class != u.class || t.size != u.size || t.base != u.base || t.length != u.length ||
		t.charSet != u.charSet || t.strPad != u.strPad || t.isBool != u.isBool ||
		len(t.fields) != len(u.fields) || len(t.dims) != len(u.dims) || len(t.mapping) != len(u.mapping) {
		return false
	}
	for i := range t.fields {
		if t.fields[i].Name != u.fields[i].Name || !t.fields[i].Type.Equal(u.fields[i].Type) {
			return false
		}
	}
	for i := range t.dims {
		if t.dims[i] != u.dims[i] {
			return false
		}
	}
	for i := range t.mapping {
		if t.mapping[i] != u.mapping[i] {
			return false
		}
	}
	if (t.elem == nil) != (u.elem == nil) {
		return false
	}
	return t.elem == nil || t.elem.Equal(u.elem)
}
