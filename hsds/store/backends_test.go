package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/hsds/store/storetest"
	"github.com/hsfan/hsfan/internal/testutil/s3test"
)

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (store.Store, string) {
		return store.NewMemory(), "bkt"
	})
}

// newPosix returns a POSIX store over a new root with bucket "bkt" created.
func newPosix(t *testing.T) (*store.Posix, string) {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "bkt"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := store.NewPosix(root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, "bkt"
}

func TestPosixConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (store.Store, string) { return newPosix(t) })
}

func TestPosixFsyncConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	storetest.Run(t, func(t *testing.T) (store.Store, string) {
		root := t.TempDir()
		if err := os.Mkdir(filepath.Join(root, "bkt"), 0o755); err != nil {
			t.Fatal(err)
		}
		s, err := store.NewPosix(root, store.Options{Fsync: true})
		if err != nil {
			t.Fatal(err)
		}
		return s, "bkt"
	})
}

func TestS3Conformance(t *testing.T) {
	srv := s3test.Start(t)
	s := srv.Store(t)
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) (store.Store, string) {
		bucket := fmt.Sprintf("conf%d", n.Add(1))
		srv.CreateBucket(t, bucket)
		return s, bucket
	})
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tests := []struct {
		url     string
		wantErr bool
		check   func(store.Store) bool
	}{
		{"mem://", false, func(s store.Store) bool { _, ok := s.(*store.Memory); return ok }},
		{"file://" + dir, false, func(s store.Store) bool { p, ok := s.(*store.Posix); return ok && p.Root() == dir }},
		{"s3://", false, func(s store.Store) bool { _, ok := s.(*store.S3); return ok }},
		{"s3://ignored.example.com", false, func(s store.Store) bool { _, ok := s.(*store.S3); return ok }},
		{"file://", true, nil},
		{"file://" + filepath.Join(dir, "missing"), true, nil},
		{"mem://x", true, nil},
		{"gs://bucket", true, nil},
		{"/just/a/path", true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			s, err := store.Open(ctx, tc.url, store.Options{Region: "us-east-1"})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err == nil && !tc.check(s) {
				t.Errorf("wrong store %T", s)
			}
		})
	}
}
