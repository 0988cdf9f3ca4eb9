package hdf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// ResolveFrom follows a relative h5path ("a/b") from group parentID and returns the object id
// it names. An absolute path is resolved from the root, as Resolve does.
func (f *File) ResolveFrom(ctx context.Context, parentID, h5path string) (string, error) {
	if strings.HasPrefix(h5path, "/") || parentID == "" || parentID == f.Domain.Root {
		return f.Resolve(ctx, "/"+strings.TrimPrefix(h5path, "/"))
	}
	id := parentID
	for _, name := range strings.Split(strings.Trim(h5path, "/"), "/") {
		if name == "" || name == "." {
			continue
		}
		if schema.Kind(id) != schema.KindGroup {
			return "", fmt.Errorf("h5path %s: %s is not a group: %w", h5path, id, ErrNotFound)
		}
		g, err := f.Group(ctx, id)
		if err != nil {
			return "", err
		}
		l, ok := g.Links[name]
		if !ok {
			return "", fmt.Errorf("h5path %s: no link %s in %s: %w", h5path, name, id, ErrNotFound)
		}
		switch l.Class {
		case schema.LinkHard:
			id = l.ID
		case schema.LinkSoft:
			if id, err = f.Resolve(ctx, l.H5Path); err != nil {
				return "", err
			}
		default:
			return "", fmt.Errorf("h5path %s: external link %s: %w", h5path, name, ErrUnsupported)
		}
	}
	return id, nil
}

// SetGroupCreationProperties replaces the creationProperties of group id (e.g.
// {"CreateOrder": 1} for h5pyd's track_order).
func (f *File) SetGroupCreationProperties(ctx context.Context, id string, cp json.RawMessage) error {
	return f.updateGroup(ctx, id, func(g *schema.Group) error {
		g.CreationProperties = cp
		return nil
	})
}

// Aliases returns the absolute h5paths through which object id is reached from the root by
// hard links (breadth first, at most limit paths, cycles cut). The root group's alias is "/".
// Dangling hard links are skipped; a group that cannot be read is an error.
func (f *File) Aliases(ctx context.Context, id string, limit int) ([]string, error) {
	if id == f.Domain.Root {
		return []string{"/"}, nil
	}
	type item struct{ id, path string }
	queue := []item{{f.Domain.Root, ""}}
	seen := map[string]bool{f.Domain.Root: true}
	var out []string
	for len(queue) > 0 && (limit <= 0 || len(out) < limit) {
		cur := queue[0]
		queue = queue[1:]
		g, err := f.Group(ctx, cur.id)
		if errors.Is(err, ErrNotFound) {
			continue // a dangling hard link
		}
		if err != nil {
			return nil, fmt.Errorf("aliases of %s: group %s: %w", id, cur.path+"/", err)
		}
		for _, name := range sortedLinkNames(g.Links) {
			l := g.Links[name]
			if l.Class != schema.LinkHard {
				continue
			}
			p := cur.path + "/" + name
			if l.ID == id {
				out = append(out, p)
			}
			if schema.Kind(l.ID) == schema.KindGroup && !seen[l.ID] {
				seen[l.ID] = true
				queue = append(queue, item{l.ID, p})
			}
		}
	}
	return out, nil
}

