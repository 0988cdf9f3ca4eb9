package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
)

func testConditional(t *testing.T, newStore NewStore) {
	s, b := newStore(t)
	ctx := ctxT(t)
	v1 := []byte("version one")
	info1, err := s.Put(ctx, b, "c/obj", v1, store.PutOptions{IfNoneMatch: true})
	if err != nil {
		t.Fatalf("put if-none-match on absent: %v", err)
	}
	if info1.ETag != store.ETagOf(v1) {
		t.Errorf("etag = %s, want %s", info1.ETag, store.ETagOf(v1))
	}
	fails := []struct {
		name string
		opts store.PutOptions
	}{
		{"if-none-match present", store.PutOptions{IfNoneMatch: true}},
		{"if-match mismatch", store.PutOptions{IfMatch: store.ETagOf([]byte("other"))}},
		{"if-match garbage", store.PutOptions{IfMatch: "not-an-etag"}},
	}
	for _, tc := range fails {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Put(ctx, b, "c/obj", []byte("clobber"), tc.opts)
			if !errors.Is(err, store.ErrPreconditionFailed) {
				t.Errorf("err = %v, want ErrPreconditionFailed", err)
			}
			mustGet(t, s, b, "c/obj", v1)
		})
	}
	// If-Match on the current ETag, in any spelling.
	v := v1
	for i, etag := range []string{info1.ETag, `"` + store.ETagOf([]byte("v2")) + `"`, strings.ToUpper(store.ETagOf([]byte("v3")))} {
		next := []byte("v" + strconv.Itoa(i+2))
		if _, err := s.Put(ctx, b, "c/obj", next, store.PutOptions{IfMatch: etag}); err != nil {
			t.Fatalf("put if-match %s (current %s): %v", etag, store.ETagOf(v), err)
		}
		v = next
		mustGet(t, s, b, "c/obj", v)
	}
	// If-Match on a missing object fails.
	if _, err := s.Put(ctx, b, "c/missing", v1, store.PutOptions{IfMatch: info1.ETag}); !errors.Is(err, store.ErrPreconditionFailed) {
		t.Errorf("if-match on missing: err = %v, want ErrPreconditionFailed", err)
	}
	if _, _, err := s.Get(ctx, b, "c/missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("failed put created the object: %v", err)
	}
	// Both at once is a usage error, not a precondition failure.
	_, err = s.Put(ctx, b, "c/obj", v1, store.PutOptions{IfMatch: info1.ETag, IfNoneMatch: true})
	if err == nil || errors.Is(err, store.ErrPreconditionFailed) {
		t.Errorf("both preconditions: err = %v", err)
	}
	// After a delete, If-None-Match succeeds again.
	if err := s.Delete(ctx, b, "c/obj"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, b, "c/obj", v1, store.PutOptions{IfNoneMatch: true}); err != nil {
		t.Errorf("if-none-match after delete: %v", err)
	}
}

func testUpdate(t *testing.T, newStore NewStore) {
	s, b := newStore(t)
	ctx := ctxT(t)
	info, err := store.Update(ctx, s, b, "u", func(old []byte, exists bool) ([]byte, error) {
		if exists || old != nil {
			return nil, fmt.Errorf("first update saw exists=%v old=%q", exists, old)
		}
		return []byte("1"), nil
	})
	if err != nil || info.ETag != store.ETagOf([]byte("1")) {
		t.Fatalf("first update: %+v, %v", info, err)
	}
	if _, err := store.Update(ctx, s, b, "u", func(old []byte, exists bool) ([]byte, error) {
		if !exists || string(old) != "1" {
			return nil, fmt.Errorf("second update saw exists=%v old=%q", exists, old)
		}
		return append(old, '2'), nil
	}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, b, "u", []byte("12"))
	boom := errors.New("boom")
	if _, err := store.Update(ctx, s, b, "u", func([]byte, bool) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("update fn error: got %v", err)
	}
	mustGet(t, s, b, "u", []byte("12"))
}

