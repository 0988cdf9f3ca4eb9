package rest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// rewritingStore is a POSIX store whose chunk reads (GetVersion) find the object changed during
// the read while on is set: a chunk HSDS rewrites without end.
type rewritingStore struct {
	*store.Posix
	on atomic.Bool
}

func (r *rewritingStore) GetVersion(ctx context.Context, bucket, key string) ([]byte, string, error) {
	if r.on.Load() {
		return nil, "", fmt.Errorf("get %s/%s: %w", bucket, key, store.ErrChanged)
	}
	return r.Posix.GetVersion(ctx, bucket, key)
}

// TestChunkRewrittenOrCorruptStatus: a chunk that keeps changing while it is read answers 503
// with Retry-After and a message naming the chunk being rewritten (never "corrupt"); a chunk
// whose stored bytes are stable and do not decode answers 500 "corrupt chunk" naming it; a
// sound chunk reads (dense and sparse).
func TestChunkRewrittenOrCorruptStatus(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, testBucket), 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := store.NewPosix(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := &rewritingStore{Posix: p}
	e := newEnv(t, st)
	dom, _ := e.createDomain("rewrite.h5")
	id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil,
		`{"type": "H5T_STD_I32LE", "shape": [2000], "creationProperties": {"layout": {"class": "H5D_CHUNKED", "dims": [1000]},
		  "filters": [{"class": "H5Z_FILTER_SHUFFLE", "id": 2}, {"class": "H5Z_FILTER_DEFLATE", "id": 1, "level": 5}]}}`,
		"test_user1")).json(t)["id"].(string)
	vals := make([]int32, 2000)
	for i := range vals {
		vals[i] = int32(i * 3)
	}
	e.mustStatus(200, e.do("PUT", "/datasets/"+id+"/value", dom, nil, le32(vals), "test_user1"))
	oct := hdrs{"Accept": "application/octet-stream"}
	key0 := schema.ChunkKey(id, []int{0}, 0)
	params := func(sel string) url.Values {
		if sel == "" {
			return nil
		}
		return q("select", sel)
	}
	for _, sel := range []string{"", "[0:2000:50]"} {
		st.on.Store(true)
		r := e.do("GET", "/datasets/"+id+"/value", dom, params(sel), nil, "test_user1", oct)
		st.on.Store(false)
		body := string(r.body)
		if r.code != 503 || r.hdr.Get("Retry-After") == "" || strings.Contains(body, "corrupt") ||
			!strings.Contains(body, "being rewritten") || !strings.Contains(body, "of dataset "+id) || !strings.Contains(body, "key ") {
			t.Errorf("select %q while the chunk is rewritten: %d Retry-After %q %.300s; want 503 with Retry-After naming the chunk being rewritten",
				sel, r.code, r.hdr.Get("Retry-After"), body)
		}
		r = e.mustStatus(200, e.do("GET", "/datasets/"+id+"/value", dom, params(sel), nil, "test_user1", oct))
		step := 1
		if sel != "" {
			step = 50
		}
		got := i32s(r.body)
		if len(got) != len(vals)/step {
			t.Fatalf("select %q after the rewrite: %d values, want %d", sel, len(got), len(vals)/step)
		}
		for k, v := range got {
			if v != vals[k*step] {
				t.Fatalf("select %q after the rewrite: value %d is %d, want %d", sel, k, v, vals[k*step])
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, testBucket, filepath.FromSlash(key0)), []byte("not a chunk"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, sel := range []string{"", "[0:2000:50]"} {
		r := e.do("GET", "/datasets/"+id+"/value", dom, params(sel), nil, "test_user1", oct)
		if want := "corrupt chunk 0 of dataset " + id + ", key " + key0; r.code != 500 || !strings.Contains(string(r.body), want) {
			t.Errorf("select %q of a corrupt chunk: %d %.300s; want 500 %q", sel, r.code, r.body, want)
		}
	}
}
