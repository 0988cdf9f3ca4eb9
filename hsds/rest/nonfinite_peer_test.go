package rest

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// client is one server under test: the real HSDS or hsfan's REST handler.
type client interface {
	call(t *testing.T, method, path, domain string, params url.Values, body string) (int, []byte)
}

type peerClient struct{ p *hsdspeer.Peer }

func (c peerClient) call(t *testing.T, method, path, domain string, params url.Values, body string) (int, []byte) {
	return c.p.Do(t, hsdspeer.Request{Method: method, Path: path, Domain: domain, Query: params, Body: []byte(body)})
}

type envClient struct{ e *env }

func (c envClient) call(t *testing.T, method, path, domain string, params url.Values, body string) (int, []byte) {
	params = cloneValues(params) // env.do sets domain in it
	var b any
	if body != "" {
		b = body
	}
	r := c.e.do(method, path, domain, params, b, "test_user1")
	return r.code, r.body
}

// step is one request; {name} in path and body is replaced by the id saved under name; save
// keeps the response's "id" (or "root") under that name.
type step struct {
	method, path string
	params       url.Values
	body         string
	save         string
	noBody       bool // compare the status code only (bodies differ in server details)
}

const f64Attr = `{"type": "H5T_IEEE_F64LE", "shape": [4], "value": [NaN, Infinity, -Infinity, 1.5]}`

// nonFiniteWrites creates a domain's objects with NaN/±Inf fill values, attributes and values.
var nonFiniteWrites = []step{
	{method: "PUT", path: "/", save: "root", noBody: true},
	{method: "POST", path: "/groups", body: `{"link": {"id": "{root}", "name": "g"}}`, save: "g"},
	{method: "POST", path: "/datasets", save: "f32",
		body: `{"type": "H5T_IEEE_F32LE", "shape": [6], "creationProperties": {"fillValue": NaN}, "link": {"id": "{root}", "name": "f32"}}`},
	{method: "POST", path: "/datasets", save: "f64",
		body: `{"type": "H5T_IEEE_F64LE", "shape": [6], "creationProperties": {"fillValue": Infinity}, "link": {"id": "{root}", "name": "f64"}}`},
	{method: "POST", path: "/datasets", save: "f64neg",
		body: `{"type": "H5T_IEEE_F64LE", "shape": [3], "creationProperties": {"fillValue": -Infinity}, "link": {"id": "{root}", "name": "f64neg"}}`},
	{method: "POST", path: "/datasets", save: "i32", body: `{"type": "H5T_STD_I32LE", "shape": [3], "link": {"id": "{root}", "name": "i32"}}`},
	{method: "POST", path: "/datasets", noBody: true, body: `{"type": "H5T_STD_I32LE", "shape": [3], "creationProperties": {"fillValue": NaN}}`},
	{method: "PUT", path: "/groups/{root}/attributes/a", body: f64Attr},
	{method: "PUT", path: "/groups/{g}/attributes/a", body: f64Attr},
	{method: "PUT", path: "/datasets/{f32}/attributes/a", body: f64Attr},
	{method: "PUT", path: "/datasets/{f32}/attributes/a32", body: `{"type": "H5T_IEEE_F32LE", "shape": [3], "value": [NaN, -Infinity, 2.5]}`},
	{method: "PUT", path: "/datasets/{f32}/attributes/_FillValue", body: `{"type": "H5T_IEEE_F32LE", "value": NaN}`},
	{method: "PUT", path: "/groups/{root}/attributes/c",
		body: `{"type": {"class": "H5T_COMPOUND", "fields": [{"name": "x", "type": "H5T_IEEE_F32LE"}, {"name": "n", "type": "H5T_STD_I16LE"}]}, "value": [NaN, 3]}`},
	{method: "PUT", path: "/groups/{root}/attributes/bad", noBody: true, body: `{"type": "H5T_STD_I32LE", "shape": [2], "value": [NaN, 1]}`},
	{method: "PUT", path: "/datasets/{f32}/value", params: q("select", "[0:4]"), body: `{"value": [1.5, NaN, -Infinity, Infinity]}`},
	{method: "PUT", path: "/datasets/{f64}/value", body: `{"start": [1], "stop": [3], "value": [NaN, -2.5]}`},
	{method: "PUT", path: "/datasets/{i32}/value", noBody: true, body: `{"value": [1, NaN, 3]}`},
}

