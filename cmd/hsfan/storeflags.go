package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/hsfan/hsfan/hsds/store"
)

// storeFlags are the store selection flags every command shares (design.md: --store, --bucket,
// with HSFAN_STORE and HSFAN_BUCKET as fallbacks).
type storeFlags struct {
	url    string
	bucket string
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.url, "store", envOr("HSFAN_STORE", "file://data"), "object store: file://DIR or s3:// (env HSFAN_STORE)")
	fs.StringVar(&s.bucket, "bucket", envOr("HSFAN_BUCKET", "hsfan"), "bucket name (env HSFAN_BUCKET)")
}

func (s *storeFlags) open(ctx context.Context) (store.Store, error) {
	if s.bucket == "" {
		return nil, usagef("--bucket is required (or HSFAN_BUCKET)")
	}
	st, err := store.Open(ctx, s.url, store.Options{})
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
