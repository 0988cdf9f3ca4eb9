package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// Link classes as stored in .group.json.
const (
	LinkHard     = "H5L_TYPE_HARD"
	LinkSoft     = "H5L_TYPE_SOFT"
	LinkExternal = "H5L_TYPE_EXTERNAL"
)

// ACL holds the six permissions HSDS stores per user, "default" or
// "g:<group>".
type ACL struct {
	Create    bool `json:"create"`
	Read      bool `json:"read"`
	Update    bool `json:"update"`
	Delete    bool `json:"delete"`
	ReadACL   bool `json:"readACL"`
	UpdateACL bool `json:"updateACL"`
}

// FullACL grants every permission (what a domain's owner gets).
func FullACL() ACL { return ACL{true, true, true, true, true, true} }

// Domain is the content of a .domain.json. Root is empty for folders.
type Domain struct {
	Root         string
	Owner        string
	ACLs         map[string]ACL
	Created      float64
	LastModified float64
	// Extra keeps unknown fields in their input order.
	Extra []Field
}

// IsFolder reports whether the domain is a folder (it has no root group).
func (d *Domain) IsFolder() bool { return d.Root == "" }

// MarshalJSON writes root, owner, acls, created, lastModified (the order
// HSDS writes) followed by unknown fields.
func (d Domain) MarshalJSON() ([]byte, error) {
	w := newWriter()
	if d.Root != "" {
		w.value("root", d.Root)
	}
	w.value("owner", d.Owner)
	acls := d.ACLs
	if acls == nil {
		acls = map[string]ACL{}
	}
	w.value("acls", acls)
	w.float("created", d.Created)
	w.float("lastModified", d.LastModified)
	w.extras(d.Extra)
	return w.bytes()
}

// UnmarshalJSON decodes a .domain.json strictly for known fields and keeps
// unknown ones.
func (d *Domain) UnmarshalJSON(b []byte) error {
	o, err := decodeObject(b)
	if err != nil {
		return fmt.Errorf("domain: %w", err)
	}
	var out Domain
	if v := o.take("root"); v != nil {
		if out.Root, err = decodeString(v); err != nil {
			return fmt.Errorf("domain: root: %w", err)
		}
		if err := ValidateID(out.Root); err != nil {
			return fmt.Errorf("domain: root: %w", err)
		}
	}
	if v := o.take("owner"); v != nil {
		if out.Owner, err = decodeString(v); err != nil {
			return fmt.Errorf("domain: owner: %w", err)
		}
	}
	if v := o.take("acls"); v != nil {
		if err := json.Unmarshal(v, &out.ACLs); err != nil {
			return fmt.Errorf("domain: acls: must map names to {create, read, update, delete, readACL, updateACL} booleans")
		}
	}
	if err := takeTimes(o, &out.Created, &out.LastModified); err != nil {
		return fmt.Errorf("domain: %w", err)
	}
	out.Extra = o.rest()
	*d = out
	return nil
}

func takeTimes(o *object, created, lastModified *float64) error {
	var err error
	if v := o.take("created"); v != nil {
		if *created, err = decodeFloat(v); err != nil {
			return fmt.Errorf("created: %w", err)
		}
	}
	if v := o.take("lastModified"); v != nil {
		if *lastModified, err = decodeFloat(v); err != nil {
			return fmt.Errorf("lastModified: %w", err)
		}
	}
	return nil
}

// takeID reads a required object id of the given kind.
func takeID(o *object, field string, kind byte) (string, error) {
	v := o.take(field)
	if v == nil {
		return "", fmt.Errorf("%s: missing", field)
	}
	s, err := decodeString(v)
	if err != nil {
		return "", fmt.Errorf("%s: %w", field, err)
	}
	if err := ValidateID(s); err != nil {
		return "", fmt.Errorf("%s: %w", field, err)
	}
	if kind != 0 && s[0] != kind {
		return "", fmt.Errorf("%s: %q is not a %q id", field, s, kind)
	}
	return s, nil
}

// Link is one entry of a group's links map. The title is the map key and is
// not stored in the item.
type Link struct {
	Class    string  // LinkHard, LinkSoft or LinkExternal
	ID       string  // hard links
	H5Path   string  // soft and external links
	H5Domain string  // external links
	Created  float64 // float seconds
	Extra    []Field
}

// MarshalJSON writes id|h5path, h5domain, class, created as HSDS does.
func (l Link) MarshalJSON() ([]byte, error) {
	w := newWriter()
	if l.ID != "" {
		w.value("id", l.ID)
	}
	if l.H5Path != "" {
		w.value("h5path", l.H5Path)
	}
	if l.H5Domain != "" {
		w.value("h5domain", l.H5Domain)
	}
	w.value("class", l.Class)
	w.float("created", l.Created)
	w.extras(l.Extra)
	return w.bytes()
}

