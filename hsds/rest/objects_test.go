package rest

import (
	"context"
	"fmt"
	"testing"

	"github.com/hsfan/hsfan/hsds/schema"
)

func TestLinks(t *testing.T) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, mk(t))
			u := "test_user1"
			dom, root := e.createDomain("links.h5")
			gid := e.mustStatus(201, e.do("POST", "/groups", dom, nil, nil, u)).json(t)["id"].(string)
			lp := "/groups/" + root + "/links/"
			e.mustStatus(201, e.do("PUT", lp+"b", dom, nil, `{"id": "`+gid+`"}`, u))
			e.mustStatus(200, e.do("PUT", lp+"b", dom, nil, `{"id": "`+gid+`"}`, u))
			e.mustStatus(409, e.do("PUT", lp+"b", dom, nil, `{"h5path": "/x"}`, u))
			e.mustStatus(201, e.do("PUT", lp+"a", dom, nil, `{"h5path": "/b"}`, u))
			e.mustStatus(201, e.do("PUT", lp+"c", dom, nil, `{"h5path": "/x", "h5domain": "/home/test_user1/other.h5"}`, u))
			e.mustStatus(400, e.do("PUT", lp+"d", dom, nil, `{}`, u))
			// A hard link to no object is 404 (HSDS servicenode_lib.py putLink: getObjectJson).
			e.mustStatus(404, e.do("PUT", lp+"e", dom, nil, `{"id": "g-00000000-00000000-0000-000000-000000"}`, u))
			l := e.mustStatus(200, e.do("GET", lp+"b", dom, nil, nil, u)).json(t)
			if link := l["link"].(map[string]any); link["id"] != gid || link["collection"] != "groups" || link["class"] != "H5L_TYPE_HARD" || len(l["hrefs"].([]any)) != 4 {
				t.Errorf("GET link %v", l)
			}
			l = e.mustStatus(200, e.do("GET", lp+"c", dom, nil, nil, u)).json(t)
			if link := l["link"].(map[string]any); link["h5domain"] != "/home/test_user1/other.h5" || link["class"] != "H5L_TYPE_EXTERNAL" {
				t.Errorf("external link %v", l)
			}
			// Soft links resolve by path when asked to (HSDS: 400 otherwise).
			e.mustStatus(400, e.do("GET", "/groups/", dom, q("h5path", "/a"), nil, u))
			if m := e.mustStatus(200, e.do("GET", "/groups/", dom, q("h5path", "/a", "follow_soft_links", "1"), nil, u)).json(t); m["id"] != gid {
				t.Errorf("soft link resolve %v", m)
			}
			titles := func(params ...string) string {
				m := e.mustStatus(200, e.do("GET", "/groups/"+root+"/links", dom, q(params...), nil, u)).json(t)
				var out []string
				for _, l := range m["links"].([]any) {
					out = append(out, l.(map[string]any)["title"].(string))
				}
				return fmt.Sprint(out)
			}
			if got := titles(); got != "[a b c]" {
				t.Errorf("links %s", got)
			}
			if got := titles("CreateOrder", "1"); got != "[b a c]" {
				t.Errorf("CreateOrder %s", got)
			}
			if got := titles("Limit", "1", "Marker", "a"); got != "[b]" {
				t.Errorf("Limit/Marker %s", got)
			}
			if got := titles("pattern", "[bc]"); got != "[b c]" {
				t.Errorf("pattern %s", got)
			}
			e.mustStatus(404, e.do("GET", "/groups/"+root+"/links", dom, q("Marker", "zz"), nil, u))
			// Bulk PUT, POST titles, follow_links.
			e.mustStatus(201, e.do("PUT", "/groups/"+gid+"/links", dom, nil, `{"links": {"x": {"h5path": "/a"}, "y": {"id": "`+root+`"}}}`, u))
			m := e.mustStatus(200, e.do("POST", "/groups/"+gid+"/links", dom, nil, `{"titles": ["y", "x"]}`, u)).json(t)
			if ls := m["links"].([]any); len(ls) != 2 || ls[0].(map[string]any)["id"] != root {
				t.Errorf("POST links %v", m)
			}
			m = e.mustStatus(200, e.do("GET", "/groups/"+root+"/links", dom, q("follow_links", "1"), nil, u)).json(t)
			if fl := m["links"].(map[string]any); len(fl) != 2 || len(fl[gid].([]any)) != 2 {
				t.Errorf("follow_links %v", m)
			}
			// Deletes: single, bulk, then 410 and 404.
			e.mustStatus(200, e.do("DELETE", lp+"a", dom, nil, nil, u))
			e.mustStatus(410, e.do("GET", lp+"a", dom, nil, nil, u))
			e.mustStatus(404, e.do("GET", lp+"never", dom, nil, nil, u))
			e.mustStatus(200, e.do("DELETE", "/groups/"+gid+"/links", dom, q("titles", "x/y"), nil, u))
			e.mustStatus(410, e.do("POST", "/groups/"+gid+"/links", dom, nil, `{"titles": ["x"]}`, u))
			e.mustStatus(403, e.do("DELETE", lp+"b", dom, nil, nil, "test_user2"))
			// Group delete: 200 {}, then 410; the root cannot be deleted.
			e.mustStatus(200, e.do("DELETE", "/groups/"+gid, dom, nil, nil, u))
			e.mustStatus(410, e.do("GET", "/groups/"+gid, dom, nil, nil, u))
			e.mustStatus(403, e.do("DELETE", "/groups/"+root, dom, nil, nil, u))
			// POST /groups with h5path and implicit intermediates.
			e.mustStatus(201, e.do("POST", "/groups", dom, q("implicit", "1"), `{"h5path": "/p/q/r"}`, u))
			e.mustStatus(200, e.do("GET", "/groups/", dom, q("h5path", "/p/q/r"), nil, u))
			e.mustStatus(409, e.do("POST", "/groups", dom, nil, `{"h5path": "/p/q/r"}`, u))
		})
	}
}

