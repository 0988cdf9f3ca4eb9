package rest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
)

// TestTransientErrorsAre503 (issue 9, class 6): contention that outlasts the retries and writes
// racing a resize are transient: 503 with Retry-After, never 500.
func TestTransientErrorsAre503(t *testing.T) {
	s, err := New(Config{Store: store.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		fmt.Errorf("update chunk k: gave up: %w: %w", store.ErrContended, store.ErrPreconditionFailed),
		fmt.Errorf("write dataset d: %w", hdf.ErrResized),
	} {
		ae := s.toAPIError(err)
		rec := httptest.NewRecorder()
		writeError(rec, ae)
		if rec.Code != 503 || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%v: status %d, Retry-After %q; want 503 with Retry-After", err, rec.Code, rec.Header().Get("Retry-After"))
		}
	}
}

// TestHotChunkWriters: 300 concurrent writers of one chunk through one server all succeed and
// every value reads back (they queue within the process instead of exhausting their retries).
func TestHotChunkWriters(t *testing.T) {
	st := backends(t)["posix"](t)
	e := newEnv(t, st)
	dom, _ := e.createDomain("hot.h5")
	id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil,
		`{"type": "H5T_STD_I32LE", "shape": [300], "creationProperties": {"layout": {"class": "H5D_CHUNKED", "dims": [300]}}}`,
		"test_user1")).json(t)["id"].(string)
	const n = 300
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/datasets/%s/value?domain=%s&select=[%d:%d]", e.ts.URL, id, dom, i, i+1),
				bytes.NewReader(le32([]int32{int32(i + 1)})))
			req.Header.Set("Content-Type", "application/octet-stream")
			req.SetBasicAuth("test_user1", "test")
			res, err := e.ts.Client().Do(req)
			if err != nil {
				codes <- 0
				return
			}
			res.Body.Close()
			codes <- res.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Errorf("write status %d", c)
		}
	}
	r := e.mustStatus(200, e.do("GET", "/datasets/"+id+"/value", dom, nil, nil, "test_user1", hdrs{"Accept": "application/octet-stream"}))
	for i, v := range i32s(r.body) {
		if v != int32(i+1) {
			t.Fatalf("element %d = %d, want %d", i, v, i+1)
		}
	}
}
