package mapreduce

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/jobs/mapreduce/mrwork"
)

// InputFile is one object an input URL matched.
type InputFile struct {
	Store, Bucket, Key string
	Size               int64
}

// location is an input URL as a store, bucket and key pattern.
type location struct {
	url     string // the input as given
	store   string // store URL (file://ROOT or s3://)
	bucket  string
	pattern string // key, key prefix (ends with / or empty) or glob
	glob    bool
	exact   bool
}

const globChars = "*?["

// parseInput maps an input URL to a store, bucket and key pattern. A file:// path is split at
// its last directory without glob characters: its parent is the store root and its name the
// bucket (a directory whose name is not a valid bucket name moves the split up).
func parseInput(in string) (location, error) {
	l := location{url: in}
	switch {
	case strings.HasPrefix(in, "s3://"):
		rest := strings.TrimPrefix(in, "s3://")
		b, key, _ := strings.Cut(rest, "/")
		if err := store.ValidateBucket(b); err != nil {
			return l, fmt.Errorf("input %q: %w", in, err)
		}
		l.store, l.bucket, l.pattern = "s3://", b, key
		l.glob = strings.ContainsAny(key, globChars)
		return l, nil
	case strings.HasPrefix(in, "file://"):
		p := strings.TrimPrefix(in, "file://")
		if p == "" {
			return l, fmt.Errorf("input %q: no path after file://", in)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return l, fmt.Errorf("input %q: %w", in, err)
		}
		abs = filepath.ToSlash(abs)
		static, rest := abs, ""
		if i := strings.IndexAny(abs, globChars); i >= 0 {
			j := strings.LastIndex(abs[:i], "/")
			static, rest = abs[:j], abs[j+1:]
			l.glob = true
		} else if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
			static, rest = path.Dir(abs), path.Base(abs)
			l.exact = true
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			return l, fmt.Errorf("input %q: %w", in, err)
		}
		for {
			if static == "/" || static == "" {
				return l, fmt.Errorf("input %q: no directory above it can serve as a bucket (a valid bucket name)", in)
			}
			name := path.Base(static)
			if store.ValidateBucket(name) == nil && path.Dir(static) != static {
				l.store, l.bucket = "file://"+path.Dir(static), name
				break
			}
			rest = path.Join(name, rest)
			static = path.Dir(static)
		}
		if !l.glob && !l.exact && rest != "" {
			rest += "/"
		}
		l.pattern = rest
		return l, nil
	}
	return l, fmt.Errorf("input %q: want a file:// or s3:// URL", in)
}

// staticPrefix is the listing prefix of a pattern: up to its first glob character's directory.
func staticPrefix(pat string) string {
	i := strings.IndexAny(pat, globChars)
	if i < 0 {
		return pat
	}
	j := strings.LastIndex(pat[:i], "/")
	return pat[:j+1]
}

// ResolveInputs lists the objects the input URLs match, in input order and then key order;
// open opens a store by URL. An input matching nothing is an error naming it. Objects below a
// name starting with "." or "_" (temporary and marker files) are not inputs of a prefix or glob.
func ResolveInputs(ctx context.Context, open func(ctx context.Context, url string) (store.Store, error), inputs []string) ([]InputFile, error) {
	var out []InputFile
	for _, in := range inputs {
		l, err := parseInput(in)
		if err != nil {
			return nil, err
		}
		st, err := open(ctx, l.store)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", in, err)
		}
		n := 0
		list := st.List
		if strings.HasPrefix(l.store, "file://") {
			list = listDir(strings.TrimPrefix(l.store, "file://"))
		}
		err = list(ctx, l.bucket, staticPrefix(l.pattern), "", func(e store.Entry) error {
			if e.IsPrefix {
				return nil
			}
			hide := hidden(strings.TrimPrefix(e.Key, staticPrefix(l.pattern)))
			switch {
			case l.exact:
				if e.Key != l.pattern {
					return nil
				}
			case l.glob:
				ok, err := path.Match(l.pattern, e.Key)
				if err != nil {
					return fmt.Errorf("glob %q: %w", l.pattern, err)
				}
				if !ok || hide {
					return nil
				}
			default:
				if !strings.HasPrefix(e.Key, l.pattern) || hide {
					return nil
				}
			}
			out = append(out, InputFile{Store: l.store, Bucket: l.bucket, Key: e.Key, Size: e.Size})
			n++
			return nil
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrBucketNotFound) {
			return nil, fmt.Errorf("input %q: list %s/%s: %w", in, l.bucket, staticPrefix(l.pattern), err)
		}
		if n == 0 {
			return nil, fmt.Errorf("input %q matches no object (store %s, bucket %s, pattern %q)", in, l.store, l.bucket, l.pattern)
		}
	}
	return out, nil
}

// hidden reports whether a key (below the listed prefix) has an element starting with "." or
// "_": temporary files, markers, and hsfan's own .hsfan-tmp of an output inside the input.
func hidden(key string) bool {
	for _, e := range strings.Split(key, "/") {
		if strings.HasPrefix(e, ".") || strings.HasPrefix(e, "_") {
			return true
		}
	}
	return false
}

// MakeSplits cuts the files into byte ranges of at most size bytes; empty files have none.
func MakeSplits(files []InputFile, size int64) []mrwork.Split {
	var out []mrwork.Split
	for _, f := range files {
		for off := int64(0); off < f.Size; off += size {
			out = append(out, mrwork.Split{Store: f.Store, Bucket: f.Bucket, Key: f.Key, Offset: off, Length: min(size, f.Size-off), Size: f.Size})
		}
	}
	return out
}

// listDir lists a POSIX store's objects with their sizes only: the store's own List computes
// the MD5 ETag of every object it has not seen before (reading every input once more), which
// splits do not need. Symbolic links and non-regular files are left out (the store refuses to
// read through links). Keys are in lexical order, as the store's.
func listDir(root string) func(ctx context.Context, bucket, prefix, _ string, fn func(store.Entry) error) error {
	return func(ctx context.Context, bucket, prefix, _ string, fn func(store.Entry) error) error {
		base := filepath.Join(root, bucket)
		dir := filepath.Join(base, filepath.FromSlash(path.Dir(prefix+"x")))
		if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			rel, err := filepath.Rel(base, p)
			if err != nil {
				return err
			}
			key := filepath.ToSlash(rel)
			if !strings.HasPrefix(key, prefix) {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			return fn(store.Entry{Key: key, Size: fi.Size(), LastModified: fi.ModTime()})
		})
	}
}
