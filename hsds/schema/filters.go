package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Filter classes (HSDS FILTER_DEFS).
const (
	FilterNone        = "H5Z_FILTER_NONE"
	FilterDeflate     = "H5Z_FILTER_DEFLATE"
	FilterShuffle     = "H5Z_FILTER_SHUFFLE"
	FilterFletcher32  = "H5Z_FILTER_FLETCHER32"
	FilterSzip        = "H5Z_FILTER_SZIP"
	FilterNbit        = "H5Z_FILTER_NBIT"
	FilterScaleOffset = "H5Z_FILTER_SCALEOFFSET"
	FilterLZF         = "H5Z_FILTER_LZF"
	FilterBlosc       = "H5Z_FILTER_BLOSC"
	FilterSnappy      = "H5Z_FILTER_SNAPPY"
	FilterLZ4         = "H5Z_FILTER_LZ4"
	FilterLZ4HC       = "H5Z_FILTER_LZ4HC"
	FilterBitShuffle  = "H5Z_FILTER_BITSHUFFLE"
	FilterZstd        = "H5Z_FILTER_ZSTD"
	FilterUser        = "H5Z_FILTER_USER"
)

// DefaultCompressionLevel is the level used when a compression filter has
// none (HSDS getFilterOps).
const DefaultCompressionLevel = 5

type filterDef struct {
	class string
	id    int
	name  string
}

// filterDefs is HSDS's FILTER_DEFS table (hsds-format.md 1.6).
var filterDefs = []filterDef{
	{FilterNone, 0, "none"},
	{FilterDeflate, 1, "gzip"},
	{FilterShuffle, 2, "shuffle"},
	{FilterFletcher32, 3, "fletcher32"},
	{FilterSzip, 4, "szip"},
	{FilterNbit, 5, "nbit"},
	{FilterScaleOffset, 6, "scaleoffset"},
	{FilterLZF, 32000, "lzf"},
	{FilterBlosc, 32001, "blosclz"},
	{FilterSnappy, 32003, "snappy"},
	{FilterLZ4, 32004, "lz4"},
	{FilterLZ4HC, 32005, "lz4hc"},
	{FilterBitShuffle, 32008, "bitshuffle"},
	{FilterZstd, 32015, "zstd"},
}

// supportedFilterNames are the filters a native dataset may be created with
// (storUtil.getSupportedFilters on HSDS 0.9.4, plus bitshuffle): lzf and szip
// are rejected. HSDS 0.9.4 comments bitshuffle out of its list, although its
// _compress and _uncompress (storUtil.py) implement it; hsfan accepts it and
// writes chunks as that code does (bitshuffle+lz4 blocks, then the
// compressor's blosc frame without shuffle).
var supportedFilterNames = map[string]bool{
	"shuffle": true, "bitshuffle": true, "fletcher32": true, "nbit": true, "scaleoffset": true,
	"blosclz": true, "lz4": true, "lz4hc": true, "snappy": true, "gzip": true, "zstd": true,
}

var compressionClasses = map[string]bool{
	FilterDeflate: true, FilterSzip: true, FilterScaleOffset: true, FilterLZF: true,
	FilterBlosc: true, FilterSnappy: true, FilterLZ4: true, FilterLZ4HC: true, FilterZstd: true,
}

var compressionNames = map[string]bool{
	"gzip": true, "szip": true, "lzf": true, "blosclz": true, "snappy": true,
	"lz4": true, "lz4hc": true, "zstd": true,
}

// SupportedCompressors lists the compressor names HSDS 0.9.4 reports and
// accepts, in its order.
func SupportedCompressors() []string {
	return []string{"blosclz", "lz4", "lz4hc", "snappy", "gzip", "zstd"}
}

func canonicalName(name string) string {
	if name == "deflate" || name == "zlib" {
		return "gzip"
	}
	if name == "scaleoffet" { // HSDS's own spelling in FILTER_DEFS
		return "scaleoffset"
	}
	return name
}

func lookupFilterName(name string) (filterDef, bool) {
	name = canonicalName(name)
	for _, d := range filterDefs {
		if d.name == name || d.class == name {
			return d, true
		}
	}
	return filterDef{}, false
}

func lookupFilterID(id int) (filterDef, bool) {
	for _, d := range filterDefs {
		if d.id == id {
			return d, true
		}
	}
	return filterDef{}, false
}

