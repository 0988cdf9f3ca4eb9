package interop

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// The REST conformance classes of issue 10 (HSDS's integration suite against hsfan serve), each
// a scenario of TestRESTSameAnswers: the same requests against the real HSDS and hsfan, every
// answer compared (restcmp_test.go).

// conformanceScenarios are the scenarios of the metadata classes.
func conformanceScenarios() []scenario {
	return []scenario{truthyScenario(), statusScenario(), linksScenario(), domainsScenario(), attrsScenario(),
		zeroScenario(), refLayoutScenario(), vlenTypesScenario()}
}

// fakeV1ID is a group id in HSDS's schema v1 layout (a uuid1) that names no object: HSDS's
// link_test uses such an id for a hard link to nothing.
const fakeV1ID = "g-89c76dbc-ed35-11f1-bfd0-02fc00000001"

// truthyScenario (class 2): flags in bodies and query strings mean what they mean in HSDS
// (Python truth: 1 and true alike), flush with getdnids answers dn_ids.
func truthyScenario() scenario {
	f := "{folder}"
	return scenario{name: "c10truthy", steps: []step{
		{name: "put_domain", method: "PUT", path: "/", save: map[string]string{"root": "root"}},
		{name: "flush_body_int", method: "PUT", path: "/", body: map[string]any{"flush": 1, "getdnids": 1}},
		{name: "flush_body_bool", method: "PUT", path: "/", body: map[string]any{"flush": true}},
		{name: "flush_body_getdnids_false", method: "PUT", path: "/", body: map[string]any{"flush": 1, "getdnids": 0}},
		{name: "flush_query", method: "PUT", path: "/", query: []string{"flush", "1", "getdnids", "1"}},
		{name: "flush_query_body", method: "PUT", path: "/", query: []string{"flush", "1"}, body: map[string]any{"getdnids": true}},
		{name: "flush_body_zero_is_create", method: "PUT", path: "/", body: map[string]any{"flush": 0}},
		{name: "rescan_body_int", method: "PUT", path: "/", body: map[string]any{"rescan": 1}},
		{name: "put_folder_int", method: "PUT", path: "/", query: []string{"domain", f}, noDomain: true, body: map[string]any{"folder": 1}},
		{name: "get_folder", method: "GET", path: "/", query: []string{"domain", f}, noDomain: true},
		{name: "put_domain_folder_zero", method: "PUT", path: "/", query: []string{"domain", f + "/d0.h5"}, noDomain: true, body: map[string]any{"folder": 0}},
		{name: "get_domain_folder_zero", method: "GET", path: "/", query: []string{"domain", f + "/d0.h5"}, noDomain: true},
		{name: "put_domain_getdnids_query", method: "PUT", path: "/", query: []string{"domain", f + "/d1.h5", "getdnids", "1"}, noDomain: true},
		{name: "put_domain_getdnids_body", method: "PUT", path: "/", query: []string{"domain", f + "/d2.h5"}, noDomain: true, body: map[string]any{"getdnids": 1}},
		{name: "flush_folder", method: "PUT", path: "/", query: []string{"domain", f}, noDomain: true, body: map[string]any{"flush": 1, "getdnids": 1}},
	}}
}

// statusScenario (class 6): the id of another domain's object and a folder given as the domain
// are 400; a hard link to no object is 404 and creates nothing; relative h5paths need a parent.
func statusScenario() scenario {
	f := "{folder}"
	other := f + "/other.h5"
	return scenario{name: "c10status", steps: []step{
		{name: "put_folder", method: "PUT", path: "/", query: []string{"domain", f}, noDomain: true, body: map[string]any{"folder": true}},
		{name: "put_domain", method: "PUT", path: "/", save: map[string]string{"root": "root"}},
		{name: "post_group", method: "POST", path: "/groups", body: map[string]any{"link": map[string]any{"id": "{root}", "name": "g1"}}, save: map[string]string{"g1": "id"}},
		{name: "post_dataset", method: "POST", path: "/datasets", body: map[string]any{"type": "H5T_STD_I32LE", "shape": []int{4}, "link": map[string]any{"id": "{root}", "name": "d1"}}, save: map[string]string{"d1": "id"}},
		{name: "post_datatype", method: "POST", path: "/datatypes", body: map[string]any{"type": "H5T_IEEE_F32LE", "link": map[string]any{"id": "{root}", "name": "t1"}}, save: map[string]string{"t1": "id"}},
		{name: "put_other_domain", method: "PUT", path: "/", query: []string{"domain", other}, noDomain: true, save: map[string]string{"oroot": "root"}},
		{name: "post_other_group", method: "POST", path: "/groups", query: []string{"domain", other}, noDomain: true,
			body: map[string]any{"link": map[string]any{"id": "{oroot}", "name": "og"}}, save: map[string]string{"og": "id"}},
		// Objects of another domain.
		{name: "get_group_of_other_domain", method: "GET", path: "/groups/{og}"},
		{name: "get_root_of_other_domain", method: "GET", path: "/groups/{oroot}"},
		{name: "delete_group_of_other_domain", method: "DELETE", path: "/groups/{og}"},
		{name: "put_attribute_of_other_domain", method: "PUT", path: "/groups/{og}/attributes/a", body: map[string]any{"type": "H5T_STD_I32LE", "value": 42}},
		{name: "get_links_of_other_domain", method: "GET", path: "/groups/{og}/links"},
		{name: "get_group_other_domain_ok", method: "GET", path: "/groups/{og}", query: []string{"domain", other}, noDomain: true},
		// A folder as the domain.
		{name: "get_group_in_folder", method: "GET", path: "/groups/{root}", query: []string{"domain", f}, noDomain: true},
		{name: "get_dataset_in_folder", method: "GET", path: "/datasets/{d1}", query: []string{"domain", f}, noDomain: true},
		{name: "get_datatype_in_folder", method: "GET", path: "/datatypes/{t1}", query: []string{"domain", f}, noDomain: true},
		{name: "delete_dataset_in_folder", method: "DELETE", path: "/datasets/{d1}", query: []string{"domain", f}, noDomain: true},
		// Hard links: no dangling links.
		{name: "put_hard_link_to_nothing", method: "PUT", path: "/groups/{root}/links/nothing", body: map[string]any{"id": fakeV1ID}},
		{name: "get_link_to_nothing", method: "GET", path: "/groups/{root}/links/nothing"},
		{name: "put_hard_link_other_domain", method: "PUT", path: "/groups/{root}/links/foreign", body: map[string]any{"id": "{og}"}},
		{name: "get_link_other_domain", method: "GET", path: "/groups/{root}/links/foreign"},
		{name: "put_links_to_nothing", method: "PUT", path: "/groups/{root}/links", body: map[string]any{"links": map[string]any{"n2": map[string]any{"id": fakeV1ID}}}},
		{name: "get_links", method: "GET", path: "/groups/{root}/links"},
		// Relative h5paths.
		{name: "get_group_relative_path", method: "GET", path: "/groups/", query: []string{"h5path", "g1"}},
		{name: "get_dataset_relative_path", method: "GET", path: "/datasets/", query: []string{"h5path", "d1"}},
		{name: "get_datatype_relative_path", method: "GET", path: "/datatypes/", query: []string{"h5path", "t1"}},
		{name: "get_dataset_relative_path_grpid", method: "GET", path: "/datasets/", query: []string{"h5path", "d1", "grpid", "{root}"}},
		{name: "get_datatype_relative_path_grpid", method: "GET", path: "/datatypes/", query: []string{"h5path", "t1", "grpid", "{root}"}},
		{name: "get_group_absolute_path", method: "GET", path: "/groups/", query: []string{"h5path", "/g1"}},
		{name: "get_domain_relative_path", method: "GET", path: "/", query: []string{"h5path", "g1"}},
		{name: "get_domain_relative_path_parent", method: "GET", path: "/", query: []string{"h5path", "g1", "parent_id", "{root}"}},
	}}
}