// UnmarshalJSON decodes a stored link item.
func (l *Link) UnmarshalJSON(b []byte) error {
	o, err := decodeObject(b)
	if err != nil {
		return err
	}
	var out Link
	for _, f := range []struct {
		name string
		dst  *string
	}{{"class", &out.Class}, {"id", &out.ID}, {"h5path", &out.H5Path}, {"h5domain", &out.H5Domain}} {
		if v := o.take(f.name); v != nil {
			if *f.dst, err = decodeString(v); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
		}
	}
	if v := o.take("created"); v != nil {
		if out.Created, err = decodeFloat(v); err != nil {
			return fmt.Errorf("created: %w", err)
		}
	}
	if out.Class == "" {
		out.Class = InferLinkClass(out.ID, out.H5Path, out.H5Domain)
	}
	if err := out.Validate(); err != nil {
		return err
	}
	out.Extra = o.rest()
	*l = out
	return nil
}

// InferLinkClass infers a link class from its fields the way HSDS does: id
// -> hard, h5path+h5domain -> external, h5path -> soft; "" if none fits.
func InferLinkClass(id, h5path, h5domain string) string {
	switch {
	case id != "":
		return LinkHard
	case h5path != "" && h5domain != "":
		return LinkExternal
	case h5path != "":
		return LinkSoft
	}
	return ""
}

// Validate checks that a link's fields fit its class.
func (l *Link) Validate() error {
	switch l.Class {
	case LinkHard:
		if err := ValidateID(l.ID); err != nil {
			return fmt.Errorf("hard link id: %w", err)
		}
	case LinkSoft:
		if l.H5Path == "" {
			return errors.New("soft link needs h5path")
		}
	case LinkExternal:
		if l.H5Path == "" || l.H5Domain == "" {
			return errors.New("external link needs h5path and h5domain")
		}
	default:
		return fmt.Errorf("unknown link class %q", l.Class)
	}
	return nil
}

// Attribute is one entry of an object's attributes map.
type Attribute struct {
	Type     json.RawMessage // HDF5 type JSON, parsed by h5type
	Shape    Shape
	Value    json.RawMessage // JSON value in pyjson's internal form; null for none or H5S_NULL
	Created  float64
	Encoding string // "base64" when Value is a base64 string of the bytes
	Extra    []Field
}

// MarshalJSON writes type, shape, value, created[, encoding].
func (a Attribute) MarshalJSON() ([]byte, error) {
	w := newWriter()
	w.value("type", a.Type)
	w.value("shape", a.Shape)
	w.value("value", a.Value)
	w.float("created", a.Created)
	if a.Encoding != "" {
		w.value("encoding", a.Encoding)
	}
	w.extras(a.Extra)
	return w.bytes()
}

// UnmarshalJSON decodes a stored attribute.
func (a *Attribute) UnmarshalJSON(b []byte) error {
	o, err := decodeObject(b)
	if err != nil {
		return err
	}
	var out Attribute
	if out.Type = o.take("type"); out.Type == nil {
		return errors.New("type: missing")
	}
	v := o.take("shape")
	if v == nil {
		return errors.New("shape: missing")
	}
	if err := json.Unmarshal(v, &out.Shape); err != nil {
		return fmt.Errorf("shape: %w", err)
	}
	if raw, ok := o.vals["value"]; ok {
		out.Value = raw
		delete(o.vals, "value")
	}
	if v := o.take("created"); v != nil {
		if out.Created, err = decodeFloat(v); err != nil {
			return fmt.Errorf("created: %w", err)
		}
	}
	if v := o.take("encoding"); v != nil {
		if out.Encoding, err = decodeString(v); err != nil {
			return fmt.Errorf("encoding: %w", err)
		}
	}
	out.Extra = o.rest()
	*a = out
	return nil
}

// decodeLinks and decodeAttrs decode the maps with the entry name in errors.
func decodeLinks(v json.RawMessage) (map[string]Link, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil {
		return nil, errors.New("links: must be an object")
	}
	out := make(map[string]Link, len(raw))
	for _, k := range sortedKeys(raw) {
		var l Link
		if err := json.Unmarshal(raw[k], &l); err != nil {
			return nil, fmt.Errorf("links: %q: %w", k, err)
		}
		out[k] = l
	}
	return out, nil
}

