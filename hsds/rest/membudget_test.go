package rest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/store"
)

// TestParsePointsMatchesJSON: the flat scanner gives what encoding/json gives for every point
// list, and leaves the texts it does not handle to encoding/json (same answer either way).
func TestParsePointsMatchesJSON(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		rank int
	}{
		{`[1, 2, 3]`, 1}, {`[[1], [2], [3]]`, 1}, {` [ [ 1 , 2 ] , [3,4] ] `, 2}, {`[]`, 1}, {`[]`, 2},
		{`[0, -1, 9223372036854775807]`, 1}, {`[-9223372036854775808]`, 1}, {`[9223372036854775808]`, 1},
		{`[1.0, 2]`, 1}, {`[1e2]`, 1}, {`[01]`, 1}, {`[null, 1]`, 1}, {`null`, 1}, {`[[1, 2], [3]]`, 2},
		{`[[1, 2, 3]]`, 2}, {`[1, 2]`, 2}, {`[[1], 2]`, 1}, {`[1, [2]]`, 1}, {`[1, 2,]`, 1}, {`[1 2]`, 1},
		{`[[1, 2] [3, 4]]`, 2}, {`[1, 2] x`, 1}, {`["1"]`, 1}, {`[-]`, 1}, {`[-0]`, 1}, {`[[]]`, 1},
		{`[[1,2],[3,4]]`, 3}, {`[1, 2`, 1},
	} {
		got, gerr := parsePoints(context.Background(), []byte(tc.raw), tc.rank)
		want, werr := parsePointsJSON([]byte(tc.raw), tc.rank)
		if (gerr == nil) != (werr == nil) || gerr == nil && !(len(got) == 0 && len(want) == 0 || reflect.DeepEqual(got, want)) {
			t.Errorf("%s rank %d: got %v, %v; encoding/json %v, %v", tc.raw, tc.rank, got, gerr, want, werr)
		}
	}
}

// TestInflightBudget: a value write that does not fit the in-flight budget is answered 503 with
// Retry-After and changes nothing; once the budget is free the same write succeeds; every
// request gives its bytes back, and under concurrent large writes the budget never exceeds its
// limit and every write either lands or is refused with 503.
func TestInflightBudget(t *testing.T) {
	const limit = 4 << 20
	srv, err := New(Config{Store: store.NewMemory(), Bucket: testBucket, MaxInflightBytes: limit,
		Users: map[string]string{"admin": "admin", "test_user1": "test"}, Admins: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, ts: httptest.NewServer(srv)}
	t.Cleanup(e.ts.Close)
	e.mustStatus(201, e.do("PUT", "/", "/home", nil, `{"folder": true}`, "admin"))
	e.mustStatus(201, e.do("PUT", "/", "/home/test_user1", nil, `{"folder": true, "owner": "test_user1"}`, "admin"))
	dom, root := e.createDomain("budget.h5")
	const n = 100_000
	id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil,
		fmt.Sprintf(`{"type": "H5T_STD_I32LE", "shape": [%d], "link": {"id": %q, "name": "d"}}`, n, root), "test_user1")).json(t)["id"].(string)
	var sb strings.Builder
	sb.WriteString(`{"value": [`)
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(strconv.Itoa(i * 7))
	}
	sb.WriteString("]}")
	body := sb.String()
	path := "/datasets/" + id + "/value"

	// Another request holds all but 100 KiB: the ~700 KiB body does not fit.
	if !srv.mem.tryAcquire(limit - 100<<10) {
		t.Fatal("budget not empty")
	}
	r := e.do("PUT", path, dom, nil, body, "test_user1")
	if r.code != http.StatusServiceUnavailable || r.hdr.Get("Retry-After") == "" {
		t.Fatalf("write over the budget: status %d, Retry-After %q, want 503 with Retry-After: %.200s", r.code, r.hdr.Get("Retry-After"), r.body)
	}
	if got := e.mustStatus(200, e.do("GET", path, dom, q("select", "[1:2]"), nil, "test_user1")).json(t)["value"]; fmt.Sprint(got) != "[0]" {
		t.Fatalf("a refused write changed the data: %v", got)
	}
	srv.mem.release(limit - 100<<10)
	e.mustStatus(200, e.do("PUT", path, dom, nil, body, "test_user1"))
	if got := e.mustStatus(200, e.do("GET", path, dom, q("select", "[99999:100000]"), nil, "test_user1")).json(t)["value"]; fmt.Sprint(got) != "[699993]" {
		t.Fatalf("after the write: %v, want [699993]", got)
	}
	if u := settledInUse(srv.mem); u != 0 {
		t.Fatalf("%d bytes still reserved after the requests ended", u)
	}

	// Concurrent writes: each reserves about 1.1 MiB (body + packed data), so at most three fit.
	var wg sync.WaitGroup
	codes := make([]int, 12)
	stop, done := make(chan struct{}), make(chan struct{})
	var peak int64
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				peak = max(peak, srv.mem.inUse())
				runtime.Gosched()
			}
		}
	}()
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.do("PUT", path, dom, nil, body, "test_user1").code
		}()
	}
	wg.Wait()
	close(stop)
	<-done
	ok := 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case 503:
		default:
			t.Errorf("concurrent write answered %d, want 200 or 503", c)
		}
	}
	if ok == 0 {
		t.Error("no concurrent write succeeded")
	}
	if peak > limit {
		t.Errorf("in-flight bytes peaked at %d, over the %d limit", peak, limit)
	}
	if u := settledInUse(srv.mem); u != 0 {
		t.Errorf("%d bytes still reserved after the concurrent requests", u)
	}
}

