package rest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Expected values below were computed with numpy 2.x on a = np.arange(prod(dims)).reshape(dims)
// (single indices as slices of one, as HSDS keeps the dimension); HSDS 0.9.4 returned the same
// values for every one of these selections (peer_test.go checks that side by side).
var fancyCases = []struct {
	dims  []int
	sel   string
	shape []int
	flat  []int32
}{
	{[]int{2, 10, 10}, "[:,[1,4,5],[2,8,6]]", []int{2, 3}, []int32{12, 48, 56, 112, 148, 156}},
	{[]int{2, 10, 10}, "[:,[5,1,1],[2,2,9]]", []int{2, 3}, []int32{52, 12, 19, 152, 112, 119}},
	{[]int{2, 10, 10}, "[:,[1],[2]]", []int{2, 1}, []int32{12, 112}},
	{[]int{2, 10, 10}, "[1,[1,2],[4,5]]", []int{1, 2}, []int32{114, 125}},
	{[]int{2, 10, 10}, "[[0,1],[3,4],[5,6]]", []int{2}, []int32{35, 146}},
	{[]int{2, 10, 10}, "[[1,0],[3,3],[5,6]]", []int{2}, []int32{135, 36}},
	{[]int{2, 10, 10}, "[0:2,[9,0,9],[0,9,0]]", []int{2, 3}, []int32{90, 9, 90, 190, 109, 190}},
	{[]int{2, 10, 10}, "[[0,1],:,[2,3]]", []int{2, 10}, []int32{2, 12, 22, 32, 42, 52, 62, 72, 82, 92, 103, 113, 123, 133, 143, 153, 163, 173, 183, 193}},
	// separated lists not starting at dim 0: numpy puts the point axis first (HSDS returns the
	// same elements, nested as (2,3,5))
	{[]int{3, 6, 5, 7}, "[0:2,[0,1,5],:,[2,3,6]]", []int{3, 2, 5}, []int32{2, 9, 16, 23, 30, 212, 219, 226, 233, 240,
		38, 45, 52, 59, 66, 248, 255, 262, 269, 276, 181, 188, 195, 202, 209, 391, 398, 405, 412, 419}},
}

func flatInts(v any) []int32 {
	var out []int32
	var walk func(any)
	walk = func(x any) {
		if l, ok := x.([]any); ok {
			for _, e := range l {
				walk(e)
			}
			return
		}
		out = append(out, int32(x.(float64)))
	}
	walk(v)
	return out
}

func shapeOf(v any) []int {
	var s []int
	for {
		l, ok := v.([]any)
		if !ok {
			return s
		}
		s = append(s, len(l))
		if len(l) == 0 {
			return s
		}
		v = l[0]
	}
}

// TestFancySelections: paired coordinate lists through GET (JSON and binary), POST with a select
// body, PUT (JSON and binary, repeated coordinates: the last write wins, as in numpy) and the
// errors.
func TestFancySelections(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	u := "test_user1"
	dom, _ := e.createDomain("fancy.h5")
	ids := map[string]string{}
	for _, dims := range [][]int{{2, 10, 10}, {3, 6, 5, 7}} {
		key := fmt.Sprint(dims)
		chunks := map[string]string{"[2 10 10]": "[1, 4, 4]", "[3 6 5 7]": "[2, 4, 2, 4]"}[key]
		sh, _ := json.Marshal(dims)
		id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_STD_I32LE", "shape": `+string(sh)+
			`, "creationProperties": {"layout": {"class": "H5D_CHUNKED", "dims": `+chunks+`}}}`, u)).json(t)["id"].(string)
		n := 1
		for _, d := range dims {
			n *= d
		}
		data := make([]byte, 4*n)
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint32(data[4*i:], uint32(i))
		}
		e.mustStatus(200, e.do("PUT", "/datasets/"+id+"/value", dom, nil, data, u))
		ids[key] = id
	}
	for _, tc := range fancyCases {
		p := "/datasets/" + ids[fmt.Sprint(tc.dims)] + "/value"
		t.Run(tc.sel, func(t *testing.T) {
			m := e.mustStatus(200, e.do("GET", p, dom, q("select", tc.sel), nil, u)).json(t)
			if got := flatInts(m["value"]); fmt.Sprint(got) != fmt.Sprint(tc.flat) || fmt.Sprint(shapeOf(m["value"])) != fmt.Sprint(tc.shape) {
				t.Errorf("GET JSON %v (shape %v), want %v (shape %v)", got, shapeOf(m["value"]), tc.flat, tc.shape)
			}
			r := e.mustStatus(200, e.do("GET", p, dom, q("select", tc.sel), nil, u, hdrs{"Accept": "application/octet-stream"}))
			if got := i32s(r.body); fmt.Sprint(got) != fmt.Sprint(tc.flat) {
				t.Errorf("GET binary %v, want %v", got, tc.flat)
			}
			m = e.mustStatus(200, e.do("POST", p, dom, nil, `{"select": "`+tc.sel+`"}`, u)).json(t)
			if got := flatInts(m["value"]); fmt.Sprint(got) != fmt.Sprint(tc.flat) {
				t.Errorf("POST select %v, want %v", got, tc.flat)
			}
		})
	}

	// Writes: PUT JSON nested in the selection's shape, and binary, into a fresh dataset.
	id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_STD_I32LE", "shape": [2, 10, 10], "creationProperties": {"layout": {"class": "H5D_CHUNKED", "dims": [1, 4, 4]}}}`, u)).json(t)["id"].(string)
	p := "/datasets/" + id + "/value"
	e.mustStatus(200, e.do("PUT", p, dom, q("select", "[:,[1,4,5],[2,8,6]]"), `{"value": [[1, 2, 3], [4, 5, 6]]}`, u))
	b := make([]byte, 12)
	for i, v := range []uint32{7, 8, 9} {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	// repeated point (1,3,3): numpy a[[1,1,1],[3,3,0],[3,3,9]] = [7,8,9] leaves 8 there
	e.mustStatus(200, e.do("PUT", p, dom, q("select", "[[1,1,1],[3,3,0],[3,3,9]]"), b, u))
	all := i32s(e.mustStatus(200, e.do("GET", p, dom, nil, nil, u, hdrs{"Accept": "application/octet-stream"})).body)
	want := map[int]int32{12: 1, 48: 2, 56: 3, 112: 4, 148: 5, 156: 6, 133: 8, 109: 9}
	for i, v := range all {
		if v != want[i] {
			t.Errorf("element %d = %d after the writes, want %d", i, v, want[i])
		}
	}
	// A value of the wrong shape, and selection errors: HSDS's 400s.
	for _, bad := range []struct{ sel, body, msg string }{
		{"[:,[1,4,5],[2,8,6]]", `{"value": [[1, 2], [3, 4]]}`, "does not fit"},
		{"[:,[1,4,5],[2,8]]", `{"value": [[1, 2, 3], [4, 5, 6]]}`, "shape mismatch: indexing arrays could not be broadcast together with shapes (3,) (2,)"},
		{"[:,[1,10],[3,4]]", `{"value": [[1, 2], [3, 4]]}`, "out of range coordinate"},
	} {
		r := e.mustStatus(400, e.do("PUT", p, dom, q("select", bad.sel), bad.body, u))
		if !strings.Contains(string(r.body), bad.msg) {
			t.Errorf("PUT %s: %s, want mentioning %q", bad.sel, r.body, bad.msg)
		}
		if bad.msg != "does not fit" {
			e.mustStatus(400, e.do("GET", p, dom, q("select", bad.sel), nil, u))
			e.mustStatus(400, e.do("POST", p, dom, nil, `{"select": "`+bad.sel+`"}`, u))
		}
	}
}