func decodeAttrs(v json.RawMessage) (map[string]Attribute, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil {
		return nil, errors.New("attributes: must be an object")
	}
	out := make(map[string]Attribute, len(raw))
	for _, k := range sortedKeys(raw) {
		var a Attribute
		if err := json.Unmarshal(raw[k], &a); err != nil {
			return nil, fmt.Errorf("attributes: %q: %w", k, err)
		}
		out[k] = a
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Group is the content of a .group.json.
type Group struct {
	ID                 string
	Root               string
	Created            float64
	LastModified       float64
	Links              map[string]Link
	Attributes         map[string]Attribute
	CreationProperties json.RawMessage // e.g. {"CreateOrder": 1}; omitted when empty
	Extra              []Field
}

// MarshalJSON writes id, root, created, lastModified, links, attributes
// [, creationProperties].
func (g Group) MarshalJSON() ([]byte, error) {
	w := newWriter()
	w.value("id", g.ID)
	w.value("root", g.Root)
	w.float("created", g.Created)
	w.float("lastModified", g.LastModified)
	links := g.Links
	if links == nil {
		links = map[string]Link{}
	}
	w.value("links", links)
	attrs := g.Attributes
	if attrs == nil {
		attrs = map[string]Attribute{}
	}
	w.value("attributes", attrs)
	if len(g.CreationProperties) > 0 {
		w.value("creationProperties", g.CreationProperties)
	}
	w.extras(g.Extra)
	return w.bytes()
}

// UnmarshalJSON decodes a .group.json.
func (g *Group) UnmarshalJSON(b []byte) error {
	o, err := decodeObject(b)
	if err != nil {
		return fmt.Errorf("group: %w", err)
	}
	var out Group
	if out.ID, err = takeID(o, "id", KindGroup); err != nil {
		return fmt.Errorf("group: %w", err)
	}
	fail := func(err error) error { return fmt.Errorf("group %s: %w", out.ID, err) }
	if out.Root, err = takeID(o, "root", KindGroup); err != nil {
		return fail(err)
	}
	if err := takeTimes(o, &out.Created, &out.LastModified); err != nil {
		return fail(err)
	}
	out.Links = map[string]Link{}
	if v := o.take("links"); v != nil {
		if out.Links, err = decodeLinks(v); err != nil {
			return fail(err)
		}
	}
	out.Attributes = map[string]Attribute{}
	if v := o.take("attributes"); v != nil {
		if out.Attributes, err = decodeAttrs(v); err != nil {
			return fail(err)
		}
	}
	if v := o.take("creationProperties"); v != nil {
		if _, err := decodeObject(v); err != nil {
			return fail(errors.New("creationProperties: must be an object"))
		}
		out.CreationProperties = v
	}
	out.Extra = o.rest()
	*g = out
	return nil
}

// Datatype is the content of a .datatype.json (a committed type).
type Datatype struct {
	ID           string
	Root         string
	Created      float64
	LastModified float64
	Type         json.RawMessage
	Attributes   map[string]Attribute
	Extra        []Field
}

// MarshalJSON writes id, root, created, lastModified, type, attributes.
func (t Datatype) MarshalJSON() ([]byte, error) {
	w := newWriter()
	w.value("id", t.ID)
	w.value("root", t.Root)
	w.float("created", t.Created)
	w.float("lastModified", t.LastModified)
	w.value("type", t.Type)
	attrs := t.Attributes
	if attrs == nil {
		attrs = map[string]Attribute{}
	}
	w.value("attributes", attrs)
	w.extras(t.Extra)
	return w.bytes()
}

// UnmarshalJSON decodes a .datatype.json.
func (t *Datatype) UnmarshalJSON(b []byte) error {
	o, err := decodeObject(b)
	if err != nil {
		return fmt.Errorf("datatype: %w", err)
	}
	var out Datatype
	if out.ID, err = takeID(o, "id", KindDatatype); err != nil {
		return fmt.Errorf("datatype: %w", err)
	}
	fail := func(err error) error { return fmt.Errorf("datatype %s: %w", out.ID, err) }
	if out.Root, err = takeID(o, "root", KindGroup); err != nil {
		return fail(err)
	}
	if err := takeTimes(o, &out.Created, &out.LastModified); err != nil {
		return fail(err)
	}
	if out.Type = o.take("type"); out.Type == nil {
		return fail(errors.New("type: missing"))
	}
	out.Attributes = map[string]Attribute{}
	if v := o.take("attributes"); v != nil {
		if out.Attributes, err = decodeAttrs(v); err != nil {
			return fail(err)
		}
	}
	out.Extra = o.rest()
	*t = out
	return nil
}
