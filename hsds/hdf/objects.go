package hdf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// objectKey validates that id belongs to this domain and returns its storage key. A folder is
// ErrIsFolder; the id of an object stored under another domain's root is a ForeignObjectError
// (HSDS servicenode_lib.py validateAction: "Object id is not a member of the given domain",
// 400); an id of no stored object is ErrNotFound.
func (f *File) objectKey(ctx context.Context, id string) (string, error) {
	if err := schema.ValidateID(id); err != nil {
		return "", err
	}
	if f.Domain.Root == "" {
		return "", fmt.Errorf("object %s in %s: %w", id, f.path, ErrIsFolder)
	}
	if schema.RootOf(id) != f.Domain.Root {
		key, err := schema.ObjectKey(id)
		if err == nil {
			if _, err := f.st.Stat(ctx, f.bucket, key); err == nil {
				return "", &ForeignObjectError{ID: id, Domain: f.path}
			}
		}
		return "", fmt.Errorf("object %s is not in domain %s: %w", id, f.path, ErrNotFound)
	}
	return schema.ObjectKey(id)
}

// CheckMember reports whether id names an object of this domain: nil when its root is the
// domain's, else the error objectKey gives (ErrIsFolder, ForeignObjectError or ErrNotFound).
func (f *File) CheckMember(ctx context.Context, id string) error {
	_, err := f.objectKey(ctx, id)
	return err
}

// CheckObject is CheckMember that also requires the object to be stored (ErrNotFound when not):
// the target check of a hard link (HSDS servicenode_lib.py putLink: 404 for no object, 400 for
// an object of another domain).
func (f *File) CheckObject(ctx context.Context, id string) error {
	key, err := f.objectKey(ctx, id)
	if err != nil {
		return err
	}
	if _, err := f.st.Stat(ctx, f.bucket, key); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("object %s: %w", id, ErrNotFound)
	} else if err != nil {
		return fmt.Errorf("stat object %s: %w", id, err)
	}
	return nil
}

// ForeignObjectError is the error for an object id that exists under another domain's root.
// It matches ErrNotMember and, so that it maps to 400 wherever bad input does, ErrUnsupported.
type ForeignObjectError struct {
	ID, Domain string
}

func (e *ForeignObjectError) Error() string {
	return fmt.Sprintf("object id %s is not a member of the given domain %s", e.ID, e.Domain)
}

// Is matches ErrNotMember and ErrUnsupported.
func (e *ForeignObjectError) Is(target error) bool {
	return target == ErrNotMember || target == ErrUnsupported
}

// getObject reads and decodes the JSON object id into v.
func (f *File) getObject(ctx context.Context, id string, v any) (store.ObjectInfo, error) {
	key, err := f.objectKey(ctx, id)
	if err != nil {
		return store.ObjectInfo{}, err
	}
	var info store.ObjectInfo
	readErr, err := getSettled(ctx, f.st, f.bucket, key, func(b []byte, i store.ObjectInfo) error {
		info = i
		if len(b) == 0 {
			return errEmptyObject
		}
		return decodeStored(id, key, b, v)
	})
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, errEmptyObject):
		return info, fmt.Errorf("object %s: %w", id, ErrNotFound)
	case err != nil && readErr:
		return info, fmt.Errorf("read object %s: %w", id, err)
	case err != nil:
		return info, err
	}
	return info, nil
}

// decodeStored decodes the stored JSON of object id (at key) into v with schema.Unmarshal, which
// reads Python's NaN/Infinity tokens; errors name the object and its key.
func decodeStored(id, key string, b []byte, v any) error {
	if err := schema.Unmarshal(b, v); err != nil {
		return fmt.Errorf("object %s (%s): %w", id, key, err)
	}
	return nil
}

