package h5index

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/hsfan/hsfan/hsds/h5file"
	"github.com/hsfan/hsfan/hsds/pyjson"
)

// typeJSON converts an HDF5 datatype to HSDS type JSON (hsds/util/hdf5dtype.py getTypeItem).
// Only the classes a reference layout can serve (fixed-size numbers and strings) and, for
// attributes, variable-length strings are converted; the rest is ErrUnsupported.
func typeJSON(t *h5file.Datatype) (json.RawMessage, error) {
	order := "LE"
	if t.BigEndian {
		order = "BE"
	}
	switch t.Class {
	case h5file.ClassFixed:
		if t.Size != 1 && t.Size != 2 && t.Size != 4 && t.Size != 8 {
			break
		}
		s := "U"
		if t.Signed {
			s = "I"
		}
		return json.RawMessage(fmt.Sprintf(`{"class":"H5T_INTEGER","base":"H5T_STD_%s%d%s"}`, s, 8*t.Size, order)), nil
	case h5file.ClassFloat:
		if t.Size != 4 && t.Size != 8 {
			break
		}
		return json.RawMessage(fmt.Sprintf(`{"class":"H5T_FLOAT","base":"H5T_IEEE_F%d%s"}`, 8*t.Size, order)), nil
	case h5file.ClassString:
		return json.RawMessage(fmt.Sprintf(`{"class":"H5T_STRING","charSet":"%s","length":%d,"strPad":"%s"}`, charSet(t.CharSet), t.Size, strPad(t.Padding))), nil
	case h5file.ClassVlen:
		if t.VlenString {
			return json.RawMessage(fmt.Sprintf(`{"class":"H5T_STRING","charSet":"%s","length":"H5T_VARIABLE","strPad":"H5T_STR_NULLTERM"}`, charSet(t.CharSet))), nil
		}
	}
	return nil, fmt.Errorf("datatype class %d of %d bytes: %w", t.Class, t.Size, h5file.ErrUnsupported)
}

func charSet(c int) string {
	if c == 1 {
		return "H5T_CSET_UTF8"
	}
	return "H5T_CSET_ASCII"
}

func strPad(p int) string {
	switch p {
	case 0:
		return "H5T_STR_NULLTERM"
	case 2:
		return "H5T_STR_SPACEPAD"
	}
	return "H5T_STR_NULLPAD"
}

// filtersJSON converts a filter pipeline to HSDS creationProperties.filters. Filters hsfan and
// HSDS cannot decode (szip, fletcher32, nbit, scale-offset, third-party ids) are refused.
func filtersJSON(fs []h5file.Filter) (json.RawMessage, error) {
	var out []map[string]any
	for _, f := range fs {
		switch f.ID {
		case h5file.FilterDeflate:
			level := 4
			if len(f.ClientData) > 0 {
				level = int(f.ClientData[0])
			}
			out = append(out, map[string]any{"class": "H5Z_FILTER_DEFLATE", "id": 1, "level": level, "name": "deflate"})
		case h5file.FilterShuffle:
			out = append(out, map[string]any{"class": "H5Z_FILTER_SHUFFLE", "id": 2, "name": "shuffle"})
		default:
			return nil, fmt.Errorf("filter %s (id %d): hsfan and HSDS 0.9.4 do not decode it in referenced chunks: %w",
				filterName(f), f.ID, h5file.ErrUnsupported)
		}
	}
	if out == nil {
		return nil, nil
	}
	b, err := json.Marshal(out)
	return b, err
}

func filterName(f h5file.Filter) string {
	switch f.ID {
	case h5file.FilterFletcher32:
		return "fletcher32"
	case h5file.FilterSzip:
		return "szip"
	case h5file.FilterNbit:
		return "nbit"
	case h5file.FilterScaleOff:
		return "scaleoffset"
	}
	if f.Name != "" {
		return f.Name
	}
	return "unknown"
}

// valueJSON gives a decoded value in pyjson's internal form: one element as a scalar (when
// scalar), else a list.
func valueJSON(v any, scalar bool) (any, error) {
	var items []any
	switch x := v.(type) {
	case []int64:
		for _, e := range x {
			items = append(items, e)
		}
	case []uint64:
		for _, e := range x {
			items = append(items, e)
		}
	case []float64:
		for _, e := range x {
			if math.IsNaN(e) || math.IsInf(e, 0) {
				items = append(items, pyjson.Float64(e))
			} else {
				items = append(items, e)
			}
		}
	case []string:
		for _, e := range x {
			items = append(items, e)
		}
	default:
		return nil, fmt.Errorf("value of type %T: %w", v, h5file.ErrUnsupported)
	}
	if scalar {
		if len(items) != 1 {
			return nil, fmt.Errorf("scalar with %d values", len(items))
		}
		return items[0], nil
	}
	if items == nil {
		items = []any{}
	}
	return items, nil
}