// linksScenario (class 7): soft links followed only with follow_soft_links (absolute and
// relative targets), external links with follow_external_links, POST links with grp_ids.
func linksScenario() scenario {
	f := "{folder}"
	ext := f + "/ext.h5"
	lk := "/groups/{root}/links/"
	return scenario{name: "c10links", steps: []step{
		{name: "put_folder", method: "PUT", path: "/", query: []string{"domain", f}, noDomain: true, body: map[string]any{"folder": true}},
		{name: "put_domain", method: "PUT", path: "/", save: map[string]string{"root": "root"}},
		{name: "post_target", method: "POST", path: "/groups", body: map[string]any{"link": map[string]any{"id": "{root}", "name": "target_group"}}, save: map[string]string{"tg": "id"}},
		{name: "post_child", method: "POST", path: "/groups", body: map[string]any{"link": map[string]any{"id": "{tg}", "name": "child_group"}}, save: map[string]string{"cg": "id"}},
		{name: "put_soft_absolute", method: "PUT", path: lk + "abs", body: map[string]any{"h5path": "/target_group"}},
		{name: "put_soft_relative", method: "PUT", path: lk + "rel", body: map[string]any{"h5path": "target_group"}},
		{name: "put_soft_dot_relative", method: "PUT", path: lk + "dotrel", body: map[string]any{"h5path": "./target_group/child_group"}},
		{name: "put_soft_dangling", method: "PUT", path: lk + "dangling", body: map[string]any{"h5path": "/nowhere"}},
		{name: "get_soft_not_followed", method: "GET", path: "/", query: []string{"h5path", "/abs/child_group"}},
		{name: "get_soft_absolute", method: "GET", path: "/", query: []string{"h5path", "/abs/child_group", "follow_soft_links", "1"}},
		{name: "get_soft_relative", method: "GET", path: "/", query: []string{"h5path", "/rel/child_group", "follow_soft_links", "1"}},
		{name: "get_soft_last", method: "GET", path: "/", query: []string{"h5path", "/rel", "follow_soft_links", "1"}},
		{name: "get_soft_dot_relative", method: "GET", path: "/", query: []string{"h5path", "/dotrel", "follow_soft_links", "1"}},
		{name: "get_soft_dangling", method: "GET", path: "/", query: []string{"h5path", "/dangling", "follow_soft_links", "1"}},
		{name: "get_group_path_soft", method: "GET", path: "/groups/", query: []string{"h5path", "/abs/child_group"}},
		{name: "post_domain_h5paths", method: "POST", path: "/", body: map[string]any{"h5paths": []string{"/target_group", "/target_group/child_group"}}},
		{name: "post_domain_h5paths_soft", method: "POST", path: "/", query: []string{"follow_soft_links", "1"}, body: map[string]any{"h5paths": []string{"/abs/child_group"}}},
		// External links.
		{name: "put_ext_domain", method: "PUT", path: "/", query: []string{"domain", ext}, noDomain: true, save: map[string]string{"eroot": "root"}},
		{name: "post_ext_group", method: "POST", path: "/groups", query: []string{"domain", ext}, noDomain: true,
			body: map[string]any{"link": map[string]any{"id": "{eroot}", "name": "external_group"}}, save: map[string]string{"eg": "id"}},
		{name: "post_ext_child", method: "POST", path: "/groups", query: []string{"domain", ext}, noDomain: true,
			body: map[string]any{"link": map[string]any{"id": "{eg}", "name": "child_group"}}, save: map[string]string{"ec": "id"}},
		{name: "put_external", method: "PUT", path: lk + "ext", body: map[string]any{"h5path": "/external_group", "h5domain": ext}},
		{name: "put_external_prefix", method: "PUT", path: lk + "extp", body: map[string]any{"h5path": "/external_group", "h5domain": "hdf5:/" + ext}},
		{name: "get_external_not_followed", method: "GET", path: "/", query: []string{"h5path", "/ext/child_group"}},
		{name: "get_external", method: "GET", path: "/", query: []string{"h5path", "/ext/child_group", "follow_external_links", "1"}},
		{name: "get_external_prefix", method: "GET", path: "/", query: []string{"h5path", "/extp/child_group", "follow_external_links", "1"}},
		// POST links.
		{name: "post_links_titles", method: "POST", path: lk[:len(lk)-1], body: map[string]any{"titles": []string{"abs", "rel"}}},
		{name: "post_links_grp_ids_one", method: "POST", path: lk[:len(lk)-1], body: map[string]any{"grp_ids": []string{"{root}"}}},
		{name: "post_links_grp_ids_one_create_order", method: "POST", path: lk[:len(lk)-1], query: []string{"CreateOrder", "1"}, body: map[string]any{"grp_ids": []string{"{root}"}}},
		{name: "post_links_grp_ids_two", method: "POST", path: lk[:len(lk)-1], body: map[string]any{"grp_ids": []string{"{root}", "{tg}"}}},
		{name: "post_links_grp_ids_titles", method: "POST", path: lk[:len(lk)-1], body: map[string]any{"grp_ids": map[string]any{"{root}": []string{"abs"}, "{tg}": []string{"child_group"}}}},
		{name: "post_links_follow", method: "POST", path: lk[:len(lk)-1], query: []string{"follow_links", "1"}, body: map[string]any{"grp_ids": []string{"{root}"}}},
		{name: "post_links_no_body_keys", method: "POST", path: lk[:len(lk)-1], body: map[string]any{}},
		{name: "post_links_titles_follow", method: "POST", path: lk[:len(lk)-1], query: []string{"follow_links", "1"}, body: map[string]any{"titles": []string{"abs"}}},
	}}
}