// testUpdateConcurrent increments one counter from 16 goroutines, 20 times
// each: any lost update shows in the final value.
func testUpdateConcurrent(t *testing.T, newStore NewStore) {
	s, b := newStore(t)
	const workers, each = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	var calls sync.Map
	for w := range workers {
		wg.Go(func() {
			for range each {
				_, err := store.Update(ctxT(t), s, b, "counter", func(old []byte, exists bool) ([]byte, error) {
					n := 0
					if exists {
						var err error
						if n, err = strconv.Atoi(string(old)); err != nil {
							return nil, fmt.Errorf("counter holds %q", old)
						}
					}
					v, _ := calls.LoadOrStore(w, new(int))
					*v.(*int)++
					return []byte(strconv.Itoa(n + 1)), nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	mustGet(t, s, b, "counter", []byte(strconv.Itoa(workers*each)))
	total := 0
	calls.Range(func(_, v any) bool { total += *v.(*int); return true })
	t.Logf("%d increments took %d attempts", workers*each, total)
}

var badKeys = []string{"", "/abs", "a//b", "a/../b", "..", "../x", "a/..", ".", "./a", "a/./b", "a/", "a\\b",
	"a\x00b", strings.Repeat("k", store.MaxKeyLen+1), strings.Repeat("e", 256), "a/.hsfan-tmp-x", ".sgwtmp/x", "\xff"}

func testInvalidNames(t *testing.T, newStore NewStore) {
	s, b := newStore(t)
	ctx := ctxT(t)
	ops := map[string]func(bucket, key string) error{
		"get":      func(bk, k string) error { _, _, err := s.Get(ctx, bk, k); return err },
		"getrange": func(bk, k string) error { _, err := s.GetRange(ctx, bk, k, 0, 1); return err },
		"put":      func(bk, k string) error { _, err := s.Put(ctx, bk, k, []byte("x"), store.PutOptions{}); return err },
		"delete":   func(bk, k string) error { return s.Delete(ctx, bk, k) },
		"stat":     func(bk, k string) error { _, err := s.Stat(ctx, bk, k); return err },
	}
	for name, op := range ops {
		for _, key := range badKeys {
			if err := op(b, key); !errors.Is(err, store.ErrInvalidKey) {
				t.Errorf("%s %q: err = %v, want ErrInvalidKey", name, key, err)
			}
		}
		for _, bucket := range []string{"", "..", ".vgwlocks", "a/b", "a\\b", "b\x00"} {
			if err := op(bucket, "k"); !errors.Is(err, store.ErrInvalidBucket) {
				t.Errorf("%s bucket %q: err = %v, want ErrInvalidBucket", name, bucket, err)
			}
		}
	}
	nop := func(store.Entry) error { return nil }
	for _, prefix := range []string{"/a", "a//", "../", "a/../", "a\\", "x\x00"} {
		if err := s.List(ctx, b, prefix, "/", nop); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("list prefix %q: err = %v, want ErrInvalidKey", prefix, err)
		}
	}
	if err := s.List(ctx, "..", "", "/", nop); !errors.Is(err, store.ErrInvalidBucket) {
		t.Errorf("list bucket ..: err = %v, want ErrInvalidBucket", err)
	}
	// Nothing was written by the rejected puts.
	if got := listAll(t, s, b, "", ""); len(got) != 0 {
		t.Errorf("bucket holds %q after invalid puts", got)
	}
}

func testCanceled(t *testing.T, newStore NewStore) {
	s, b := newStore(t)
	put(t, s, b, "k", []byte("v"))
	put(t, s, b, "k2", []byte("v"))
	ctx, cancel := context.WithCancel(ctxT(t))
	cancel()
	checks := map[string]error{}
	_, _, checks["get"] = s.Get(ctx, b, "k")
	_, checks["getrange"] = s.GetRange(ctx, b, "k", 0, 1)
	_, checks["put"] = s.Put(ctx, b, "k", []byte("new"), store.PutOptions{})
	checks["delete"] = s.Delete(ctx, b, "k")
	_, checks["stat"] = s.Stat(ctx, b, "k")
	checks["list"] = s.List(ctx, b, "", "", func(store.Entry) error { return nil })
	_, checks["update"] = store.Update(ctx, s, b, "k", func(o []byte, _ bool) ([]byte, error) { return o, nil })
	for op, err := range checks {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with canceled ctx: err = %v, want context.Canceled", op, err)
		}
	}
	mustGet(t, s, b, "k", []byte("v"))
	// Canceling during a listing stops it.
	ctx, cancel = context.WithCancel(ctxT(t))
	defer cancel()
	n := 0
	err := s.List(ctx, b, "", "", func(store.Entry) error { n++; cancel(); return nil })
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("list canceled in fn: err %v after %d entries", err, n)
	}
}
