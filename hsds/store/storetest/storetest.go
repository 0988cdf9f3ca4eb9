// Package storetest is the conformance suite every store.Store backend must
// pass. A backend's test calls Run with a constructor that returns a fresh,
// empty store and bucket for each subtest.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hsfan/hsfan/hsds/store"
)

// NewStore returns a store and an existing, empty bucket in it.
type NewStore func(t *testing.T) (store.Store, string)

// Run runs the conformance suite as subtests of t.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(*testing.T, NewStore)
	}{
		{"GetPut", testGetPut},
		{"Range", testRange},
		{"Delete", testDelete},
		{"List", testList},
		{"ListStop", testListStop},
		{"ListPagination", testListPagination},
		{"Conditional", testConditional},
		{"Update", testUpdate},
		{"UpdateConcurrent", testUpdateConcurrent},
		{"InvalidNames", testInvalidNames},
		{"Canceled", testCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore) })
	}
}

func ctxT(t *testing.T) context.Context { return t.Context() }

// put stores data or fails the test.
func put(t *testing.T, s store.Store, bucket, key string, data []byte) store.ObjectInfo {
	t.Helper()
	info, err := s.Put(ctxT(t), bucket, key, data, store.PutOptions{})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return info
}

// mustGet reads key and checks its content and info.
func mustGet(t *testing.T, s store.Store, bucket, key string, want []byte) store.ObjectInfo {
	t.Helper()
	got, info, err := s.Get(ctxT(t), bucket, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("get %s = %q, want %q", key, got, want)
	}
	if info.Size != int64(len(want)) || info.ETag != store.ETagOf(want) || info.Key != key {
		t.Fatalf("get %s info = %+v, want key %s size %d etag %s", key, info, key, len(want), store.ETagOf(want))
	}
	return info
}

func testGetPut(t *testing.T, newStore NewStore) {
	s, b := newStore(t)
	ctx := ctxT(t)
	data := []byte("hello, world")
	info := put(t, s, b, "d/x/obj.json", data)
	if info.ETag != "e4d7f1b4ed2e42d15898f4b27b019da4" || info.Size != 12 || info.Key != "d/x/obj.json" {
		t.Errorf("put info = %+v", info)
	}
	data[0] = 'X' // the store must have copied it
	got := mustGet(t, s, b, "d/x/obj.json", []byte("hello, world"))
	if got.LastModified.IsZero() {
		t.Error("get: zero LastModified")
	}
	st, err := s.Stat(ctx, b, "d/x/obj.json")
	if err != nil || st.Size != 12 || st.ETag != info.ETag || st.Key != "d/x/obj.json" {
		t.Errorf("stat = %+v, %v", st, err)
	}
	// Returned slices belong to the caller.
	b1, _, _ := s.Get(ctx, b, "d/x/obj.json")
	b1[0] = 'Z'
	mustGet(t, s, b, "d/x/obj.json", []byte("hello, world"))

	// Overwrite.
	info2 := put(t, s, b, "d/x/obj.json", []byte("second"))
	if info2.ETag == info.ETag || info2.ETag != store.ETagOf([]byte("second")) {
		t.Errorf("overwrite etag = %s", info2.ETag)
	}
	mustGet(t, s, b, "d/x/obj.json", []byte("second"))

	// A zero-byte object is an object.
	put(t, s, b, "empty", nil)
	mustGet(t, s, b, "empty", []byte{})
	if st, err := s.Stat(ctx, b, "empty"); err != nil || st.Size != 0 || st.ETag != "d41d8cd98f00b204e9800998ecf8427e" {
		t.Errorf("stat empty = %+v, %v", st, err)
	}

	// Binary content of a few sizes.
	for _, n := range []int{1, 4095, 1 << 20} {
		buf := make([]byte, n)
		for i := range buf {
			buf[i] = byte(i*7 + n)
		}
		key := "bin/" + strconv.Itoa(n)
		put(t, s, b, key, buf)
		mustGet(t, s, b, key, buf)
	}

	// Missing objects, and a "directory" that is only a prefix of objects.
	for _, key := range []string{"missing", "d/x", "d/x/obj.json/below", "nope/deeper/x"} {
		if _, _, err := s.Get(ctx, b, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("get %s: err = %v, want ErrNotFound", key, err)
		}
		if _, err := s.Stat(ctx, b, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("stat %s: err = %v, want ErrNotFound", key, err)
		}
	}
}

