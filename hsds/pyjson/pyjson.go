// Package pyjson translates between the JSON dialect of Python's json module and standard JSON
// (RFC 8259), the only dialect encoding/json reads and writes.
//
// HSDS serialises with Python's json (json.dumps with its default allow_nan=True, and
// simplejson.dumps in hsds/util/httpUtil.py jsonResponse), so its stored objects
// (.dataset.json fill values, attribute values in .group.json/.dataset.json/.datatype.json),
// its request bodies and its responses hold the bare tokens NaN, Infinity and -Infinity for
// non-finite floats. Standard JSON has no spelling for them.
//
// hsfan keeps every JSON document in memory in standard form ("internal form"): each bare
// token is replaced by a reserved sentinel string (NaN, Inf and NegInf below: a NUL character
// followed by the token). The rule lives here only:
//
//   - ToStd maps Python-dialect input to internal form at every input boundary (stored objects,
//     request bodies, Lambda events). A string value equal to a sentinel cannot be told apart
//     from a translated token, so ToStd refuses it with ErrReserved.
//   - FromStd (and FromStdNull for HSDS's ignore_nan) maps internal form back to Python's
//     dialect at every output boundary (stored objects, response bodies, CLI output).
//   - DecodeValue decodes an internal-form value with the sentinels as float64 NaN/±Inf;
//     Float recognises a sentinel that was decoded as a Go string.
//
// Object keys are never translated (Python writes the tokens only as values), and the tokens
// inside strings are left alone.
package pyjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// The sentinel strings standing for Python's bare tokens in internal form, as Go strings.
const (
	NaN    = "\x00NaN"
	Inf    = "\x00Infinity"
	NegInf = "\x00-Infinity"
)

// ErrReserved is returned by ToStd for a string value equal to one of the sentinels.
var ErrReserved = errors.New("string value reserved for a non-finite number")

// quietNaN is the NaN Python's float('nan') and numpy's np.nan hold (0x7ff8000000000000);
// Go's math.NaN() has another payload.
var quietNaN = math.Float64frombits(0x7ff8000000000000)

// token is one Python token with its sentinel spelled as encoding/json writes it.
type token struct {
	bare   string // the Python token
	quoted string // the sentinel as a JSON string
	value  float64
}

var tokens = [...]token{
	{"NaN", `"\u0000NaN"`, quietNaN},
	{"Infinity", `"\u0000Infinity"`, math.Inf(1)},
	{"-Infinity", `"\u0000-Infinity"`, math.Inf(-1)},
}

// nulPrefix starts every sentinel as spelled in JSON (U+0000 has no other spelling).
const nulPrefix = `"\u0000`

// ToStd translates Python-dialect JSON into internal form: each bare NaN, Infinity or -Infinity
// in a value position outside strings becomes its sentinel string. Everything else is copied
// byte for byte, so standard JSON is returned unchanged (the same slice, no copy) and invalid
// input stays invalid for the decoder that follows. A string value that decodes to a sentinel
// gives an error matching ErrReserved.
func ToStd(src []byte) ([]byte, error) {
	var out []byte
	last := 0
	for i := 0; i < len(src); {
		// Jump to the next byte that can start a string or a token ('-' of -Infinity is seen
		// from its 'I').
		for i < len(src) && !special[src[i]] {
			i++
		}
		if i == len(src) {
			break
		}
		if src[i] == '"' {
			end := stringEnd(src, i)
			if bytes.HasPrefix(src[i:end], []byte(nulPrefix)) && !isKey(src, end) && isSentinelString(src[i:end]) {
				return nil, fmt.Errorf("JSON string %s at offset %d: %w", src[i:end], i, ErrReserved)
			}
			i = end
			continue
		}
		start := i
		if src[i] == 'I' && i > 0 && src[i-1] == '-' {
			start = i - 1
		}
		k := tokenAt(src, start)
		if k < 0 || isKey(src, start+len(tokens[k].bare)) {
			i++
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(src)+16)
		}
		out = append(out, src[last:start]...)
		out = append(out, tokens[k].quoted...)
		i = start + len(tokens[k].bare)
		last = i
	}
	if out == nil {
		return src, nil
	}
	return append(out, src[last:]...), nil
}

// special marks the bytes ToStd stops at: a quote, or the first letter of NaN and Infinity.
var special = [256]bool{'"': true, 'N': true, 'I': true}

// FromStd translates internal form into Python's dialect: each sentinel string in a value
// position becomes its bare token. Everything else is copied byte for byte; input without
// sentinels is returned unchanged (the same slice).
func FromStd(src []byte) []byte { return fromStd(src, false) }