// Filter is one stored filter: {"class", "id", "name"} plus options such as
// "level". Unknown options are kept in Options; key order is preserved
// from the input, with filled-in keys appended (as HSDS does).
type Filter struct {
	Class   string
	ID      int
	Name    string
	Level   *int    // compression level, when given
	Options []Field // other options, in input order
	order   []string
}

// LevelOr returns the filter's level or def when it has none.
func (f Filter) LevelOr(def int) int {
	if f.Level == nil {
		return def
	}
	return *f.Level
}

// MarshalJSON writes the filter with its keys in input order.
func (f Filter) MarshalJSON() ([]byte, error) {
	w := newWriter()
	done := map[string]bool{}
	emit := func(k string) {
		if done[k] {
			return
		}
		switch k {
		case "class":
			w.value(k, f.Class)
		case "id":
			w.value(k, f.ID)
		case "name":
			if f.Name != "" {
				w.value(k, f.Name)
			}
		case "level":
			if f.Level != nil {
				w.value(k, *f.Level)
			}
		default:
			for _, o := range f.Options {
				if o.Name == k {
					w.value(k, o.Value)
				}
			}
		}
		done[k] = true
	}
	for _, k := range f.order {
		emit(k)
	}
	for _, k := range []string{"class", "id", "name", "level"} {
		emit(k)
	}
	for _, o := range f.Options {
		emit(o.Name)
	}
	return w.bytes()
}

// UnmarshalJSON decodes one stored filter leniently (see ParseFilters).
func (f *Filter) UnmarshalJSON(b []byte) error {
	out, err := parseFilter(b, false)
	if err != nil {
		return err
	}
	*f = out
	return nil
}

// ParseFilters decodes a stored filter list leniently: ints, names and dicts
// are resolved through FILTER_DEFS, but unsupported filters (lzf, szip)
// are accepted since HDF5-linked datasets may carry them.
func ParseFilters(raw json.RawMessage) ([]Filter, error) {
	return parseFilters(raw, false)
}

// NormalizeFilters applies HSDS's dataset-creation rules to a request's
// creationProperties.filters: each item may be an int id, a name or a dict;
// class, id and name are filled in from FILTER_DEFS, "deflate" becomes
// "gzip", a dict's id must match its class, and lzf, szip or
// unknown filters are rejected ("filter X is not supported" /
// "filter X not recognized", HSDS's 400 reasons).
func NormalizeFilters(raw json.RawMessage) ([]Filter, error) {
	return parseFilters(raw, true)
}

