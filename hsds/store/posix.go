package store

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

const (
	posixFileMode = 0o644
	posixDirMode  = 0o755
	mkdirRetries  = 5
)

// Posix is a Store over a directory: object bucket/key is the file
// DIR/<bucket>/<key>. Writes go to a temporary file in the target directory
// (named ".hsfan-tmp-*", never listed) that is renamed into place under the
// key's publish lock, so readers never see partial objects. Parent
// directories are created on write and empty ones removed on delete, up to
// but not including the bucket directory. Directories and non-regular files
// are not objects. A bucket is a directory under DIR; writes create it.
type Posix struct {
	root  string
	fs    posixFS
	fsync bool
	log   *slog.Logger
	locks *locker
}

var _ Store = (*Posix)(nil)

// NewPosix returns a Store rooted at dir, which must exist. Unless opts.FollowSymlinks is set,
// every operation is confined to dir (see posix_fs.go): symbolic links leading out of it are
// refused.
func NewPosix(dir string, opts Options) (*Posix, error) {
	if dir == "" {
		return nil, errors.New("posix store: empty root directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("posix store %s: %w", dir, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("posix store: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("posix store: %s is not a directory", abs)
	}
	var fsys posixFS = dirFS{dir: abs}
	if !opts.FollowSymlinks {
		r, err := os.OpenRoot(abs)
		if err != nil {
			return nil, fmt.Errorf("posix store: %w", err)
		}
		fsys = rootFS{r}
	}
	return &Posix{root: abs, fs: fsys, fsync: opts.Fsync, log: opts.logger(), locks: newLocker(fsys)}, nil
}

// Root returns the absolute root directory.
func (p *Posix) Root() string { return p.root }

// bucketDir and path name a bucket's directory and an object's file relative to the root.
func (p *Posix) bucketDir(bucket string) string { return bucket }

func (p *Posix) path(bucket, key string) string {
	return filepath.Join(bucket, filepath.FromSlash(key))
}

// notFound turns a missing path into ErrNotFound or ErrBucketNotFound.
func (p *Posix) notFound(op, bucket, key string, err error) error {
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EISDIR) {
		if fi, serr := p.fs.Stat(p.bucketDir(bucket)); serr != nil || !fi.IsDir() {
			return fmt.Errorf("%s %s/%s: %w", op, bucket, key, ErrBucketNotFound)
		}
		return fmt.Errorf("%s %s/%s: %w", op, bucket, key, ErrNotFound)
	}
	return fmt.Errorf("%s %s/%s: %w", op, bucket, key, err)
}

// open opens the object file, failing with ErrNotFound for directories and
// symbolic links (which List does not report either).
func (p *Posix) open(op, bucket, key string) (*os.File, os.FileInfo, error) {
	f, err := p.fs.OpenFile(p.path(bucket, key), os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, syscall.ELOOP) || isEscape(err) {
		err = syscall.EISDIR // a symbolic link, or a path leaving the store: not an object
	}
	if err != nil {
		return nil, nil, p.notFound(op, bucket, key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, fmt.Errorf("%s %s/%s: %w", op, bucket, key, err)
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, nil, p.notFound(op, bucket, key, syscall.EISDIR)
	}
	return f, fi, nil
}

// Get implements Store. A file rewritten in place while it is read (HSDS's
// hsds/util/fileClient.py put_object truncates and writes) is read again, at most getReads
// times with a short backoff (ErrChanged when it changed during each read): Get never returns
// bytes part old and part new.
func (p *Posix) Get(ctx context.Context, bucket, key string) ([]byte, ObjectInfo, error) {
	wait := time.Millisecond
	for range getReads - 1 {
		data, info, err := p.getOnce(ctx, bucket, key)
		if !errors.Is(err, ErrChanged) {
			return data, info, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ObjectInfo{}, fmt.Errorf("get %s/%s: %w", bucket, key, ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
	return p.getOnce(ctx, bucket, key)
}

// getReads bounds the reads of Get of an object that changes during each of them.
const getReads = 8

// getOnce is one read of Get: ErrChanged when the file changed during it.
func (p *Posix) getOnce(ctx context.Context, bucket, key string) ([]byte, ObjectInfo, error) {
	if err := begin(ctx, "get", bucket, key); err != nil {
		return nil, ObjectInfo{}, err
	}
	f, fi, err := p.open("get", bucket, key)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	defer f.Close()
	if fi.Size() > MaxObjectBytes {
		return nil, ObjectInfo{}, fmt.Errorf("get %s/%s: %d bytes: %w", bucket, key, fi.Size(), ErrTooLarge)
	}
	data := make([]byte, fi.Size())
	n, err := io.ReadFull(f, data)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) { // short: truncated since the open
		return nil, ObjectInfo{}, fmt.Errorf("get %s/%s: %w", bucket, key, err)
	}
	if err := unchanged(f, versionOf(fi), int64(n) == fi.Size()); err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("get %s/%s: %w", bucket, key, err)
	}
	etag, ok := cachedETag(f, fi)
	if !ok {
		sum := md5.Sum(data)
		etag = hex.EncodeToString(sum[:])
		_ = setETagAttrs(f, fi, etag, false)
	}
	return data, infoOf(key, fi, etag), nil
}

// GetRange implements Store.
func (p *Posix) GetRange(ctx context.Context, bucket, key string, offset, length int64) ([]byte, error) {
	if err := begin(ctx, "get range", bucket, key); err != nil {
		return nil, err
	}
	f, fi, err := p.open("get range", bucket, key)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	start, end, err := rangeOf(offset, length, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("get range %s/%s: %w", bucket, key, err)
	}
	buf := make([]byte, end-start)
	n, err := f.ReadAt(buf, start)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("get range %s/%s [%d,%d): %w", bucket, key, start, end, err)
	}
	return buf[:n], nil
}

// Stat implements Store. It reads the object to compute its ETag when the
// cached one is missing or stale.
func (p *Posix) Stat(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	if err := begin(ctx, "stat", bucket, key); err != nil {
		return ObjectInfo{}, err
	}
	f, fi, err := p.open("stat", bucket, key)
	if err != nil {
		return ObjectInfo{}, err
	}
	defer f.Close()
	etag, err := fileETag(f, fi)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("stat %s/%s: %w", bucket, key, err)
	}
	return infoOf(key, fi, etag), nil
}

