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
// ETag Get computes. The token is taken before the read and checked again after it on the open
// file: a file rewritten in place during the read (or read short) is ErrChanged, never bytes
// that are part old and part new; read again. Other errors are Get's.
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
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) { // short: truncated since the open
		return nil, "", fmt.Errorf("get %s/%s: %w", bucket, key, err)
	}
	version := versionOf(fi)
	if err := unchanged(f, version, int64(n) == fi.Size()); err != nil {
		return nil, "", fmt.Errorf("get %s/%s: %w", bucket, key, err)
	}
	return data, version, nil
}

// unchanged returns ErrChanged when the file f was read short (whole false) or its version
// token is no longer version (one fstat of the open file: an in-place rewrite by another
// process, such as HSDS's hsds/util/fileClient.py put_object, which opens the file with O_TRUNC
// and writes it, changes its size or times while the same inode is read, so bytes read across
// it may be part old and part new, or cut short). A file replaced by rename is not a change of
// the open file: its old inode reads consistently to the end.
func unchanged(f *os.File, version string, whole bool) error {
	if !whole {
		return fmt.Errorf("%w: read short of the size it had when opened", ErrChanged)
	}
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat after the read: %w", err)
	}
	if versionOf(fi) != version {
		return fmt.Errorf("%w: rewritten in place", ErrChanged)
	}
	return nil
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
