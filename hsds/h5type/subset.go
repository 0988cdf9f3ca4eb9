package h5type

import (
	"fmt"
	"strings"
)

// SubsetFields returns the packed compound of the named fields of t, in the
// order given (HSDS's getSubType for the REST "fields=" parameter, e.g.
// "b:s" split on ':'). Unknown, duplicate or missing names are errors.
func (t *Type) SubsetFields(names []string) (*Type, error) {
	if t.class != ClassCompound {
		return nil, fmt.Errorf("subset fields: type %s is not a compound", t.class)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("subset fields: no field names given")
	}
	sub := &Type{class: ClassCompound, fields: make([]Field, 0, len(names))}
	seen := make(map[string]bool, len(names))
	off := 0
	for _, name := range names {
		f, ok := t.Field(name)
		if !ok {
			return nil, fmt.Errorf("subset fields: field %q is not defined in the type (fields: %s)", name, strings.Join(t.fieldNames(), ", "))
		}
		if seen[name] {
			return nil, fmt.Errorf("subset fields: field %q given twice", name)
		}
		seen[name] = true
		f.Offset = off
		sub.fields = append(sub.fields, f)
		if off >= 0 {
			if f.Type.size < 0 {
				off = -1
			} else {
				off += f.Type.size
			}
		}
	}
	sub.size = fixedPartSize(sub)
	if hasVariable(sub) {
		sub.size = -1
	}
	return sub, nil
}

func (t *Type) fieldNames() []string {
	out := make([]string, len(t.fields))
	for i, f := range t.fields {
		out[i] = f.Name
	}
	return out
}

// fieldSpans returns, for one element of compound t starting at b[0], the
// [start, end) byte span of every field.
func fieldSpans(t *Type, b []byte, spans [][2]int) ([][2]int, int, error) {
	spans = spans[:0]
	off := 0
	for _, f := range t.fields {
		n, err := elementLen(f.Type, b, off)
		if err != nil {
			return nil, 0, fmt.Errorf("field %q: %w", f.Name, err)
		}
		spans = append(spans, [2]int{off, off + n})
		off += n
	}
	return spans, off, nil
}

// ExtractFields appends to dst the elements of sub (from SubsetFields on
// from) taken out of n packed elements of from in src, and returns the
// extended buffer. Works for fixed and variable-length compounds.
func ExtractFields(dst, src []byte, from, sub *Type, n int) ([]byte, error) {
	idx, err := subsetIndex(from, sub)
	if err != nil {
		return dst, err
	}
	if from.size >= 0 {
		if n < 0 || n > len(src)/max(from.size, 1) || len(src) != n*from.size {
			return dst, fmt.Errorf("extract fields: %d bytes for %d elements of %d bytes", len(src), n, from.size)
		}
		for e := 0; e < n; e++ {
			el := src[e*from.size:]
			for _, i := range idx {
				f := from.fields[i]
				dst = append(dst, el[f.Offset:f.Offset+f.Type.size]...)
			}
		}
		return dst, nil
	}
	parts, err := SplitElements(src, from, n)
	if err != nil {
		return dst, fmt.Errorf("extract fields: %w", err)
	}
	var spans [][2]int
	for _, el := range parts {
		if spans, _, err = fieldSpans(from, el, spans); err != nil {
			return dst, fmt.Errorf("extract fields: %w", err)
		}
		for _, i := range idx {
			dst = append(dst, el[spans[i][0]:spans[i][1]]...)
		}
	}
	return dst, nil
}

// InsertFields overwrites, in n packed fixed-size elements of to held in
// dst, the fields of sub with the values from src (n elements of sub). It is
// the write side of "fields=" and needs fixed-size types.
func InsertFields(dst, src []byte, to, sub *Type, n int) error {
	idx, err := subsetIndex(to, sub)
	if err != nil {
		return err
	}
	if to.size < 0 || sub.size < 0 {
		return fmt.Errorf("insert fields: variable-length compounds are not supported")
	}
	if n < 0 || len(dst) != n*to.size || len(src) != n*sub.size {
		return fmt.Errorf("insert fields: %d and %d bytes do not hold %d elements of %d and %d bytes",
			len(dst), len(src), n, to.size, sub.size)
	}
	for e := 0; e < n; e++ {
		el := dst[e*to.size:]
		s := src[e*sub.size:]
		for k, i := range idx {
			f := to.fields[i]
			copy(el[f.Offset:f.Offset+f.Type.size], s[sub.fields[k].Offset:])
		}
	}
	return nil
}

// subsetIndex maps each field of sub to its index in from.
func subsetIndex(from, sub *Type) ([]int, error) {
	if from.class != ClassCompound || sub.class != ClassCompound {
		return nil, fmt.Errorf("fields: both types must be compounds")
	}
	idx := make([]int, len(sub.fields))
	for k, sf := range sub.fields {
		found := -1
		for i, f := range from.fields {
			if f.Name == sf.Name {
				found = i
				break
			}
		}
		if found < 0 || !from.fields[found].Type.Equal(sf.Type) {
			return nil, fmt.Errorf("fields: field %q is not a field of the source type", sf.Name)
		}
		idx[k] = found
	}
	return idx, nil
}
