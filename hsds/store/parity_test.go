package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/s3test"
)

// parityObjects is an HSDS-like tree: domain, group, dataset JSON and chunks.
var parityObjects = map[string][]byte{
	"home/u/f.h5/.domain.json":                            []byte(`{"owner":"u","root":"g-1"}`),
	"db/01234567-89abcdef/.group.json":                    []byte(`{"id":"g-1"}`),
	"db/01234567-89abcdef/d/0123-4567-89ab/.dataset.json": []byte(`{"id":"d-1"}`),
	"db/01234567-89abcdef/d/0123-4567-89ab/0_0":           bytes.Repeat([]byte{1, 2, 3}, 5000),
	"db/01234567-89abcdef/d/0123-4567-89ab/0_1":           {},
	"top": []byte("x"),
}

// listEntries lists everything with and without a delimiter, zeroing times.
func listEntries(t *testing.T, s store.Store, bucket, prefix, delim string) []store.Entry {
	t.Helper()
	var out []store.Entry
	err := s.List(context.Background(), bucket, prefix, delim, func(e store.Entry) error {
		e.LastModified = e.LastModified.Truncate(0).UTC()
		out = append(out, e)
		return nil
	})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	return out
}

// compareViews checks that two stores agree on every object and listing.
func compareViews(t *testing.T, a, b store.Store, bucket string, objs map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	ignoreTime := cmpopts.IgnoreFields(store.Entry{}, "LastModified")
	for _, q := range []struct{ prefix, delim string }{{"", ""}, {"", "/"}, {"db/01234567-89abcdef/", "/"}, {"db/", ""}} {
		la, lb := listEntries(t, a, bucket, q.prefix, q.delim), listEntries(t, b, bucket, q.prefix, q.delim)
		if diff := cmp.Diff(la, lb, ignoreTime); diff != "" {
			t.Errorf("list %q %q differs (-a +b):\n%s", q.prefix, q.delim, diff)
		}
	}
	for key, want := range objs {
		for name, s := range map[string]store.Store{"a": a, "b": b} {
			data, info, err := s.Get(ctx, bucket, key)
			if err != nil || !bytes.Equal(data, want) || info.ETag != store.ETagOf(want) || info.Size != int64(len(want)) {
				t.Errorf("%s: get %s = %d bytes, %+v, %v", name, key, len(data), info, err)
			}
			st, err := s.Stat(ctx, bucket, key)
			if err != nil || st.ETag != store.ETagOf(want) || st.Size != int64(len(want)) {
				t.Errorf("%s: stat %s = %+v, %v", name, key, st, err)
			}
		}
	}
}

func TestParityS3ToPosix(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "hsds")
	s3s := srv.Store(t)
	fs, err := store.Open(context.Background(), "file://"+srv.Root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range parityObjects {
		if _, err := s3s.Put(context.Background(), "hsds", k, v, store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The objects are plain files at Root/<bucket>/<key>.
	for k, v := range parityObjects {
		got, err := os.ReadFile(filepath.Join(srv.Root, "hsds", k))
		if err != nil || !bytes.Equal(got, v) {
			t.Errorf("file for %s: %d bytes, %v", k, len(got), err)
		}
	}
	compareViews(t, s3s, fs, "hsds", parityObjects)
	// Deleting through S3 removes empty directories as the POSIX store does.
	if err := s3s.Delete(context.Background(), "hsds", "home/u/f.h5/.domain.json"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(srv.Root, "hsds", "home")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("versitygw left home/ behind: %v", err)
	}
}

func TestParityPosixToS3(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "hsds")
	s3s := srv.Store(t)
	fs, err := store.NewPosix(srv.Root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for k, v := range parityObjects {
		if _, err := fs.Put(ctx, "hsds", k, v, store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The POSIX store writes versitygw's ETag attribute, so both agree.
	compareViews(t, fs, s3s, "hsds", parityObjects)

	// Conditional writes through S3 see ETags set by the POSIX store.
	k := "db/01234567-89abcdef/.group.json"
	if _, err := s3s.Put(ctx, "hsds", k, []byte("v2"), store.PutOptions{IfMatch: store.ETagOf(parityObjects[k])}); err != nil {
		t.Errorf("s3 if-match on a file:// object: %v", err)
	}
	if _, err := fs.Put(ctx, "hsds", k, []byte("v3"), store.PutOptions{IfMatch: store.ETagOf([]byte("v2"))}); err != nil {
		t.Errorf("file:// if-match on an s3:// object: %v", err)
	}
}

// TestParityForeignFiles documents what happens to files written behind both
// stores' backs (HSDS writes files in place, with no attributes): the POSIX
// store computes their MD5, while versitygw answers with no ETag at all (it
// only reads its "user.etag" attribute; see its --default-etag flag).
func TestParityForeignFiles(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "hsds")
	s3s := srv.Store(t)
	fs, err := store.NewPosix(srv.Root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := []byte(`{"foreign": true}`)
	path := filepath.Join(srv.Root, "hsds", "raw", "x.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	fsInfo, err := fs.Stat(ctx, "hsds", "raw/x.json")
	if err != nil || fsInfo.ETag != store.ETagOf(data) {
		t.Fatalf("posix stat of foreign file = %+v, %v", fsInfo, err)
	}
	s3Info, err := s3s.Stat(ctx, "hsds", "raw/x.json")
	if err != nil || s3Info.Size != int64(len(data)) {
		t.Fatalf("s3 stat of foreign file = %+v, %v", s3Info, err)
	}
	got, _, err := s3s.Get(ctx, "hsds", "raw/x.json")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("s3 get of foreign file = %q, %v", got, err)
	}
	// versitygw v1.8 reports no ETag for it; the S3 store then falls back
	// to the MD5 of the content on Get (it has the bytes), not on Stat/List.
	if s3Info.ETag != "" {
		t.Logf("versitygw now reports ETag %q for a foreign file (MD5 %s)", s3Info.ETag, store.ETagOf(data))
	}
	if _, info, err := s3s.Get(ctx, "hsds", "raw/x.json"); err != nil || info.ETag != store.ETagOf(data) {
		t.Errorf("s3 get info of foreign file = %+v, %v", info, err)
	}
	// An in-place rewrite (same inode, stale attributes) is noticed by the
	// POSIX store through size and mtime.
	data2 := []byte(`{"foreign": "rewritten in place"}`)
	if err := os.WriteFile(path, data2, 0o644); err != nil {
		t.Fatal(err)
	}
	if info, err := fs.Stat(ctx, "hsds", "raw/x.json"); err != nil || info.ETag != store.ETagOf(data2) {
		t.Errorf("posix stat after in-place rewrite = %+v, %v; want etag %s", info, err, store.ETagOf(data2))
	}
}
