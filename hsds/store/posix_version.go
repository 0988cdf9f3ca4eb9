package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
)

// Version tokens: naming the state of an object file without hashing it.
//
// A cache of what an object decodes to (hdf.ChunkCache) must notice every change of the object,
// by this process or any other writer on the same directory. The ETag (an MD5) does, but for
// a file without hsfan's ETag attribute (every chunk HSDS writes: hsds/util/fileClient.py
// put_object stores no ETag, and get_object and get_key_stats compute none) it costs a read and
// a hash of the whole file plus an attribute write. A version token is the file's device,
// inode, size, mtime and ctime from one stat: a replacement by rename (hsfan, versitygw) makes a
// new inode; an in-place rewrite (HSDS opens with O_TRUNC and writes) sets mtime and ctime, and
// since a token is taken by a stat, Linux 6.13+ multigrain timestamps give the next change of
// that file a finer timestamp than the one read, so even a rewrite of the same size at once
// changes the token (on older kernels, only within one timer tick could a same-size rewrite keep
// it: the same bound the ETag attribute, keyed by size and mtime, already has).

// versionOf returns the version token of fi.
func versionOf(fi os.FileInfo) string {
	b := make([]byte, 0, 80)
	if dev, ino, ctime, ok := fileIdentity(fi); ok {
		b = strconv.AppendUint(b, dev, 16)
		b = append(b, ':')
		b = strconv.AppendUint(b, ino, 16)
		b = append(b, ':')
		b = strconv.AppendInt(b, ctime, 16)
		b = append(b, ':')
	}
	b = strconv.AppendInt(b, fi.Size(), 16)
	b = append(b, ':')
	b = strconv.AppendInt(b, fi.ModTime().UnixNano(), 16)
	return string(b)
}

// GetVersion returns the bytes of the object and its version token (see Version), without the
// ETag Get computes. The token is taken before the read, so a change during the read gives a
// token that Version no longer returns: a cache keyed by it refetches, never keeps stale bytes.
// Errors are Get's.
func (p *Posix) GetVersion(ctx context.Context, bucket, key string) ([]byte, string, error) {
	if err := begin(ctx, "get", bucket, key); err != nil {
		return nil, "", err
	}
	f, fi, err := p.open("get", bucket, key)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	if fi.Size() > MaxObjectBytes {
		return nil, "", fmt.Errorf("get %s/%s: %d bytes: %w", bucket, key, fi.Size(), ErrTooLarge)
	}
	data := make([]byte, fi.Size())
	n, err := io.ReadFull(f, data)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, "", fmt.Errorf("get %s/%s: %w", bucket, key, err)
	}
	return data[:n], versionOf(fi), nil
}

// Version returns the version token of the object: device, inode, ctime, size and mtime of its
// file from one stat (no read, no hash). Any replacement or rewrite of the object changes it
// (see the comment above versionOf). A missing object is ErrNotFound; a directory or a symbolic
// link is not an object (as for Get).
func (p *Posix) Version(ctx context.Context, bucket, key string) (string, error) {
	if err := begin(ctx, "stat", bucket, key); err != nil {
		return "", err
	}
	fi, err := p.fs.Lstat(p.path(bucket, key))
	if err == nil && !fi.Mode().IsRegular() {
		err = syscall.EISDIR
	}
	if isEscape(err) {
		err = syscall.EISDIR
	}
	if err != nil {
		return "", p.notFound("stat", bucket, key, err)
	}
	return versionOf(fi), nil
}