// FromStdNull is FromStd writing null for each sentinel, as HSDS does for the ignore_nan query
// parameter (simplejson.dumps(ignore_nan=True) in hsds/util/httpUtil.py jsonResponse).
func FromStdNull(src []byte) []byte { return fromStd(src, true) }

func fromStd(src []byte, null bool) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(src); {
		if src[i] != '"' {
			i++
			continue
		}
		end := stringEnd(src, i)
		k := -1
		if bytes.HasPrefix(src[i:end], []byte(nulPrefix)) && !isKey(src, end) {
			k = quotedSentinel(src[i:end])
		}
		if k >= 0 {
			if out == nil {
				out = make([]byte, 0, len(src))
			}
			out = append(out, src[last:i]...)
			if null {
				out = append(out, "null"...)
			} else {
				out = append(out, tokens[k].bare...)
			}
			last = end
		}
		i = end
	}
	if out == nil {
		return src
	}
	return append(out, src[last:]...)
}

// Unmarshal decodes Python-dialect JSON into v with encoding/json after ToStd: non-finite
// numbers arrive as sentinel strings (json.RawMessage fields keep them in internal form).
func Unmarshal(data []byte, v any) error {
	std, err := ToStd(data)
	if err != nil {
		return err
	}
	return json.Unmarshal(std, v)
}

// DecodeValue decodes one internal-form JSON value into Go values: numbers as json.Number,
// sentinel strings as float64 NaN (0x7ff8000000000000, Python's and numpy's NaN), +Inf or -Inf,
// lists as []any, objects as map[string]any, strings, booleans and nil. Trailing data after
// the value is an error.
func DecodeValue(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("trailing data after JSON value")
	}
	return replaceSentinels(v), nil
}

func replaceSentinels(v any) any {
	switch x := v.(type) {
	case string:
		if f, ok := Float(x); ok {
			return f
		}
	case []any:
		for i, e := range x {
			x[i] = replaceSentinels(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = replaceSentinels(e)
		}
	}
	return v
}

// Float reports whether s (a decoded JSON string) is a sentinel and returns its number.
func Float(s string) (float64, bool) {
	if len(s) == 0 || s[0] != 0 {
		return 0, false
	}
	for _, t := range tokens {
		if s[1:] == t.bare {
			return t.value, true
		}
	}
	return 0, false
}

// Sentinel returns the sentinel string of a non-finite f (NaN of any sign or payload gives
// NaN, as Python writes every NaN as NaN) and false for finite numbers.
func Sentinel(f float64) (string, bool) {
	switch {
	case math.IsNaN(f):
		return NaN, true
	case math.IsInf(f, 1):
		return Inf, true
	case math.IsInf(f, -1):
		return NegInf, true
	}
	return "", false
}

// Float64 returns f as a JSON number in internal form: the quoted sentinel for NaN, +Inf and
// -Inf, else the shortest decimal that reads back as f (e.g. a fill value for
// hdf.DatasetSpec.FillValue).
func Float64(f float64) json.RawMessage {
	if s, ok := Sentinel(f); ok {
		b, _ := json.Marshal(s) // a string always marshals
		return b
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64)
}

// IsSentinel reports whether s is one of the sentinel strings.
func IsSentinel(s string) bool {
	_, ok := Float(s)
	return ok
}

// tokenAt returns the index in tokens of the bare token starting at src[i], or -1.
func tokenAt(src []byte, i int) int {
	for k, t := range tokens {
		if bytes.HasPrefix(src[i:], []byte(t.bare)) {
			return k
		}
	}
	return -1
}

// stringEnd returns the index just past the string starting with the quote at src[i]
// (len(src) when it is not terminated).
func stringEnd(src []byte, i int) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(src)
}

// isKey reports whether the value ending at src[end] is followed by ':' (an object key).
func isKey(src []byte, end int) bool {
	for ; end < len(src); end++ {
		switch src[end] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}

// quotedSentinel returns the index in tokens of the sentinel spelled exactly as q, or -1.
func quotedSentinel(q []byte) int {
	for k, t := range tokens {
		if string(q) == t.quoted {
			return k
		}
	}
	return -1
}

// isSentinelString reports whether the JSON string q decodes to a sentinel, however spelled.
func isSentinelString(q []byte) bool {
	var s string
	if json.Unmarshal(q, &s) != nil {
		return false
	}
	return IsSentinel(s)
}
