package rest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/schema"
)

// attrBytes returns the element bytes of an attribute value.
func attrBytes(a schema.Attribute, t *h5type.Type) ([]byte, error) {
	if a.Encoding == "base64" {
		var s64 string
		if err := json.Unmarshal(a.Value, &s64); err != nil {
			return nil, err
		}
		return base64.StdEncoding.DecodeString(s64)
	}
	v, err := pyjson.DecodeValue(a.Value)
	if err != nil {
		return nil, err
	}
	return t.EncodeValue(v, shapeDims(a.Shape))
}

func shapeDims(sh schema.Shape) []int {
	if sh.Class == schema.ShapeSimple {
		return sh.Dims
	}
	return nil
}

// attrShape decodes an attribute shape from a request: absent or [] is scalar, an int or list
// is simple, "H5S_NULL"/"H5S_SCALAR" strings and {"class":...} objects are accepted.
func attrShape(raw json.RawMessage) (schema.Shape, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return schema.Shape{Class: schema.ShapeScalar}, nil
	}
	var name string
	if json.Unmarshal(raw, &name) == nil {
		switch name {
		case schema.ShapeNull, schema.ShapeScalar:
			return schema.Shape{Class: name}, nil
		}
		return schema.Shape{}, httpErr(http.StatusBadRequest, "invalid attribute shape %q", name)
	}
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		var sh schema.Shape
		if err := json.Unmarshal(raw, &sh); err != nil {
			return sh, httpErr(http.StatusBadRequest, "invalid attribute shape: %v", err)
		}
		sh.MaxDims = nil
		return sh, nil
	}
	dims, err := parseDims(raw, "attribute shape", false)
	if err != nil {
		return schema.Shape{}, err
	}
	if len(dims) == 0 {
		return schema.Shape{Class: schema.ShapeScalar}, nil
	}
	return schema.Shape{Class: schema.ShapeSimple, Dims: dims}, nil
}

// attrValue validates a request value (internal form, see package pyjson) against type and shape
// and returns the JSON to store in internal form (canonical JSON when the bytes allow it, else
// base64 with encoding "base64"). A non-finite number for an integer type is a 400, as in HSDS
// ("cannot convert float NaN to integer").
func attrValue(t *h5type.Type, sh schema.Shape, raw json.RawMessage, encoding string) (json.RawMessage, string, error) {
	if sh.Class == schema.ShapeNull || len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("null"), "", nil
	}
	dims := shapeDims(sh)
	var elems []byte
	if encoding == "base64" {
		var s64 string
		if err := json.Unmarshal(raw, &s64); err != nil {
			return nil, "", httpErr(http.StatusBadRequest, "base64 value must be a string")
		}
		b, err := base64.StdEncoding.DecodeString(s64)
		if err != nil {
			return nil, "", httpErr(http.StatusBadRequest, "invalid base64 value: %v", err)
		}
		elems = b
	} else if encoding != "" {
		return nil, "", httpErr(http.StatusBadRequest, "unknown encoding %q", encoding)
	} else {
		v, err := pyjson.DecodeValue(raw)
		if err != nil {
			return nil, "", httpErr(http.StatusBadRequest, "invalid value: %v", err)
		}
		b, err := t.EncodeValue(v, dims)
		if err != nil {
			return nil, "", httpErr(http.StatusBadRequest, "value does not match type and shape %v: %v", dims, err)
		}
		elems = b
	}
	n, err := h5type.NumElements(dims)
	if err != nil {
		return nil, "", badRequest(err)
	}
	if !t.IsVariable() && len(elems) != n*t.Size() {
		return nil, "", httpErr(http.StatusBadRequest, "value has %d bytes, want %d", len(elems), n*t.Size())
	}
	// A JSON value is stored as HSDS stores it: through numpy and back, so an empty vlen string
	// stays "" (only bytes read back through HSDS's readElement become the quirky 0).
	// Fixed-length strings longer than the type (in UTF-8 bytes) keep the text sent: HSDS
	// stores the request's JSON and answers it as given (attr_sn.py _getValueFromRequest),
	// while binary reads give the bytes that fit (EncodeValue cuts them).
	if encoding == "" && t.Class() == h5type.ClassString && !t.IsVariable() {
		if js, ok := overflowingStrings(raw, t.Length()); ok {
			return js, "", nil
		}
	}
	// float32 elements are written with float32's shortest digits (0.42), the text HSDS echoes.
	v, err := t.DecodeValueOptions(elems, dims, h5type.DecodeOptions{EmptyVlenAsEmpty: encoding == "", Float32: true})
	if err == nil {
		var js []byte
		if js, err = h5type.MarshalValueJSON(v, false); err == nil {
			if js, err = pyjson.ToStd(js); err == nil {
				return js, "", nil
			}
		}
	}
	// Bytes that are not UTF-8, or a string spelling a reserved pyjson sentinel, are kept as
	// base64 (HSDS's fallback for values json cannot hold).
	if errors.Is(err, h5type.ErrNotUTF8) || errors.Is(err, pyjson.ErrReserved) {
		b, _ := json.Marshal(base64.StdEncoding.EncodeToString(elems))
		return b, "base64", nil
	}
	return nil, "", httpErr(http.StatusBadRequest, "invalid value: %v", err)
}

