package rest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// Answers as the real HSDS 0.9.4 gives them, found by the differential suite
// (internal/interop, TestRESTSameAnswers) and checked against HSDS's source.

// rels returns the rel names of a response's hrefs, in order, and the path+query of each.
func rels(t *testing.T, m map[string]any) ([]string, map[string]string) {
	t.Helper()
	hs, ok := m["hrefs"].([]any)
	if !ok {
		t.Fatalf("no hrefs in %v", m)
	}
	var names []string
	paths := map[string]string{}
	for _, h := range hs {
		o := h.(map[string]any)
		rel := o["rel"].(string)
		names = append(names, rel)
		u, err := url.Parse(o["href"].(string))
		if err != nil {
			t.Fatal(err)
		}
		paths[rel] = u.Path + "?" + u.Query().Get("domain")
	}
	return names, paths
}

func TestConformanceHrefs(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	dom, root := e.createDomain("conf.h5")
	e.mustStatus(201, e.do("PUT", "/groups/"+root+"/attributes/a", dom, nil, `{"type": "H5T_STD_I32LE", "value": 1}`, "test_user1"))
	gid := e.mustStatus(201, e.do("POST", "/groups", dom, nil, `{"link": {"id": "`+root+`", "name": "g"}}`, "test_user1")).json(t)["id"].(string)
	obj := "/groups/" + root
	for _, tc := range []struct {
		name, path string
		want       []string
		self       string
	}{
		// attr_sn.py GET_Attributes, GET_Attribute, GET_AttributeValue: self, home, owner.
		{"attributes", obj + "/attributes", []string{"self", "home", "owner"}, obj + "/attributes"},
		{"attribute", obj + "/attributes/a", []string{"self", "home", "owner"}, obj + "/attributes/a"},
		{"attribute value", obj + "/attributes/a/value", []string{"self", "home", "owner"}, obj + "/attributes/a"},
		// domain_sn.py GET_ACLs, GET_ACL: self is /acls for both, then root, home, owner.
		{"acls", "/acls", []string{"self", "root", "home", "owner"}, "/acls"},
		{"acl", "/acls/test_user1", []string{"self", "root", "home", "owner"}, "/acls"},
		// domain_sn.py GET_Groups: self, root, home.
		{"groups", "/groups", []string{"self", "root", "home"}, "/groups"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := e.mustStatus(200, e.do("GET", tc.path, dom, nil, nil, "test_user1")).json(t)
			got, paths := rels(t, m)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("rels %v, want %v", got, tc.want)
			}
			if p := paths["self"]; !strings.HasPrefix(p, tc.self+"?") {
				t.Errorf("self %s, want %s", p, tc.self)
			}
			if p, ok := paths["owner"]; ok && strings.HasPrefix(tc.path, obj) && !strings.HasPrefix(p, obj+"?") {
				t.Errorf("owner %s, want %s", p, obj)
			}
		})
	}
	// link_sn.py PUT_Link answers {"hrefs": []}; POST_Links passes the stored links through.
	m := e.mustStatus(201, e.do("PUT", "/groups/"+gid+"/links/l", dom, nil, `{"id": "`+root+`"}`, "test_user1")).json(t)
	if hs, ok := m["hrefs"].([]any); !ok || len(hs) != 0 || len(m) != 1 {
		t.Errorf("PUT link = %v, want {\"hrefs\": []}", m)
	}
	m = e.mustStatus(200, e.do("POST", "/groups/"+gid+"/links", dom, nil, `{"titles": ["l"]}`, "test_user1")).json(t)
	l := m["links"].([]any)[0].(map[string]any)
	for _, k := range []string{"collection", "target", "href"} {
		if _, ok := l[k]; ok {
			t.Errorf("POST links item has %q: %v", k, l)
		}
	}
}

func TestConformanceDomains(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	// Folders get limits, compressors and version too (domain_sn.py PUT_Domain), and the
	// compressors end with deflate (storUtil.py getSupportedFilters).
	f := "/home/test_user1/conf-folder"
	m := e.mustStatus(201, e.do("PUT", "/", f, nil, `{"folder": true}`, "test_user1")).json(t)
	cs, _ := m["compressors"].([]any)
	if len(cs) != 7 || cs[6] != "deflate" || m["limits"] == nil || m["version"] != HSDSVersion {
		t.Errorf("PUT folder = %v, want limits, version and 7 compressors ending in deflate", m)
	}
	// A folder's domains href ends with "/" after the query (domain_sn.py GET_Domain).
	m = e.mustStatus(200, e.do("GET", "/", f, nil, nil, "test_user1")).json(t)
	for _, h := range m["hrefs"].([]any) {
		o := h.(map[string]any)
		if o["rel"] == "domains" && !strings.HasSuffix(o["href"].(string), "/") {
			t.Errorf("domains href %s does not end with /", o["href"])
		}
	}
	// PUT /acls/{user} answers the data node's empty object (domain_sn.py PUT_ACL).
	dom, _ := e.createDomain("conf-acl.h5")
	m = e.mustStatus(201, e.do("PUT", "/acls/test_user2", dom, nil, `{"read": true}`, "test_user1")).json(t)
	if len(m) != 0 {
		t.Errorf("PUT acl = %v, want {}", m)
	}
}

