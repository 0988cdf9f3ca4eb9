package rest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

const testBucket = "hsdstest"

// backends returns the stores every route family runs over.
func backends(t *testing.T) map[string]func(t *testing.T) store.Store {
	return map[string]func(t *testing.T) store.Store{
		"mem": func(t *testing.T) store.Store { return store.NewMemory() },
		"posix": func(t *testing.T) store.Store {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, testBucket), 0o755); err != nil {
				t.Fatal(err)
			}
			st, err := store.NewPosix(dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
	}
}

// env is a running test server with its users.
type env struct {
	t   *testing.T
	st  store.Store
	srv *Server
	ts  *httptest.Server
}

func newEnv(t *testing.T, st store.Store) *env {
	t.Helper()
	srv, err := New(Config{Store: st, Bucket: testBucket,
		Users:  map[string]string{"admin": "admin", "test_user1": "test", "test_user2": "test"},
		Admins: []string{"admin"}, Groups: map[string][]string{"test_user2": {"staff"}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	e := &env{t: t, st: st, srv: srv, ts: ts}
	// The folders may exist already when several families share one store.
	for _, f := range []string{`{"folder": true}`, `{"folder": true, "owner": "test_user1"}`} {
		p := "/home"
		if strings.Contains(f, "owner") {
			p = "/home/test_user1"
		}
		if r := e.do("PUT", "/", p, nil, f, "admin"); r.code != 201 && r.code != 409 {
			t.Fatalf("create %s: %d %s", p, r.code, r.body)
		}
	}
	return e
}

// resp is a finished response.
type resp struct {
	code int
	hdr  http.Header
	body []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response %d is not a JSON object: %v: %.300s", r.code, err, r.body)
	}
	return m
}

type hdrs map[string]string

// do sends a request; body is a string (JSON) or []byte (octet-stream).
func (e *env) do(method, path, domain string, params url.Values, body any, user string, extra ...hdrs) resp {
	e.t.Helper()
	if params == nil {
		params = url.Values{}
	}
	if domain != "" {
		params.Set("domain", domain)
	}
	u := e.ts.URL + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case string:
		rd = strings.NewReader(b)
		ct = "application/json"
	case []byte:
		rd = bytes.NewReader(b)
		ct = "application/octet-stream"
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if user != "" {
		pw := "test"
		if user == "admin" {
			pw = "admin"
		}
		req.SetBasicAuth(user, pw)
	}
	for _, h := range extra {
		for k, v := range h {
			req.Header.Set(k, v)
		}
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{code: res.StatusCode, hdr: res.Header, body: b}
}

func (e *env) mustStatus(code int, r resp) resp {
	e.t.Helper()
	if r.code != code {
		e.t.Fatalf("status %d, want %d: %.400s", r.code, code, r.body)
	}
	return r
}

// createDomain creates /home/test_user1/<name> and returns its root id.
func (e *env) createDomain(name string) (string, string) {
	e.t.Helper()
	dom := "/home/test_user1/" + name
	m := e.mustStatus(201, e.do("PUT", "/", dom, nil, nil, "test_user1")).json(e.t)
	return dom, m["root"].(string)
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

type storeEntry = store.Entry

func newTS(t *testing.T, h http.Handler) *httptest.Server {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

func schemaRead() schema.ACL { return schema.ACL{Read: true} }

func basic(u, p string) string { return base64.StdEncoding.EncodeToString([]byte(u + ":" + p)) }
