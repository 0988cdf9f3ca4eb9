package hdf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// ErrRootGroup is returned when an operation would delete a domain's root group.
var ErrRootGroup = errors.New("root group cannot be deleted")

// NewGroup creates a group that no link points to yet (POST /groups without a link) and returns
// its stored JSON. creationProperties may be nil.
func (f *File) NewGroup(ctx context.Context, creationProperties json.RawMessage) (*schema.Group, error) {
	if f.Domain.IsFolder() {
		return nil, fmt.Errorf("create group in %s: %w", f.path, ErrIsFolder)
	}
	id, err := schema.NewObjID(f.Domain.Root, schema.KindGroup, f.rand)
	if err != nil {
		return nil, fmt.Errorf("create group: %w", err)
	}
	now := schema.Now()
	g := schema.Group{ID: id, Root: f.Domain.Root, Created: now, LastModified: now,
		Links: map[string]schema.Link{}, Attributes: map[string]schema.Attribute{},
		CreationProperties: creationProperties}
	if err := f.putObject(ctx, id, g, store.PutOptions{IfNoneMatch: true}); err != nil {
		return nil, err
	}
	return &g, nil
}

// CreateDatatype stores a committed datatype (POST /datatypes) and returns its JSON. typ is
// normalised as HSDS does (a predefined name becomes an object).
func (f *File) CreateDatatype(ctx context.Context, typ json.RawMessage) (*schema.Datatype, error) {
	if f.Domain.IsFolder() {
		return nil, fmt.Errorf("create datatype in %s: %w", f.path, ErrIsFolder)
	}
	norm, err := h5type.Normalize(typ)
	if err != nil {
		return nil, fmt.Errorf("create datatype: %w", err)
	}
	if _, err := h5type.Parse(norm); err != nil {
		return nil, fmt.Errorf("create datatype: %w", err)
	}
	id, err := schema.NewObjID(f.Domain.Root, schema.KindDatatype, f.rand)
	if err != nil {
		return nil, fmt.Errorf("create datatype: %w", err)
	}
	now := schema.Now()
	t := schema.Datatype{ID: id, Root: f.Domain.Root, Created: now, LastModified: now, Type: norm,
		Attributes: map[string]schema.Attribute{}}
	if err := f.putObject(ctx, id, t, store.PutOptions{IfNoneMatch: true}); err != nil {
		return nil, err
	}
	return &t, nil
}

// DeleteObject deletes the group, dataset (with all its chunks) or committed datatype id. Links
// that point to it are left alone, as HSDS does. The root group cannot be deleted.
func (f *File) DeleteObject(ctx context.Context, id string) error {
	key, err := f.objectKey(ctx, id)
	if err != nil {
		return err
	}
	if id == f.Domain.Root {
		return fmt.Errorf("delete %s: %w", id, ErrRootGroup)
	}
	if _, err := f.st.Stat(ctx, f.bucket, key); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("object %s: %w", id, ErrNotFound)
	} else if err != nil {
		return fmt.Errorf("stat object %s: %w", id, err)
	}
	if err := f.st.Delete(ctx, f.bucket, key); err != nil {
		return fmt.Errorf("delete object %s: %w", id, err)
	}
	if schema.Kind(id) != schema.KindDataset {
		return nil
	}
	var keys []string
	prefix := schema.DatasetPrefix(id)
	if err := f.st.List(ctx, f.bucket, prefix, "", func(e store.Entry) error {
		if !e.IsPrefix {
			keys = append(keys, e.Key)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("list chunks of %s: %w", id, err)
	}
	for _, k := range keys {
		if err := f.st.Delete(ctx, f.bucket, k); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("delete chunk %s: %w", k, err)
		}
	}
	return nil
}

// Unlink removes the links names from group groupID. A missing name fails with ErrNotFound and
// removes nothing.
func (f *File) Unlink(ctx context.Context, groupID string, names ...string) error {
	return f.updateGroup(ctx, groupID, func(g *schema.Group) error {
		for _, n := range names {
			if _, ok := g.Links[n]; !ok {
				return fmt.Errorf("link %s in group %s: %w", n, groupID, ErrNotFound)
			}
		}
		for _, n := range names {
			delete(g.Links, n)
		}
		return nil
	})
}

// ObjectAttributes returns the attributes of the group, dataset or datatype objID.
func (f *File) ObjectAttributes(ctx context.Context, objID string) (map[string]schema.Attribute, error) {
	switch schema.Kind(objID) {
	case schema.KindGroup:
		g, err := f.Group(ctx, objID)
		if err != nil {
			return nil, err
		}
		return g.Attributes, nil
	case schema.KindDataset:
		d, err := f.DatasetObject(ctx, objID)
		if err != nil {
			return nil, err
		}
		return d.Attributes, nil
	case schema.KindDatatype:
		t, err := f.Datatype(ctx, objID)
		if err != nil {
			return nil, err
		}
		return t.Attributes, nil
	}
	return nil, fmt.Errorf("object %q: %w", objID, schema.ErrInvalidID)
}