// nonFiniteReads reads them back, with and without HSDS's ignore_nan, including the requests
// h5pyd sends to open a domain and its objects.
var nonFiniteReads = func() []step {
	var out []step
	add := func(path string, params ...url.Values) {
		if len(params) == 0 {
			params = []url.Values{nil}
		}
		for _, p := range params {
			out = append(out, step{method: "GET", path: path, params: p})
		}
	}
	nan := []url.Values{nil, q("ignore_nan", "1"), q("ignore_nan", "0"), q("ignore_nan", "false")}
	add("/", q("getdnids", "1", "getobjs", "T", "include_attrs", "T"))
	for _, o := range []string{"/groups/{root}", "/groups/{g}", "/datasets/{f32}"} {
		add(o)
		add(o+"/attributes", q("IncludeData", "1"), q("IncludeData", "1", "ignore_nan", "1"))
		add(o+"/attributes/a", nan...)
		add(o+"/attributes/a/value", nan...)
	}
	add("/groups/{root}/attributes/c", nan...)
	add("/datasets/{f32}/attributes/a32", nan...)
	add("/datasets/{f32}/attributes/_FillValue", nan...)
	for _, d := range []string{"f32", "f64", "f64neg", "i32"} {
		add("/datasets/{"+d+"}", nan...)
		add("/datasets/{"+d+"}/value", nan...)
	}
	add("/datasets/{f32}", q("include_attrs", "1"))
	out = append(out,
		step{method: "POST", path: "/datasets/{f32}/value", body: `{"points": [1, 2, 5]}`},
		step{method: "POST", path: "/datasets/{f32}/value", params: q("ignore_nan", "1"), body: `{"points": [1, 2, 5]}`},
		step{method: "POST", path: "/datasets/{f32}/attributes", body: `{"attr_names": ["a", "a32"]}`},
		step{method: "POST", path: "/datasets/{f32}/attributes", params: q("IncludeData", "1"), body: `{"attr_names": ["a", "a32"]}`},
		step{method: "POST", path: "/datasets/{f32}/attributes", params: q("IncludeData", "1", "ignore_nan", "1"), body: `{"attr_names": ["a", "a32"]}`},
		step{method: "POST", path: "/datasets/{f32}/attributes", params: q("IncludeData", "1", "ignore_nan", "0"), body: `{"attr_names": ["a", "a32"]}`})
	return out
}()

// result is one answered step.
type result struct {
	name string
	code int
	body []byte
}

// run sends steps to c on domain, resolving and saving ids in ids.
func run(t *testing.T, c client, domain string, steps []step, ids map[string]string) []result {
	t.Helper()
	subst := func(s string) string {
		for k, v := range ids {
			s = strings.ReplaceAll(s, "{"+k+"}", v)
		}
		return s
	}
	var out []result
	for _, s := range steps {
		path, body := subst(s.path), subst(s.body)
		code, b := c.call(t, s.method, path, domain, s.params, body)
		if s.save != "" {
			m := parsePy(t, b)
			id, _ := m.(map[string]any)["id"].(string)
			if s.save == "root" {
				id, _ = m.(map[string]any)["root"].(string)
			}
			if id == "" {
				t.Fatalf("%s %s: no id in %d %s", s.method, path, code, b)
			}
			ids[s.save] = id
		}
		if s.noBody {
			b = nil
		}
		out = append(out, result{name: fmt.Sprintf("%s %s?%s %s", s.method, s.path, s.params.Encode(), s.body), code: code, body: b})
	}
	return out
}

// parsePy decodes a response body in Python's JSON dialect.
func parsePy(t *testing.T, b []byte) any {
	t.Helper()
	std, err := pyjson.ToStd(b)
	if err != nil {
		t.Fatalf("response %.300s: %v", b, err)
	}
	v, err := pyjson.DecodeValue(std)
	if err != nil {
		t.Fatalf("response %.300s: %v", b, err)
	}
	return v
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// knownDifferences are the paths of response members where hsfan differs from HSDS for reasons
// outside non-finite numbers (left to the interop suite): the compressor list, the data-node
// ids, the extra domain/bucket members of getobjs objects, an empty creationProperties there,
// and the layout hsfan also keeps inside creationProperties after POST /datasets.
var knownDifferences = regexp.MustCompile(`^/compressors$|^/dn_ids$|^/domain_objs/[^/]+/(domain|bucket|creationProperties)$|/creationProperties/layout$`)

// normalize drops hrefs (they hold the server's host) and replaces ids by their names in ids
// (inverted); timestamps are dropped unless both answers come from one store.
func normalize(v any, names map[string]string, sameStore bool) any {
	name := func(s string) string {
		if n, ok := names[strings.TrimPrefix(strings.TrimPrefix(s, "datasets/"), "groups/")]; ok {
			return "{" + n + "}"
		}
		return s
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			switch k {
			case "hrefs", "href":
				continue
			case "created", "lastModified":
				if !sameStore {
					continue
				}
			}
			out[name(k)] = normalize(e, names, sameStore)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e, names, sameStore)
		}
		return out
	case string:
		return name(x)
	}
	return v
}

