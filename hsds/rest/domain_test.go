package rest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
)

func TestServerInfoAndHeaders(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	r := e.mustStatus(200, e.do("GET", "/about", "", nil, nil, ""))
	m := r.json(t)
	if m["state"] != "READY" || m["hsds_version"] != HSDSVersion || m["node_count"].(float64) < 1 || m["username"] != "anonymous" {
		t.Errorf("about = %v", m)
	}
	if got := r.hdr.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if r.hdr.Get("X-XSS-Protection") != "1; mode=block" {
		t.Errorf("X-XSS-Protection %q", r.hdr.Get("X-XSS-Protection"))
	}
	if s := r.hdr.Get("Server"); s == "" || strings.Contains(strings.ToLower(s), "python") {
		t.Errorf("Server %q", s)
	}
	if m := e.mustStatus(200, e.do("GET", "/about", "", nil, nil, "admin")).json(t); m["username"] != "admin" || m["isadmin"] != true {
		t.Errorf("admin about = %v", m)
	}
	e.mustStatus(401, e.do("GET", "/about", "", nil, nil, "nobody"))
	e.mustStatus(200, e.do("GET", "/info", "", nil, nil, ""))
	// CORS preflight on any route.
	r = e.mustStatus(200, e.do("OPTIONS", "/datasets/d-x/value", "", nil, nil, "", hdrs{"Access-Control-Request-Method": "PUT"}))
	if r.hdr.Get("Access-Control-Allow-Origin") != "*" || r.hdr.Get("Access-Control-Allow-Methods") != "PUT" {
		t.Errorf("CORS headers %v", r.hdr)
	}
}

func TestDomains(t *testing.T) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, mk(t))
			dom := "/home/test_user1/d.h5"
			e.mustStatus(404, e.do("GET", "/", dom, q("getdnids", "1"), nil, "test_user1"))
			m := e.mustStatus(201, e.do("PUT", "/", dom, nil, `{}`, "test_user1")).json(t)
			root := m["root"].(string)
			if m["owner"] != "test_user1" || m["version"] != HSDSVersion || m["limits"] == nil {
				t.Errorf("PUT domain = %v", m)
			}
			e.mustStatus(409, e.do("PUT", "/", dom, nil, nil, "test_user1"))
			m = e.mustStatus(200, e.do("GET", "/", dom, nil, nil, "test_user1")).json(t)
			if m["root"] != root || m["class"] != "domain" || len(m["hrefs"].([]any)) != 7 {
				t.Errorf("GET domain = %v", m)
			}
			lim := m["limits"].(map[string]any)
			if lim["min_chunk_size"].(float64) != 1<<20 || lim["max_chunk_size"].(float64) != 4<<20 || lim["max_request_size"].(float64) != 100<<20 {
				t.Errorf("limits %v", lim)
			}
			if c := m["compressors"].([]any); len(c) == 0 {
				t.Errorf("compressors %v", c)
			}
			// The store layout: <path>/.domain.json and the root group at db/<A>/.group.json.
			if _, err := e.st.Stat(context.Background(), testBucket, "home/test_user1/d.h5/.domain.json"); err != nil {
				t.Errorf("domain key: %v", err)
			}
			if _, err := e.st.Stat(context.Background(), testBucket, "db/"+root[2:19]+"/.group.json"); err != nil {
				t.Errorf("root group key: %v", err)
			}
			// Folder responses and listing.
			m = e.mustStatus(200, e.do("GET", "/", "/home/test_user1", nil, nil, "")).json(t)
			if m["class"] != "folder" {
				t.Errorf("folder = %v", m)
			}
			m = e.mustStatus(200, e.do("GET", "/domains", "/home/test_user1/", nil, nil, "test_user1")).json(t)
			ds := m["domains"].([]any)
			if len(ds) != 1 || ds[0].(map[string]any)["name"] != dom || ds[0].(map[string]any)["root"] != root {
				t.Errorf("domains = %v", m)
			}
			m = e.mustStatus(200, e.do("GET", "/", "", nil, nil, "")).json(t)
			if d := m["domains"].([]any); len(d) != 1 || d[0].(map[string]any)["name"] != "/home" || d[0].(map[string]any)["class"] != "folder" {
				t.Errorf("top = %v", m)
			}
			// Auth and ACLs.
			e.mustStatus(401, e.do("PUT", "/", "/home/test_user1/x.h5", nil, nil, ""))
			e.mustStatus(401, e.do("GET", "/", dom, nil, nil, "nobody"))
			e.mustStatus(403, e.do("GET", "/", dom, nil, nil, "test_user2"))
			e.mustStatus(403, e.do("GET", "/", dom, nil, nil, ""))
			e.mustStatus(403, e.do("PUT", "/", "/home/test_user1/y.h5", nil, nil, "test_user2"))
			e.mustStatus(403, e.do("PUT", "/", "/top", nil, nil, "test_user1"))
			e.mustStatus(404, e.do("PUT", "/", "/home/nouser/y.h5", nil, nil, "test_user1"))
			e.mustStatus(400, e.do("PUT", "/", dom+"/sub.h5", nil, nil, "test_user1"))
			// Bad domains never reach outside the store.
			for _, bad := range []string{"/home/../../etc", "/home/test_user1/../../x", "nodomain", "/home/u/"} {
				if r := e.do("GET", "/", bad, nil, nil, "admin"); r.code != 400 {
					t.Errorf("GET domain %q: %d %s", bad, r.code, r.body)
				}
			}
			e.mustStatus(400, e.do("GET", "/", "", q("host", "x"), nil, "admin"))
			for _, b := range []string{"..", "a/../..", "x\\y"} {
				if r := e.do("GET", "/domains", "", q("bucket", b), nil, "admin"); r.code != 400 {
					t.Errorf("bucket %q: %d %s", b, r.code, r.body)
				}
				if r := e.do("GET", "/", "/home", q("bucket", b), nil, "admin"); r.code != 400 {
					t.Errorf("bucket %q with domain: %d %s", b, r.code, r.body)
				}
			}
			// Flush, delete, 410, folder not empty.
			r := e.mustStatus(204, e.do("PUT", "/", dom, q("flush", "1"), nil, "test_user1"))
			_ = r
			e.mustStatus(409, e.do("DELETE", "/", "/home/test_user1", nil, nil, "test_user1"))
			r = e.mustStatus(200, e.do("DELETE", "/", dom, nil, nil, "test_user1"))
			if string(r.body) != "null" {
				t.Errorf("DELETE body %q", r.body)
			}
			e.mustStatus(410, e.do("GET", "/", dom, nil, nil, "test_user1"))
			// A fresh server does not know the tombstone.
			e2 := &env{t: t, st: e.st}
			srv, _ := New(Config{Store: e.st, Bucket: testBucket, Users: map[string]string{"test_user1": "test"}})
			e2.srv = srv
			e2.ts = newTS(t, srv)
			e2.mustStatus(404, e2.do("GET", "/", dom, nil, nil, "test_user1"))
			// The domain's objects are gone from the store.
			var left []string
			_ = e.st.List(context.Background(), testBucket, "db/"+root[2:19]+"/", "", func(en storeEntry) error {
				left = append(left, en.Key)
				return nil
			})
			if len(left) != 0 {
				t.Errorf("keys left after delete: %v", left)
			}
		})
	}
}

