package h5type

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MaxItemSize bounds the item size of any fixed-size type (and of the fixed
// part of a variable-length one), so that a type read from untrusted JSON
// cannot ask for a giant allocation.
const MaxItemSize = 64 << 20

// MaxStringLength bounds the length of a fixed-length string type standing alone (HSDS accepts
// any; inside compounds and arrays MaxItemSize still applies). Values are bounded where they
// are expanded: by max_request_size for attributes and requests, by the chunk size limit for
// datasets (hdf.OpenDataset).
const MaxStringLength = 1 << 30

// maxDepth bounds the nesting of compound/array/vlen/enum types.
const maxDepth = 32

// Reference base names.
const (
	RefObj     = "H5T_STD_REF_OBJ"
	RefDsetReg = "H5T_STD_REF_DSETREG"
)

// Parse parses an HSDS type description: a predefined-name JSON string or an
// object of any class. A committed type id ("t-...") yields an error matching
// ErrCommittedType. Other problems yield errors matching ErrInvalidType that
// name the offending key.
func Parse(raw json.RawMessage) (*Type, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: empty type", ErrInvalidType)
	}
	return parseAt(raw, 0, true)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidType}, args...)...)
}

func parseAt(raw json.RawMessage, depth int, top bool) (*Type, error) {
	if depth > maxDepth {
		return nil, invalid("types nested deeper than %d", maxDepth)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, invalid("empty type")
	}
	switch raw[0] {
	case '"':
		var name string
		if err := json.Unmarshal(raw, &name); err != nil {
			return nil, invalid("type string: %v", err)
		}
		t, err := parseName(name)
		if err != nil {
			return nil, err
		}
		t.asString = !top
		return t, nil
	case '{':
		return parseObject(raw, depth)
	default:
		return nil, invalid("type must be a string or an object, got %.40s", raw)
	}
}

// parseName parses a predefined type name or a committed type id.
func parseName(name string) (*Type, error) {
	if strings.HasPrefix(name, "t-") {
		return nil, &CommittedTypeError{ID: name}
	}
	switch name {
	case RefObj, RefDsetReg:
		return &Type{class: ClassReference, size: RefSize, base: name}, nil
	}
	cls, bits, order, err := splitPredefined(name)
	if err != nil {
		return nil, err
	}
	t := &Type{class: cls, size: bits / 8, order: order, signed: cls == ClassFloat}
	prefix := name
	if strings.HasSuffix(name, "LE") || strings.HasSuffix(name, "BE") {
		prefix = name[:len(name)-2]
	}
	if strings.HasPrefix(prefix, "H5T_STD_I") {
		t.signed = true
	}
	if order == binary.ByteOrder(binary.BigEndian) {
		t.base = prefix + "BE"
	} else {
		t.base = prefix + "LE"
	}
	return t, nil
}

// splitPredefined decodes H5T_STD_{I,U}<bits>{LE,BE} and H5T_IEEE_F<bits>{LE,BE}.
// A missing suffix means little endian, as HSDS's getNumpyTypename does.
func splitPredefined(name string) (Class, int, binary.ByteOrder, error) {
	var order binary.ByteOrder = binary.LittleEndian
	s := name
	switch {
	case strings.HasSuffix(s, "LE"):
		s = s[:len(s)-2]
	case strings.HasSuffix(s, "BE"):
		s = s[:len(s)-2]
		order = binary.BigEndian
	}
	var cls Class
	var num string
	switch {
	case strings.HasPrefix(s, "H5T_STD_I"):
		cls, num = ClassInteger, s[len("H5T_STD_I"):]
	case strings.HasPrefix(s, "H5T_STD_U"):
		cls, num = ClassInteger, s[len("H5T_STD_U"):]
	case strings.HasPrefix(s, "H5T_IEEE_F"):
		cls, num = ClassFloat, s[len("H5T_IEEE_F"):]
	default:
		return 0, 0, nil, invalid("unknown predefined type name %q", name)
	}
	bits, err := strconv.Atoi(num)
	ok := err == nil && (bits == 16 || bits == 32 || bits == 64 || (bits == 8 && cls == ClassInteger))
	if !ok || num[0] == '0' || num[0] == '+' {
		return 0, 0, nil, invalid("unsupported size in predefined type name %q", name)
	}
	return cls, bits, order, nil
}

// known keys per class; anything else is kept in extra.
var knownKeys = map[string]bool{"class": true, "id": true, "base": true, "charSet": true,
	"strPad": true, "length": true, "fields": true, "dims": true, "mapping": true, "size": true}

func parseObject(raw json.RawMessage, depth int) (*Type, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, invalid("type object: %v", err)
	}
	clsRaw, ok := obj["class"]
	if !ok {
		return nil, invalid("type object has no \"class\"")
	}
	var cls string
	if err := json.Unmarshal(clsRaw, &cls); err != nil {
		return nil, invalid("\"class\" must be a string")
	}
	if _, ok := obj["dims"]; ok && cls != "H5T_ARRAY" {
		return nil, invalid("\"dims\" is only allowed on H5T_ARRAY types, not %s", cls)
	}
	var (
		t   *Type
		err error
	)
	switch cls {
	case "H5T_INTEGER", "H5T_FLOAT":
		t, err = parseNumeric(cls, obj)
	case "H5T_STRING":
		t, err = parseString(obj)
	case "H5T_COMPOUND":
		t, err = parseCompound(obj, depth)
	case "H5T_ARRAY":
		t, err = parseArray(obj, depth)
	case "H5T_ENUM":
		t, err = parseEnum(obj, depth)
	case "H5T_OPAQUE":
		t, err = parseOpaque(obj)
	case "H5T_VLEN":
		t, err = parseVlen(obj, depth)
	case "H5T_REFERENCE":
		t, err = parseReference(obj)
	default:
		return nil, invalid("unknown type class %q", cls)
	}
	if err != nil {
		return nil, err
	}
	if idRaw, ok := obj["id"]; ok {
		if err := json.Unmarshal(idRaw, &t.id); err != nil {
			return nil, invalid("%s \"id\" must be a string", cls)
		}
	}
	for k, v := range obj {
		if !knownKeys[k] {
			if t.extra == nil {
				t.extra = make(map[string]json.RawMessage)
			}
			t.extra[k] = v
		}
	}
	return t, nil
}

func stringKey(obj map[string]json.RawMessage, cls, key string) (string, error) {
	raw, ok := obj[key]
	if !ok {
		return "", invalid("%s type has no %q", cls, key)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", invalid("%s %q must be a string, got %.40s", cls, key, raw)
	}
	return s, nil
}

// intKey reads a non-negative integer (or an integral float) key, at most MaxItemSize.
func intKey(raw json.RawMessage, cls, key string) (int, error) {
	return intKeyMax(raw, cls, key, MaxItemSize)
}

// intKeyMax is intKey with the bound limit.
func intKeyMax(raw json.RawMessage, cls, key string, limit int) (int, error) {
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f != math.Trunc(f) || f < 0 || f > float64(limit) {
		return 0, invalid("%s %q must be an integer in [0, %d], got %.40s", cls, key, limit, raw)
	}
	return int(f), nil
}
