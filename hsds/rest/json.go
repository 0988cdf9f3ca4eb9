package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/pyjson"
)

// jobj is a JSON object that keeps its key order (HSDS's responses are Python dicts, ordered).
type jobj struct {
	keys []string
	vals []any
}

// obj builds a jobj from alternating keys and values.
func obj(kv ...any) *jobj {
	o := &jobj{}
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

// set sets key k, replacing an existing value in place.
func (o *jobj) set(k string, v any) *jobj {
	for i, kk := range o.keys {
		if kk == k {
			o.vals[i] = v
			return o
		}
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	return o
}

// MarshalJSON writes the object with Python's ", " and ": " separators.
func (o *jobj) MarshalJSON() ([]byte, error) { return appendJSON(nil, o) }

// pyJSON is JSON text already in Python's dialect (a response body written by h5type, which
// spells non-finite numbers as bare tokens); appendJSON copies it verbatim.
type pyJSON []byte

// appendJSON appends v as a response body in Python's JSON dialect, as HSDS writes it.
// json.RawMessage values are JSON in hsfan's internal form (stored values, request fields; see
// package pyjson) and are written with their non-finite numbers as NaN, Infinity, -Infinity.
func appendJSON(b []byte, v any) ([]byte, error) { return jsonEncoder{}.append(b, v) }

// jsonEncoder writes response JSON; nanNull writes null for every non-finite number of the
// stored values, as HSDS's ignore_nan does (simplejson.dumps(ignore_nan=True)).
type jsonEncoder struct{ nanNull bool }

func (e jsonEncoder) append(b []byte, v any) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case *jobj:
		b = append(b, '{')
		for i, k := range x.keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendQuote(b, k)
			b = append(b, ": "...)
			if b, err = e.append(b, x.vals[i]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		for i, item := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			if b, err = e.append(b, item); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []*jobj:
		b = append(b, '[')
		for i, item := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			if b, err = e.append(b, item); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case json.RawMessage:
		if len(x) == 0 {
			return append(b, "null"...), nil
		}
		if e.nanNull {
			return append(b, pyjson.FromStdNull(x)...), nil
		}
		return append(b, pyjson.FromStd(x)...), nil
	case pyJSON:
		return append(b, x...), nil
	case string:
		return appendString(b, x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return h5type.AppendPyFloat(b, x, e.nanNull), nil
		}
		return strconv.AppendFloat(b, x, 'f', -1, 64), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case nil:
		return append(b, "null"...), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
	}
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...), nil
}

func appendString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...)
}

// writeJSON writes v with status code and HSDS's JSON content type.
func writeJSON(w http.ResponseWriter, code int, v any) error {
	return writeJSONNaN(w, code, v, false)
}

// writeJSONNaN is writeJSON writing null for non-finite numbers when ignoreNaN is set.
func writeJSONNaN(w http.ResponseWriter, code int, v any, ignoreNaN bool) error {
	b, err := jsonEncoder{nanNull: ignoreNaN}.append(nil, v)
	if err != nil {
		return err
	}
	writeRawJSON(w, code, b)
	return nil
}

func writeRawJSON(w http.ResponseWriter, code int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// readBody reads at most limit bytes of the request body; more is a 413. The bytes are reserved
// from the in-flight memory budget first (503 with Retry-After when it is full): all of a
// declared Content-Length up front, read into one buffer of exactly that size, or step by step
// as a chunked body grows.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	ctx := r.Context()
	if cl := r.ContentLength; cl >= 0 {
		if cl > limit {
			return nil, httpErr(http.StatusRequestEntityTooLarge, "request body of %d bytes is larger than %d bytes", cl, limit)
		}
		if err := reserve(ctx, cl); err != nil {
			return nil, err
		}
		b := make([]byte, cl)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, httpErr(http.StatusBadRequest, "read request body: %v", err)
		}
		return b, nil
	}
	// Unknown length: grow by doubling, reserving each new buffer before it is allocated.
	var b []byte
	for {
		if len(b) == cap(b) {
			if int64(len(b)) > limit {
				return nil, httpErr(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", limit)
			}
			n := min(max(2*int64(cap(b)), 64<<10), limit+1)
			if err := reserve(ctx, n); err != nil {
				return nil, err
			}
			nb := make([]byte, len(b), n)
			copy(nb, b)
			b = nb
		}
		m, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, httpErr(http.StatusBadRequest, "read request body: %v", err)
		}
	}
	if int64(len(b)) > limit {
		return nil, httpErr(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", limit)
	}
	return b, nil
}

// decodeBody decodes a JSON object body into a map of raw fields; an empty body is an empty map.
func decodeBody(r *http.Request) (map[string]json.RawMessage, error) {
	return decodeBodyLimit(r, maxJSONBody)
}

// decodeBodyLimit is decodeBody for bodies up to limit bytes (JSON value writes).
func decodeBodyLimit(r *http.Request, limit int64) (map[string]json.RawMessage, error) {
	b, err := readBody(r, limit)
	if err != nil {
		return nil, err
	}
	// The decoded fields are copies of the body (json.RawMessage).
	if err := reserve(r.Context(), int64(len(b))); err != nil {
		return nil, err
	}
	return parseBodyObject(b)
}

// decodeValueBody reads a JSON value-write body of up to limit bytes. Its "value" member is
// split off undecoded (splitValueField) and returned in Python's dialect as pyValue, with
// body["value"] set to null; the other members are decoded as decodeBody does. When the body
// cannot be split that way, pyValue is nil and body holds every member (the generic path).
func decodeValueBody(r *http.Request, limit int64) (body map[string]json.RawMessage, pyValue []byte, err error) {
	b, err := readBody(r, limit)
	if err != nil {
		return nil, nil, err
	}
	if rest, value, ok := splitValueField(b); ok {
		if body, err = parseBodyObject(rest); err != nil {
			return nil, nil, err
		}
		return body, value, nil
	}
	// The generic decoder copies the fields of the body (json.RawMessage).
	if err := reserve(r.Context(), int64(len(b))); err != nil {
		return nil, nil, err
	}
	body, err = parseBodyObject(b)
	return body, nil, err
}

// parseBodyObject decodes a request body in Python's JSON dialect (NaN, Infinity and -Infinity
// allowed, as HSDS's json.loads does) into raw fields in internal form (see package pyjson).
func parseBodyObject(b []byte) (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(b)) == 0 {
		return m, nil
	}
	if err := pyjson.Unmarshal(b, &m); err != nil {
		return nil, httpErr(http.StatusBadRequest, "invalid JSON body: %v", err)
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	return m, nil
}

// field decodes body[key] into dst; absent keys leave dst alone and report false.
func field(body map[string]json.RawMessage, key string, dst any) (bool, error) {
	v, ok := body[key]
	if !ok || string(v) == "null" {
		return false, nil
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return true, httpErr(http.StatusBadRequest, "invalid %q in body: %v", key, err)
	}
	return true, nil
}