// TestJSONWriteAllocations: a JSON value write of 4 MiB allocates, end to end through the
// handler, less than 4 times its body (the generic decoding allocated over 40 times).
func TestJSONWriteAllocations(t *testing.T) {
	e := newEnv(t, store.NewMemory())
	dom, root := e.createDomain("alloc.h5")
	const n = 500_000
	id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil,
		fmt.Sprintf(`{"type": "H5T_IEEE_F64LE", "shape": [%d], "link": {"id": %q, "name": "d"}}`, n, root), "test_user1")).json(t)["id"].(string)
	body := string(numbersBody(n))
	req := func() {
		r := httptest.NewRequest("PUT", "/datasets/"+id+"/value?domain="+dom, strings.NewReader(body))
		r.SetBasicAuth("test_user1", "test")
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("write: %d %s", w.Code, w.Body)
		}
	}
	req() // warm up (first chunk writes)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	req()
	runtime.ReadMemStats(&m1)
	alloc := m1.TotalAlloc - m0.TotalAlloc
	t.Logf("body %d bytes, packed %d bytes, allocated %d bytes (%.2fx the body)", len(body), n*8, alloc, float64(alloc)/float64(len(body)))
	if alloc > uint64(4*len(body)) {
		t.Errorf("a %d byte JSON write allocated %d bytes, want under 4x the body", len(body), alloc)
	}
}

// TestReadBody: bodies of known and unknown length read whole up to the limit and are refused
// with 413 past it, and the bytes are reserved from the budget while the request lasts.
func TestReadBody(t *testing.T) {
	const limit = 300_000
	for _, n := range []int{0, 1, 65535, 65536, 65537, 200_000, limit, limit + 1, 1 << 20} {
		for _, known := range []bool{true, false} {
			body := bytes.Repeat([]byte{'a'}, n)
			for i := range body {
				body[i] = byte(i * 7)
			}
			r := httptest.NewRequest("PUT", "/", io.MultiReader(bytes.NewReader(body))) // unknown length
			if known {
				r = httptest.NewRequest("PUT", "/", bytes.NewReader(body))
			}
			b := &memBudget{limit: 1 << 30}
			r, res := withReservation(r, b)
			got, err := readBody(r, limit)
			switch {
			case n > limit:
				var ae *apiError
				if !errors.As(err, &ae) || ae.code != http.StatusRequestEntityTooLarge {
					t.Errorf("%d bytes (known length %v): err %v, want 413", n, known, err)
				}
			case err != nil || !bytes.Equal(got, body):
				t.Errorf("%d bytes (known length %v): got %d bytes, err %v", n, known, len(got), err)
			case b.inUse() < int64(n):
				t.Errorf("%d bytes (known length %v): %d bytes reserved", n, known, b.inUse())
			}
			res.releaseAll()
			if b.inUse() != 0 {
				t.Errorf("%d bytes still reserved after release", b.inUse())
			}
		}
	}
}

// TestOversizedRequestRunsAlone: a request needing more than the whole budget is not refused
// for ever: it takes the whole budget and runs when nothing else holds any.
func TestOversizedRequestRunsAlone(t *testing.T) {
	srv, err := New(Config{Store: store.NewMemory(), Bucket: testBucket, MaxInflightBytes: 64 << 10,
		Users: map[string]string{"admin": "admin", "test_user1": "test"}, Admins: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, ts: httptest.NewServer(srv)}
	t.Cleanup(e.ts.Close)
	e.mustStatus(201, e.do("PUT", "/", "/home", nil, `{"folder": true}`, "admin"))
	e.mustStatus(201, e.do("PUT", "/", "/home/test_user1", nil, `{"folder": true, "owner": "test_user1"}`, "admin"))
	dom, root := e.createDomain("big.h5")
	const n = 50_000
	id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil,
		fmt.Sprintf(`{"type": "H5T_IEEE_F64LE", "shape": [%d], "link": {"id": %q, "name": "d"}}`, n, root), "test_user1")).json(t)["id"].(string)
	e.mustStatus(200, e.do("PUT", "/datasets/"+id+"/value", dom, nil, string(numbersBody(n)), "test_user1"))
	e.mustStatus(200, e.do("GET", "/datasets/"+id+"/value", dom, nil, nil, "test_user1"))
	if u := settledInUse(srv.mem); u != 0 {
		t.Errorf("%d bytes still reserved", u)
	}
}