func testRange(t *testing.T, newStore NewStore) {
	s, b := newStore(t)
	ctx := ctxT(t)
	put(t, s, b, "r", []byte("0123456789"))
	put(t, s, b, "z", nil)
	tests := []struct {
		key            string
		offset, length int64
		want           string
	}{
		{"r", 0, 4, "0123"},
		{"r", 3, 4, "3456"},
		{"r", 0, 10, "0123456789"},
		{"r", 9, 1, "9"},
		{"r", 8, 10, "89"},          // short at EOF
		{"r", 10, 5, ""},            // at EOF
		{"r", 11, 1, ""},            // past EOF
		{"r", 1 << 40, 1 << 20, ""}, // far past EOF
		{"r", 0, -1, "0123456789"},  // to the end
		{"r", 6, -1, "6789"},
		{"r", 4, 0, ""},
		{"z", 0, 5, ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s@%d+%d", tc.key, tc.offset, tc.length), func(t *testing.T) {
			got, err := s.GetRange(ctx, b, tc.key, tc.offset, tc.length)
			if err != nil {
				t.Fatalf("get range: %v", err)
			}
			if string(got) != tc.want || got == nil {
				t.Errorf("get range = %q (nil %v), want %q", got, got == nil, tc.want)
			}
		})
	}
	if _, err := s.GetRange(ctx, b, "r", -1, 2); !errors.Is(err, store.ErrInvalidRange) {
		t.Errorf("negative offset: err = %v, want ErrInvalidRange", err)
	}
	for _, l := range []int64{0, 3, -1} {
		if _, err := s.GetRange(ctx, b, "missing", 0, l); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing length %d: err = %v, want ErrNotFound", l, err)
		}
	}
}