// TestFancyStreamPages: a binary read larger than one stream page is paged along its first output
// axis, here the point axis of paired lists (one point per page), and equals the written values.
func TestFancyStreamPages(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	u := "test_user1"
	dom, _ := e.createDomain("fs.h5")
	id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_STD_I32LE", "shape": [2, 2, 1500, 1500]}`, u)).json(t)["id"].(string)
	p := "/datasets/" + id + "/value"
	const plane = 1500 * 1500
	data := make([]byte, 2*plane*4)
	for i := 0; i < 2*plane; i++ {
		binary.LittleEndian.PutUint32(data[4*i:], uint32(i))
	}
	sel := "[[1,0],[0,1],:,:]" // points (1,0) then (0,1): 18 MB, more than a 16 MiB page
	e.mustStatus(200, e.do("PUT", p, dom, q("select", sel), data, u))
	r := e.mustStatus(200, e.do("GET", p, dom, q("select", sel), nil, u, hdrs{"Accept": "application/octet-stream"}))
	if string(r.body) != string(data) {
		t.Fatalf("streamed fancy read differs (%d bytes, want %d)", len(r.body), len(data))
	}
	// points (0,0) and (1,1) were not written; (0,1) holds the second plane
	r = e.mustStatus(200, e.do("GET", p, dom, q("select", "[[0,1,0],[0,1,1],0:1,0:2]"), nil, u, hdrs{"Accept": "application/octet-stream"}))
	if got := i32s(r.body); fmt.Sprint(got) != fmt.Sprintf("[0 0 0 0 %d %d]", plane, plane+1) {
		t.Errorf("points (0,0), (1,1), (0,1): %v", got)
	}
}

// TestFancyVlen: paired coordinate lists on a variable-length dataset, read and written.
func TestFancyVlen(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	u := "test_user1"
	dom, _ := e.createDomain("fv.h5")
	typ := `{"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}`
	id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": `+typ+`, "shape": [3, 4], "creationProperties": {"layout": {"class": "H5D_CHUNKED", "dims": [2, 2]}}}`, u)).json(t)["id"].(string)
	p := "/datasets/" + id + "/value"
	e.mustStatus(200, e.do("PUT", p, dom, nil, `{"value": [["a", "b", "c", "d"], ["e", "f", "g", "h"], ["i", "j", "k", "l"]]}`, u))
	m := e.mustStatus(200, e.do("GET", p, dom, q("select", "[[0,2,1],[3,0,0]]"), nil, u)).json(t)
	if fmt.Sprint(m["value"]) != "[d i e]" {
		t.Errorf("GET %v", m["value"])
	}
	// repeated point (2,1): the last value wins
	e.mustStatus(200, e.do("PUT", p, dom, q("select", "[[2,0,2],[1,3,1]]"), `{"value": ["x", "", "z"]}`, u))
	m = e.mustStatus(200, e.do("GET", p, dom, nil, nil, u)).json(t)
	if fmt.Sprint(m["value"]) != "[[a b c 0] [e f g h] [i z k l]]" {
		t.Errorf("after the write %v", m["value"])
	}
	r := e.mustStatus(400, e.do("PUT", p, dom, q("select", "[[2,0],[1,3,1]]"), `{"value": ["x", "y"]}`, u))
	if !strings.Contains(string(r.body), "shape mismatch") {
		t.Errorf("unequal lists: %s", r.body)
	}
}