// settledInUse is the budget in use once the handlers have returned: a client has the whole
// answer before the handler's deferred release runs, so a check right after the response races
// it. It waits up to 5 s for the count to reach 0 and returns the last count.
func settledInUse(b *memBudget) int64 {
	deadline := time.Now().Add(5 * time.Second)
	for {
		u := b.inUse()
		if u == 0 || time.Now().After(deadline) {
			return u
		}
		time.Sleep(time.Millisecond)
	}
}

// TestChunkCacheInBudget: the decoded chunks the cache keeps are counted in the in-flight
// budget (what the budget holds once requests end is exactly the cache's bytes), a request that
// finds the budget full of cached chunks gets its bytes by evicting them (200, not 503) and
// reads the right values, and the budget never goes beyond its limit.
func TestChunkCacheInBudget(t *testing.T) {
	const limit = 16 << 20
	srv, err := New(Config{Store: store.NewMemory(), Bucket: testBucket, MaxInflightBytes: limit, ChunkCacheBytes: 8 << 20,
		Users: map[string]string{"admin": "admin", "test_user1": "test"}, Admins: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, ts: httptest.NewServer(srv)}
	t.Cleanup(e.ts.Close)
	e.mustStatus(201, e.do("PUT", "/", "/home", nil, `{"folder": true}`, "admin"))
	e.mustStatus(201, e.do("PUT", "/", "/home/test_user1", nil, `{"folder": true, "owner": "test_user1"}`, "admin"))
	dom, root := e.createDomain("cachebudget.h5")
	// 6 chunks of 1 MiB (int32 256 x 1024; HSDS and hsfan make smaller chunks up to 1 MiB): 6 MiB, all cacheable.
	id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, fmt.Sprintf(`{"type": "H5T_STD_I32LE", "shape": [1536, 1024],
		"creationProperties": {"layout": {"class": "H5D_CHUNKED", "dims": [256, 1024]}}, "link": {"id": %q, "name": "d"}}`, root),
		"test_user1")).json(t)["id"].(string)
	data := make([]byte, 1536*1024*4)
	for i := range 1536 * 1024 {
		binary.LittleEndian.PutUint32(data[4*i:], uint32(i*3))
	}
	path := "/datasets/" + id + "/value"
	e.mustStatus(200, e.do("PUT", path, dom, nil, data, "test_user1"))
	get := func(sel string) []byte {
		t.Helper()
		return e.mustStatus(200, e.do("GET", path, dom, q("select", sel), nil, "test_user1", hdrs{"Accept": octet})).body
	}
	// Half of every chunk: read whole (not by ranges), so every chunk is decoded and cached.
	if got := get("[:,0:512]"); binary.LittleEndian.Uint32(got[4*(100*512+5):]) != uint32((100*1024+5)*3) {
		t.Fatal("wrong value at [100, 5]")
	}
	n, cached := srv.chunks.Len()
	if n != 6 || cached != 6<<20 {
		t.Fatalf("cache holds %d chunks, %d bytes; want 6, %d", n, cached, 6<<20)
	}
	// A request gives its bytes back after its handler returns, which can be just after the
	// client has read the whole answer: wait for it (the server's ServeHTTP defers the release).
	settled := func(want func() int64) int64 {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for srv.mem.inUse() != want() && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		return srv.mem.inUse()
	}
	if u := settled(func() int64 { return cached }); u != cached {
		t.Fatalf("budget holds %d bytes once requests ended, want the cache's %d", u, cached)
	}
	// Another holder takes all the rest: a read of 2 MiB fits only by evicting cached chunks.
	rest := limit - srv.mem.inUse()
	if !srv.mem.tryAcquire(rest) {
		t.Fatal("budget changed")
	}
	got := get("[0:512,:]")
	if !bytes.Equal(got, data[:512*1024*4]) {
		t.Fatal("read with the budget full of cached chunks: wrong values")
	}
	if _, left := srv.chunks.Len(); left >= cached {
		t.Errorf("cache still holds %d bytes: nothing was evicted for the request", left)
	}
	if u := srv.mem.inUse(); u > limit {
		t.Errorf("budget holds %d bytes, more than its %d limit", u, limit)
	}
	srv.mem.release(rest)
	left := func() int64 { _, b := srv.chunks.Len(); return b }
	if u := settled(left); u != left() {
		t.Errorf("budget holds %d bytes after the requests, want the cache's %d", u, left())
	}
}