func parseFilters(raw json.RawMessage, strict bool) ([]Filter, error) {
	if raw == nil || isNull(raw) {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errors.New("filters: expected filters to be a list")
	}
	if len(items) > 64 {
		return nil, fmt.Errorf("filters: %d filters, at most 64 allowed", len(items))
	}
	out := make([]Filter, 0, len(items))
	for i, it := range items {
		f, err := parseFilter(it, strict)
		if err != nil {
			return nil, fmt.Errorf("filters[%d]: %w", i, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func notSupported(what string, strict bool, name string) error {
	if strict && !supportedFilterNames[name] {
		return fmt.Errorf("filter %s is not supported", what)
	}
	return nil
}

func parseFilter(b json.RawMessage, strict bool) (Filter, error) {
	// int id
	if n, err := decodeInt(b); err == nil {
		d, ok := lookupFilterID(int(n))
		if !ok {
			return Filter{}, fmt.Errorf("filter %d not recognized", n)
		}
		return Filter{Class: d.class, ID: d.id, Name: d.name}, notSupported(strconv.FormatInt(n, 10), strict, d.name)
	}
	// name
	if s, err := decodeString(b); err == nil {
		d, ok := lookupFilterName(s)
		if !ok {
			return Filter{}, fmt.Errorf("filter %s not recognized", truncate(s, 40))
		}
		return Filter{Class: d.class, ID: d.id, Name: d.name}, notSupported(s, strict, d.name)
	}
	o, err := decodeObject(b)
	if err != nil {
		return Filter{}, fmt.Errorf("unexpected type for filter: %s", truncate(string(b), 60))
	}
	f := Filter{order: append([]string(nil), o.keys...)}
	var hasID bool
	if v := o.take("class"); v != nil {
		if f.Class, err = decodeString(v); err != nil {
			return Filter{}, fmt.Errorf("class: %w", err)
		}
	}
	if v := o.take("id"); v != nil {
		n, err := decodeInt(v)
		if err != nil || n < 0 || n > 1<<31 {
			return Filter{}, errors.New("id: must be a non-negative integer")
		}
		f.ID, hasID = int(n), true
	}
	if v := o.take("name"); v != nil {
		if f.Name, err = decodeString(v); err != nil {
			return Filter{}, fmt.Errorf("name: %w", err)
		}
		f.Name = canonicalName(f.Name)
	}
	if v := o.take("level"); v != nil {
		n, err := decodeInt(v)
		if err != nil {
			s, serr := decodeString(v)
			if serr != nil {
				return Filter{}, errors.New("level: must be an integer")
			}
			if n, err = strconv.ParseInt(s, 10, 32); err != nil {
				return Filter{}, errors.New("level: must be an integer")
			}
		}
		if n < -1000 || n > 1000 {
			return Filter{}, errors.New("level: out of range")
		}
		lv := int(n)
		f.Level = &lv
	}
	f.Options = o.rest()

	if f.Class == "" {
		if strict {
			return Filter{}, errors.New("expected 'class' key for filter property")
		}
		// lenient: resolve from id or name
		switch {
		case hasID:
			if d, ok := lookupFilterID(f.ID); ok {
				f.Class = d.class
			}
		case f.Name != "":
			if d, ok := lookupFilterName(f.Name); ok {
				f.Class = d.class
			}
		}
		if f.Class == "" {
			return Filter{}, errors.New("filter has no class")
		}
	}
	var d filterDef
	var ok bool
	switch {
	case f.Class != FilterUser:
		d, ok = lookupFilterName(f.Class)
	case hasID:
		d, ok = lookupFilterID(f.ID)
	case f.Name != "":
		d, ok = lookupFilterName(f.Name)
	}
	if !ok {
		if strict {
			return Filter{}, fmt.Errorf("filter %s not recognized", truncate(f.Class, 40))
		}
		return f, nil // keep unknown user filters as stored
	}
	if !hasID {
		f.ID = d.id
		f.order = append(f.order, "id")
	} else if f.ID != d.id {
		return Filter{}, fmt.Errorf("Expected %s to have id: %d but got %d", f.Class, d.id, f.ID)
	}
	if f.Name == "" {
		f.Name = d.name
		f.order = append(f.order, "name")
	}
	if err := notSupported(f.Name, strict, f.Name); err != nil {
		return Filter{}, err
	}
	return f, nil
}

// Compression derives the chunk codec settings from a filter list the way
// HSDS getFilterOps does:
//
//   - compressor: the first filter whose class is a compression class, or an
//     H5Z_FILTER_USER filter with a compressor name. DEFLATE maps to "gzip"
//     (blosc with the zlib codec); other filters use their name ("lz4" when
//     nameless). A compressor of "" means uncompressed.
//   - level: the filter's level, default 5 (0 when uncompressed).
//   - shuffle: 1 for SHUFFLE, 2 for BITSHUFFLE, else 0. Callers must force 0
//     for variable-length types, as HSDS does.
//
// Quirk kept from HSDS: when SCALEOFFSET precedes the real compressor it is
// picked as the compression filter and compression is skipped, so the
// compressor is "". lzf and szip come back by name; the codec rejects them.
func Compression(filters []Filter) (compressor string, level int, shuffle int) {
	for _, f := range filters {
		if compressionClasses[f.Class] || (f.Class == FilterUser && compressionNames[canonicalName(f.Name)]) {
			switch {
			case f.Class == FilterScaleOffset:
				compressor = ""
			case f.Class == FilterDeflate:
				compressor = "gzip"
			case f.Name != "":
				compressor = canonicalName(f.Name)
			default:
				compressor = "lz4"
			}
			if compressor != "" {
				level = f.LevelOr(DefaultCompressionLevel)
			}
			break
		}
	}
	for _, f := range filters {
		if f.Class == FilterShuffle || f.Class == FilterBitShuffle {
			name := f.Name
			if name == "" {
				name = map[string]string{FilterShuffle: "shuffle", FilterBitShuffle: "bitshuffle"}[f.Class]
			}
			switch name {
			case "shuffle":
				shuffle = 1
			case "bitshuffle":
				shuffle = 2
			}
			break
		}
	}
	return compressor, level, shuffle
}

// NormalizeFilterList is NormalizeFilters for an already decoded list
// (ints, strings and map[string]any items, as from encoding/json). Map
// items lose their key order, so their options are written sorted.
func NormalizeFilterList(items []any) ([]Filter, error) {
	raw, err := json.Marshal(items)
	if err != nil {
		return nil, fmt.Errorf("filters: %w", err)
	}
	return NormalizeFilters(raw)
}
