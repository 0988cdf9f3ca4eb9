package ops

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// CF describes the CF-conventions decoding of packed values:
//
//	x = (raw*Scale + Offset)*UnitScale + UnitOffset
//
// and raw values equal to Fill or to any of Missing, outside
// [ValidMin, ValidMax], or NaN decode to NaN. Per the CF conventions the
// fill, missing and valid-range tests apply to the packed (raw) values.
//
// Use NewCF or CFFromAttrs to get the defaults. For convenience the zero
// value works too: Scale 0 and UnitScale 0 mean 1, and ValidMin ==
// ValidMax == 0 means "no valid range" (as does NaN).
type CF struct {
	// Scale is scale_factor (default 1).
	Scale float64
	// Offset is add_offset (default 0).
	Offset float64
	// Fill is _FillValue, nil if unset.
	Fill *float64
	// Missing holds missing_value entries.
	Missing []float64
	// ValidMin is the smallest valid raw value; NaN means unset.
	ValidMin float64
	// ValidMax is the largest valid raw value; NaN means unset.
	ValidMax float64
	// UnitScale multiplies the unpacked value (default 1), see ConvertUnits.
	UnitScale float64
	// UnitOffset is added after UnitScale, e.g. -273.15 for kelvin to Celsius.
	UnitOffset float64
	// Unsigned reads signed integer raw values as the unsigned integers of the same size
	// (netCDF's _Unsigned = "true", e.g. int8 -1 is 255) and Signed reads unsigned raw values
	// as signed (_Unsigned = "false"), before every other step. Fill, Missing and the valid
	// range must already be given in the reinterpreted values (package cf does that).
	Unsigned, Signed bool
}

// NewCF returns the identity decoding: Scale 1, no fill, no valid range.
func NewCF() CF {
	return CF{Scale: 1, ValidMin: math.NaN(), ValidMax: math.NaN(), UnitScale: 1}
}

// CFFromAttrs reads scale_factor, add_offset, _FillValue, missing_value,
// valid_min, valid_max and valid_range from attribute values. Values may be
// scalars or lists (json.Number, float64, float32, integers or numeric
// strings; lists as []any or []float64). valid_range needs two elements and
// overrides valid_min/valid_max. Unknown attributes are ignored.
func CFFromAttrs(attrs map[string]any) (CF, error) {
	cf := NewCF()
	one := func(name string) (float64, bool, error) {
		v, ok := attrs[name]
		if !ok || v == nil {
			return 0, false, nil
		}
		xs, err := numbers(v)
		if err != nil {
			return 0, false, fmt.Errorf("attribute %s: %w", name, err)
		}
		if len(xs) != 1 {
			return 0, false, fmt.Errorf("attribute %s: want one value, got %d", name, len(xs))
		}
		return xs[0], true, nil
	}
	if v, ok, err := one("scale_factor"); err != nil {
		return CF{}, err
	} else if ok {
		if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return CF{}, fmt.Errorf("attribute scale_factor: invalid value %v", v)
		}
		cf.Scale = v
	}
	if v, ok, err := one("add_offset"); err != nil {
		return CF{}, err
	} else if ok {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return CF{}, fmt.Errorf("attribute add_offset: invalid value %v", v)
		}
		cf.Offset = v
	}
	if v, ok, err := one("_FillValue"); err != nil {
		return CF{}, err
	} else if ok {
		cf.Fill = &v
	}
	if v, ok := attrs["missing_value"]; ok && v != nil {
		xs, err := numbers(v)
		if err != nil {
			return CF{}, fmt.Errorf("attribute missing_value: %w", err)
		}
		cf.Missing = xs
	}
	if v, ok, err := one("valid_min"); err != nil {
		return CF{}, err
	} else if ok {
		cf.ValidMin = v
	}
	if v, ok, err := one("valid_max"); err != nil {
		return CF{}, err
	} else if ok {
		cf.ValidMax = v
	}
	if v, ok := attrs["valid_range"]; ok && v != nil {
		xs, err := numbers(v)
		if err != nil {
			return CF{}, fmt.Errorf("attribute valid_range: %w", err)
		}
		if len(xs) != 2 {
			return CF{}, fmt.Errorf("attribute valid_range: want 2 values, got %d", len(xs))
		}
		cf.ValidMin, cf.ValidMax = xs[0], xs[1]
	}
	if cf.ValidMin > cf.ValidMax {
		return CF{}, fmt.Errorf("valid range [%v, %v] is empty", cf.ValidMin, cf.ValidMax)
	}
	return cf, nil
}

// numbers converts an attribute value to float64s.
func numbers(v any) ([]float64, error) {
	switch t := v.(type) {
	case []any:
		out := make([]float64, 0, len(t))
		for i, e := range t {
			xs, err := numbers(e)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			if len(xs) != 1 {
				return nil, fmt.Errorf("element %d: nested list", i)
			}
			out = append(out, xs[0])
		}
		return out, nil
	case []float64:
		return append([]float64(nil), t...), nil
	case []float32:
		out := make([]float64, len(t))
		for i, e := range t {
			out[i] = float64(e)
		}
		return out, nil
	case []int:
		out := make([]float64, len(t))
		for i, e := range t {
			out[i] = float64(e)
		}
		return out, nil
	case []int64:
		out := make([]float64, len(t))
		for i, e := range t {
			out[i] = float64(e)
		}
		return out, nil
	}
	x, err := number(v)
	if err != nil {
		return nil, err
	}
	return []float64{x}, nil
}

// number converts a scalar attribute value to float64.
func number(v any) (float64, error) {
	switch t := v.(type) {
	case float64:
		return t, nil
	case float32:
		return float64(t), nil
	case int:
		return float64(t), nil
	case int8:
		return float64(t), nil
	case int16:
		return float64(t), nil
	case int32:
		return float64(t), nil
	case int64:
		return float64(t), nil
	case uint:
		return float64(t), nil
	case uint8:
		return float64(t), nil
	case uint16:
		return float64(t), nil
	case uint32:
		return float64(t), nil
	case uint64:
		return float64(t), nil
	case json.Number:
		x, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return 0, fmt.Errorf("not a number: %q", string(t))
		}
		return x, nil
	case string:
		// HSDS/h5py spell special float values as strings.
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "nan":
			return math.NaN(), nil
		case "inf", "infinity", "+inf":
			return math.Inf(1), nil
		case "-inf", "-infinity":
			return math.Inf(-1), nil
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		if err != nil {
			return 0, fmt.Errorf("not a number: %q", t)
		}
		return x, nil
	}
	return 0, fmt.Errorf("unsupported value type %T", v)
}

// AddLinear appends the conversion y = x*a + b to the decoding's unit step (e.g. a unit
// conversion from package cf): UnitScale and UnitOffset become those of the composition.
func (cf *CF) AddLinear(a, b float64) {
	us := cf.UnitScale
	if us == 0 {
		us = 1
	}
	cf.UnitScale = us * a
	cf.UnitOffset = cf.UnitOffset*a + b
}