func TestGetObjsAndH5Path(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	dom, root := e.createDomain("objs.h5")
	g := e.mustStatus(201, e.do("POST", "/groups", dom, nil, `{"link": {"id": "`+root+`", "name": "g1"}}`, "test_user1")).json(t)
	d := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_STD_I32LE", "shape": [4], "h5path": "/g1/d1"}`, "test_user1")).json(t)
	e.mustStatus(201, e.do("PUT", "/groups/"+g["id"].(string)+"/attributes/a", dom, nil, `{"type": "H5T_STD_I8LE", "value": 3}`, "test_user1"))
	m := e.mustStatus(200, e.do("GET", "/", dom, q("getdnids", "1", "getobjs", "T", "include_attrs", "T", "verbose", "1"), nil, "test_user1")).json(t)
	objs := m["domain_objs"].(map[string]any)
	if len(objs) != 3 || objs[d["id"].(string)] == nil {
		t.Fatalf("domain_objs = %v", objs)
	}
	gj := objs[g["id"].(string)].(map[string]any)
	if gj["links"].(map[string]any)["d1"] == nil || gj["attributes"].(map[string]any)["a"] == nil {
		t.Errorf("group obj %v", gj)
	}
	if m["num_datasets"].(float64) != 1 || m["num_groups"].(float64) != 2 || m["dn_ids"] == nil {
		t.Errorf("verbose %v", m)
	}
	m = e.mustStatus(200, e.do("GET", "/", dom, q("h5path", "/g1/d1"), nil, "test_user1")).json(t)
	if m["id"] != d["id"] || m["class"] != "dataset" || m["domain"] != dom {
		t.Errorf("h5path GET %v", m)
	}
	m = e.mustStatus(200, e.do("GET", "/groups/", dom, q("h5path", "/g1"), nil, "test_user1")).json(t)
	if m["id"] != g["id"] {
		t.Errorf("groups h5path %v", m)
	}
	m = e.mustStatus(200, e.do("POST", "/", dom, nil, `{"h5paths": ["/g1", "/g1/d1"]}`, "test_user1")).json(t)
	if len(m["h5paths"].(map[string]any)) != 2 {
		t.Errorf("POST / %v", m)
	}
	for _, col := range []string{"groups", "datasets"} {
		m = e.mustStatus(200, e.do("GET", "/"+col, dom, nil, nil, "test_user1")).json(t)
		if len(m[col].([]any)) != 1 {
			t.Errorf("%s collection %v", col, m)
		}
	}
	e.mustStatus(404, e.do("GET", "/", dom, q("h5path", "/nope"), nil, "test_user1"))
	_ = hdf.ErrNotFound
	_ = http.StatusOK
}

func TestRecoverAndUnknownRoute(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	e.srv.mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	r := e.mustStatus(500, e.do("GET", "/boom", "", nil, nil, ""))
	if !strings.Contains(string(r.body), "boom") {
		t.Errorf("panic body %q", r.body)
	}
	e.mustStatus(404, e.do("GET", "/nothing/here", "", nil, nil, ""))
	// Bodies that are not JSON objects are 400 with the reason.
	dom, _ := e.createDomain("bad.h5")
	for _, b := range []string{`[1, 2]`, `{"link": 5}`, `{"type": "H5T_STD_I8LE", "shape": "x"}`, `{"type": "H5T_STD_I8LE", "shape": [2], "maxdims": [1]}`} {
		if r := e.do("POST", "/datasets", dom, nil, b, "test_user1"); r.code != 400 || len(r.body) < 10 {
			t.Errorf("POST /datasets %s: %d %s", b, r.code, r.body)
		}
	}
}