// overflowingStrings returns raw (canonical) when it is a string, or nested lists of strings,
// with one longer than n UTF-8 bytes.
func overflowingStrings(raw json.RawMessage, n int) (json.RawMessage, bool) {
	v, err := pyjson.DecodeValue(raw)
	if err != nil {
		return nil, false
	}
	over := false
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case string:
			over = over || len(x) > n
			return true
		case []any:
			for _, e := range x {
				if !walk(e) {
					return false
				}
			}
			return true
		}
		return false
	}
	if !walk(v) || !over {
		return nil, false
	}
	js, err := h5type.MarshalValueJSON(v, false)
	if err != nil {
		return nil, false
	}
	if js, err = pyjson.ToStd(js); err != nil {
		return nil, false
	}
	return js, true
}

// checkAttrSize bounds the element bytes of an attribute value by max_request_size before the
// value is expanded to them: a body of a few bytes may declare a huge shape or string length.
func (s *Server) checkAttrSize(t *h5type.Type, sh schema.Shape) error {
	if t.IsVariable() || sh.Class == schema.ShapeNull {
		return nil
	}
	n, err := h5type.NumElements(shapeDims(sh))
	if err != nil {
		return badRequest(err)
	}
	if limit := s.cfg.MaxRequestBytes; limit > 0 && int64(n) > limit/int64(max(t.Size(), 1)) {
		return httpErr(http.StatusRequestEntityTooLarge, "attribute value of %d elements of %d bytes is more than max_request_size (%d bytes)", n, t.Size(), limit)
	}
	return nil
}

// attrFromBody builds an attribute from a PUT body {type, shape?, value?, encoding?}.
func (s *Server) attrFromBody(ctx context.Context, f *hdf.File, body map[string]json.RawMessage) (schema.Attribute, error) {
	var a schema.Attribute
	rawType, ok := body["type"]
	if !ok {
		return a, httpErr(http.StatusBadRequest, "attribute needs a type")
	}
	typ, err := f.ResolveType(ctx, rawType)
	if err != nil {
		return a, badRequestIfInvalid(err)
	}
	t, err := h5type.Parse(typ)
	if err != nil {
		return a, badRequest(err)
	}
	if a.Shape, err = attrShape(body["shape"]); err != nil {
		return a, err
	}
	var enc string
	if _, err := field(body, "encoding", &enc); err != nil {
		return a, err
	}
	if _, ok := body["value"]; ok && a.Shape.Class == schema.ShapeNull {
		// attr_sn.py _getValueFromRequest: "data can not be included with H5S_NULL space".
		return a, httpErr(http.StatusBadRequest, "an H5S_NULL attribute cannot have a value")
	}
	if _, ok := body["value"]; ok {
		if err := s.checkAttrSize(t, a.Shape); err != nil {
			return a, err
		}
	}
	a.Type = typ
	// Decoding a JSON value builds a tree of Go values several times its size.
	if err := reserve(ctx, decodeEstimate*int64(len(body["value"]))); err != nil {
		return a, err
	}
	if a.Value, a.Encoding, err = attrValue(t, a.Shape, body["value"], enc); err != nil {
		return a, err
	}
	return a, nil
}
