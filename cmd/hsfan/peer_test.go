package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// arangeJSON is np.arange(prod(dims)).reshape(dims).tolist() as JSON.
func arangeJSON(dims ...int) string {
	n := 0
	var build func(d int) any
	build = func(d int) any {
		out := make([]any, dims[d])
		for i := range out {
			if d == len(dims)-1 {
				out[i] = n
				n++
			} else {
				out[i] = build(d + 1)
			}
		}
		return out
	}
	b, _ := json.Marshal(build(0))
	return string(b)
}

// hsdsNestsOtherwise reports a select whose coordinate lists are separated by a slice and do not
// start at dimension 0: there HSDS's JSON nesting differs from numpy's shape (see the selection
// package doc).
func hsdsNestsOtherwise(sel string) bool {
	var lists []int
	depth, dim := 0, 0
	for _, ch := range strings.TrimSuffix(strings.TrimPrefix(sel, "["), "]") {
		switch {
		case ch == '[':
			depth++
			lists = append(lists, dim)
		case ch == ']':
			depth--
		case ch == ',' && depth == 0:
			dim++
		}
	}
	return len(lists) > 1 && lists[0] != 0 && lists[len(lists)-1]-lists[0] != len(lists)-1
}

func flatten(x any, out []any) []any {
	if l, ok := x.([]any); ok {
		for _, e := range l {
			out = flatten(e, out)
		}
		return out
	}
	return append(out, x)
}

