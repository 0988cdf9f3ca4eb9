package hdf

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// Sentinel errors; match with errors.Is.
var (
	// ErrNotFound is returned for domains, objects and links that do not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists is returned when creating something that already exists.
	ErrExists = errors.New("already exists")
	// ErrIsFolder is returned when a folder is used where a domain with a root group is needed.
	ErrIsFolder = errors.New("is a folder")
	// ErrNotMember is matched by a ForeignObjectError: an object id of another domain.
	ErrNotMember = errors.New("object is not a member of the domain")
	// ErrUnsupported is returned for valid HDF features this engine does not implement.
	ErrUnsupported = errors.New("unsupported")
	// ErrCorrupt is returned for stored chunks that cannot be decoded.
	ErrCorrupt = errors.New("corrupt chunk")
)

// File is an open domain (the HSDS stand-in for an HDF5 file) or folder.
type File struct {
	st     store.Store
	bucket string
	path   string
	// Domain is the .domain.json content as read (or written) when the File was opened.
	Domain schema.Domain
	// ETag is the .domain.json ETag at open time: a version stamp for manifests.
	ETag string
	// Refs confines what the reference layouts of datasets opened through this File may read
	// (zero: each dataset's own bucket). Set it before opening datasets.
	Refs RefPolicy
	rand io.Reader
}

// Store returns the object store the file reads from.
func (f *File) Store() store.Store { return f.st }

// Bucket returns the bucket of the domain.
func (f *File) Bucket() string { return f.bucket }

// Path returns the domain path, e.g. "/shared/sst/mur25.h5".
func (f *File) Path() string { return f.path }

// RootID returns the id of the root group ("" for folders).
func (f *File) RootID() string { return f.Domain.Root }

// Open reads the domain at path (e.g. "/home/user/file.h5") in bucket.
func Open(ctx context.Context, st store.Store, bucket, domainPath string) (*File, error) {
	key, err := domainKey(domainPath)
	if err != nil {
		return nil, err
	}
	f := &File{st: st, bucket: bucket, path: domainPath, rand: rand.Reader}
	readErr, err := getSettled(ctx, st, bucket, key, func(b []byte, info store.ObjectInfo) error {
		if len(b) == 0 {
			return errEmptyObject
		}
		f.ETag, f.Domain = info.ETag, schema.Domain{}
		if err := schema.Unmarshal(b, &f.Domain); err != nil {
			return fmt.Errorf("domain %s (%s): %w", domainPath, key, err)
		}
		return nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, errEmptyObject):
		return nil, fmt.Errorf("domain %s: %w", domainPath, ErrNotFound)
	case err != nil && readErr:
		return nil, fmt.Errorf("read domain %s: %w", domainPath, err)
	case err != nil:
		return nil, err
	}
	return f, nil
}

func domainKey(domainPath string) (string, error) {
	if err := schema.ValidateDomainPath(domainPath); err != nil {
		return "", fmt.Errorf("domain %q: %w", domainPath, err)
	}
	return schema.DomainKey(domainPath)
}

// CreateOptions configure Create.
type CreateOptions struct {
	// Owner becomes the domain's owner with every permission.
	Owner string
	// Folder creates a folder (no root group) instead of a domain.
	Folder bool
	// Parents creates missing parent folders (owned by Owner, readable by default).
	Parents bool
	// Rand is the randomness for object ids (crypto/rand when nil).
	Rand io.Reader
	// LinkedRoot, when set, is the root group id of an existing domain of the same bucket: the
	// new domain shares that root and its objects (HSDS domain_sn.py PUT_Domain linked_domain)
	// instead of getting an empty root group. Not with Folder.
	LinkedRoot string
	// ACLs are added to the domain's ACLs besides the owner's (e.g. "default": read).
	ACLs map[string]schema.ACL
	// RootAttributes are stored in the new root group, so that they exist from the moment the
	// domain does (a domain is published by its .domain.json, written after the root group).
	RootAttributes map[string]schema.Attribute
}