func TestAttributes(t *testing.T) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, mk(t))
			u := "test_user1"
			dom, root := e.createDomain("attrs.h5")
			did := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_STD_U8LE", "shape": 4}`, u)).json(t)["id"].(string)
			tid := e.mustStatus(201, e.do("POST", "/datatypes", dom, nil, `{"type": "H5T_IEEE_F32LE", "link": {"id": "`+root+`", "name": "ftype"}}`, u)).json(t)["id"].(string)
			for _, base := range []string{"/groups/" + root, "/datasets/" + did, "/datatypes/" + tid} {
				ap := base + "/attributes/"
				body := `{"type": "H5T_STD_I16LE", "shape": [3], "value": [1, 2, 3]}`
				e.mustStatus(201, e.do("PUT", ap+"a1", dom, nil, body, u))
				e.mustStatus(200, e.do("PUT", ap+"a1", dom, nil, body, u))
				e.mustStatus(409, e.do("PUT", ap+"a1", dom, nil, `{"type": "H5T_STD_I16LE", "shape": [3], "value": [1, 2, 4]}`, u))
				e.mustStatus(201, e.do("PUT", ap+"a1", dom, q("replace", "1"), `{"type": "H5T_STD_I16LE", "shape": [3], "value": [1, 2, 4]}`, u))
				e.mustStatus(201, e.do("PUT", ap+"s", dom, nil, `{"type": "H5T_IEEE_F64LE", "value": 2.5}`, u))
				e.mustStatus(400, e.do("PUT", ap+"bad", dom, nil, `{"type": "H5T_STD_I16LE", "shape": [2], "value": [1, 2, 3]}`, u))
				e.mustStatus(400, e.do("PUT", ap+"bad", dom, nil, `{"shape": [2]}`, u))
				m := e.mustStatus(200, e.do("GET", ap+"a1", dom, nil, nil, u)).json(t)
				if fmt.Sprint(m["value"]) != "[1 2 4]" || m["shape"].(map[string]any)["class"] != "H5S_SIMPLE" || m["lastModified"] != m["created"] {
					t.Errorf("%s GET attribute %v", base, m)
				}
				m = e.mustStatus(200, e.do("GET", ap+"s", dom, nil, nil, u)).json(t)
				if m["value"] != 2.5 || m["shape"].(map[string]any)["class"] != "H5S_SCALAR" {
					t.Errorf("scalar attribute %v", m)
				}
				r := e.mustStatus(200, e.do("GET", ap+"a1/value", dom, nil, nil, u, hdrs{"Accept": "application/octet-stream"}))
				if fmt.Sprint(r.body) != "[1 0 2 0 4 0]" {
					t.Errorf("binary attribute value %v", r.body)
				}
				e.mustStatus(200, e.do("PUT", ap+"a1/value", dom, nil, []byte{9, 0, 8, 0, 7, 0}, u))
				if m := e.mustStatus(200, e.do("GET", ap+"a1/value", dom, nil, nil, u)).json(t); fmt.Sprint(m["value"]) != "[9 8 7]" {
					t.Errorf("after binary PUT value %v", m)
				}
				m = e.mustStatus(200, e.do("GET", base+"/attributes", dom, nil, nil, u)).json(t)
				if as := m["attributes"].([]any); len(as) != 2 || as[0].(map[string]any)["value"] != nil {
					t.Errorf("attribute list %v", m)
				}
				m = e.mustStatus(200, e.do("GET", base+"/attributes", dom, q("IncludeData", "1", "Limit", "1"), nil, u)).json(t)
				if as := m["attributes"].([]any); len(as) != 1 || as[0].(map[string]any)["value"] == nil {
					t.Errorf("attribute list with data %v", m)
				}
				// HSDS's POST attributes leaves values out unless IncludeData is set.
				m = e.mustStatus(200, e.do("POST", base+"/attributes", dom, nil, `{"attr_names": ["s"]}`, u)).json(t)
				if as := m["attributes"].([]any); len(as) != 1 || as[0].(map[string]any)["value"] != nil {
					t.Errorf("POST attributes %v", m)
				}
				m = e.mustStatus(200, e.do("POST", base+"/attributes", dom, q("IncludeData", "1"), `{"attr_names": ["s"]}`, u)).json(t)
				if as := m["attributes"].([]any); len(as) != 1 || as[0].(map[string]any)["value"] != 2.5 {
					t.Errorf("POST attributes with data %v", m)
				}
				e.mustStatus(200, e.do("DELETE", ap+"s", dom, nil, nil, u))
				e.mustStatus(410, e.do("GET", ap+"s", dom, nil, nil, u))
				e.mustStatus(404, e.do("GET", ap+"zz", dom, nil, nil, u))
				e.mustStatus(201, e.do("PUT", base+"/attributes", dom, nil, `{"attributes": {"m1": {"type": "H5T_STD_I8LE", "value": 1}, "m2": {"type": "H5T_STD_I8LE", "value": 2}}}`, u))
				e.mustStatus(200, e.do("DELETE", base+"/attributes", dom, q("attr_names", "m1/m2"), nil, u))
				e.mustStatus(410, e.do("GET", ap+"m2", dom, nil, nil, u))
			}
			// The attribute is stored inside the object JSON with HSDS's fields.
			key, _ := schema.ObjectKey(did)
			raw, _, err := e.st.Get(context.Background(), testBucket, key)
			if err != nil {
				t.Fatal(err)
			}
			var d schema.Dataset
			if err := d.UnmarshalJSON(raw); err != nil {
				t.Fatal(err)
			}
			if a, ok := d.Attributes["a1"]; !ok || string(a.Value) != "[9, 8, 7]" {
				t.Errorf("stored attribute %s", raw)
			}
		})
	}
}

