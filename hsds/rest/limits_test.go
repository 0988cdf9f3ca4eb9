package rest

import (
	"fmt"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
)

// TestHugeSelectionsAreRefused: requests whose selections are enormous (or whose byte size
// overflows int64) get a 413 or 400, never an out-of-memory crash or a 500, and a refused append
// leaves the dataset as it was.
func TestHugeSelectionsAreRefused(t *testing.T) {
	e := newEnv(t, store.NewMemory())
	dom, root := e.createDomain("huge.h5")
	mk := func(typ, shape, maxdims string) string {
		body := fmt.Sprintf(`{"type": %s, "shape": %s, "link": {"id": %q, "name": "d%s"}}`, typ, shape, root, fmt.Sprint(len(shape), len(maxdims)))
		if maxdims != "" {
			body = fmt.Sprintf(`{"type": %s, "shape": %s, "maxdims": %s, "link": {"id": %q, "name": "d%d"}}`, typ, shape, maxdims, root, len(shape)+len(maxdims))
		}
		return e.mustStatus(201, e.do("POST", "/datasets", dom, nil, body, "test_user1")).json(t)["id"].(string)
	}
	big := mk(`"H5T_IEEE_F64LE"`, "[100000, 100000]", "")
	over := mk(`"H5T_IEEE_F64LE"`, "[9007199254740992, 192]", "")
	vlen := mk(`{"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}`, "[2000000000]", "")
	ext := mk(`"H5T_STD_I32LE"`, "[4]", "[0]")
	for _, tc := range []struct {
		name, method, id string
		params           []string
		body             any
		want             int
	}{
		{"broadcast one value over 80 GB", "PUT", big, nil, `{"value": 1.5, "element_count": 1}`, 413},
		{"GET JSON overflowing int64", "GET", over, []string{"select", "[:,:]"}, nil, 413},
		{"GET binary overflowing int64 (streamed)", "GET", over, []string{"select", "[0:1,:]"}, nil, 200},
		{"POST select overflowing int64", "POST", over, nil, `{"select": "[:,:]"}`, 413},
		{"POST select on a huge vlen dataset", "POST", vlen, nil, `{"select": "[0:2000000000]"}`, 413},
		{"GET a huge vlen selection", "GET", vlen, []string{"select", "[0:2000000000]"}, nil, 413},
		{"append beyond 2^53", "PUT", ext, []string{"append", "4611686018427387904"}, `{"value": [1]}`, 400},
		{"append with a bad body", "PUT", ext, []string{"append", "2"}, `{"value": "not numbers"}`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, "/datasets/"+tc.id+"/value", dom, q(tc.params...), tc.body, "test_user1")
			if r.code != tc.want {
				t.Errorf("status %d, want %d: %.300s", r.code, tc.want, r.body)
			}
		})
	}
	// The refused appends changed nothing.
	shape := e.mustStatus(200, e.do("GET", "/datasets/"+ext+"/shape", dom, nil, nil, "test_user1")).json(t)["shape"].(map[string]any)
	if dims := fmt.Sprint(shape["dims"]); dims != "[4]" {
		t.Errorf("after refused appends the shape is %s, want [4]", dims)
	}
	// A good append lands after the existing rows.
	e.mustStatus(200, e.do("PUT", "/datasets/"+ext+"/value", dom, q("append", "2"), `{"value": [7, 8]}`, "test_user1"))
	v := e.mustStatus(200, e.do("GET", "/datasets/"+ext+"/value", dom, nil, nil, "test_user1")).json(t)["value"]
	if fmt.Sprint(v) != "[0 0 0 0 7 8]" {
		t.Errorf("after append: %v, want [0 0 0 0 7 8]", v)
	}
}
