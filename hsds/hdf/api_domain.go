package hdf

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// SetACL stores acl as the entry for user ("default", a user name or "g:<group>") in the
// domain's .domain.json, under a conditional write, and updates f.Domain.
func (f *File) SetACL(ctx context.Context, user string, acl schema.ACL) error {
	if user == "" {
		return errors.New("set acl: empty user name")
	}
	key, err := domainKey(f.path)
	if err != nil {
		return err
	}
	var dom schema.Domain
	info, err := store.Update(ctx, f.st, f.bucket, key, func(old []byte, exists bool) ([]byte, error) {
		if !exists || len(old) == 0 {
			return nil, fmt.Errorf("domain %s: %w", f.path, ErrNotFound)
		}
		dom = schema.Domain{}
		if err := schema.Unmarshal(old, &dom); err != nil {
			return nil, fmt.Errorf("domain %s (%s): %w", f.path, key, err)
		}
		if dom.ACLs == nil {
			dom.ACLs = map[string]schema.ACL{}
		}
		dom.ACLs[user] = acl
		dom.LastModified = schema.Now()
		return schema.Marshal(dom)
	})
	if err != nil {
		return fmt.Errorf("set acl %s on %s: %w", user, f.path, err)
	}
	f.Domain = dom
	f.ETag = info.ETag
	return nil
}

// DomainEntry is one sub-domain or sub-folder found by ListDomains.
type DomainEntry struct {
	// Path is the domain path, e.g. "/home/u/f.h5".
	Path string
	// Domain is its .domain.json.
	Domain schema.Domain
}

// ListDomains returns the domains and folders directly inside folder ("/" for the top level),
// in key order: every sub-directory that holds a .domain.json.
func ListDomains(ctx context.Context, st store.Store, bucket, folder string) ([]DomainEntry, error) {
	prefix := ""
	if folder != "/" && folder != "" {
		key, err := domainKey(strings.TrimSuffix(folder, "/"))
		if err != nil {
			return nil, err
		}
		prefix = strings.TrimSuffix(key, ".domain.json")
	}
	var subs []string
	if err := st.List(ctx, bucket, prefix, "/", func(e store.Entry) error {
		if e.IsPrefix {
			subs = append(subs, e.Key)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("list domains in %s: %w", folder, err)
	}
	var out []DomainEntry
	for _, s := range subs {
		if s == "db/" && prefix == "" {
			continue
		}
		p := "/" + strings.TrimSuffix(s, "/")
		if schema.ValidateDomainPath(p) != nil {
			continue
		}
		f, err := Open(ctx, st, bucket, p)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, DomainEntry{Path: p, Domain: f.Domain})
	}
	return out, nil
}