// updateAttributes applies fn to the attribute map of objID under a conditional write.
func (f *File) updateAttributes(ctx context.Context, objID string, fn func(m map[string]schema.Attribute) error) error {
	key, err := f.objectKey(ctx, objID)
	if err != nil {
		return err
	}
	_, err = store.Update(ctx, f.st, f.bucket, key, func(old []byte, exists bool) ([]byte, error) {
		if !exists || len(old) == 0 {
			return nil, fmt.Errorf("object %s: %w", objID, ErrNotFound)
		}
		now := schema.Now()
		switch schema.Kind(objID) {
		case schema.KindGroup:
			var g schema.Group
			if err := decodeStored(objID, key, old, &g); err != nil {
				return nil, err
			}
			if g.Attributes == nil {
				g.Attributes = map[string]schema.Attribute{}
			}
			if err := fn(g.Attributes); err != nil {
				return nil, err
			}
			g.LastModified = now
			return schema.Marshal(g)
		case schema.KindDataset:
			var d schema.Dataset
			if err := decodeStored(objID, key, old, &d); err != nil {
				return nil, err
			}
			if d.Attributes == nil {
				d.Attributes = map[string]schema.Attribute{}
			}
			if err := fn(d.Attributes); err != nil {
				return nil, err
			}
			d.LastModified = now
			return schema.Marshal(d)
		default:
			var t schema.Datatype
			if err := decodeStored(objID, key, old, &t); err != nil {
				return nil, err
			}
			if t.Attributes == nil {
				t.Attributes = map[string]schema.Attribute{}
			}
			if err := fn(t.Attributes); err != nil {
				return nil, err
			}
			t.LastModified = now
			return schema.Marshal(t)
		}
	})
	return err
}

// PutAttribute stores attribute name on objID. An identical existing attribute (same type,
// shape and value) is kept and created is false; a different one fails with ErrExists unless
// replace is set.
func (f *File) PutAttribute(ctx context.Context, objID, name string, a schema.Attribute, replace bool) (created bool, err error) {
	if err := ValidateAttributeName(name); err != nil {
		return false, fmt.Errorf("attribute: %w", err)
	}
	if a.Created == 0 {
		a.Created = schema.Now()
	}
	err = f.updateAttributes(ctx, objID, func(m map[string]schema.Attribute) error {
		// HSDS attr_dn.py PUT_Attributes: an identical attribute is left alone (200), replace
		// included; a replaced one keeps its created time and counts as written (201).
		if old, ok := m[name]; ok {
			if sameAttribute(old, a) {
				created = false
				return errUnchanged
			}
			if !replace {
				return fmt.Errorf("attribute %s of %s: %w", name, objID, ErrExists)
			}
			a.Created = old.Created
		}
		created = true
		m[name] = a
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return false, nil
	}
	return created, err
}

// errUnchanged aborts an update that has nothing to write.
var errUnchanged = errors.New("unchanged")

func sameAttribute(a, b schema.Attribute) bool {
	ja, _ := schema.Marshal(schema.Attribute{Type: a.Type, Shape: a.Shape, Value: a.Value, Encoding: a.Encoding})
	jb, _ := schema.Marshal(schema.Attribute{Type: b.Type, Shape: b.Shape, Value: b.Value, Encoding: b.Encoding})
	return string(ja) == string(jb)
}

// DeleteAttributes removes the attributes names from objID; a missing name fails with
// ErrNotFound and removes nothing.
func (f *File) DeleteAttributes(ctx context.Context, objID string, names ...string) error {
	return f.updateAttributes(ctx, objID, func(m map[string]schema.Attribute) error {
		for _, n := range names {
			if _, ok := m[n]; !ok {
				return fmt.Errorf("attribute %s of %s: %w", n, objID, ErrNotFound)
			}
		}
		for _, n := range names {
			delete(m, n)
		}
		return nil
	})
}

// ValidateAttributeName checks an attribute name: non-empty; unlike link names it may hold '/'
// (HSDS attrUtil.py validateAttributeName only wants a string; HDF5 allows any name).
func ValidateAttributeName(name string) error {
	if name == "" {
		return errors.New("empty attribute name")
	}
	return nil
}

// ValidateName checks a link name: non-empty, without '/' (HSDS linkUtil.py validateLinkName).
func ValidateName(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			return fmt.Errorf("name %q: must not contain '/'", name)
		}
	}
	return nil
}

// ListObjects crawls the domain from its root group through hard links and returns the ids of
// the groups (root excluded), datasets and committed datatypes it reaches, each sorted. At most
// limit objects are visited (0 = no limit); truncated reports whether the limit cut the crawl.
func (f *File) ListObjects(ctx context.Context, limit int) (groups, datasets, datatypes []string, truncated bool, err error) {
	if f.Domain.IsFolder() {
		return nil, nil, nil, false, fmt.Errorf("list objects of %s: %w", f.path, ErrIsFolder)
	}
	seen := map[string]bool{f.Domain.Root: true}
	queue := []string{f.Domain.Root}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, nil, nil, false, err
		}
		id := queue[0]
		queue = queue[1:]
		g, err := f.Group(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue // dangling hard link
		}
		if err != nil {
			return nil, nil, nil, false, err
		}
		for _, l := range g.Links {
			if l.Class != schema.LinkHard || seen[l.ID] || schema.RootOf(l.ID) != f.Domain.Root {
				continue
			}
			if limit > 0 && len(seen) > limit {
				truncated = true
				break
			}
			seen[l.ID] = true
			switch schema.Kind(l.ID) {
			case schema.KindGroup:
				groups = append(groups, l.ID)
				queue = append(queue, l.ID)
			case schema.KindDataset:
				datasets = append(datasets, l.ID)
			case schema.KindDatatype:
				datatypes = append(datatypes, l.ID)
			}
		}
	}
	sort.Strings(groups)
	sort.Strings(datasets)
	sort.Strings(datatypes)
	return groups, datasets, datatypes, truncated, nil
}