func sortedLinkNames(m map[string]schema.Link) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CreateNullDataset creates an unlinked dataset with an H5S_NULL dataspace (no layout, no
// values).
func (f *File) CreateNullDataset(ctx context.Context, typ json.RawMessage) (*schema.Dataset, error) {
	if f.Domain.IsFolder() {
		return nil, fmt.Errorf("create dataset in %s: %w", f.path, ErrIsFolder)
	}
	id, err := schema.NewObjID(f.Domain.Root, schema.KindDataset, f.rand)
	if err != nil {
		return nil, err
	}
	now := schema.Now()
	obj := schema.Dataset{ID: id, Root: f.Domain.Root, Created: now, LastModified: now, Type: typ,
		Shape: schema.Shape{Class: schema.ShapeNull}, Attributes: map[string]schema.Attribute{},
		CreationProperties: json.RawMessage("{}")}
	if err := f.putObject(ctx, id, obj, store.PutOptions{IfNoneMatch: true}); err != nil {
		return nil, err
	}
	return &obj, nil
}

// ChunkStats lists the stored chunks of dataset id: their count and total stored bytes.
func (f *File) ChunkStats(ctx context.Context, id string) (n int, bytes int64, err error) {
	if _, err := f.objectKey(ctx, id); err != nil {
		return 0, 0, err
	}
	err = f.st.List(ctx, f.bucket, schema.DatasetPrefix(id), "", func(e store.Entry) error {
		if !e.IsPrefix && !strings.HasSuffix(e.Key, ".dataset.json") {
			n++
			bytes += e.Size
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("list chunks of %s: %w", id, err)
	}
	return n, bytes, nil
}

// ResolveOptions choose which symbolic links ResolveWith follows (HSDS servicenode_lib.py
// getObjectIdByPath: follow_soft_links, follow_external_links).
type ResolveOptions struct {
	// FollowSoft follows soft links; without it a soft link on the path is a
	// LinkNotFollowedError.
	FollowSoft bool
	// FollowExternal follows external links through OpenExternal; without it (or without
	// OpenExternal) an external link on the path is an error matching ErrUnsupported.
	FollowExternal bool
	// OpenExternal opens the domain an external link names (its h5domain without a leading
	// "hdf5:/"), checking the caller's permissions.
	OpenExternal func(ctx context.Context, domain string) (*File, error)
}

// LinkNotFollowedError reports a soft or external link on an h5path whose kind the caller did
// not ask to follow. It matches ErrUnsupported (HSDS answers 400: "Query found unexpected soft
// link").
type LinkNotFollowedError struct {
	Class, Link string
}

func (e *LinkNotFollowedError) Error() string {
	what := "soft"
	if e.Class == schema.LinkExternal {
		what = "external"
	}
	return fmt.Sprintf("h5path crosses the %s link %s: ask to follow %s links (follow_%s_links=1)", what, e.Link, what, what)
}

// Is makes the error match ErrUnsupported.
func (e *LinkNotFollowedError) Is(target error) bool { return target == ErrUnsupported }

// maxLinkDepth bounds the symbolic links one resolution follows (cycles).
const maxLinkDepth = 32

// ResolveWith returns the domain and id of the object h5path names: an absolute path from the
// root, a relative one (also "./a", and "." for startID itself) from group startID. Soft links
// with an absolute target restart at the root of the domain they are in, relative ones at the
// group that holds them; external links continue at the root of their domain. A missing link
// is ErrNotFound; links not asked for are a LinkNotFollowedError; more than 32 symbolic links
// (a cycle) match ErrUnsupported.
func (f *File) ResolveWith(ctx context.Context, startID, h5path string, opts ResolveOptions) (*File, string, error) {
	return f.resolveWith(ctx, startID, h5path, opts, 0)
}

func (f *File) resolveWith(ctx context.Context, startID, h5path string, opts ResolveOptions, depth int) (*File, string, error) {
	if f.Domain.IsFolder() {
		return nil, "", fmt.Errorf("resolve %s in %s: %w", h5path, f.path, ErrIsFolder)
	}
	if depth > maxLinkDepth {
		return nil, "", fmt.Errorf("resolve %s: more than %d symbolic links (a cycle?): %w", h5path, maxLinkDepth, ErrUnsupported)
	}
	h5path = strings.TrimPrefix(h5path, "./")
	cur, id := f, startID
	if strings.HasPrefix(h5path, "/") || id == "" {
		id = f.Domain.Root
	}
	walked := ""
	for _, name := range strings.Split(h5path, "/") {
		if name == "" || name == "." {
			continue
		}
		if schema.Kind(id) != schema.KindGroup {
			return nil, "", fmt.Errorf("h5path %s: %s is not a group: %w", h5path, walked, ErrNotFound)
		}
		g, err := cur.Group(ctx, id)
		if err != nil {
			return nil, "", err
		}
		walked += "/" + name
		l, ok := g.Links[name]
		if !ok {
			return nil, "", fmt.Errorf("h5path %s: no link %s: %w", h5path, walked, ErrNotFound)
		}
		switch l.Class {
		case schema.LinkHard:
			id = l.ID
		case schema.LinkSoft:
			if !opts.FollowSoft {
				return nil, "", &LinkNotFollowedError{Class: l.Class, Link: walked}
			}
			if cur, id, err = cur.resolveWith(ctx, g.ID, l.H5Path, opts, depth+1); err != nil {
				return nil, "", err
			}
		default:
			if !opts.FollowExternal || opts.OpenExternal == nil {
				if !opts.FollowExternal {
					return nil, "", &LinkNotFollowedError{Class: l.Class, Link: walked}
				}
				return nil, "", &ExternalLinkError{Link: walked, Domain: l.H5Domain, Path: l.H5Path}
			}
			if !strings.HasPrefix(l.H5Path, "/") {
				return nil, "", fmt.Errorf("external link %s: relative target %q cannot be followed: %w", walked, l.H5Path, ErrUnsupported)
			}
			ext, err := opts.OpenExternal(ctx, strings.TrimPrefix(l.H5Domain, "hdf5:/"))
			if err != nil {
				return nil, "", err
			}
			if cur, id, err = ext.resolveWith(ctx, "", l.H5Path, opts, depth+1); err != nil {
				return nil, "", err
			}
		}
	}
	return cur, id, nil
}