func TestShapeAndTypes(t *testing.T) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, mk(t))
			u := "test_user1"
			dom, root := e.createDomain("shape.h5")
			tid := e.mustStatus(201, e.do("POST", "/datatypes", dom, nil, `{"type": "H5T_STD_I32LE", "h5path": "/t32"}`, u)).json(t)["id"].(string)
			if m := e.mustStatus(200, e.do("GET", "/datatypes/"+tid, dom, nil, nil, u)).json(t); m["type"].(map[string]any)["base"] != "H5T_STD_I32LE" {
				t.Errorf("datatype %v", m)
			}
			m := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": "`+tid+`", "shape": [10, 4], "maxdims": [0, 4], "link": {"id": "`+root+`", "name": "ext"}}`, u)).json(t)
			id := m["id"].(string)
			if typ := m["type"].(map[string]any); typ["id"] != tid {
				t.Errorf("committed type not copied: %v", typ)
			}
			e.mustStatus(409, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_STD_I8LE", "link": {"id": "`+root+`", "name": "ext"}}`, u))
			e.mustStatus(400, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_NOPE"}`, u))
			e.mustStatus(400, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_STD_I8LE", "shape": [-1]}`, u))
			e.mustStatus(400, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_STD_I8LE", "shape": [4], "creationProperties": {"filters": ["lzf"]}}`, u))
			m = e.mustStatus(200, e.do("GET", "/datasets/"+id+"/shape", dom, nil, nil, u)).json(t)
			if sh := m["shape"].(map[string]any); fmt.Sprint(sh["maxdims"]) != "[0 4]" {
				t.Errorf("shape %v", m)
			}
			if m := e.mustStatus(200, e.do("GET", "/datasets/"+id+"/type", dom, nil, nil, u)).json(t); m["type"] == nil {
				t.Errorf("type %v", m)
			}
			p := "/datasets/" + id + "/value"
			e.mustStatus(200, e.do("PUT", p, dom, nil, `{"value": 5, "element_count": 1}`, u)) // broadcast to all 40
			m = e.mustStatus(201, e.do("PUT", "/datasets/"+id+"/shape", dom, nil, `{"extend": 5, "extend_dim": 0}`, u)).json(t)
			if m["selection"] != "[10:15,:]" {
				t.Errorf("extend %v", m)
			}
			e.mustStatus(409, e.do("PUT", "/datasets/"+id+"/shape", dom, nil, `{"shape": [15, 5]}`, u))
			// Shrink resets the cut-off part to fill; growing back shows zeros there.
			e.mustStatus(201, e.do("PUT", "/datasets/"+id+"/shape", dom, nil, `{"shape": [3, 4]}`, u))
			e.mustStatus(201, e.do("PUT", "/datasets/"+id+"/shape", dom, nil, `{"shape": [5, 4]}`, u))
			m = e.mustStatus(200, e.do("GET", p, dom, q("select", "[2:5,0]"), nil, u)).json(t)
			if fmt.Sprint(m["value"]) != "[[5] [0] [0]]" {
				t.Errorf("after shrink/grow %v", m)
			}
			// append=N extends and writes.
			e.mustStatus(200, e.do("PUT", p, dom, q("append", "1", "append_dim", "0"), `{"value": [[1, 2, 3, 4]]}`, u))
			m = e.mustStatus(200, e.do("GET", p, dom, q("select", "[5,:]"), nil, u)).json(t)
			if fmt.Sprint(m["value"]) != "[[1 2 3 4]]" {
				t.Errorf("append %v", m)
			}
			fixed := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_STD_I8LE", "shape": [4]}`, u)).json(t)["id"].(string)
			e.mustStatus(400, e.do("PUT", "/datasets/"+fixed+"/shape", dom, nil, `{"shape": [5]}`, u))
			// Delete: 200, 410, chunks gone from the store.
			e.mustStatus(200, e.do("DELETE", "/datasets/"+id, dom, nil, nil, u))
			e.mustStatus(410, e.do("GET", "/datasets/"+id, dom, nil, nil, u))
			var left int
			_ = e.st.List(context.Background(), testBucket, schema.DatasetPrefix(id), "", func(storeEntry) error { left++; return nil })
			if left != 0 {
				t.Errorf("%d keys left under the deleted dataset", left)
			}
			e.mustStatus(200, e.do("DELETE", "/datatypes/"+tid, dom, nil, nil, u))
			e.mustStatus(410, e.do("GET", "/datatypes/"+tid, dom, nil, nil, u))
			// Scalar datasets: chunk key "0".
			sid := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_IEEE_F64LE"}`, u)).json(t)["id"].(string)
			e.mustStatus(200, e.do("PUT", "/datasets/"+sid+"/value", dom, nil, `{"value": 3.25}`, u))
			if m := e.mustStatus(200, e.do("GET", "/datasets/"+sid+"/value", dom, nil, nil, u)).json(t); m["value"] != 3.25 {
				t.Errorf("scalar %v", m)
			}
			if _, err := e.st.Stat(context.Background(), testBucket, schema.DatasetPrefix(sid)+"0"); err != nil {
				t.Errorf("scalar chunk key: %v", err)
			}
			e.mustStatus(400, e.do("POST", "/datasets/"+sid+"/value", dom, nil, `{"points": [0]}`, u))
		})
	}
}

