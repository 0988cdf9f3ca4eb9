package rest

import (
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
)

// TestHugeAttributeValuesAreRefused: an attribute body of a few bytes may declare a shape or a
// string length whose element bytes are huge; the value is refused (413) before it is expanded,
// and the same types without a value (H5S_NULL) are created.
func TestHugeAttributeValuesAreRefused(t *testing.T) {
	e := newEnv(t, store.NewMemory())
	dom, root := e.createDomain("hugeattr.h5")
	p := "/groups/" + root + "/attributes/"
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"a billion float64", `{"type": "H5T_IEEE_F64LE", "shape": [1000000000], "value": 1.5}`, 413},
		{"long fixed strings", `{"type": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 60000000}, "shape": [1000], "value": "x"}`, 413},
		{"overflowing shape", `{"type": "H5T_STD_I8LE", "shape": [9007199254740992, 9007199254740992], "value": 1}`, 400},
		{"null space of the same type", `{"type": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 60000000}, "shape": "H5S_NULL"}`, 201},
		{"small value", `{"type": "H5T_STD_I8LE", "shape": [3], "value": [1, 2, 3]}`, 201},
		{"huge without a value", `{"type": "H5T_IEEE_F64LE", "shape": [1000000000]}`, 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("PUT", p+tc.name, dom, nil, tc.body, "test_user1")
			if r.code != tc.want {
				t.Errorf("status %d, want %d: %.300s", r.code, tc.want, r.body)
			}
		})
	}
	// Reading the huge attribute's (null) value in binary, and writing it later, are bounded
	// the same way.
	if r := e.do("GET", p+"huge without a value/value", dom, nil, nil, "test_user1", hdrs{"Accept": "application/octet-stream"}); r.code != 413 {
		t.Errorf("binary GET value of the huge attribute: status %d, want 413: %.300s", r.code, r.body)
	}
	r := e.do("PUT", p+"huge without a value/value", dom, nil, `{"value": 1.5}`, "test_user1")
	if r.code != 413 {
		t.Errorf("PUT value of the huge attribute: status %d, want 413: %.300s", r.code, r.body)
	}
}