func invert(ids map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range ids {
		out[v] = k
	}
	return out
}

// compareResults reports every step whose status or (parsed, normalized) body differs; ids map
// names to the ids of each server.
func compareResults(t *testing.T, what string, hsds, hsfan []result, hIDs, fIDs map[string]string) {
	t.Helper()
	sameStore := fmt.Sprint(hIDs) == fmt.Sprint(fIDs)
	for i := range hsds {
		h, f := hsds[i], hsfan[i]
		if h.code != f.code {
			t.Errorf("%s: %s: HSDS %d %.300s, hsfan %d %.300s", what, h.name, h.code, h.body, f.code, f.body)
			continue
		}
		if h.code >= 300 || len(h.body) == 0 && len(f.body) == 0 {
			continue
		}
		hv, fv := normalize(parsePy(t, h.body), invert(hIDs), sameStore), normalize(parsePy(t, f.body), invert(fIDs), sameStore)
		var d []string
		for _, line := range diffJSON("", hv, fv) {
			if !knownDifferences.MatchString(line[:strings.Index(line, ":")]) {
				d = append(d, line)
			}
		}
		if len(d) > 0 {
			t.Errorf("%s: %s:\n  %s\nHSDS:  %.600s\nhsfan: %.600s", what, h.name, strings.Join(d, "\n  "), h.body, f.body)
		}
	}
}

// diffJSON lists the differences of two decoded values; numbers compare by value, NaN equal to
// NaN.
func diffJSON(path string, a, b any) []string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v vs %v", path, a, b)}
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		var sorted []string
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		var out []string
		for _, k := range sorted {
			xv, xok := x[k]
			yv, yok := y[k]
			switch {
			case !xok:
				out = append(out, fmt.Sprintf("%s/%s: only hsfan has it: %v", path, k, yv))
			case !yok:
				out = append(out, fmt.Sprintf("%s/%s: only HSDS has it: %v", path, k, xv))
			default:
				out = append(out, diffJSON(path+"/"+k, xv, yv)...)
			}
		}
		return out
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return []string{fmt.Sprintf("%s: %v vs %v", path, a, b)}
		}
		var out []string
		for i := range x {
			out = append(out, diffJSON(fmt.Sprintf("%s[%d]", path, i), x[i], y[i])...)
		}
		return out
	}
	if !sameValue(a, b) {
		return []string{fmt.Sprintf("%s: %#v vs %#v", path, a, b)}
	}
	return nil
}

// TestPeerNonFinite runs the same NaN/Infinity requests against the real HSDS and hsfan: side
// by side on their own stores, then each reading what the other wrote.
func TestPeerNonFinite(t *testing.T) {
	p := hsdspeer.Shared(t)
	hsds := peerClient{p}
	own := envClient{newEnv(t, backends(t)["posix"](t))}
	st, err := store.NewPosix(p.Root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	onPeer := envClient{newEnv(t, st)}

	t.Run("side by side", func(t *testing.T) {
		dom := hsdspeer.Home + "/nan_side.h5"
		hIDs, fIDs := map[string]string{}, map[string]string{}
		hw := run(t, hsds, dom, nonFiniteWrites, hIDs)
		fw := run(t, own, dom, nonFiniteWrites, fIDs)
		compareResults(t, "write", hw, fw, hIDs, fIDs)
		compareResults(t, "read", run(t, hsds, dom, nonFiniteReads, hIDs), run(t, own, dom, nonFiniteReads, fIDs), hIDs, fIDs)
	})
	t.Run("hsfan reads what HSDS wrote", func(t *testing.T) {
		dom := hsdspeer.Home + "/nan_by_hsds.h5"
		ids := map[string]string{}
		run(t, hsds, dom, nonFiniteWrites, ids)
		p.Flush(t, dom)
		compareResults(t, "read", run(t, hsds, dom, nonFiniteReads, ids), run(t, onPeer, dom, nonFiniteReads, ids), ids, ids)
	})
	t.Run("HSDS reads what hsfan wrote", func(t *testing.T) {
		dom := hsdspeer.Home + "/nan_by_hsfan.h5"
		ids := map[string]string{}
		run(t, onPeer, dom, nonFiniteWrites, ids)
		compareResults(t, "read", run(t, hsds, dom, nonFiniteReads, ids), run(t, onPeer, dom, nonFiniteReads, ids), ids, ids)
	})
}

// sameValue compares decoded scalars: numbers by value (NaN equal to NaN), others exactly.
func sameValue(a, b any) bool {
	fa, oka := numberOf(a)
	fb, okb := numberOf(b)
	if oka || okb {
		return oka && okb && (fa == fb || fa != fa && fb != fb)
	}
	return a == b
}

func numberOf(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case interface{ Float64() (float64, error) }:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}