func TestConformanceDatasets(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	dom, root := e.createDomain("conf-dset.h5")
	// creationProperties are kept as sent: no layout when none was sent, the requested one
	// (not the effective chunks) when one was (dset_sn.py POST_Dataset).
	for _, tc := range []struct{ body, wantLayout string }{
		{`{"type": "H5T_STD_I32LE", "shape": [7, 9]}`, ""},
		{`{"type": "H5T_STD_I32LE", "shape": [7, 9], "creationProperties": {"layout": {"class": "H5D_CHUNKED", "dims": [3, 4]}}}`, "[3 4]"},
		{`{"type": {"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}, "shape": [7]}`, ""},
	} {
		id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, tc.body, "test_user1")).json(t)["id"].(string)
		m := e.mustStatus(200, e.do("GET", "/datasets/"+id, dom, nil, nil, "test_user1")).json(t)
		cp, _ := m["creationProperties"].(map[string]any)
		l, has := cp["layout"].(map[string]any)
		switch {
		case tc.wantLayout == "" && has:
			t.Errorf("%s: creationProperties.layout %v, want none", tc.body, l)
		case tc.wantLayout != "" && (!has || fmt.Sprint(l["dims"]) != tc.wantLayout):
			t.Errorf("%s: creationProperties.layout %v, want dims %s", tc.body, l, tc.wantLayout)
		}
	}
	// An empty vlen string in an attribute stays "" (HSDS stores JSON values as numpy gives
	// them back); only dataset values read from bytes have HSDS's 0 quirk.
	e.mustStatus(201, e.do("PUT", "/groups/"+root+"/attributes/s", dom, nil,
		`{"type": {"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}, "shape": [2], "value": ["", "a"]}`, "test_user1"))
	m := e.mustStatus(200, e.do("GET", "/groups/"+root+"/attributes/s", dom, nil, nil, "test_user1")).json(t)
	if v, _ := m["value"].([]any); len(v) != 2 || v[0] != "" {
		t.Errorf("attribute value %v, want [\"\", \"a\"]", m["value"])
	}
}

func TestConformanceDomainObjectsAndHrefs(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	dom, root := e.createDomain("conf-objs.h5")
	e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_STD_I16LE", "shape": [3, 40, 50], "link": {"id": "`+root+`", "name": "d"}}`, "test_user1"))
	m := e.mustStatus(200, e.do("GET", "/", dom, q("getobjs", "T"), nil, "test_user1")).json(t)
	// The parent href names the parent with its bucket (domainUtil.getParentDomain), and that
	// form opens the folder.
	_, paths := rels(t, m)
	if p := paths["parent"]; p != "/?"+testBucket+"/home/test_user1" {
		t.Errorf("parent href %s, want /?%s/home/test_user1", p, testBucket)
	}
	e.mustStatus(200, e.do("GET", "/", testBucket+"/home/test_user1", nil, nil, "test_user1"))
	// domain_objs hold the data nodes' JSON: no domain, bucket or hrefs; groups with links,
	// datasets with layout.
	objs := m["domain_objs"].(map[string]any)
	if len(objs) != 2 {
		t.Fatalf("domain_objs has %d objects, want 2", len(objs))
	}
	for id, o := range objs {
		om := o.(map[string]any)
		for _, k := range []string{"domain", "bucket", "hrefs"} {
			if _, ok := om[k]; ok {
				t.Errorf("domain_objs[%s] has %q", id, k)
			}
		}
		if _, ok := om["links"]; strings.HasPrefix(id, "g-") && !ok {
			t.Errorf("group %s without links", id)
		}
		if _, ok := om["layout"]; strings.HasPrefix(id, "d-") && !ok {
			t.Errorf("dataset %s without layout", id)
		}
	}
	// The preview href of a dataset of more than 100 elements selects at most ~100 of its last
	// two dimensions after the domain (dsetUtil.getPreviewQuery).
	for id := range objs {
		if !strings.HasPrefix(id, "d-") {
			continue
		}
		m := e.mustStatus(200, e.do("GET", "/datasets/"+id, dom, nil, nil, "test_user1")).json(t)
		for _, h := range m["hrefs"].([]any) {
			o := h.(map[string]any)
			if o["rel"] == "preview" && !strings.HasSuffix(o["href"].(string), "&select=[0:1,0:40,0:2]") {
				t.Errorf("preview href %s, want ...?domain=...&select=[0:1,0:40,0:2]", o["href"])
			}
		}
	}
}