func TestACLs(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	u := "test_user1"
	dom, _ := e.createDomain("acl.h5")
	e.mustStatus(403, e.do("GET", "/", dom, nil, nil, "test_user2"))
	e.mustStatus(403, e.do("GET", "/acls", dom, nil, nil, "test_user2"))
	m := e.mustStatus(200, e.do("GET", "/acls", dom, nil, nil, u)).json(t)
	if as := m["acls"].([]any); len(as) != 1 || as[0].(map[string]any)["userName"] != u {
		t.Errorf("acls %v", m)
	}
	// Group entry grants read to test_user2 (member of staff).
	e.mustStatus(201, e.do("PUT", "/acls/g:staff", dom, nil, `{"read": true}`, u))
	e.mustStatus(200, e.do("GET", "/", dom, nil, nil, "test_user2"))
	// The user's own entry is authoritative, denials included.
	e.mustStatus(201, e.do("PUT", "/acls/test_user2", dom, nil, `{"read": false}`, u))
	e.mustStatus(403, e.do("GET", "/", dom, nil, nil, "test_user2"))
	// default read opens it to anonymous GETs; writes still need credentials.
	e.mustStatus(201, e.do("PUT", "/acls/default", dom, nil, `{"read": true}`, u))
	e.mustStatus(200, e.do("GET", "/", dom, nil, nil, ""))
	e.mustStatus(401, e.do("PUT", "/acls/default", dom, nil, `{"read": true}`, ""))
	e.mustStatus(403, e.do("PUT", "/acls/default", dom, nil, `{"update": true}`, "test_user2"))
	e.mustStatus(400, e.do("PUT", "/acls/x", dom, nil, `{"fly": true}`, u))
	e.mustStatus(400, e.do("PUT", "/acls/x", dom, nil, `{"read": "yes"}`, u))
	if a := e.mustStatus(200, e.do("GET", "/acls/default", dom, nil, nil, "")).json(t)["acl"].(map[string]any); a["read"] != true || a["update"] != false {
		t.Errorf("default acl %v", a)
	}
	// Admin bypasses ACLs.
	e.mustStatus(200, e.do("GET", "/acls", dom, nil, nil, "admin"))
	e.mustStatus(404, e.do("GET", "/acls/nobody", dom, nil, nil, u))
}

