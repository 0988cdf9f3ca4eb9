package h5type

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// MarshalJSON writes the canonical HSDS JSON of the type: objects with
// "class" first, then the class keys (base, charSet/strPad/length, fields,
// dims, mapping, size), then any unknown keys that were sent (sorted), then
// "id" for committed types. A top-level type given as a bare predefined name
// becomes {"class":..., "base":...}; compound field types (and other nested
// types) given as bare names stay bare strings, as HSDS stores them.
func (t *Type) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := t.writeJSON(&b, true); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (t *Type) writeJSON(b *bytes.Buffer, top bool) error {
	if t.asString && !top {
		b.WriteString(strconv.Quote(t.base))
		return nil
	}
	start := b.Len()
	b.WriteString(`{"class":`)
	b.WriteString(strconv.Quote(t.class.String()))
	sep := func(key string) {
		b.WriteString(`,"`)
		b.WriteString(key)
		b.WriteString(`":`)
	}
	switch t.class {
	case ClassInteger, ClassFloat, ClassReference:
		sep("base")
		b.WriteString(strconv.Quote(t.base))
	case ClassString:
		sep("charSet")
		b.WriteString(strconv.Quote(t.charSet))
		sep("strPad")
		b.WriteString(strconv.Quote(t.strPad))
		sep("length")
		if t.length < 0 {
			b.WriteString(`"H5T_VARIABLE"`)
		} else {
			b.WriteString(strconv.Itoa(t.length))
		}
	case ClassCompound:
		sep("fields")
		b.WriteByte('[')
		for i, f := range t.fields {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"name":`)
			b.WriteString(jsonString(f.Name))
			b.WriteString(`,"type":`)
			if err := f.Type.writeJSON(b, false); err != nil {
				return err
			}
			b.WriteByte('}')
		}
		b.WriteByte(']')
	case ClassArray:
		sep("dims")
		b.WriteByte('[')
		for i, d := range t.dims {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(d))
		}
		b.WriteByte(']')
		sep("base")
		if err := t.elem.writeJSON(b, false); err != nil {
			return err
		}
	case ClassEnum:
		sep("base")
		if err := t.elem.writeJSON(b, false); err != nil {
			return err
		}
		sep("mapping")
		b.WriteByte('{')
		for i, m := range t.mapping {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(jsonString(m.Name))
			b.WriteByte(':')
			if t.elem.signed {
				b.WriteString(strconv.FormatInt(m.Value, 10))
			} else {
				b.WriteString(strconv.FormatUint(uint64(m.Value), 10))
			}
		}
		b.WriteByte('}')
	case ClassOpaque:
		sep("size")
		b.WriteString(strconv.Itoa(t.size))
	case ClassVlen:
		sep("base")
		if err := t.elem.writeJSON(b, false); err != nil {
			return err
		}
	default:
		b.Truncate(start)
		return fmt.Errorf("marshal type: unknown class %d", int(t.class))
	}
	keys := make([]string, 0, len(t.extra))
	for k := range t.extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteByte(',')
		b.WriteString(jsonString(k))
		b.WriteByte(':')
		if err := json.Compact(b, t.extra[k]); err != nil {
			return fmt.Errorf("marshal type key %q: %w", k, err)
		}
	}
	if t.id != "" {
		sep("id")
		b.WriteString(jsonString(t.id))
	}
	b.WriteByte('}')
	return nil
}

func jsonString(s string) string {
	out, _ := json.Marshal(s) // a string always marshals
	return string(out)
}

// Normalize validates a request type and returns the JSON HSDS stores for it:
// a top-level predefined name becomes {"class":...,"base":...}; an object is
// kept as sent (compacted), including bare-name field types. A committed type
// id gives an error matching ErrCommittedType (the caller copies the
// committed type's JSON and adds "id").
func Normalize(raw json.RawMessage) (json.RawMessage, error) {
	t, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimSpace(raw)
	if trimmed[0] == '"' {
		return t.MarshalJSON()
	}
	var b bytes.Buffer
	if err := json.Compact(&b, trimmed); err != nil {
		return nil, fmt.Errorf("normalize type: %w", err)
	}
	return b.Bytes(), nil
}

// WithID returns a copy of t carrying the committed type id, as HSDS stores
// the type of a dataset or attribute created with "type": "t-...".
func (t *Type) WithID(id string) *Type {
	c := *t
	c.id = id
	c.asString = false
	return &c
}
