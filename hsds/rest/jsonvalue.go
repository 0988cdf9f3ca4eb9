package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/pyjson"
)

// This file decodes the "value" of a JSON value write straight into the dataset's packed
// element bytes, without building a tree of decoded Go values: a 99 MiB body of numbers costs
// the body plus the packed data, where pyjson.DecodeValue + h5type.EncodeValue cost about 46
// times the body (a []any of json.Number strings). The result is the one EncodeValue gives.

// maxValueNesting bounds the list nesting of a JSON value (encoding/json's own limit).
const maxValueNesting = 10000

// decodeEstimate is the bytes per body byte the generic (tree) decoding of a JSON value
// costs at most, measured: a []any of json.Number holds about 46 bytes per byte of "1, 2, ...".
const decodeEstimate = 48

// splitValueField finds the top-level "value" member of a JSON object body without decoding it.
// It returns the body with that member's value replaced by null (to be decoded as the other
// fields are) and the value's text in Python's dialect. ok is false when the body is not an
// object of plainly spelled keys with exactly one "value" member; the caller then decodes the
// whole body the generic way, which also reports any syntax error.
func splitValueField(b []byte) (rest, value []byte, ok bool) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, nil, false
	}
	i = skipWS(b, i+1)
	vs, ve := -1, -1
	if i < len(b) && b[i] == '}' {
		return nil, nil, false
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, nil, false
		}
		ke := stringEnd(b, i)
		if ke < 0 {
			return nil, nil, false
		}
		key := b[i+1 : ke-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			return nil, nil, false // an escaped key might spell "value"
		}
		i = skipWS(b, ke)
		if i >= len(b) || b[i] != ':' {
			return nil, nil, false
		}
		i = skipWS(b, i+1)
		end := skipValue(b, i)
		if end < 0 {
			return nil, nil, false
		}
		if string(key) == "value" {
			if vs >= 0 {
				return nil, nil, false // a repeated key: leave the choice to the generic decoder
			}
			vs, ve = i, end
		}
		i = skipWS(b, end)
		if i >= len(b) {
			return nil, nil, false
		}
		if b[i] == '}' {
			break
		}
		if b[i] != ',' {
			return nil, nil, false
		}
		i = skipWS(b, i+1)
	}
	if vs < 0 || skipWS(b, i+1) != len(b) {
		return nil, nil, false
	}
	rest = make([]byte, 0, len(b)-(ve-vs)+4)
	rest = append(append(append(rest, b[:vs]...), "null"...), b[ve:]...)
	return rest, b[vs:ve], true
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index past the string whose quote is at b[i], or -1 when unterminated.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index past the JSON value starting at b[i] (lists and objects by their
// brackets, strings by their quotes, scalars up to the next delimiter), or -1. It checks only
// what it needs to find the end; the value's own decoder checks the rest.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '[', '{':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := stringEnd(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '[', '{':
				depth++
			case ']', '}':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && !isDelim(b[j]) {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

func isDelim(c byte) bool {
	switch c {
	case ',', ']', '}', ':', ' ', '\t', '\n', '\r', '"', '[', '{':
		return true
	}
	return false
}

// canDecodeList reports whether decodeListValue handles a value of type t for a selection of
// the given shape: a list (not a bare element) of a type whose elements are never lists, written
// to a selection of rank 1 or more. Everything else takes the generic path.
func canDecodeList(t *h5type.Type, shape []int, value []byte) bool {
	i := skipWS(value, 0)
	return len(shape) > 0 && t.IsLeaf() && !t.IsVariable() && i < len(value) && value[i] == '['
}

// errRagged reports a JSON value numpy cannot make an array of (HSDS jsonToArray: 400).
var errRagged = errors.New("the value's nesting is ragged (lists of unequal lengths or elements at unequal depths)")

// valueCountError reports a JSON value whose element count is not the selection's.
type valueCountError struct {
	got, want int
	more      bool
}

func (e *valueCountError) Error() string {
	if e.more {
		return fmt.Sprintf("the value has more than %d elements, the selection has %d", e.want, e.want)
	}
	return fmt.Sprintf("the value has %d elements, the selection has %d", e.got, e.want)
}

// decodeListValue decodes value, a JSON list (Python's dialect: bare NaN, Infinity and
// -Infinity allowed), into the n packed elements of t for a selection of the given shape,
// appended to dst. It accepts what h5type.EncodeValue accepts: a nesting that matches shape,
// or (numpy's reshape) any other nesting of exactly n leaves, unless a list sits where the
// shape wants an element before the nesting first departs from the shape (EncodeValue walks
// in that order). Decoding stops at the first element past n. Numbers convert without
// allocating (h5type.Type.AppendNumberText); other leaves (strings, true, false, null,
// objects) are decoded one by one and converted by h5type.Type.AppendElement, so every element
// gets EncodeValue's conversion and error.
func decodeListValue(dst []byte, t *h5type.Type, value []byte, shape []int) ([]byte, error) {
	b := value
	n, err := h5type.NumElements(shape)
	if err != nil {
		return dst, err
	}
	rank := len(shape)
	// Where the nesting first departs from shape (a list of another length, an element where
	// a list belongs) and where a list first sits in an element's place: byte offsets, which
	// order the events as EncodeValue meets them.
	shapeAt, elemListAt := -1, -1
	openAt := make([]int, rank)
	items := make([]int, rank)
	count, depth := 0, 0
	// numpy refuses ragged nesting (np.array of lists of unequal lengths, or of leaves at
	// unequal depths): every list at one depth has the same length, every leaf one depth.
	var listLen, listItems []int // by depth; listLen -1 until a list of that depth closes
	leafDepth := -1
	i := skipWS(b, 0)
	for {
		// A value position at level depth.
		if i >= len(b) {
			return dst, fmt.Errorf("unexpected end of JSON value")
		}
		if depth >= 1 && depth-1 < rank {
			items[depth-1]++
		}
		if depth >= 1 {
			listItems[depth-1]++
		}
		closing := false // b[i] is the ']' of an empty list
		if b[i] == '[' {
			switch {
			case depth < rank:
				openAt[depth], items[depth] = i, 0
			case depth == rank && elemListAt < 0:
				elemListAt = i
			}
			for len(listItems) <= depth {
				listItems, listLen = append(listItems, 0), append(listLen, -1)
			}
			listItems[depth] = 0
			if depth++; depth > maxValueNesting {
				return dst, fmt.Errorf("JSON value nested more than %d deep", maxValueNesting)
			}
			if i = skipWS(b, i+1); i >= len(b) || b[i] != ']' {
				continue
			}
			closing = true
		} else {
			if depth == 0 {
				return dst, fmt.Errorf("JSON value is not a list")
			}
			if depth < rank && shapeAt < 0 {
				shapeAt = i
			}
			if leafDepth < 0 {
				leafDepth = depth
			} else if leafDepth != depth {
				return dst, errRagged
			}
			if count == n {
				return dst, &valueCountError{want: n, more: true}
			}
			if i, dst, err = decodeLeaf(dst, t, b, i); err != nil {
				return dst, fmt.Errorf("element %d: %w", count, err)
			}
			count++
		}
		// After a value: ',' or ']' (closing as many lists as it takes).
		for {
			if !closing {
				i = skipWS(b, i)
				if depth == 0 {
					if i != len(b) {
						return dst, fmt.Errorf("invalid character %q after the JSON value", b[i])
					}
					if count != n {
						return dst, &valueCountError{got: count, want: n}
					}
					if elemListAt >= 0 && (shapeAt < 0 || elemListAt < shapeAt) {
						return dst, fmt.Errorf("a list where the selection shape %v has an element", shape)
					}
					return dst, nil
				}
				if i >= len(b) {
					return dst, fmt.Errorf("unexpected end of JSON value")
				}
				if b[i] == ',' {
					if i = skipWS(b, i+1); i < len(b) && b[i] == ']' {
						return dst, fmt.Errorf("invalid character ']' after ',' in a JSON list")
					}
					break
				}
				if b[i] != ']' {
					return dst, fmt.Errorf("invalid character %q in a JSON list", b[i])
				}
			}
			closing = false
			// b[i] is the ']' of the list at level depth-1.
			if l := depth - 1; listLen[l] < 0 {
				listLen[l] = listItems[l]
			} else if listLen[l] != listItems[l] {
				return dst, errRagged
			}
			if l := depth - 1; l < rank && items[l] != shape[l] && (shapeAt < 0 || openAt[l] < shapeAt) {
				shapeAt = openAt[l]
			}
			depth--
			i++
		}
	}
}

// quietNaN is Python's and numpy's NaN (0x7ff8000000000000), the value of the bare token NaN.
var quietNaN = math.Float64frombits(0x7ff8000000000000)

// decodeLeaf decodes the element starting at b[i] and returns the index past it.
func decodeLeaf(dst []byte, t *h5type.Type, b []byte, i int) (int, []byte, error) {
	c := b[i]
	switch {
	case c == '-' && i+1 < len(b) && b[i+1] == 'I', c == 'I', c == 'N':
		for _, tok := range [...]struct {
			text string
			v    float64
		}{{"NaN", quietNaN}, {"Infinity", math.Inf(1)}, {"-Infinity", math.Inf(-1)}} {
			if bytes.HasPrefix(b[i:], []byte(tok.text)) {
				out, err := t.AppendElement(dst, tok.v)
				return i + len(tok.text), out, err
			}
		}
		return i, dst, fmt.Errorf("invalid character %q in a JSON value", c)
	case c == '-' || c >= '0' && c <= '9':
		e := numberEnd(b, i)
		if e < 0 {
			return i, dst, fmt.Errorf("invalid JSON number %.40q", b[i:min(len(b), i+40)])
		}
		out, err := t.AppendNumberText(dst, b[i:e])
		return e, out, err
	}
	// Strings, literals and objects: decode this one element the generic way.
	e := skipValue(b, i)
	if e < 0 {
		return i, dst, fmt.Errorf("invalid JSON value at %.40q", b[i:min(len(b), i+40)])
	}
	std, err := pyjson.ToStd(b[i:e])
	if err != nil {
		return i, dst, err
	}
	v, err := pyjson.DecodeValue(std)
	if err != nil {
		return i, dst, err
	}
	if _, isList := v.([]any); isList {
		return i, dst, fmt.Errorf("invalid JSON value at %.40q", b[i:min(len(b), i+40)])
	}
	out, err := t.AppendElement(dst, v)
	return e, out, err
}

// numberEnd returns the index past the JSON number (RFC 8259) starting at b[i], or -1.
func numberEnd(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		i++
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == s {
			return -1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == s {
			return -1
		}
	}
	if i < len(b) && !isDelim(b[i]) {
		return -1
	}
	return i
}

// jsonValueToStd returns a Python-dialect value in internal form for the generic decoder.
func jsonValueToStd(value []byte) (json.RawMessage, error) {
	std, err := pyjson.ToStd(value)
	if err != nil {
		return nil, err
	}
	if !json.Valid(std) {
		var v any
		return nil, json.Unmarshal(std, &v)
	}
	return std, nil
}