func TestAliasNullVerbose(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	u := "test_user1"
	dom, root := e.createDomain("alias.h5")
	e.mustStatus(201, e.do("POST", "/groups", dom, nil, `{"h5path": "/g"}`, u))
	id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_STD_I8LE", "shape": [4], "h5path": "/g/d"}`, u)).json(t)["id"].(string)
	e.mustStatus(200, e.do("PUT", "/datasets/"+id+"/value", dom, nil, `{"value": [1, 2, 3, 4]}`, u))
	m := e.mustStatus(200, e.do("GET", "/datasets/"+id, dom, q("getalias", "1", "verbose", "1"), nil, u)).json(t)
	if fmt.Sprint(m["alias"]) != "[/g/d]" || m["num_chunks"] != 1.0 || m["allocated_size"].(float64) <= 0 {
		t.Errorf("alias/verbose %v", m)
	}
	if m := e.mustStatus(200, e.do("GET", "/groups/"+root, dom, q("getalias", "1"), nil, u)).json(t); fmt.Sprint(m["alias"]) != "[/]" {
		t.Errorf("root alias %v", m["alias"])
	}
	nid := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_STD_I8LE", "shape": "H5S_NULL"}`, u)).json(t)["id"].(string)
	m = e.mustStatus(200, e.do("GET", "/datasets/"+nid, dom, nil, nil, u)).json(t)
	if m["shape"].(map[string]any)["class"] != "H5S_NULL" || m["layout"] != nil {
		t.Errorf("null dataset %v", m)
	}
	e.mustStatus(400, e.do("GET", "/datasets/"+nid+"/value", dom, nil, nil, u))
}
