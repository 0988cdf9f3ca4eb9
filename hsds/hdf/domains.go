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
// in key order: every sub-directory that holds a .domain.json. The first domain that cannot be
// read fails the listing (EachDomain lets the caller go on).
func ListDomains(ctx context.Context, st store.Store, bucket, folder string) ([]DomainEntry, error) {
	var out []DomainEntry
	err := EachDomain(ctx, st, bucket, folder, func(path string, f *File, err error) error {
		if err != nil {
			return err
		}
		out = append(out, DomainEntry{Path: path, Domain: f.Domain})
		return nil
	})
	return out, err
}

// EachDomain calls fn, in key order, for every domain and folder directly inside folder ("/"
// for the top level) with the opened domain, or with the error that opening it gave (f nil);
// an error fn returns stops the walk and is returned. Sub-directories without a .domain.json,
// with a name that is no valid domain path, and the top-level db/ (HSDS's object folder) are
// not domains and are skipped. This is the one domain lister (the REST API's GET /domains and
// `hsfan ls`).
func EachDomain(ctx context.Context, st store.Store, bucket, folder string, fn func(path string, f *File, err error) error) error {
	prefix := ""
	if folder != "/" && folder != "" {
		key, err := domainKey(strings.TrimSuffix(folder, "/"))
		if err != nil {
			return err
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
		return fmt.Errorf("list domains in %s: %w", folder, err)
	}
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
		if err := fn(p, f, err); err != nil {
			return err
		}
	}
	return nil
}