// domainsScenario (class 8): linked_domain and keep_root, GET /domains with query=, GET /
// without a domain, ACL answers with their domain.
func domainsScenario() scenario {
	f := "{folder}"
	attr := func(v any) map[string]any { return map[string]any{"type": "H5T_STD_I32LE", "value": v} }
	sattr := func(v string) map[string]any {
		return map[string]any{"type": map[string]any{"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": len(v)}, "value": v}
	}
	steps := []step{
		{name: "put_folder", method: "PUT", path: "/", query: []string{"domain", f}, noDomain: true, body: map[string]any{"folder": true}},
		{name: "put_target", method: "PUT", path: "/", query: []string{"domain", f + "/target.h5"}, noDomain: true, save: map[string]string{"troot": "root"}},
		{name: "post_target_group", method: "POST", path: "/groups", query: []string{"domain", f + "/target.h5"}, noDomain: true,
			body: map[string]any{"link": map[string]any{"id": "{troot}", "name": "g"}}, save: map[string]string{"tg": "id"}},
		{name: "put_linked", method: "PUT", path: "/", query: []string{"domain", f + "/linked.h5"}, noDomain: true, body: map[string]any{"linked_domain": f + "/target.h5"}},
		{name: "get_linked", method: "GET", path: "/", query: []string{"domain", f + "/linked.h5"}, noDomain: true},
		{name: "put_linked_folder", method: "PUT", path: "/", query: []string{"domain", f + "/linked2.h5"}, noDomain: true, body: map[string]any{"linked_domain": f}},
		{name: "put_linked_missing", method: "PUT", path: "/", query: []string{"domain", f + "/linked3.h5"}, noDomain: true, body: map[string]any{"linked_domain": f + "/nope.h5"}},
		{name: "put_linked_as_folder", method: "PUT", path: "/", query: []string{"domain", f + "/linked4"}, noDomain: true, body: map[string]any{"folder": true, "linked_domain": f + "/target.h5"}},
		{name: "delete_target_keep_root", method: "DELETE", path: "/", query: []string{"domain", f + "/target.h5"}, noDomain: true, body: map[string]any{"keep_root": 1}},
		{name: "get_root_via_linked", method: "GET", path: "/groups/{troot}", query: []string{"domain", f + "/linked.h5"}, noDomain: true},
		{name: "get_group_via_linked", method: "GET", path: "/groups/{tg}", query: []string{"domain", f + "/linked.h5"}, noDomain: true},
		{name: "get_path_via_linked", method: "GET", path: "/", query: []string{"domain", f + "/linked.h5", "h5path", "/g"}, noDomain: true},
	}
	// HSDS answers 500 to a query of two attributes that a domain of the folder lacks (it
	// deletes the domain from its dict once per missing attribute): hsdsBugs.
	steps = append(steps, step{name: "get_domains_query_two_missing", method: "GET", path: "/domains", query: []string{"domain", f + "/", "query", "attr1 > 2 AND attr2 != 'A2'"}, noDomain: true})
	// Domains to query, in a folder of their own: root attributes attr1 (int) and attr2
	// (string).
	qf := f + "/q"
	steps = append(steps, step{name: "put_query_folder", method: "PUT", path: "/", query: []string{"domain", qf}, noDomain: true, body: map[string]any{"folder": true}})
	for i, v := range []struct {
		n int
		s string
	}{{3, "A0"}, {8, "A1"}, {9, "A2"}} {
		d := fmt.Sprintf("%s/q%d.h5", qf, i)
		r := fmt.Sprintf("q%droot", i)
		steps = append(steps,
			step{name: fmt.Sprintf("put_q%d", i), method: "PUT", path: "/", query: []string{"domain", d}, noDomain: true, save: map[string]string{r: "root"}},
			step{name: fmt.Sprintf("put_q%d_attr1", i), method: "PUT", path: "/groups/{" + r + "}/attributes/attr1", query: []string{"domain", d}, noDomain: true, body: attr(v.n)},
			step{name: fmt.Sprintf("put_q%d_attr2", i), method: "PUT", path: "/groups/{" + r + "}/attributes/attr2", query: []string{"domain", d}, noDomain: true, body: sattr(v.s)})
	}
	for _, q := range []struct{ name, query string }{
		{"gt", "attr1 > 7"}, {"ne_string", "attr2 != 'A1'"}, {"eq_string", `attr2 == "A2"`}, {"and", "attr1 > 2 AND attr2 != 'A2'"},
		{"or_paren", "(attr1 < 4) | (attr1 >= 9)"}, {"mixed_types", "attr2 > 3"}, {"missing_attr", "attr9 == 1"},
		{"where", "attr1 > 7 where x"}, {"syntax_error", "attr1 >"},
	} {
		steps = append(steps, step{name: "get_domains_query_" + q.name, method: "GET", path: "/domains", query: []string{"domain", qf + "/", "query", q.query}, noDomain: true})
	}
	for i := 0; i < 3; i++ {
		steps = append(steps, step{name: fmt.Sprintf("rescan_q%d", i), method: "PUT", path: "/", query: []string{"domain", fmt.Sprintf("%s/q%d.h5", qf, i)}, noDomain: true, body: map[string]any{"rescan": 1}})
	}
	steps = append(steps,
		step{name: "get_domains_verbose", method: "GET", path: "/domains", query: []string{"domain", qf + "/", "verbose", "1"}, noDomain: true},
		step{name: "get_domains_pattern_limit", method: "GET", path: "/domains", query: []string{"domain", qf + "/", "pattern", "q*.h5", "Limit", "2"}, noDomain: true},
		step{name: "get_top_level", method: "GET", path: "/", noDomain: true},
		step{name: "put_acl", method: "PUT", path: "/acls/test_user2", query: []string{"domain", qf + "/q0.h5"}, noDomain: true, body: map[string]any{"read": true, "update": true}},
		step{name: "get_acl", method: "GET", path: "/acls/test_user2", query: []string{"domain", qf + "/q0.h5"}, noDomain: true},
		step{name: "get_acl_owner", method: "GET", path: "/acls/test_user1", query: []string{"domain", qf + "/q0.h5"}, noDomain: true},
		step{name: "get_acls", method: "GET", path: "/acls", query: []string{"domain", qf + "/q0.h5"}, noDomain: true},
		step{name: "get_acl_default_folder", method: "GET", path: "/acls/default", query: []string{"domain", f}, noDomain: true},
	)
	return scenario{name: "c10domains", steps: steps}
}

