package hdf

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hsfan/hsfan/hsds/schema"
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