// putObject encodes v compactly (as HSDS does) and stores it as the object id.
func (f *File) putObject(ctx context.Context, id string, v any, opts store.PutOptions) error {
	key, err := schema.ObjectKey(id)
	if err != nil {
		return err
	}
	b, err := schema.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode object %s: %w", id, err)
	}
	if _, err := f.st.Put(ctx, f.bucket, key, b, opts); err != nil {
		if errors.Is(err, store.ErrPreconditionFailed) && opts.IfNoneMatch {
			return fmt.Errorf("object %s: %w", id, ErrExists)
		}
		return fmt.Errorf("write object %s: %w", id, err)
	}
	return nil
}

// updateGroup applies fn to the stored group id under a conditional write, retrying on conflicts.
func (f *File) updateGroup(ctx context.Context, id string, fn func(g *schema.Group) error) error {
	key, err := f.objectKey(ctx, id)
	if err != nil {
		return err
	}
	_, err = store.Update(ctx, f.st, f.bucket, key, func(old []byte, exists bool) ([]byte, error) {
		if !exists || len(old) == 0 {
			return nil, fmt.Errorf("group %s: %w", id, ErrNotFound)
		}
		var g schema.Group
		if err := decodeStored(id, key, old, &g); err != nil {
			return nil, err
		}
		if err := fn(&g); err != nil {
			return nil, err
		}
		g.LastModified = schema.Now()
		return schema.Marshal(g)
	})
	return err
}

