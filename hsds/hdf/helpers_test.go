package hdf

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
)

func mkdir(p string) error { return os.MkdirAll(p, 0o755) }

// newPosixFile creates the domain in a POSIX store in a new temporary directory (bucket "b",
// owner "u") and returns the directory (to touch files behind the store's back), the store and
// the file.
func newPosixFile(tb testing.TB, domain string) (string, store.Store, *File) {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "b"), 0o755); err != nil {
		tb.Fatal(err)
	}
	st, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	f, err := Create(ctx, st, "b", domain, CreateOptions{Owner: "u"})
	if err != nil {
		tb.Fatal(err)
	}
	return dir, st, f
}