// sameAsHSDS compares a value printed by hsfan get (json) with HSDS's GET value JSON, walking the
// element type: they must be equal, except where the type has variable length and HSDS says 0
// for an empty string or sequence, which hsfan get prints as "" or [] (its documented choice).
func sameAsHSDS(t *h5type.Type, hsds, ours any, depth int) bool {
	if depth > 0 {
		if l, ok := hsds.([]any); ok {
			o, ok := ours.([]any)
			if !ok || len(o) != len(l) {
				return false
			}
			for i := range l {
				if !sameAsHSDS(t, l[i], o[i], depth-1) {
					return false
				}
			}
			return true
		}
		return false
	}
	if t.IsVariable() && t.Class() != h5type.ClassCompound && hsds == float64(0) {
		if s, ok := ours.(string); ok && s == "" {
			return true
		}
		if l, ok := ours.([]any); ok && len(l) == 0 {
			return true
		}
		return false
	}
	if t.Class() == h5type.ClassCompound {
		h, ok1 := hsds.([]any)
		o, ok2 := ours.([]any)
		fields := t.Fields()
		if !ok1 || !ok2 || len(h) != len(fields) || len(o) != len(fields) {
			return false
		}
		for i, f := range fields {
			if !sameAsHSDS(f.Type, h[i], o[i], 0) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(hsds, ours)
}

// TestPeerGet: datasets of variable-length types (and one int32 under fancy selections) written
// by the real HSDS 0.9.4 and read by hsfan get from the same store: json equals HSDS's GET value
// (but for the empty-element quirk), bin equals HSDS's binary body, csv parses back to the
// strings.
func TestPeerGet(t *testing.T) {
	p := hsdspeer.Shared(t)
	dom := hsdspeer.Home + "/vlen.h5"
	q := func(kv ...string) url.Values {
		v := url.Values{"domain": {dom}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	must := func(want int, req hsdspeer.Request) []byte {
		t.Helper()
		code, body := p.Do(t, req)
		if code != want {
			t.Fatalf("HSDS %s %s %v: %d %s", req.Method, req.Path, req.Query, code, body)
		}
		return body
	}
	must(201, hsdspeer.Request{Method: "PUT", Path: "/", Query: q()})
	root := struct {
		Root string `json:"root"`
	}{}
	_ = json.Unmarshal(must(200, hsdspeer.Request{Method: "GET", Path: "/", Query: q()}), &root)
	vlenF64 := `{"class": "H5T_VLEN", "base": {"class": "H5T_FLOAT", "base": "H5T_IEEE_F64LE"}}`
	sets := []struct {
		name, typ, shape, value string
		selects                 []string
	}{
		{"utf8", vlenUTF8, "[5]", `["a", "héllo", "", "x,y \"q\"\n2", "日本"]`, []string{"[[3,0,1]]", "[1:4]", "[2]"}},
		{"ascii", vlenASCII, "[5]", `["abc", "", "de,f", "g", "h"]`, []string{"[[3,0,1]]", "[0:5:2]"}},
		{"vint", vlenI32, "[5]", `[[1, 2, 3], [], [4], [-5, 6], [7, 8, 9, 10]]`, []string{"[[3,0,1]]", "[1:3]"}},
		{"vflt", vlenF64, "[5]", `[[1.5], [], [2.25, 3.0], [1e300], [0.1]]`, []string{"[[4,1]]"}},
		{"cmp", vlenCmp, "[5]", `[[1, "a", [1, 2]], [2, "", []], [3, "c", [3]], [-4, "dd", [4, 5, 6]], [5, "é", [7]]]`, []string{"[[3,0,1]]"}},
		{"i4", `"H5T_STD_I32LE"`, "[3, 4, 5, 2]", arangeJSON(3, 4, 5, 2),
			[]string{"[:,[1,3,3],[2,0,4],:]", "[[0,2],:,[1,4],1]", "[1,[3,0],2,[1,0]]", "[[2,0],[1,1],[4,4],[0,1]]"}},
		{"s2", vlenUTF8, "[3, 4]", `[["r0c0", "", "r0c2", "r0c3"], ["é", "r1c1", "a,b", "r1c3"], ["r2c0", "r2c1", "r2c2", "\"q\""]]`,
			[]string{"[[0,2,1],[3,0,0]]", "[0:3,[1,3]]", "[[2,0],[1,1]]", "[1,:]"}},
	}
	ids := map[string]string{}
	for _, s := range sets {
		var m struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(must(201, hsdspeer.Request{Method: "POST", Path: "/datasets", Query: q(), Body: []byte(`{"type": ` + s.typ + `, "shape": ` + s.shape + `}`)}), &m)
		must(201, hsdspeer.Request{Method: "PUT", Path: "/groups/" + root.Root + "/links/" + s.name, Query: q(), Body: []byte(`{"id": "` + m.ID + `"}`)})
		must(200, hsdspeer.Request{Method: "PUT", Path: "/datasets/" + m.ID + "/value", Query: q(), Body: []byte(`{"value": ` + s.value + `}`)})
		ids[s.name] = m.ID
	}
	if code, body := p.Do(t, hsdspeer.Request{Method: "PUT", Path: "/", Query: q(), Body: []byte(`{"flush": 1}`)}); code != 200 && code != 204 {
		t.Fatalf("flush: %d %s", code, body)
	}
	storeArgs := []string{"--store", "file://" + p.Root, "--bucket", hsdspeer.Bucket, "--domain", dom}
	for _, s := range sets {
		id := ids[s.name]
		typ, err := h5type.Parse(json.RawMessage(s.typ))
		if err != nil {
			t.Fatal(err)
		}
		for _, sel := range append([]string{""}, s.selects...) {
			t.Run(s.name+sel, func(t *testing.T) {
				var hsdsJSON struct {
					Value any `json:"value"`
				}
				if err := json.Unmarshal(must(200, hsdspeer.Request{Method: "GET", Path: "/datasets/" + id + "/value", Query: q("select", sel)}), &hsdsJSON); err != nil {
					t.Fatal(err)
				}
				hsdsBin := must(200, hsdspeer.Request{Method: "GET", Path: "/datasets/" + id + "/value", Query: q("select", sel), Accept: true})
				get := func(format string) string {
					args := append([]string{"get", "--dataset", "/" + s.name, "--format", format}, storeArgs...)
					if sel != "" {
						args = append(args, "--select", sel)
					}
					code, out, errs := run(t, args...)
					if code != 0 {
						t.Fatalf("hsfan get %s: exit %d: %s", format, code, errs)
					}
					return out
				}
				var ours struct {
					Shape []int `json:"shape"`
					Value any   `json:"value"`
				}
				if err := json.Unmarshal([]byte(get("json")), &ours); err != nil {
					t.Fatal(err)
				}
				hv, ov, depth := hsdsJSON.Value, ours.Value, len(ours.Shape)
				if hsdsNestsOtherwise(sel) {
					// HSDS nests separated lists at the first list's position, hsfan in numpy's
					// shape; the elements, in order, must agree.
					hv, ov, depth = flatten(hv, nil), flatten(ov, nil), 1
				}
				if !sameAsHSDS(typ, hv, ov, depth) {
					t.Errorf("json: hsfan %v\nHSDS %v", ours.Value, hsdsJSON.Value)
				}
				if bin := get("bin"); !bytes.Equal([]byte(bin), hsdsBin) {
					t.Errorf("bin: hsfan %x\nHSDS %x", bin, hsdsBin)
				}
				if typ.Class() != h5type.ClassString {
					return
				}
				recs, err := csv.NewReader(strings.NewReader(get("csv"))).ReadAll()
				if err != nil {
					t.Fatalf("csv: %v", err)
				}
				var flat []string
				for _, r := range recs[1:] { // the header, then the indices and the value
					flat = append(flat, r[len(r)-1])
				}
				var want []string
				var walk func(any)
				walk = func(x any) {
					switch v := x.(type) {
					case []any:
						for _, e := range v {
							walk(e)
						}
					case string:
						want = append(want, v)
					default: // HSDS's 0 for ""
						want = append(want, "")
					}
				}
				walk(hsdsJSON.Value)
				if fmt.Sprintf("%q", flat) != fmt.Sprintf("%q", want) {
					t.Errorf("csv cells %q, HSDS values %q", flat, want)
				}
			})
		}
	}
}
