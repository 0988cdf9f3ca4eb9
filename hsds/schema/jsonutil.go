package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hsfan/hsfan/hsds/pyjson"
)

// Now returns the current time as float seconds since the epoch, the way
// HSDS stores created/lastModified (Python time.time()).
func Now() float64 {
	return float64(time.Now().UnixMicro()) / 1e6
}

// Marshal encodes v (normally one of this package's objects) the way HSDS
// stores JSON (Python's json.dumps defaults): a single line with Python's
// default separators (", " and ": "), non-ASCII characters escaped as
// \uXXXX, and the non-finite numbers of the in-memory form (pyjson
// sentinels) written as the bare tokens NaN, Infinity and -Infinity.
func Marshal(v any) ([]byte, error) {
	raw, err := marshalNoEscape(v)
	if err != nil {
		return nil, err
	}
	return pyjson.FromStd(pythonize(raw)), nil
}

// Unmarshal decodes a stored object (Python's JSON dialect, as HSDS and
// Marshal write it) into v: the bare tokens NaN, Infinity and -Infinity
// become pyjson sentinels, so that json.RawMessage fields (fill values,
// attribute values) hold standard JSON. Use it, never encoding/json
// directly, for every stored object.
func Unmarshal(b []byte, v any) error {
	return pyjson.Unmarshal(b, v)
}

// pythonize rewrites compact JSON with Python json.dumps defaults.
func pythonize(src []byte) []byte {
	out := make([]byte, 0, len(src)+len(src)/8)
	inStr := false
	for i := 0; i < len(src); {
		c := src[i]
		if inStr {
			switch {
			case c == '\\':
				if i+1 < len(src) {
					out = append(out, c, src[i+1])
					i += 2
					continue
				}
			case c == '"':
				inStr = false
			case c >= 0x80:
				r, n := utf8.DecodeRune(src[i:])
				out = pyjson.AppendRuneEscape(out, r)
				i += n
				continue
			}
			out = append(out, c)
			i++
			continue
		}
		out = append(out, c)
		switch c {
		case '"':
			inStr = true
		case ',', ':':
			out = append(out, ' ')
		}
		i++
	}
	return out
}

// object is a decoded JSON object that remembers its key order.
type object struct {
	keys []string
	vals map[string]json.RawMessage
}

// errNotObject is returned when a JSON value is not an object.
var errNotObject = errors.New("not a JSON object")

func decodeObject(raw []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("decode object: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errNotObject
	}
	o := &object{vals: map[string]json.RawMessage{}}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("decode object: %w", err)
		}
		k, _ := kt.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("decode object: field %q: %w", k, err)
		}
		if _, dup := o.vals[k]; !dup {
			o.keys = append(o.keys, k)
		}
		o.vals[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("decode object: %w", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("decode object: trailing data")
	}
	return o, nil
}

// take removes and returns a field; absent or null fields return nil.
func (o *object) take(k string) json.RawMessage {
	v, ok := o.vals[k]
	if !ok {
		return nil
	}
	delete(o.vals, k)
	if isNull(v) {
		return nil
	}
	return v
}

// rest returns the fields not taken, in input order.
func (o *object) rest() []Field {
	var out []Field
	for _, k := range o.keys {
		if v, ok := o.vals[k]; ok {
			out = append(out, Field{Name: k, Value: v})
		}
	}
	return out
}

func isNull(v json.RawMessage) bool {
	return len(bytes.TrimSpace(v)) == 4 && string(bytes.TrimSpace(v)) == "null"
}

// Field is one JSON member kept verbatim, used for unknown fields that must
// survive a read-modify-write.
type Field struct {
	Name  string
	Value json.RawMessage
}

// writer builds a JSON object with fields in a fixed order.
type writer struct {
	buf bytes.Buffer
	n   int
	err error
}

func newWriter() *writer {
	w := &writer{}
	w.buf.WriteByte('{')
	return w
}

func (w *writer) key(k string) {
	if w.n > 0 {
		w.buf.WriteByte(',')
	}
	w.n++
	kb, _ := marshalNoEscape(k)
	w.buf.Write(kb)
	w.buf.WriteByte(':')
}

func (w *writer) value(k string, v any) {
	if w.err != nil {
		return
	}
	var b []byte
	var err error
	switch x := v.(type) {
	case json.RawMessage:
		if len(x) == 0 {
			b = []byte("null")
		} else {
			var buf bytes.Buffer
			err = json.Compact(&buf, x)
			b = buf.Bytes()
		}
	default:
		b, err = marshalNoEscape(v)
	}
	if err != nil {
		w.err = fmt.Errorf("encode field %q: %w", k, err)
		return
	}
	w.key(k)
	w.buf.Write(b)
}

// marshalNoEscape is json.Marshal without HTML escaping (Python does not
// escape '<', '>' or '&').
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func (w *writer) float(k string, f float64) {
	if w.err != nil {
		return
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		w.err = fmt.Errorf("encode field %q: non-finite timestamp", k)
		return
	}
	w.key(k)
	w.buf.Write(pyjson.AppendFloat(nil, f, false))
}

func (w *writer) extras(fs []Field) {
	for _, f := range fs {
		w.value(f.Name, f.Value)
	}
}

func (w *writer) bytes() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	w.buf.WriteByte('}')
	return w.buf.Bytes(), nil
}

// Decoding helpers with field-named errors.

func decodeString(v json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", errors.New("must be a string")
	}
	return s, nil
}

func decodeFloat(v json.RawMessage) (float64, error) {
	var f float64
	if err := json.Unmarshal(v, &f); err != nil {
		return 0, errors.New("must be a number")
	}
	return f, nil
}

// decodeInt accepts a JSON integer (no fraction or exponent).
func decodeInt(v json.RawMessage) (int64, error) {
	s := string(bytes.TrimSpace(v))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Python may write 3.0 for an integral float; accept it.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, fmt.Errorf("must be an integer, got %s", truncate(s, 30))
		}
		return int64(f), nil
	}
	return n, nil
}

// maxRank bounds the number of dimensions accepted from stored JSON.
const maxRank = 32

// decodeInts decodes a JSON list of integers, each at least min.
func decodeInts(v json.RawMessage, min int64, what string) ([]int, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(v, &items); err != nil {
		return nil, fmt.Errorf("%s must be a list of integers", what)
	}
	if len(items) > maxRank {
		return nil, fmt.Errorf("%s has %d entries, at most %d allowed", what, len(items), maxRank)
	}
	out := make([]int, len(items))
	for i, it := range items {
		n, err := decodeInt(it)
		if err != nil || n < min || n > math.MaxInt64/2 {
			if min == 0 {
				return nil, fmt.Errorf("%s must be non-negative integers", what)
			}
			return nil, fmt.Errorf("%s must be integers >= %d", what, min)
		}
		out[i] = int(n)
	}
	return out, nil
}

// intsOrNil copies a slice, keeping nil for nil.
func cloneInts(s []int) []int {
	if s == nil {
		return nil
	}
	return append([]int(nil), s...)
}