// Create creates a domain (with an empty root group) or a folder at domainPath. It fails with
// ErrExists when the path already holds a domain or folder, and then leaves no object behind (the
// root group written before the .domain.json that lost the race is deleted again).
func Create(ctx context.Context, st store.Store, bucket, domainPath string, opts CreateOptions) (*File, error) {
	key, err := domainKey(domainPath)
	if err != nil {
		return nil, err
	}
	r := opts.Rand
	if r == nil {
		r = rand.Reader
	}
	if opts.Parents {
		if err := createParents(ctx, st, bucket, domainPath, opts.Owner); err != nil {
			return nil, err
		}
	}
	if _, err := st.Stat(ctx, bucket, key); err == nil {
		return nil, fmt.Errorf("create domain %s: %w", domainPath, ErrExists)
	} else if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrBucketNotFound) {
		return nil, fmt.Errorf("create domain %s: %w", domainPath, err)
	}
	now := schema.Now()
	f := &File{st: st, bucket: bucket, path: domainPath, rand: r}
	f.Domain = schema.Domain{Owner: opts.Owner, ACLs: map[string]schema.ACL{}, Created: now, LastModified: now}
	for name, acl := range opts.ACLs {
		f.Domain.ACLs[name] = acl
	}
	if opts.Owner != "" {
		f.Domain.ACLs[opts.Owner] = schema.FullACL()
	}
	switch {
	case opts.Folder && opts.LinkedRoot != "":
		return nil, fmt.Errorf("create domain %s: a folder cannot link a root group", domainPath)
	case opts.Folder:
		f.Domain.ACLs["default"] = schema.ACL{Read: true}
	case opts.LinkedRoot != "":
		if err := schema.ValidateID(opts.LinkedRoot); err != nil || schema.Kind(opts.LinkedRoot) != schema.KindGroup {
			return nil, fmt.Errorf("create domain %s: linked root %q is not a group id", domainPath, opts.LinkedRoot)
		}
		f.Domain.Root = opts.LinkedRoot
	default:
		root, err := schema.NewRootID(schema.KindGroup, r)
		if err != nil {
			return nil, fmt.Errorf("create domain %s: %w", domainPath, err)
		}
		g := schema.Group{ID: root, Root: root, Created: now, LastModified: now,
			Links: map[string]schema.Link{}, Attributes: map[string]schema.Attribute{}}
		for name, a := range opts.RootAttributes {
			g.Attributes[name] = a
		}
		if err := f.putObject(ctx, root, g, store.PutOptions{IfNoneMatch: true}); err != nil {
			return nil, fmt.Errorf("create domain %s: root group: %w", domainPath, err)
		}
		f.Domain.Root = root
	}
	b, err := schema.Marshal(f.Domain)
	if err != nil {
		return nil, fmt.Errorf("create domain %s: %w", domainPath, err)
	}
	info, err := st.Put(ctx, bucket, key, b, store.PutOptions{IfNoneMatch: true})
	if err != nil && f.Domain.Root != "" {
		// The domain was not published: remove its root group rather than leave an orphan.
		if rk, kerr := schema.ObjectKey(f.Domain.Root); kerr == nil {
			_ = st.Delete(context.WithoutCancel(ctx), bucket, rk)
		}
	}
	if errors.Is(err, store.ErrPreconditionFailed) {
		return nil, fmt.Errorf("create domain %s: %w", domainPath, ErrExists)
	}
	if err != nil {
		return nil, fmt.Errorf("create domain %s: %w", domainPath, err)
	}
	f.ETag = info.ETag
	return f, nil
}

// createParents creates the missing folders above domainPath, top down.
func createParents(ctx context.Context, st store.Store, bucket, domainPath, owner string) error {
	var parents []string
	for p := path.Dir(domainPath); p != "/" && p != "." && p != ""; p = path.Dir(p) {
		parents = append([]string{p}, parents...)
	}
	for _, p := range parents {
		key, err := domainKey(p)
		if err != nil {
			return err
		}
		if _, err := st.Stat(ctx, bucket, key); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("stat folder %s: %w", p, err)
		}
		if _, err := Create(ctx, st, bucket, p, CreateOptions{Owner: owner, Folder: true}); err != nil && !errors.Is(err, ErrExists) {
			return err
		}
	}
	return nil
}

// Delete removes the domain's .domain.json and then its objects (every key under its root
// prefix), so that an interrupted delete never leaves a listed but broken domain. Folders must
// be empty.
func Delete(ctx context.Context, st store.Store, bucket, domainPath string) error {
	return DeleteDomain(ctx, st, bucket, domainPath, false)
}

// DeleteDomain is Delete; with keepRoot the objects stay and only .domain.json goes (HSDS
// domain_sn.py DELETE_Domain keep_root: another domain may share the root, linked_domain).
func DeleteDomain(ctx context.Context, st store.Store, bucket, domainPath string, keepRoot bool) error {
	f, err := Open(ctx, st, bucket, domainPath)
	if err != nil {
		return err
	}
	key, _ := domainKey(domainPath)
	if f.Domain.IsFolder() {
		prefix := strings.TrimSuffix(key, ".domain.json")
		var child bool
		err := st.List(ctx, bucket, prefix, "/", func(e store.Entry) error {
			if e.IsPrefix {
				child = true
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("list folder %s: %w", domainPath, err)
		}
		if child {
			return fmt.Errorf("delete folder %s: not empty: %w", domainPath, ErrExists)
		}
		if err := st.Delete(ctx, bucket, key); err != nil {
			return fmt.Errorf("delete folder %s: %w", domainPath, err)
		}
		return nil
	}
	// The domain goes first: a delete interrupted after this point leaves objects no domain
	// references (Fsck reports and removes them), never a listed domain with parts missing.
	if err := st.Delete(ctx, bucket, key); err != nil {
		return fmt.Errorf("delete domain %s: %w", domainPath, err)
	}
	if keepRoot {
		return nil
	}
	prefix := schema.RootPrefix(f.Domain.Root)
	var keys []string
	if err := st.List(ctx, bucket, prefix, "", func(e store.Entry) error {
		keys = append(keys, e.Key)
		return nil
	}); err != nil {
		return fmt.Errorf("list domain %s objects: %w", domainPath, err)
	}
	for _, k := range keys {
		if err := st.Delete(ctx, bucket, k); err != nil {
			return fmt.Errorf("delete %s: %w", k, err)
		}
	}
	return nil
}
