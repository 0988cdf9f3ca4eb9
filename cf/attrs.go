package cf

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/ops"
)

// packingAttrs are the attributes of CF packing and masking (CF conventions 1.11 sections 2.5.1
// and 8.1), read by Decoding.
var packingAttrs = []string{"scale_factor", "add_offset", "_FillValue", "missing_value", "valid_min", "valid_max", "valid_range"}

// maskAttrs are the packing attributes compared with raw values: with _Unsigned they are
// reinterpreted like the data.
var maskAttrs = map[string]bool{"_FillValue": true, "missing_value": true, "valid_min": true, "valid_max": true, "valid_range": true}

// Decoding returns the CF decoding of a dataset from its attributes (see ops.CF): packing
// (scale_factor, add_offset), masking (_FillValue, missing_value, valid_min, valid_max,
// valid_range, compared with the raw values) and _Unsigned.
//
// _Unsigned = "true" on a signed integer type (netCDF-3's way to store unsigned bytes and
// shorts) reads the values as unsigned integers of the same size, and the fill, missing and valid
// values with them (an int8 _FillValue of -1 is 255), as netCDF4-python does
// (netCDF4/_netCDF4.pyx Variable._toma, _Unsigned handling) and xarray's
// coding.variables.UnsignedIntegerCoder; _Unsigned = "false" on an unsigned type reads it as
// signed. On other types _Unsigned is ignored, as both libraries do.
//
// Values compared with float32 data are rounded to float32 (a _FillValue written as the decimal
// -999.9 must match float32(-999.9)). Errors name the dataset and the attribute.
func Decoding(obj *schema.Dataset) (ops.CF, error) {
	t, err := h5type.Parse(obj.Type)
	if err != nil {
		return ops.CF{}, fmt.Errorf("dataset %s: type: %w", obj.ID, err)
	}
	unsigned, signed := false, false
	if u, ok := AttrString(obj, "_Unsigned"); ok && t.IsNumeric() && !t.IsFloat() {
		switch strings.ToLower(strings.TrimSpace(u)) {
		case "true":
			unsigned = t.IsSigned()
		case "false":
			signed = !t.IsSigned()
		}
	}
	bits := 8 * t.Size()
	attrs := map[string]any{}
	for _, name := range packingAttrs {
		a, ok := obj.Attributes[name]
		if !ok || len(a.Value) == 0 {
			continue
		}
		if a.Encoding != "" {
			return ops.CF{}, fmt.Errorf("dataset %s: attribute %s: %s-encoded values are not numbers", obj.ID, name, a.Encoding)
		}
		v, err := pyjson.DecodeValue(a.Value)
		if err != nil {
			return ops.CF{}, fmt.Errorf("dataset %s: attribute %s: %w", obj.ID, name, err)
		}
		if (unsigned || signed) && maskAttrs[name] {
			if v, err = reinterpret(v, bits, unsigned); err != nil {
				return ops.CF{}, fmt.Errorf("dataset %s: attribute %s: %w", obj.ID, name, err)
			}
		}
		attrs[name] = v
	}
	cf, err := ops.CFFromAttrs(attrs)
	if err != nil {
		return ops.CF{}, fmt.Errorf("dataset %s: %w", obj.ID, err)
	}
	cf.Unsigned, cf.Signed = unsigned, signed
	if t.IsFloat() && t.Size() == 4 {
		roundToFloat32(&cf)
	}
	return cf, nil
}

// reinterpret maps attribute numbers (a scalar or a list) to the other signedness of a bits-wide
// integer: negative values gain 2^bits (toUnsigned), values at or above 2^(bits-1) lose it.
func reinterpret(v any, bits int, toUnsigned bool) (any, error) {
	if xs, ok := v.([]any); ok {
		out := make([]any, len(xs))
		for i, x := range xs {
			y, err := reinterpret(x, bits, toUnsigned)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	}
	x, err := number(v)
	if err != nil {
		return nil, err
	}
	m := math.Ldexp(1, bits)
	switch {
	case toUnsigned && x < 0:
		x += m
	case !toUnsigned && x >= m/2:
		x -= m
	}
	return x, nil
}

// number is one attribute number as pyjson.DecodeValue gives it.
func number(v any) (float64, error) {
	switch x := v.(type) {
	case json.Number:
		return x.Float64()
	case float64:
		return x, nil
	}
	return 0, fmt.Errorf("not a number: %v", v)
}

// roundToFloat32 rounds the values compared with raw data to float32, the precision of the data.
func roundToFloat32(cf *ops.CF) {
	r := func(v float64) float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return v
		}
		return float64(float32(v))
	}
	if cf.Fill != nil {
		f := r(*cf.Fill)
		cf.Fill = &f
	}
	for i := range cf.Missing {
		cf.Missing[i] = r(cf.Missing[i])
	}
	cf.ValidMin, cf.ValidMax = r(cf.ValidMin), r(cf.ValidMax)
}

// AttrString returns a string attribute's value (a scalar string, or a one-element list of one,
// as h5py writes fixed-length strings); ok is false when it is absent or not a string.
func AttrString(obj *schema.Dataset, name string) (string, bool) {
	a, ok := obj.Attributes[name]
	if !ok || a.Encoding != "" {
		return "", false
	}
	var s string
	if json.Unmarshal(a.Value, &s) == nil {
		return s, true
	}
	var l []string
	if json.Unmarshal(a.Value, &l) == nil && len(l) == 1 {
		return l[0], true
	}
	return "", false
}
