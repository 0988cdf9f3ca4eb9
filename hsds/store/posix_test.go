package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hsfan/hsfan/hsds/store"
)

func mustPut(t *testing.T, s store.Store, bucket, key, data string) {
	t.Helper()
	if _, err := s.Put(t.Context(), bucket, key, []byte(data), store.PutOptions{}); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func keysOf(t *testing.T, s store.Store, bucket, prefix, delim string) []string {
	t.Helper()
	var out []string
	if err := s.List(t.Context(), bucket, prefix, delim, func(e store.Entry) error {
		out = append(out, e.Key)
		return nil
	}); err != nil {
		t.Fatalf("list: %v", err)
	}
	return out
}

func TestPosixLayout(t *testing.T) {
	s, b := newPosix(t)
	mustPut(t, s, b, "db/x/d/y/0_1", "chunk")
	path := filepath.Join(s.Root(), b, "db", "x", "d", "y", "0_1")
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "chunk" {
		t.Fatalf("file %s = %q, %v", path, got, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
	}
	// ETag attributes: ours (with size and mtime) and versitygw's.
	buf := make([]byte, 256)
	n, err := unix.Getxattr(path, "user.etag", buf)
	if want := `"` + store.ETagOf([]byte("chunk")) + `"`; err != nil || string(buf[:n]) != want {
		t.Errorf("user.etag = %q, %v; want %s", buf[:max(n, 0)], err, want)
	}
	n, err = unix.Getxattr(path, "user.hsfan.etag", buf)
	if want := fmt.Sprintf("%s 5 %d", store.ETagOf([]byte("chunk")), fi.ModTime().UnixNano()); err != nil || string(buf[:n]) != want {
		t.Errorf("user.hsfan.etag = %q, %v; want %q", buf[:max(n, 0)], err, want)
	}
	// The publish lock is versitygw's lock file.
	bh := sha256.Sum256([]byte(b))
	kh := sha256.Sum256([]byte("db/x/d/y/0_1"))
	lock := filepath.Join(s.Root(), ".vgwlocks", hex.EncodeToString(bh[:]), fmt.Sprintf("%02x", kh[0]))
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("lock file: %v", err)
	}
}

func TestPosixNoTempFilesLeft(t *testing.T) {
	s, b := newPosix(t)
	mustPut(t, s, b, "k", "v")
	for range 5 {
		_, err := s.Put(t.Context(), b, "k", []byte("x"), store.PutOptions{IfNoneMatch: true})
		if !errors.Is(err, store.ErrPreconditionFailed) {
			t.Fatalf("err = %v", err)
		}
		mustPut(t, s, b, "k", "v2")
	}
	des, err := os.ReadDir(filepath.Join(s.Root(), b))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	if !slices.Equal(names, []string{"k"}) {
		t.Errorf("bucket dir holds %q, want only k", names)
	}
}

func TestPosixListSkips(t *testing.T) {
	s, b := newPosix(t)
	mustPut(t, s, b, "d/obj", "1")
	mustPut(t, s, b, "top", "2")
	bdir := filepath.Join(s.Root(), b)
	for _, dir := range []string{".sgwtmp/multipart", "empty/deeper", "d/emptysub"} {
		if err := os.MkdirAll(filepath.Join(bdir, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{".sgwtmp/partial", ".hsfan-tmp-123", "d/.hsfan-tmp-9", "d/back\\slash"} {
		if err := os.WriteFile(filepath.Join(bdir, f), []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(bdir, "d", "link")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		prefix, delim string
		want          []string
	}{
		{"", "", []string{"d/obj", "top"}},
		{"", "/", []string{"d/", "top"}}, // no "empty/": it holds no object
		{"d/", "/", []string{"d/obj"}},
		{".", "", nil},
	}
	for _, tc := range tests {
		if got := keysOf(t, s, b, tc.prefix, tc.delim); !slices.Equal(got, tc.want) {
			t.Errorf("list %q %q = %q, want %q", tc.prefix, tc.delim, got, tc.want)
		}
	}
	// A symlink is not an object, even for Get.
	if _, _, err := s.Get(t.Context(), b, "d/link"); err == nil {
		t.Error("get through a symlink succeeded")
	}
}

func TestPosixMissingBucket(t *testing.T) {
	s, _ := newPosix(t)
	ctx := t.Context()
	if _, _, err := s.Get(ctx, "nobucket", "k"); !errors.Is(err, store.ErrBucketNotFound) || errors.Is(err, store.ErrNotFound) {
		t.Errorf("get: %v", err)
	}
	if _, err := s.Stat(ctx, "nobucket", "k"); !errors.Is(err, store.ErrBucketNotFound) {
		t.Errorf("stat: %v", err)
	}
	if err := s.Delete(ctx, "nobucket", "k"); !errors.Is(err, store.ErrBucketNotFound) {
		t.Errorf("delete: %v", err)
	}
	if err := s.List(ctx, "nobucket", "", "", func(store.Entry) error { return nil }); !errors.Is(err, store.ErrBucketNotFound) {
		t.Errorf("list: %v", err)
	}
	// Writes create missing directories, the bucket included (as HSDS does).
	mustPut(t, s, "newbucket", "a/b", "v")
	if got := keysOf(t, s, "newbucket", "", ""); !slices.Equal(got, []string{"a/b"}) {
		t.Errorf("list new bucket = %q", got)
	}
}

func TestPosixKeyDirectoryConflict(t *testing.T) {
	s, b := newPosix(t)
	mustPut(t, s, b, "a/b", "under a")
	if _, err := s.Put(t.Context(), b, "a", []byte("x"), store.PutOptions{}); err == nil {
		t.Error("put a over directory a/ succeeded")
	}
	mustPut(t, s, b, "f", "file")
	if _, err := s.Put(t.Context(), b, "f/g", []byte("x"), store.PutOptions{}); err == nil || !strings.Contains(err.Error(), "f/g") {
		t.Errorf("put f/g below file f: %v", err)
	}
	if got := keysOf(t, s, b, "", ""); !slices.Equal(got, []string{"a/b", "f"}) {
		t.Errorf("list = %q", got)
	}
}
