package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// List implements Store. It walks the directory tree under the prefix in key
// order, skipping temporary files, versitygw's ".sgwtmp" directory, symbolic
// links and other non-regular files, and names that are not valid keys. With
// a delimiter, a directory whose whole subtree rolls up into one common
// prefix is not descended into beyond finding one object in it; directories
// holding no objects produce no prefix (as on S3). Object ETags come from the
// xattr cache or are computed by reading the file.
func (p *Posix) List(ctx context.Context, bucket, prefix, delimiter string, fn func(Entry) error) error {
	if err := beginList(ctx, bucket, prefix); err != nil {
		return err
	}
	if fi, err := p.fs.Stat(p.bucketDir(bucket)); err != nil || !fi.IsDir() {
		return fmt.Errorf("list %s: %w", bucket, ErrBucketNotFound)
	}
	dirKey := prefix[:strings.LastIndexByte(prefix, '/')+1] // "" or ends with "/"
	w := walker{p: p, ctx: ctx, bucket: bucket, prefix: prefix,
		g: grouper{prefix: prefix, delimiter: delimiter, fn: fn}}
	return w.walk(dirKey, prefix[len(dirKey):])
}

type walker struct {
	p      *Posix
	ctx    context.Context
	bucket string
	prefix string
	g      grouper
}

// dirEntry is a directory entry with the key it sorts by.
type dirEntry struct {
	name  string
	key   string // object key, or directory key ending with "/"
	isDir bool
}

// readDir returns the entries of the directory holding keys that start with
// dirKey, whose names start with namePrefix, sorted by key.
func (w *walker) readDir(dirKey, namePrefix string) ([]dirEntry, error) {
	des, err := readDirFS(w.p.fs, filepath.Join(w.p.bucketDir(w.bucket), filepath.FromSlash(dirKey)))
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || isEscape(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s/%s: %w", w.bucket, w.prefix, err)
	}
	out := make([]dirEntry, 0, len(des))
	for _, de := range des {
		name := de.Name()
		if !strings.HasPrefix(name, namePrefix) || strings.HasPrefix(name, tmpPrefix) {
			continue
		}
		if dirKey == "" && name == sgwTmpDir {
			continue
		}
		switch t := de.Type(); {
		case t.IsDir():
			out = append(out, dirEntry{name: name, key: dirKey + name + "/", isDir: true})
		case t.IsRegular():
			out = append(out, dirEntry{name: name, key: dirKey + name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out, nil
}

// walk reports, in key order, everything under dirKey whose name there
// starts with namePrefix.
func (w *walker) walk(dirKey, namePrefix string) error {
	if err := w.ctx.Err(); err != nil {
		return fmt.Errorf("list %s/%s: %w", w.bucket, w.prefix, err)
	}
	entries, err := w.readDir(dirKey, namePrefix)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := w.ctx.Err(); err != nil {
			return fmt.Errorf("list %s/%s: %w", w.bucket, w.prefix, err)
		}
		if e.isDir {
			if cp, ok := commonPrefix(w.prefix, w.g.delimiter, e.key); ok {
				// Everything below rolls up into cp: report it if not empty.
				has, err := w.hasObject(e.key)
				if err != nil {
					return err
				}
				if has {
					if err := w.g.addPrefix(cp); err != nil {
						return err
					}
				}
				continue
			}
			if err := w.walk(e.key, ""); err != nil {
				return err
			}
			continue
		}
		if checkKey(e.key, false) != nil {
			w.p.log.Debug("list: skipping file with invalid key", "bucket", w.bucket, "key", e.key)
			continue
		}
		entry, ok, err := w.entry(e.key)
		if err != nil {
			return err
		}
		if !ok {
			continue // vanished or replaced by a directory meanwhile
		}
		if err := w.g.add(entry); err != nil {
			return err
		}
	}
	return nil
}

// entry stats one object file and computes its ETag.
func (w *walker) entry(key string) (Entry, bool, error) {
	f, err := w.p.fs.OpenFile(w.p.path(w.bucket, key), os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ELOOP) || isEscape(err) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("list %s/%s: %w", w.bucket, key, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Entry{}, false, fmt.Errorf("list %s/%s: %w", w.bucket, key, err)
	}
	if !fi.Mode().IsRegular() {
		return Entry{}, false, nil
	}
	etag, err := fileETag(f, fi)
	if err != nil {
		return Entry{}, false, fmt.Errorf("list %s/%s: %w", w.bucket, key, err)
	}
	return Entry{Key: key, Size: fi.Size(), ETag: etag, LastModified: fi.ModTime()}, true, nil
}

// hasObject reports whether the directory with key dirKey holds any object.
func (w *walker) hasObject(dirKey string) (bool, error) {
	if err := w.ctx.Err(); err != nil {
		return false, fmt.Errorf("list %s/%s: %w", w.bucket, w.prefix, err)
	}
	entries, err := w.readDir(dirKey, "")
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if !e.isDir && checkKey(e.key, false) == nil {
			return true, nil
		}
	}
	for _, e := range entries {
		if e.isDir {
			if has, err := w.hasObject(e.key); has || err != nil {
				return has, err
			}
		}
	}
	return false, nil
}
