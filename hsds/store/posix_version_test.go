package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
)

// TestPosixVersion: a version token stays while the object is untouched and changes with every
// kind of change a writer on the same directory makes: a replacement by rename (hsfan's Put),
// an in-place rewrite of the same size at once (HSDS's put_object), a rewrite of another size;
// a deleted object, a directory and a symbolic link are not objects.
func TestPosixVersion(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := store.NewPosix(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "b", "k", "12345678")
	file := filepath.Join(dir, "b", "k")
	data, v0, err := s.GetVersion(ctx, "b", "k")
	if err != nil || string(data) != "12345678" {
		t.Fatalf("GetVersion: %q, %v", data, err)
	}
	if v, err := s.Version(ctx, "b", "k"); err != nil || v != v0 {
		t.Fatalf("untouched: version %q, %v; want %q", v, err, v0)
	}
	seen := map[string]string{v0: "first put"}
	changes := []struct {
		name string
		do   func() error
	}{
		{"put again, same bytes (rename)", func() error { _, err := s.Put(ctx, "b", "k", []byte("12345678"), store.PutOptions{}); return err }},
		{"in place, same size", func() error { return os.WriteFile(file, []byte("abcdefgh"), 0o644) }},
		{"in place, same size, at once", func() error { return os.WriteFile(file, []byte("ABCDEFGH"), 0o644) }},
		{"in place, other size", func() error { return os.WriteFile(file, []byte("abc"), 0o644) }},
	}
	for _, c := range changes {
		if _, err := s.Version(ctx, "b", "k"); err != nil { // the stat a cache validation makes
			t.Fatal(err)
		}
		if err := c.do(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		v, err := s.Version(ctx, "b", "k")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if prev, dup := seen[v]; dup {
			t.Errorf("%s: version %q is the one after %s", c.name, v, prev)
		}
		seen[v] = c.name
		if _, gv, err := s.GetVersion(ctx, "b", "k"); err != nil || gv != v {
			t.Errorf("%s: GetVersion version %q, %v; Version %q", c.name, gv, err, v)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "b", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(file, filepath.Join(dir, "b", "link")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "b", "k"); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"k", "sub", "link", "missing/x"} {
		if _, err := s.Version(ctx, "b", key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Version of %s: %v, want ErrNotFound", key, err)
		}
		if _, _, err := s.GetVersion(ctx, "b", key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetVersion of %s: %v, want ErrNotFound", key, err)
		}
	}
	if _, err := s.Version(ctx, "nobucket", "k"); !errors.Is(err, store.ErrBucketNotFound) {
		t.Errorf("Version in a missing bucket: %v, want ErrBucketNotFound", err)
	}
}