// Group reads the group id.
func (f *File) Group(ctx context.Context, id string) (*schema.Group, error) {
	var g schema.Group
	if _, err := f.getObject(ctx, id, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// DatasetObject reads the stored JSON of dataset id.
func (f *File) DatasetObject(ctx context.Context, id string) (*schema.Dataset, error) {
	var d schema.Dataset
	if _, err := f.getObject(ctx, id, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Datatype reads the committed datatype id.
func (f *File) Datatype(ctx context.Context, id string) (*schema.Datatype, error) {
	var t schema.Datatype
	if _, err := f.getObject(ctx, id, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateGroup creates a group and links it as name in parentID.
func (f *File) CreateGroup(ctx context.Context, parentID, name string) (string, error) {
	if f.Domain.IsFolder() {
		return "", fmt.Errorf("create group in %s: %w", f.path, ErrIsFolder)
	}
	id, err := schema.NewObjID(f.Domain.Root, schema.KindGroup, f.rand)
	if err != nil {
		return "", err
	}
	now := schema.Now()
	g := schema.Group{ID: id, Root: f.Domain.Root, Created: now, LastModified: now,
		Links: map[string]schema.Link{}, Attributes: map[string]schema.Attribute{}}
	if err := f.putObject(ctx, id, g, store.PutOptions{IfNoneMatch: true}); err != nil {
		return "", err
	}
	if err := f.Link(ctx, parentID, name, schema.Link{Class: schema.LinkHard, ID: id}); err != nil {
		return "", err
	}
	return id, nil
}

// Link adds the link name to group parentID. An identical existing link is accepted; a different
// one is ErrExists.
func (f *File) Link(ctx context.Context, parentID, name string, l schema.Link) error {
	if name == "" || strings.Contains(name, "/") {
		return fmt.Errorf("link name %q: must be non-empty without '/'", name)
	}
	if l.Created == 0 {
		l.Created = schema.Now()
	}
	if l.Class == "" {
		l.Class = schema.InferLinkClass(l.ID, l.H5Path, l.H5Domain)
	}
	if err := l.Validate(); err != nil {
		return fmt.Errorf("link %s: %w", name, err)
	}
	return f.updateGroup(ctx, parentID, func(g *schema.Group) error {
		if old, ok := g.Links[name]; ok {
			if old.Class == l.Class && old.ID == l.ID && old.H5Path == l.H5Path && old.H5Domain == l.H5Domain {
				return nil
			}
			return fmt.Errorf("link %s in group %s: %w", name, parentID, ErrExists)
		}
		if g.Links == nil {
			g.Links = map[string]schema.Link{}
		}
		g.Links[name] = l
		return nil
	})
}

// Resolve follows an absolute h5path ("/a/b/c") from the root group through hard links (and soft
// links within the domain) and returns the object id it names.
func (f *File) Resolve(ctx context.Context, h5path string) (string, error) {
	return f.resolve(ctx, h5path, 0)
}

func (f *File) resolve(ctx context.Context, h5path string, depth int) (string, error) {
	if f.Domain.IsFolder() {
		return "", fmt.Errorf("resolve %s in %s: %w", h5path, f.path, ErrIsFolder)
	}
	if depth > 16 {
		return "", fmt.Errorf("resolve %s: too many soft links", h5path)
	}
	if !strings.HasPrefix(h5path, "/") {
		return "", fmt.Errorf("h5path %q: must be absolute", h5path)
	}
	id := f.Domain.Root
	walked := ""
	names := strings.Split(strings.Trim(h5path, "/"), "/")
	for k, name := range names {
		if name == "" {
			continue
		}
		if schema.Kind(id) != schema.KindGroup {
			return "", fmt.Errorf("h5path %s: %s is not a group: %w", h5path, walked, ErrNotFound)
		}
		g, err := f.Group(ctx, id)
		if err != nil {
			return "", err
		}
		l, ok := g.Links[name]
		walked += "/" + name
		if !ok {
			return "", fmt.Errorf("h5path %s: no link %s: %w", h5path, walked, ErrNotFound)
		}
		switch l.Class {
		case schema.LinkHard:
			id = l.ID
		case schema.LinkSoft:
			if id, err = f.resolve(ctx, l.H5Path, depth+1); err != nil {
				return "", err
			}
		default:
			return "", &ExternalLinkError{Link: walked, Domain: l.H5Domain, Path: l.H5Path, Rest: strings.Join(names[k+1:], "/")}
		}
	}
	return id, nil
}

// ExternalLinkError reports an h5path that continues in another domain through an external
// link. It matches ErrUnsupported for callers that do not follow external links.
type ExternalLinkError struct {
	// Link is the path of the link in this domain; Domain and Path its target; Rest the part of
	// the h5path after the link.
	Link, Domain, Path, Rest string
}

func (e *ExternalLinkError) Error() string {
	return fmt.Sprintf("external link %s to %s%s: %v", e.Link, e.Domain, e.Path, ErrUnsupported)
}

// Is makes the error match ErrUnsupported.
func (e *ExternalLinkError) Is(target error) bool { return target == ErrUnsupported }

// Target is the h5path in the target domain that the original path names.
func (e *ExternalLinkError) Target() string {
	if e.Rest == "" {
		return e.Path
	}
	return strings.TrimSuffix(e.Path, "/") + "/" + e.Rest
}

// SetAttribute stores (or replaces) the attribute name on the group, dataset or datatype objID.
// typ is the type JSON, dims nil means a scalar, value is the value as Go values (numbers,
// strings, nested []any or typed slices; NaN and ±Inf floats are stored as Python's tokens).
func (f *File) SetAttribute(ctx context.Context, objID, name string, typ json.RawMessage, dims []int, value any) error {
	if name == "" || strings.Contains(name, "/") {
		return fmt.Errorf("attribute name %q: must be non-empty without '/'", name)
	}
	py, err := h5type.MarshalValueJSON(value, false)
	if err != nil {
		return fmt.Errorf("attribute %s: %w", name, err)
	}
	v, err := pyjson.ToStd(py)
	if err != nil {
		return fmt.Errorf("attribute %s: %w", name, err)
	}
	a := schema.Attribute{Type: typ, Value: v, Created: schema.Now(), Shape: schema.Shape{Class: schema.ShapeScalar}}
	if dims != nil {
		a.Shape = schema.Shape{Class: schema.ShapeSimple, Dims: dims}
	}
	err = f.updateAttributes(ctx, objID, func(m map[string]schema.Attribute) error {
		m[name] = a
		return nil
	})
	if err != nil {
		return fmt.Errorf("set attribute %s on %s: %w", name, objID, err)
	}
	return nil
}
