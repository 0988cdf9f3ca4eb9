package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hsfan/hsfan/hsds/store"
)

// storeFlags are the store selection flags every command shares (design.md: --store, --bucket,
// with HSFAN_STORE and HSFAN_BUCKET as fallbacks).
type storeFlags struct {
	url            string
	bucket         string
	followSymlinks bool
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.url, "store", envOr("HSFAN_STORE", "file://data"), "object store: file://DIR or s3:// (env HSFAN_STORE)")
	fs.StringVar(&s.bucket, "bucket", envOr("HSFAN_BUCKET", "hsfan"), "bucket name (env HSFAN_BUCKET)")
	fs.BoolVar(&s.followSymlinks, "store-follow-symlinks", false, "file:// stores: follow symbolic links leading out of the store directory (refused by default)")
}

func (s *storeFlags) open(ctx context.Context) (store.Store, error) {
	return s.openMode(ctx, false)
}

// openMode opens the store; create makes a missing file:// root directory (for writers).
func (s *storeFlags) openMode(ctx context.Context, create bool) (store.Store, error) {
	if s.bucket == "" {
		return nil, usagef("--bucket is required (or HSFAN_BUCKET)")
	}
	if dir, ok := strings.CutPrefix(s.url, "file://"); ok && create {
		if err := os.MkdirAll(filepath.Join(dir, s.bucket), 0o755); err != nil {
			return nil, fmt.Errorf("create store root: %w", err)
		}
	}
	st, err := store.Open(ctx, s.url, store.Options{FollowSymlinks: s.followSymlinks})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", s.url, err)
	}
	return st, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