// attrsScenario (class 9): float32 values as sent (0.42), H5S_NULL refusing values, '/' in
// attribute names, obj_ids as a list and as an object, ?encoding=base64 on reads, fixed UTF-8
// strings longer than their type, empty variable-length strings.
func attrsScenario() scenario {
	ra := "/groups/{root}/attributes"
	i32 := func(v any, shape any) map[string]any {
		return map[string]any{"type": "H5T_STD_I32LE", "shape": shape, "value": v}
	}
	cmpd := map[string]any{"class": "H5T_COMPOUND", "fields": []any{map[string]any{"name": "a", "type": "H5T_STD_I32LE"}, map[string]any{"name": "b", "type": "H5T_IEEE_F32LE"}}}
	vstr := map[string]any{"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}
	text := "this is the chinese character for the number eight: \u516b"
	bigStr := map[string]any{"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 70000000}
	fstr := map[string]any{"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": len([]rune(text)) + 1}
	return scenario{name: "c10attrs", steps: []step{
		{name: "put_domain", method: "PUT", path: "/", save: map[string]string{"root": "root"}},
		{name: "post_g1", method: "POST", path: "/groups", body: map[string]any{"link": map[string]any{"id": "{root}", "name": "g1"}}, save: map[string]string{"g1": "id"}},
		{name: "post_g2", method: "POST", path: "/groups", body: map[string]any{"link": map[string]any{"id": "{root}", "name": "g2"}}, save: map[string]string{"g2": "id"}},
		// float32 values.
		{name: "put_compound_f32", method: "PUT", path: ra + "/c", body: map[string]any{"type": cmpd, "value": []any{42, 0.42}}},
		{name: "get_compound_f32", method: "GET", path: ra + "/c"},
		{name: "get_compound_f32_value", method: "GET", path: ra + "/c/value"},
		{name: "put_f32", method: "PUT", path: ra + "/f", body: map[string]any{"type": "H5T_IEEE_F32LE", "shape": []int{4}, "value": []any{0.42, 1.1, 3.5e-05, 100000.0}}},
		{name: "get_f32", method: "GET", path: ra + "/f"},
		{name: "get_f32_value", method: "GET", path: ra + "/f/value"},
		{name: "get_f32_value_binary", method: "GET", path: ra + "/f/value", accept: true},
		// H5S_NULL.
		{name: "put_null_string_with_value", method: "PUT", path: ra + "/n1", body: map[string]any{"type": "H5T_STD_I32LE", "shape": "H5S_NULL", "value": 3}},
		{name: "put_null_object_with_value", method: "PUT", path: ra + "/n2", body: map[string]any{"type": "H5T_STD_I32LE", "shape": map[string]any{"class": "H5S_NULL"}, "value": 3}},
		{name: "put_null", method: "PUT", path: ra + "/n3", body: map[string]any{"type": "H5T_STD_I32LE", "shape": map[string]any{"class": "H5S_NULL"}}},
		{name: "get_null", method: "GET", path: ra + "/n3"},
		{name: "get_null_value", method: "GET", path: ra + "/n3/value"},
		// '/' in names.
		{name: "put_slash_name", method: "PUT", path: "/groups/{g1}/attributes", body: map[string]any{"attributes": map[string]any{"#attr/1#": i32([]int{1, 2}, []int{2})}}},
		{name: "get_slash_name", method: "GET", path: "/groups/{g1}/attributes", query: []string{"IncludeData", "1"}},
		{name: "post_slash_name", method: "POST", path: "/groups/{g1}/attributes", query: []string{"IncludeData", "1"}, body: map[string]any{"attr_names": []string{"#attr/1#"}}},
		// obj_ids.
		{name: "put_obj_ids_list", method: "PUT", path: ra, body: map[string]any{"obj_ids": []string{"{g1}", "{g2}"}, "attributes": map[string]any{"x": i32(7, []int{})}}},
		{name: "put_obj_ids_list_again", method: "PUT", path: ra, body: map[string]any{"obj_ids": []string{"{g1}", "{g2}"}, "attributes": map[string]any{"x": i32(7, []int{})}}},
		{name: "put_obj_ids_object", method: "PUT", path: ra, body: map[string]any{"obj_ids": map[string]any{
			"{g1}": map[string]any{"attributes": map[string]any{"a_A": i32([]int{1}, []int{1})}},
			"{g2}": map[string]any{"attributes": map[string]any{"a_A": i32([]int{2}, []int{1}), "a_B": i32([]int{3}, []int{1})}}}}},
		{name: "get_g1_attrs", method: "GET", path: "/groups/{g1}/attributes", query: []string{"IncludeData", "1"}},
		{name: "get_g2_attrs", method: "GET", path: "/groups/{g2}/attributes", query: []string{"IncludeData", "1"}},
		// encoding=base64.
		{name: "put_ints", method: "PUT", path: ra + "/ints", body: i32([]int{2, 3, 5, 7, 11, 13}, 6)},
		{name: "put_ints_base64", method: "PUT", path: ra + "/ints64", body: map[string]any{"type": "H5T_STD_I32LE", "shape": 2, "value": "AgAAAAMAAAA=", "encoding": "base64"}},
		{name: "get_ints_base64_stored", method: "GET", path: ra + "/ints64"},
		{name: "get_ints_encoded", method: "GET", path: ra + "/ints", query: []string{"encoding", "base64"}},
		{name: "get_ints_value_encoded", method: "GET", path: ra + "/ints/value", query: []string{"encoding", "base64"}},
		{name: "get_attrs_encoded", method: "GET", path: ra, query: []string{"IncludeData", "1", "encoding", "base64"}},
		{name: "get_ints_bad_encoding", method: "GET", path: ra + "/ints", query: []string{"encoding", "hex"}},
		// Strings.
		{name: "put_fixed_utf8_overflow", method: "PUT", path: ra + "/fstr", body: map[string]any{"type": fstr, "shape": map[string]any{"class": "H5S_SCALAR"}, "value": text}},
		{name: "get_fixed_utf8_overflow", method: "GET", path: ra + "/fstr"},
		{name: "put_vlen_empty", method: "PUT", path: ra + "/vstr", body: map[string]any{"type": vstr, "shape": []int{3}, "value": []string{"a", "", "c"}}},
		{name: "get_vlen_empty", method: "GET", path: ra + "/vstr"},
		{name: "get_vlen_empty_value", method: "GET", path: ra + "/vstr/value"},
		{name: "get_vlen_encoded", method: "GET", path: ra + "/vstr", query: []string{"encoding", "base64"}},
		// String types longer than 64 MiB (no values: those are bounded by max_request_size).
		{name: "put_big_string_null", method: "PUT", path: ra + "/bigstr", body: map[string]any{"type": bigStr, "shape": "H5S_NULL"}},
		{name: "get_big_string_null", method: "GET", path: ra + "/bigstr"},
		{name: "post_big_string_datatype", method: "POST", path: "/datatypes", body: map[string]any{"type": bigStr}, save: map[string]string{"bigt": "id"}},
		{name: "get_big_string_datatype", method: "GET", path: "/datatypes/{bigt}"},
		{name: "post_big_string_dataset", method: "POST", path: "/datasets", body: map[string]any{"type": bigStr, "shape": []int{2}}, save: map[string]string{"bigd": "id"}},
		{name: "get_big_string_dataset", method: "GET", path: "/datasets/{bigd}"},
		// Replace keeps 200 for the same attribute.
		{name: "put_ints_replace_same", method: "PUT", path: ra + "/ints", query: []string{"replace", "1"}, body: i32([]int{2, 3, 5, 7, 11, 13}, 6)},
		{name: "put_ints_replace_other", method: "PUT", path: ra + "/ints", query: []string{"replace", "1"}, body: i32([]int{1, 1, 1, 1, 1, 1}, 6)},
		{name: "get_ints_replaced", method: "GET", path: ra + "/ints"},
	}}
}

// zeroScenario (class 1): datasets with a zero extent, fixed and extendible: create, read
// (empty selections, points), resize up and down, extend.
func zeroScenario() scenario {
	mk := func(name string, shape, maxdims []int) step {
		b := map[string]any{"type": "H5T_STD_I32LE", "shape": shape}
		if maxdims != nil {
			b["maxdims"] = maxdims
		}
		return step{name: "post_" + name, method: "POST", path: "/datasets", body: b, save: map[string]string{name: "id"}}
	}
	steps := []step{
		{name: "put_domain", method: "PUT", path: "/", save: map[string]string{"root": "root"}},
		mk("z1", []int{0}, nil), mk("z2", []int{0, 3}, nil), mk("e1", []int{0}, []int{0}), mk("e2", []int{0, 3}, []int{10, 3}),
	}
	for _, d := range []string{"z1", "z2", "e1", "e2"} {
		p := "/datasets/{" + d + "}"
		steps = append(steps,
			step{name: "get_" + d, method: "GET", path: p},
			step{name: "get_shape_" + d, method: "GET", path: p + "/shape"},
			step{name: "get_value_" + d, method: "GET", path: p + "/value"},
			step{name: "get_value_binary_" + d, method: "GET", path: p + "/value", accept: true},
			step{name: "post_points_none_" + d, method: "POST", path: p + "/value", body: map[string]any{"points": []any{}}},
		)
	}
	e1, e2 := "/datasets/{e1}", "/datasets/{e2}"
	steps = append(steps,
		step{name: "get_value_z1_empty_select", method: "GET", path: "/datasets/{z1}/value", query: []string{"select", "[0:0]"}},
		step{name: "get_value_z1_out_of_range", method: "GET", path: "/datasets/{z1}/value", query: []string{"select", "[0:1]"}},
		step{name: "put_value_z1_empty_json", method: "PUT", path: "/datasets/{z1}/value", body: map[string]any{"value": []int{}}},
		step{name: "put_value_z1_empty_binary", method: "PUT", path: "/datasets/{z1}/value", body: []byte{}, binary: true},
		step{name: "put_shape_fixed", method: "PUT", path: "/datasets/{z1}/shape", body: map[string]any{"shape": []int{4}}},
		step{name: "put_shape_e1_grow", method: "PUT", path: e1 + "/shape", body: map[string]any{"shape": []int{4}}},
		step{name: "put_value_e1", method: "PUT", path: e1 + "/value", body: map[string]any{"value": []int{1, 2, 3, 4}}},
		step{name: "get_value_e1_4", method: "GET", path: e1 + "/value"},
		step{name: "put_shape_e1_shrink_to_zero", method: "PUT", path: e1 + "/shape", body: map[string]any{"shape": []int{0}}},
		step{name: "get_value_e1_0", method: "GET", path: e1 + "/value"},
		step{name: "put_shape_e1_grow_again", method: "PUT", path: e1 + "/shape", body: map[string]any{"shape": 3}},
		step{name: "get_value_e1_3", method: "GET", path: e1 + "/value"},
		step{name: "put_shape_e1_extend", method: "PUT", path: e1 + "/shape", body: map[string]any{"extend": 2, "extend_dim": 0}},
		step{name: "get_value_e1_5", method: "GET", path: e1 + "/value"},
		step{name: "put_shape_e2_grow", method: "PUT", path: e2 + "/shape", body: map[string]any{"shape": []int{2, 3}}},
		step{name: "put_value_e2", method: "PUT", path: e2 + "/value", body: map[string]any{"value": [][]int{{1, 2, 3}, {4, 5, 6}}}},
		step{name: "get_value_e2", method: "GET", path: e2 + "/value"},
		step{name: "put_shape_e2_past_max", method: "PUT", path: e2 + "/shape", body: map[string]any{"shape": []int{11, 3}}},
		step{name: "put_shape_e2_shrink", method: "PUT", path: e2 + "/shape", body: map[string]any{"shape": []int{1, 3}}},
		step{name: "get_value_e2_after_shrink", method: "GET", path: e2 + "/value"},
		step{name: "put_shape_e2_grow_two", method: "PUT", path: e2 + "/shape", body: map[string]any{"shape": []int{3, 3}}},
		step{name: "get_value_e2_after_regrow", method: "GET", path: e2 + "/value", accept: true},
	)
	return scenario{name: "c10zero", steps: steps}
}

// refLayoutScenario (class 10): datasets whose data is in HDF5 files (H5D_CONTIGUOUS_REF,
// H5D_CHUNKED_REF, H5D_CHUNKED_REF_INDIRECT, s3:// and file URIs) created through the API, and
// the arange chunk initializer.
func refLayoutScenario() scenario {
	post := func(name string, typ any, shape []int, layout map[string]any, save bool) step {
		st := step{name: name, method: "POST", path: "/datasets", body: map[string]any{"type": typ, "shape": shape, "creationProperties": map[string]any{"layout": layout}}}
		if save {
			st.save = map[string]string{strings.TrimPrefix(name, "post_"): "id"}
		}
		return st
	}
	uri := "s3://a-storage-bucket/some-file.h5"
	vstr := map[string]any{"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}
	table := map[string]any{"class": "H5T_COMPOUND", "fields": []any{map[string]any{"name": "offset", "type": "H5T_STD_I64LE"}, map[string]any{"name": "size", "type": "H5T_STD_I32LE"}}}
	steps := []step{
		{name: "put_domain", method: "PUT", path: "/", save: map[string]string{"root": "root"}},
		post("post_contig", "H5T_IEEE_F32LE", []int{50000, 8000000}, map[string]any{"class": "H5D_CONTIGUOUS_REF", "file_uri": uri, "offset": 1234, "size": 50000 * 8000000 * 4}, true),
		post("post_contig_zero", "H5T_STD_I16LE", []int{0, 10}, map[string]any{"class": "H5D_CONTIGUOUS_REF", "file_uri": uri, "offset": 1234, "size": 0}, true),
		post("post_contig_file", "H5T_STD_I32LE", []int{100}, map[string]any{"class": "H5D_CONTIGUOUS_REF", "file_uri": "hsdstest/data/some-file.h5", "offset": 0, "size": 400}, true),
		post("post_chunked", "H5T_STD_I16LE", []int{20000, 30000}, map[string]any{"class": "H5D_CHUNKED_REF", "file_uri": uri, "dims": []int{1000, 1000},
			"chunks": map[string]any{"0_0": []int{1234, 5678}, "0_1": []int{2000, 1000}}}, true),
		{name: "post_table", method: "POST", path: "/datasets", body: map[string]any{"type": table, "shape": []int{20, 30}}, save: map[string]string{"table": "id"}},
		post("post_indirect", "H5T_STD_I16LE", []int{20000, 30000}, map[string]any{"class": "H5D_CHUNKED_REF_INDIRECT", "file_uri": uri, "dims": []int{1000, 1000}, "chunk_table": "{table}"}, true),
		post("post_indirect_no_uri", "H5T_STD_I16LE", []int{20000, 30000}, map[string]any{"class": "H5D_CHUNKED_REF_INDIRECT", "dims": []int{1000, 1000}, "chunk_table": "{table}"}, true),
		// Errors.
		post("error_contig_no_uri", "H5T_STD_I16LE", []int{10}, map[string]any{"class": "H5D_CONTIGUOUS_REF", "offset": 0, "size": 20}, false),
		post("error_contig_no_size", "H5T_STD_I16LE", []int{10}, map[string]any{"class": "H5D_CONTIGUOUS_REF", "file_uri": uri, "offset": 0}, false),
		post("error_contig_dims", "H5T_STD_I16LE", []int{10}, map[string]any{"class": "H5D_CONTIGUOUS_REF", "file_uri": uri, "offset": 0, "size": 20, "dims": []int{10}}, false),
		post("error_contig_vlen", vstr, []int{10}, map[string]any{"class": "H5D_CONTIGUOUS_REF", "file_uri": uri, "offset": 0, "size": 20}, false),
		post("error_chunked_no_chunks", "H5T_STD_I16LE", []int{10}, map[string]any{"class": "H5D_CHUNKED_REF", "file_uri": uri, "dims": []int{5}}, false),
		post("error_chunked_no_dims", "H5T_STD_I16LE", []int{10}, map[string]any{"class": "H5D_CHUNKED_REF", "file_uri": uri, "chunks": map[string]any{}}, false),
		post("error_indirect_bad_table", "H5T_STD_I16LE", []int{10}, map[string]any{"class": "H5D_CHUNKED_REF_INDIRECT", "dims": []int{5}, "chunk_table": "not-an-id"}, false),
		post("error_indirect_rank", "H5T_STD_I16LE", []int{10}, map[string]any{"class": "H5D_CHUNKED_REF_INDIRECT", "dims": []int{5}, "chunk_table": "{table}"}, false),
		// The arange initializer.
		{name: "post_arange", method: "POST", path: "/datasets", body: map[string]any{"type": "H5T_STD_I64LE", "shape": []int{1000000000},
			"creationProperties": map[string]any{"layout": map[string]any{"class": "H5D_CHUNKED", "dims": []int{1000000000}}, "initializer": []string{"arange", "--start=0", "--step=1"}}},
			save: map[string]string{"arange": "id"}},
		{name: "post_arange_f32", method: "POST", path: "/datasets", body: map[string]any{"type": "H5T_IEEE_F32LE", "shape": []int{3000000},
			"creationProperties": map[string]any{"initializer": []string{"arange", "--start=-0.25", "--step=0.5"}}},
			save: map[string]string{"arange32": "id"}},
		{name: "get_arange", method: "GET", path: "/datasets/{arange}"},
		{name: "get_arange_values", method: "GET", path: "/datasets/{arange}/value", query: []string{"select", "[19531260:19531270]"}},
		{name: "get_arange_values_two_chunks", method: "GET", path: "/datasets/{arange}/value", query: []string{"select", "[524280:524300:3]"}, accept: true},
		{name: "get_arange_f32_values", method: "GET", path: "/datasets/{arange32}/value", query: []string{"select", "[2999990:3000000]"}},
		{name: "put_arange_value", method: "PUT", path: "/datasets/{arange}/value", query: []string{"select", "[5:7]"}, body: map[string]any{"value": []int{-1, -2}}},
		{name: "get_arange_after_put", method: "GET", path: "/datasets/{arange}/value", query: []string{"select", "[0:10]"}},
	}
	for _, d := range []string{"contig", "contig_zero", "contig_file", "chunked", "indirect", "indirect_no_uri"} {
		steps = append(steps, step{name: "get_" + d, method: "GET", path: "/datasets/{" + d + "}"})
	}
	return scenario{name: "c10ref", steps: steps}
}

// vlenTypesScenario (class 9): variable-length strings inside array types (in a compound) and as
// the base of a variable-length sequence: create, write and read JSON, points; the sequence of
// strings is created but refuses values (HSDS vlen_test.py testPutVlenVlenError).
func vlenTypesScenario() scenario {
	vstr := map[string]any{"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}
	cmpd := map[string]any{"class": "H5T_COMPOUND", "fields": []any{
		map[string]any{"name": "VALUE1", "type": map[string]any{"class": "H5T_INTEGER", "base": "H5T_STD_U64BE"}},
		map[string]any{"name": "VALUE2", "type": map[string]any{"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 8}},
		map[string]any{"name": "VALUE3", "type": map[string]any{"class": "H5T_ARRAY", "dims": []int{2}, "base": vstr}}}}
	var rows []any
	for i := 0; i < 4; i++ {
		rows = append(rows, []any{i + 1, strings.Repeat("AB", i+2), []any{strings.Repeat("Hi! ", i+1), strings.Repeat("Bye!", i+1)}})
	}
	vv := map[string]any{"class": "H5T_VLEN", "base": map[string]any{"charSet": "H5T_CSET_UTF8", "class": "H5T_STRING", "length": "H5T_VARIABLE", "strPad": "H5T_STR_NULLPAD"}}
	arr := map[string]any{"class": "H5T_ARRAY", "dims": []int{3}, "base": vstr}
	return scenario{name: "c10vlen", steps: []step{
		{name: "put_domain", method: "PUT", path: "/", save: map[string]string{"root": "root"}},
		{name: "post_compound", method: "POST", path: "/datasets", body: map[string]any{"type": cmpd, "shape": []int{4}}, save: map[string]string{"c": "id"}},
		{name: "get_compound", method: "GET", path: "/datasets/{c}"},
		{name: "put_compound_values", method: "PUT", path: "/datasets/{c}/value", body: map[string]any{"value": rows}},
		{name: "get_compound_values", method: "GET", path: "/datasets/{c}/value"},
		{name: "post_compound_points", method: "POST", path: "/datasets/{c}/value", body: map[string]any{"points": []int{1, 3}}},
		{name: "post_array", method: "POST", path: "/datasets", body: map[string]any{"type": arr, "shape": []int{2}}, save: map[string]string{"a": "id"}},
		{name: "put_array_values", method: "PUT", path: "/datasets/{a}/value", body: map[string]any{"value": [][]string{{"a", "bb", "ccc"}, {"", "é", "x"}}}},
		{name: "get_array_values", method: "GET", path: "/datasets/{a}/value"},
		{name: "put_attr_array", method: "PUT", path: "/groups/{root}/attributes/arr", body: map[string]any{"type": arr, "shape": []int{1}, "value": [][]string{{"p", "", "q"}}}},
		{name: "get_attr_array", method: "GET", path: "/groups/{root}/attributes/arr"},
		{name: "post_vlen_of_vlen", method: "POST", path: "/datasets", body: map[string]any{"type": vv, "shape": "H5S_SCALAR"}, save: map[string]string{"vv": "id"}},
		{name: "put_vlen_of_vlen_value", method: "PUT", path: "/datasets/{vv}/value", body: map[string]any{"value": "one: \u4e00"}},
		// Binary values of the same compound, as HSDS's arrayToBytes (h5pyd, vlen_test.py
		// testPutVLenCompoundBinary) sends them: 176 bytes of data zero padded to 192, VALUE1 in
		// little-endian order (h5type.HSDSPadding, h5type.SwapHSDSNativeFields).
		{name: "post_compound_b", method: "POST", path: "/datasets", body: map[string]any{"type": cmpd, "shape": []int{4}}, save: map[string]string{"cb": "id"}},
		{name: "put_compound_binary", method: "PUT", path: "/datasets/{cb}/value", body: vlenTestBody(), binary: true},
		{name: "get_compound_binary_json", method: "GET", path: "/datasets/{cb}/value"},
		{name: "get_compound_binary", method: "GET", path: "/datasets/{cb}/value", accept: true},
		{name: "post_compound_binary_points", method: "POST", path: "/datasets/{cb}/value", body: binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 1), 3), binary: true, accept: true},
		{name: "get_compound_binary_selection", method: "GET", path: "/datasets/{cb}/value", query: []string{"select", "[1:3]"}, accept: true},
		{name: "put_compound_binary_unpadded", method: "PUT", path: "/datasets/{cb}/value", body: vlenTestBody()[:176], binary: true},
		{name: "get_compound_unpadded", method: "GET", path: "/datasets/{cb}/value", accept: true},
		{name: "get_compound_values_binary", method: "GET", path: "/datasets/{c}/value", accept: true},
		{name: "put_compound_binary_nonzero_padding", method: "PUT", path: "/datasets/{cb}/value", body: append(vlenTestBody()[:191], 1), binary: true},
		{name: "get_domain_after", method: "GET", path: "/"},
	}}
}

// vlenTestBody is the body vlen_test.py testPutVLenCompoundBinary sends (arrayUtil.py
// arrayToBytes of its 4 rows; printed by the test's own code under /usr/bin/python3): per row
// VALUE1 = i+1 as 8 little-endian bytes (the field is H5T_STD_U64BE), VALUE2 the 8-byte
// string, VALUE3 two length-prefixed strings; then 16 zero bytes, getByteArraySize's count
// of 4 per VALUE3 array.
func vlenTestBody() []byte {
	b, err := hex.DecodeString("0100000000000000414243444500000004000000486921200400000042796521" +
		"02000000000000004243444546470000080000004869212048692120080000004279652142796521" +
		"030000000000000043444546474849000c0000004869212048692120486921200c000000427965214279652142796521" +
		"04000000000000004445464748494a4b1000000048692120486921204869212048692120100000004279652142796521427965214279652100000000000000000000000000000000")
	if err != nil || len(b) != 192 {
		panic(fmt.Sprintf("vlenTestBody: %d bytes, %v", len(b), err))
	}
	return b
}

// TestVerboseDomainSummary (class 8): GET /?verbose=1 counts what HSDS's scan counts. The same
// objects are made on both servers (a group, a datatype, two datasets, chunks of one written
// uncompressed), HSDS rescans, and the numbers must be equal.
func TestVerboseDomainSummary(t *testing.T) {
	need(t)
	ctx := context.Background()
	type summary struct {
		NumGroups      int   `json:"num_groups"`
		NumDatasets    int   `json:"num_datasets"`
		NumDatatypes   int   `json:"num_datatypes"`
		NumObjects     int   `json:"num_objects"`
		NumChunks      int   `json:"num_chunks"`
		AllocatedBytes int64 `json:"allocated_bytes"`
		LinkedBytes    int64 `json:"linked_bytes"`
		ScanInfo       struct {
			LogicalBytes int64 `json:"logical_bytes"`
		} `json:"scan_info"`
	}
	var got [2]summary
	for i, c := range []*client{env.hsds, env.hsfan} {
		dom := domainName("c10verbose", fmt.Sprint(i))
		q := func(kv ...string) url.Values {
			v := url.Values{"domain": {dom}}
			for k := 0; k+1 < len(kv); k += 2 {
				v.Set(kv[k], kv[k+1])
			}
			return v
		}
		must := func(req request, want ...int) []byte {
			resp, err := c.do(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range want {
				if resp.status == w {
					return resp.body
				}
			}
			t.Fatalf("%s %s: %d %s", req.method, req.path, resp.status, resp.body)
			return nil
		}
		var root struct {
			Root string `json:"root"`
			ID   string `json:"id"`
		}
		_ = json.Unmarshal(must(request{method: "PUT", path: "/", query: q()}, 201), &root)
		must(request{method: "POST", path: "/groups", query: q(), body: []byte(`{"link": {"id": "` + root.Root + `", "name": "g"}}`)}, 201)
		must(request{method: "POST", path: "/datatypes", query: q(), body: []byte(`{"type": "H5T_STD_I16LE", "link": {"id": "` + root.Root + `", "name": "t"}}`)}, 201)
		must(request{method: "POST", path: "/datasets", query: q(), body: []byte(`{"type": "H5T_IEEE_F64LE", "shape": [3, 5], "link": {"id": "` + root.Root + `", "name": "empty"}}`)}, 201)
		var ds struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(must(request{method: "POST", path: "/datasets", query: q(), body: []byte(`{"type": "H5T_STD_I32LE", "shape": [100], ` +
			`"creationProperties": {"layout": {"class": "H5D_CHUNKED", "dims": [40]}}, "link": {"id": "` + root.Root + `", "name": "d"}}`)}, 201), &ds)
		must(request{method: "PUT", path: "/datasets/" + ds.ID + "/value", query: q("select", "[10:90]"), body: []byte(`{"value": ` + seqJSON(80) + `}`)}, 200)
		must(request{method: "PUT", path: "/", query: q(), body: []byte(`{"flush": 1}`), unbounded: true}, 200, 204)
		if c == env.hsds {
			must(request{method: "PUT", path: "/", query: q(), body: []byte(`{"rescan": 1}`), unbounded: true}, 204)
		}
		if err := json.Unmarshal(must(request{method: "GET", path: "/", query: q("verbose", "1")}, 200), &got[i]); err != nil {
			t.Fatal(err)
		}
	}
	if got[0] != got[1] {
		t.Errorf("verbose summary:\nHSDS  %+v\nhsfan %+v", got[0], got[1])
	}
	// HSDS grows the 40-element chunks to the whole 100 elements (min_chunk_size): one chunk.
	if got[1].NumChunks != 1 || got[1].NumObjects != 2+2+1+1 || got[1].AllocatedBytes != 100*4 || got[1].ScanInfo.LogicalBytes != 15*8+100*4 {
		t.Errorf("hsfan: %+v, want 1 chunk of 400 bytes, 6 objects, 520 logical bytes", got[1])
	}
}

func seqJSON(n int) string {
	b, _ := json.Marshal(func() []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	}())
	return string(b)
}

// TestBitshuffleStored (class 11): hsfan serve accepts the bitshuffle filter (HSDS 0.9.4
// refuses it at create, although its storUtil.py _compress/_uncompress implement it) and
// stores chunks as that code does. The peer cannot check them (its bitshuffle module is an
// import stub), so the stored chunks are decoded by HSDS's _uncompress steps in Python with the
// real bitshuffle and numcodecs modules (Debian bitshuffle, python3-numcodecs): a blosc frame
// when there is a compressor, then the 12-byte header (total bytes, block bytes, big endian)
// and bitshuffle.decompress_lz4. Bitshuffle alone, then deflate, then lz4.
func TestBitshuffleStored(t *testing.T) {
	need(t)
	hsdspeer.RequireModules(t, "bitshuffle", "numcodecs", "numpy")
	ctx := context.Background()
	filters := map[string]string{
		"bitshuffle":         `[{"class": "H5Z_FILTER_BITSHUFFLE", "id": 32008, "name": "bitshuffle"}]`,
		"bitshuffle+deflate": `[{"class": "H5Z_FILTER_BITSHUFFLE", "id": 32008, "name": "bitshuffle"}, {"class": "H5Z_FILTER_DEFLATE", "id": 1, "level": 9, "name": "deflate"}]`,
		"bitshuffle+lz4":     `["bitshuffle", "lz4"]`,
	}
	for name, fs := range filters {
		t.Run(name, func(t *testing.T) {
			dom := domainName("c10bitshuffle", name)
			q := url.Values{"domain": {dom}}
			create := []byte(`{"type": "H5T_STD_I32LE", "shape": [700, 900], "creationProperties": {"filters": ` + fs + `}}`)
			// HSDS itself refuses the filter.
			hq := url.Values{"domain": {dom + ".hsds.h5"}}
			env.hsds.must(ctx, t, request{method: "PUT", path: "/", query: hq}, 201)
			env.hsds.must(ctx, t, request{method: "POST", path: "/datasets", query: hq, body: create}, 400)

			env.hsfan.must(ctx, t, request{method: "PUT", path: "/", query: q}, 201)
			var ds struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(env.hsfan.must(ctx, t, request{method: "POST", path: "/datasets", query: q, body: create}, 201).body, &ds); err != nil {
				t.Fatal(err)
			}
			data := make([]byte, 4*700*900)
			for i := 0; i < 700*900; i++ {
				binary.LittleEndian.PutUint32(data[4*i:], uint32(i%1000)|uint32(i/7)<<12)
			}
			path := "/datasets/" + ds.ID + "/value"
			env.hsfan.must(ctx, t, request{method: "PUT", path: path, query: q, body: data, binary: true}, 200)
			if got := env.hsfan.must(ctx, t, request{method: "GET", path: path, query: q, accept: true}, 200).body; !bytes.Equal(got, data) {
				t.Errorf("hsfan read back %d bytes, not the %d written", len(got), len(data))
			}
			dsJSON := env.hsfan.must(ctx, t, request{method: "GET", path: "/datasets/" + ds.ID, query: q}, 200).body
			var m struct {
				Layout struct {
					Dims []int `json:"dims"`
				} `json:"layout"`
			}
			if err := json.Unmarshal(dsJSON, &m); err != nil || len(m.Layout.Dims) != 2 {
				t.Fatalf("layout of %s: %v", dsJSON, err)
			}
			prefix := schema.DatasetPrefix(ds.ID)
			dir := t.TempDir()
			n := 0
			if err := env.store.List(ctx, bucket, prefix, "", func(e store.Entry) error {
				if strings.HasSuffix(e.Key, ".dataset.json") {
					return nil
				}
				b, _, err := env.store.Get(ctx, bucket, e.Key)
				if err != nil {
					return err
				}
				n++
				return os.WriteFile(filepath.Join(dir, strings.ReplaceAll(strings.TrimPrefix(e.Key, prefix), "/", "_")), b, 0o600)
			}); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatal("no chunks stored")
			}
			compressed := name != "bitshuffle"
			script := `
import os, sys, hashlib
import numpy as np, bitshuffle, numcodecs
d, cy, cx, compressed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
a = np.zeros((700, 900), dtype="<i4")
for fn in os.listdir(d):
    i, j = [int(x) for x in fn.split("_")[-2:]]
    data = open(os.path.join(d, fn), "rb").read()
    if compressed:
        data = numcodecs.Blosc().decode(data)  # storUtil._uncompress: blosc first
    data = np.frombuffer(data, dtype=np.uint8)  # then _unshuffle(2, ...)
    total, block = int.from_bytes(data[:8], "big"), int.from_bytes(data[8:12], "big")
    assert total == cy * cx * 4, (total, cy, cx)
    arr = bitshuffle.decompress_lz4(data[12:], (cy, cx), np.dtype("<i4"), block // 4)
    y, x = i * cy, j * cx
    a[y:y + cy, x:x + cx] = arr[:min(cy, 700 - y), :min(cx, 900 - x)]
print(hashlib.sha256(a.tobytes()).hexdigest())
`
			out, err := exec.Command("/usr/bin/python3", "-c", script, dir, fmt.Sprint(m.Layout.Dims[0]), fmt.Sprint(m.Layout.Dims[1]), map[bool]string{true: "1", false: "0"}[compressed]).CombinedOutput()
			if err != nil {
				t.Fatalf("python decode: %v\n%s", err, out)
			}
			sum := sha256.Sum256(data)
			if got := strings.TrimSpace(string(out)); got != hex.EncodeToString(sum[:]) {
				t.Errorf("the chunks decoded as HSDS would give sha256 %s, the data written %x", got, sum)
			}
		})
	}
}
