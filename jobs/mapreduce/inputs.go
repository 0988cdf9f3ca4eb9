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
// open opens a store by URL. An input matching nothing is an error naming it, and so is an
// object matched twice (by two inputs, or one input given twice: it would be read and counted
// twice), naming the object and both inputs. Objects below a name starting with "." or "_"
// (temporary and marker files) are not inputs of a prefix or glob.
func ResolveInputs(ctx context.Context, open func(ctx context.Context, url string) (store.Store, error), inputs []string) ([]InputFile, error) {
	var out []InputFile
	seen := map[string]int{} // object identity -> index of the input that matched it first
	for i, in := range inputs {
		l, err := parseInput(in)
		if err != nil {
			return nil, err
		}
		for j, prev := range inputs[:i] {
			if prev == in {
				return nil, fmt.Errorf("--input %q is given twice (arguments %d and %d): its objects would be read twice", in, j+1, i+1)
			}
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
		base := l.base()
		var dupErr error
		err = list(ctx, l.bucket, staticPrefix(l.pattern), "", func(e store.Entry) error {
			if e.IsPrefix {
				return nil
			}
			ok, err := l.match(e.Key)
			if err != nil || !ok {
				return err
			}
			id := base + e.Key
			if j, dup := seen[id]; dup {
				dupErr = fmt.Errorf("object %s is matched by --input %q and by --input %q: it would be read twice; give each object once", id, inputs[j], in)
				return dupErr
			}
			seen[id] = i
			out = append(out, InputFile{Store: l.store, Bucket: l.bucket, Key: e.Key, Size: e.Size})
			n++
			return nil
		})
		if dupErr != nil {
			return nil, dupErr
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrBucketNotFound) {
			return nil, fmt.Errorf("input %q: list %s/%s: %w", in, l.bucket, staticPrefix(l.pattern), err)
		}
		if n == 0 {
			return nil, fmt.Errorf("input %q matches no object (store %s, bucket %s, pattern %q)", in, l.store, l.bucket, l.pattern)
		}
	}
	return out, nil
}

// match reports whether the object key is one of the location's inputs: the key itself for an
// object, a glob match or a key below the prefix otherwise, hidden names left out.
func (l location) match(key string) (bool, error) {
	hide := hidden(strings.TrimPrefix(key, staticPrefix(l.pattern)))
	switch {
	case l.exact:
		return key == l.pattern, nil
	case l.glob:
		ok, err := path.Match(l.pattern, key)
		if err != nil {
			return false, fmt.Errorf("glob %q: %w", l.pattern, err)
		}
		return ok && !hide, nil
	default:
		return strings.HasPrefix(key, l.pattern) && !hide, nil
	}
}

// base is the identity of the location's bucket that its keys are appended to: s3://bucket/,
// or the bucket directory's path with symbolic links resolved (two inputs that reach one file
// through different store roots or links name it alike).
func (l location) base() string {
	if !strings.HasPrefix(l.store, "file://") {
		return l.store + l.bucket + "/"
	}
	return canonPath(path.Join(strings.TrimPrefix(l.store, "file://"), l.bucket)) + "/"
}

// canonPath is the absolute path p with the symbolic links of its longest existing ancestor
// resolved (the rest may not exist yet), in slash form.
func canonPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	rest := ""
	for dir := abs; ; dir = filepath.Dir(dir) {
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.ToSlash(filepath.Join(r, rest))
		}
		if filepath.Dir(dir) == dir {
			return filepath.ToSlash(abs)
		}
		rest = filepath.Join(filepath.Base(dir), rest)
	}
}

// CheckOutside refuses an output location whose outputs (names, in Out) an input would match:
// the next run over that input would read them as records. The error names --out and the
// --input it is inside. Hidden names (the run's .hsfan-tmp) are never inputs of a prefix or glob.
func CheckOutside(out string, names []string, inputs []string) error {
	var outBase string
	if b, ok := strings.CutPrefix(out, "s3://"); ok {
		outBase = "s3://" + strings.TrimSuffix(b, "/") + "/"
	} else {
		outBase = canonPath(out) + "/"
	}
	for _, in := range inputs {
		l, err := parseInput(in)
		if err != nil {
			return err
		}
		base := l.base()
		for _, n := range names {
			key, ok := strings.CutPrefix(outBase+n, base)
			if !ok {
				continue
			}
			if m, _ := l.match(key); m { // a bad glob is ResolveInputs' error
				return fmt.Errorf("--out %q is inside --input %q (its %s would be an input of the next run over it): put --out outside the inputs", out, in, n)
			}
		}
	}
	return nil
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