// currentETag returns whether the object exists and, if needed, its ETag.
func (p *Posix) currentETag(bucket, key string, needETag bool) (bool, string, error) {
	f, fi, err := p.open("put", bucket, key)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrBucketNotFound) {
		return false, "", nil
	}
	if err != nil {
		return false, "", err
	}
	defer f.Close()
	if !needETag {
		return true, "", nil
	}
	etag, err := fileETag(f, fi)
	return true, etag, err
}

// Put implements Store.
func (p *Posix) Put(ctx context.Context, bucket, key string, data []byte, opts PutOptions) (ObjectInfo, error) {
	if err := beginPut(ctx, bucket, key, opts); err != nil {
		return ObjectInfo{}, err
	}
	path := p.path(bucket, key)
	etag := ETagOf(data)
	tmp, fi, err := p.writeTemp(filepath.Dir(path), data, etag)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	published := false
	defer func() {
		if !published {
			_ = p.fs.Remove(tmp)
		}
	}()
	unlock, err := p.locks.lock(ctx, bucket, key)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("put: %w", err)
	}
	defer unlock()
	if opts.IfMatch != "" || opts.IfNoneMatch {
		exists, cur, err := p.currentETag(bucket, key, opts.IfMatch != "")
		if err != nil {
			return ObjectInfo{}, err
		}
		if err := checkPrecondition(opts, exists, cur); err != nil {
			return ObjectInfo{}, fmt.Errorf("put %s/%s: %w", bucket, key, err)
		}
	}
	if err := p.fs.Rename(tmp, path); err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	published = true
	if p.fsync {
		if err := p.syncDir(filepath.Dir(path)); err != nil {
			return ObjectInfo{}, fmt.Errorf("put %s/%s: %w", bucket, key, err)
		}
	}
	return infoOf(key, fi, etag), nil
}

// writeTemp writes data to a new temporary file in dir (created as needed)
// with its ETag attributes set, and returns its path and metadata.
func (p *Posix) writeTemp(dir string, data []byte, etag string) (string, os.FileInfo, error) {
	var (
		f    *os.File
		name string
		err  error
	)
	for range mkdirRetries {
		if err = p.fs.MkdirAll(dir, posixDirMode); err != nil {
			return "", nil, fmt.Errorf("make directory: %w", err)
		}
		// A concurrent Delete may remove the directory we just made.
		if f, name, err = createTempFS(p.fs, dir); !errors.Is(err, os.ErrNotExist) {
			break
		}
	}
	if err != nil {
		return "", nil, fmt.Errorf("create temporary file: %w", err)
	}
	fail := func(err error) (string, os.FileInfo, error) {
		_ = f.Close()
		_ = p.fs.Remove(name)
		return "", nil, err
	}
	if err := f.Chmod(posixFileMode); err != nil {
		return fail(fmt.Errorf("chmod %s: %w", name, err))
	}
	if _, err := f.Write(data); err != nil {
		return fail(fmt.Errorf("write %s: %w", name, err))
	}
	if p.fsync {
		if err := f.Sync(); err != nil {
			return fail(fmt.Errorf("fsync %s: %w", name, err))
		}
	}
	fi, err := f.Stat()
	if err != nil {
		return fail(fmt.Errorf("stat %s: %w", name, err))
	}
	if err := setETagAttrs(f, fi, etag, true); err != nil {
		p.log.Debug("etag xattr not set", "path", name, "error", err)
	}
	if err := f.Close(); err != nil {
		return fail(fmt.Errorf("close %s: %w", name, err))
	}
	return name, fi, nil
}

func (p *Posix) syncDir(dir string) error {
	d, err := p.fs.OpenFile(dir, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("open dir for fsync: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	return nil
}

// Delete implements Store. It removes empty parent directories up to, not
// including, the bucket directory.
func (p *Posix) Delete(ctx context.Context, bucket, key string) error {
	if err := begin(ctx, "delete", bucket, key); err != nil {
		return err
	}
	path := p.path(bucket, key)
	unlock, err := p.locks.lock(ctx, bucket, key)
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	defer unlock()
	fi, err := p.fs.Lstat(path)
	if err != nil {
		err = p.notFound("delete", bucket, key, err)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	if !fi.Mode().IsRegular() {
		return nil // a directory is not an object
	}
	if err := p.fs.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delete %s/%s: %w", bucket, key, err)
	}
	bdir := p.bucketDir(bucket)
	for dir := filepath.Dir(path); dir != bdir && len(dir) > len(bdir); dir = filepath.Dir(dir) {
		if p.fs.Remove(dir) != nil {
			break // not empty, or gone: either way stop
		}
	}
	return nil
}
