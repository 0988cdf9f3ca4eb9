package hdf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hsfan/hsfan/hsds/store"
)

// ErrRefNotAllowed is returned when a reference layout points outside the locations its
// RefPolicy allows (another bucket, a key outside an allowed prefix, a symbolic link). It is a
// permanent error: retrying reads the same layout.
var ErrRefNotAllowed = errors.New("reference outside the allowed locations")

// ErrRefMissing is returned when the file a reference layout points at (file_uri, or a chunk
// table's uri) cannot be found: reads fail rather than return fill values.
var ErrRefMissing = errors.New("referenced file not found")

// RefPolicy confines what datasets with reference layouts (creationProperties.layout of class
// H5D_CONTIGUOUS_REF, H5D_CHUNKED_REF or H5D_CHUNKED_REF_INDIRECT, whose file_uri names an
// object of HDF5 file bytes; HSDS hsds/chunk_sn.py and hsds/util/dsetUtil.py getChunkLayout) may
// read. A file_uri is resolved in the dataset's own store as "bucket/key" ("s3://bucket/key",
// "file://bucket/key" and "/bucket/key" are read the same way), never as a path of the local
// file system, so a reference can only reach objects of that store; the policy narrows it to
// allowed buckets and key prefixes. The zero value allows the dataset's own bucket only.
type RefPolicy struct {
	// Allow lists further locations references may read: "bucket" (every key of the bucket) or
	// "bucket/prefix" (keys below prefix/). A leading "s3://" is ignored.
	Allow []string
	// FollowSymlinks lets references on a POSIX store ("file://DIR") pass through symbolic
	// links below the bucket directory; by default a reference whose path holds one is refused,
	// so that a link planted in the store cannot lead out of it.
	FollowSymlinks bool
}

// ParseRefAllow splits a comma-separated list of locations ("bucket" or "bucket/prefix", as in
// HSFAN_REF_ALLOW or --ref-allow) and validates each. An empty string gives nil.
func ParseRefAllow(s string) ([]string, error) {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		if _, _, err := splitRefLocation(e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Validate checks every allowed location.
func (p RefPolicy) Validate() error {
	for _, e := range p.Allow {
		if _, _, err := splitRefLocation(e); err != nil {
			return err
		}
	}
	return nil
}

// splitRefLocation parses an Allow entry into its bucket and key prefix ("" for a whole bucket).
func splitRefLocation(e string) (string, string, error) {
	s := strings.TrimPrefix(e, "s3://")
	bucket, prefix, _ := strings.Cut(s, "/")
	prefix = strings.TrimSuffix(prefix, "/")
	if err := store.ValidateBucket(bucket); err != nil {
		return "", "", fmt.Errorf("reference location %q: %w", e, err)
	}
	if prefix != "" {
		if err := store.ValidateKey(prefix); err != nil {
			return "", "", fmt.Errorf("reference location %q: %w", e, err)
		}
	}
	return bucket, prefix, nil
}

// allows reports whether key of bucket may be read by a reference of a dataset in own.
func (p RefPolicy) allows(own, bucket, key string) bool {
	if bucket == own {
		return true
	}
	for _, e := range p.Allow {
		b, prefix, err := splitRefLocation(e)
		if err != nil || b != bucket {
			continue
		}
		if prefix == "" || strings.HasPrefix(key, prefix+"/") {
			return true
		}
	}
	return false
}

// describe lists the allowed locations for error messages.
func (p RefPolicy) describe(own string) string {
	return strings.Join(append([]string{own + " (the dataset's bucket)"}, p.Allow...), ", ")
}

// rootedStore is a store whose objects are files below Root()/bucket (store.Posix; wrappers
// answer "" when theirs is not).
type rootedStore interface{ Root() string }

// checkRef resolves a reference's file_uri and refuses it unless the policy allows the location.
func (d *Dataset) checkRef(uri string) (string, string, error) {
	bucket, key, err := d.splitFileURI(uri)
	if err != nil {
		return "", "", err
	}
	if err := store.ValidateBucket(bucket); err != nil {
		return "", "", fmt.Errorf("dataset %s: file_uri %q: %v: %w", d.ID, uri, err, ErrRefNotAllowed)
	}
	if err := store.ValidateKey(key); err != nil {
		return "", "", fmt.Errorf("dataset %s: file_uri %q: %v: %w", d.ID, uri, err, ErrRefNotAllowed)
	}
	if !d.refs.allows(d.bucket, bucket, key) {
		return "", "", fmt.Errorf("dataset %s: file_uri %q: bucket %s key %s is not an allowed reference location (allowed: %s): %w",
			d.ID, uri, bucket, key, d.refs.describe(d.bucket), ErrRefNotAllowed)
	}
	if rs, ok := d.st.(rootedStore); ok && rs.Root() != "" && !d.refs.FollowSymlinks {
		if err := noSymlinks(rs.Root(), bucket, key); err != nil {
			return "", "", fmt.Errorf("dataset %s: file_uri %q: %v: %w", d.ID, uri, err, ErrRefNotAllowed)
		}
	}
	return bucket, key, nil
}

// noSymlinks fails when any element of key below DIR/bucket is a symbolic link. Elements that do
// not exist end the walk (the read then reports the object missing).
func noSymlinks(root, bucket, key string) error {
	p := filepath.Join(root, bucket)
	for _, e := range strings.Split(key, "/") {
		p = filepath.Join(p, e)
		fi, err := os.Lstat(p)
		if err != nil {
			return nil
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link (references do not follow links in the store)", p)
		}
	}
	return nil
}