// listAll collects List's entries as "key" for objects and "key/" prefixes
// marked with a trailing "(p)".
func listAll(t *testing.T, s store.Store, bucket, prefix, delim string) []string {
	t.Helper()
	var out []string
	err := s.List(ctxT(t), bucket, prefix, delim, func(e store.Entry) error {
		if e.IsPrefix {
			out = append(out, e.Key+"(p)")
		} else {
			out = append(out, e.Key)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("list %q %q: %v", prefix, delim, err)
	}
	return out
}

func testDelete(t *testing.T, newStore NewStore) {
	s, b := newStore(t)
	ctx := ctxT(t)
	put(t, s, b, "a/b/c/d", []byte("1"))
	put(t, s, b, "a/x", []byte("2"))
	put(t, s, b, "top", []byte("3"))
	if err := s.Delete(ctx, b, "a/b/c/d"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, _, err := s.Get(ctx, b, "a/b/c/d"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	// No "a/b/" prefix may remain, though "a/" still holds a/x.
	if got, want := listAll(t, s, b, "a/", "/"), []string{"a/x"}; !slices.Equal(got, want) {
		t.Errorf("list a/ after delete = %q, want %q", got, want)
	}
	if err := s.Delete(ctx, b, "a/x"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if got, want := listAll(t, s, b, "", "/"), []string{"top"}; !slices.Equal(got, want) {
		t.Errorf("list after deletes = %q, want %q", got, want)
	}
	// Deleting what is missing is fine, as on S3.
	for _, key := range []string{"a/x", "never", "no/such/dir/x"} {
		if err := s.Delete(ctx, b, key); err != nil {
			t.Errorf("delete missing %s: %v", key, err)
		}
	}
	// The bucket itself survives deleting its last object.
	if err := s.Delete(ctx, b, "top"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if got := listAll(t, s, b, "", ""); len(got) != 0 {
		t.Errorf("list empty bucket = %q", got)
	}
	put(t, s, b, "again", []byte("x"))
	mustGet(t, s, b, "again", []byte("x"))
}

func testList(t *testing.T, newStore NewStore) {
	s, b := newStore(t)
	// Keys chosen so that directory order and key order differ ('-' and '.'
	// sort before '/', '0' after it). No key is also a "directory" of other
	// keys, which POSIX cannot hold.
	keys := []string{"a-b", "a.b", "a/b", "a/b0", "a/c/d", "a/c/e/f", "a0", "b", "db/x/.domain.json", "db/x/g/1.group.json"}
	for i, k := range slices.Backward(keys) { // write in reverse order
		put(t, s, b, k, []byte(strconv.Itoa(i)+k))
	}
	tests := []struct {
		prefix, delim string
		want          []string
	}{
		{"", "", keys},
		{"", "/", []string{"a-b", "a.b", "a/(p)", "a0", "b", "db/(p)"}},
		{"a", "/", []string{"a-b", "a.b", "a/(p)", "a0"}},
		{"a/", "/", []string{"a/b", "a/b0", "a/c/(p)"}},
		{"a/", "", []string{"a/b", "a/b0", "a/c/d", "a/c/e/f"}},
		{"a/b", "", []string{"a/b", "a/b0"}},
		{"a/b", "/", []string{"a/b", "a/b0"}},
		{"a/c/", "/", []string{"a/c/d", "a/c/e/(p)"}},
		{"a/c", "/", []string{"a/c/(p)"}},
		{"a.", "/", []string{"a.b"}},
		{"db/x/", "/", []string{"db/x/.domain.json", "db/x/g/(p)"}},
		{"db/x/.", "/", []string{"db/x/.domain.json"}},
		{"", "b", []string{"a-b(p)", "a.b(p)", "a/b(p)", "a/c/d", "a/c/e/f", "a0", "b(p)", "db(p)"}},
		{"zz", "", nil},
		{"a/b/", "/", nil}, // a/b is an object, not a directory
		{"nope/", "/", nil},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q,%q", tc.prefix, tc.delim), func(t *testing.T) {
			if diff := cmp.Diff(tc.want, listAll(t, s, b, tc.prefix, tc.delim)); diff != "" {
				t.Errorf("list (-want +got):\n%s", diff)
			}
		})
	}
	// Entries carry size and ETag.
	err := s.List(ctxT(t), b, "a/c/", "", func(e store.Entry) error {
		i := slices.Index(keys, e.Key)
		want := []byte(strconv.Itoa(i) + e.Key)
		if e.IsPrefix || e.Size != int64(len(want)) || e.ETag != store.ETagOf(want) || e.LastModified.IsZero() {
			t.Errorf("entry %+v, want size %d etag %s", e, len(want), store.ETagOf(want))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testListStop(t *testing.T, newStore NewStore) {
	s, b := newStore(t)
	for i := range 5 {
		put(t, s, b, fmt.Sprintf("k%d", i), []byte{byte(i)})
	}
	stop := errors.New("stop here")
	n := 0
	err := s.List(ctxT(t), b, "", "", func(store.Entry) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Errorf("list stop: err %v after %d entries, want %v after 2", err, n, stop)
	}
}

// testListPagination writes more than one S3 page (1000 keys) of objects
// and common prefixes.
func testListPagination(t *testing.T, newStore NewStore) {
	s, b := newStore(t)
	const nObj, nDir = 1050, 60
	var keys, want []string
	for i := range nObj + nDir {
		if i < nObj {
			keys = append(keys, fmt.Sprintf("p/%05d", i))
			want = append(want, keys[len(keys)-1])
		} else {
			keys = append(keys, fmt.Sprintf("p/%05d/x", i))
			want = append(want, fmt.Sprintf("p/%05d/(p)", i))
		}
	}
	parallel(t, 16, len(keys), func(i int) error {
		_, err := s.Put(ctxT(t), b, keys[i], []byte(keys[i]), store.PutOptions{})
		return err
	})
	if got := listAll(t, s, b, "p/", "/"); !slices.Equal(got, want) {
		t.Errorf("list p/ /: %d entries, want %d; first diff at %d", len(got), len(want), firstDiff(got, want))
	}
	if got := listAll(t, s, b, "", ""); !slices.Equal(got, keys) {
		t.Errorf("list all: %d entries, want %d; first diff at %d", len(got), len(keys), firstDiff(got, keys))
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// parallel runs fn(0..n-1) on workers goroutines and fails on the first error.
func parallel(t *testing.T, workers, n int, fn func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	next := make(chan int)
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	go func() {
		defer close(next)
		for i := range n {
			select {
			case next <- i:
			case <-t.Context().Done():
				return
			}
		}
	}()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case err := <-errs:
		t.Fatal(err) // remaining workers exit when t's context ends
	case <-done:
	}
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}
