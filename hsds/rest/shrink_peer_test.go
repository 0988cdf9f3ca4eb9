package rest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// TestPeerShrinkThenExtendReadsFill (issue 9, class 4): side by side with HSDS 0.9.4, data cut by
// a shrink reads as the fill value once the dataset grows again (HSDS dset_lib.py reduceShape
// resets edge chunks and deletes the others), through PUT shape and through an extend, and a
// write beyond the shrunk extent is refused the same way.
func TestPeerShrinkThenExtendReadsFill(t *testing.T) {
	p := hsdspeer.Shared(t)
	st, err := store.Open(context.Background(), "file://"+p.Root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: st, Bucket: hsdspeer.Bucket, Users: hsdspeer.Users, Admins: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	results := map[string][][]byte{}
	codes := map[string][]int{}
	for _, s := range []side{{"hsds", p.URL, &http.Client{}}, {"hsfan", ts.URL, ts.Client()}} {
		dom := hsdspeer.Home + "/shrink-" + s.name + ".h5"
		s.mustDo(t, 201, hsdspeer.Request{Method: "PUT", Path: "/", Query: domQ(dom)})
		b := s.mustDo(t, 201, hsdspeer.Request{Method: "POST", Path: "/datasets", Query: domQ(dom),
			Body: []byte(`{"type": "H5T_STD_I32LE", "shape": [10], "maxdims": [0], "creationProperties": {"fillValue": 7, "layout": {"class": "H5D_CHUNKED", "dims": [4]}}}`)})
		var m struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		data := make([]byte, 40)
		for i := range 10 {
			binary.LittleEndian.PutUint32(data[4*i:], uint32(100+i))
		}
		val := "/datasets/" + m.ID + "/value"
		shape := "/datasets/" + m.ID + "/shape"
		read := func() {
			results[s.name] = append(results[s.name], s.mustDo(t, 200, hsdspeer.Request{Method: "GET", Path: val, Query: domQ(dom), Accept: true}))
		}
		s.mustDo(t, 200, hsdspeer.Request{Method: "PUT", Path: val, Query: domQ(dom), Body: data, Binary: true})
		s.mustDo(t, 201, hsdspeer.Request{Method: "PUT", Path: shape, Query: domQ(dom), Body: []byte(`{"shape": [3]}`)})
		c, _ := s.do(t, hsdspeer.Request{Method: "PUT", Path: val, Query: domQ(dom, "select", "[5:6]"), Body: data[:4], Binary: true})
		codes[s.name] = append(codes[s.name], c)
		s.mustDo(t, 201, hsdspeer.Request{Method: "PUT", Path: shape, Query: domQ(dom), Body: []byte(`{"shape": [10]}`)})
		read()
		s.mustDo(t, 201, hsdspeer.Request{Method: "PUT", Path: shape, Query: domQ(dom), Body: []byte(`{"shape": [6]}`)})
		s.mustDo(t, 201, hsdspeer.Request{Method: "PUT", Path: shape, Query: domQ(dom), Body: []byte(`{"extend": 4, "extend_dim": 0}`)})
		read()
	}
	for i := range results["hsds"] {
		if !bytes.Equal(results["hsds"][i], results["hsfan"][i]) {
			t.Errorf("read %d: hsds %v, hsfan %v", i, i32s(results["hsds"][i]), i32s(results["hsfan"][i]))
		}
	}
	if got := i32s(results["hsfan"][0]); got[3] != 7 || got[9] != 7 || got[2] != 102 {
		t.Errorf("after shrink to 3 and growth to 10: %v, want 100 101 102 then fill 7", got)
	}
	t.Logf("hsds: write beyond %d, reads %v %v", codes["hsds"][0], i32s(results["hsds"][0]), i32s(results["hsds"][1]))
	if codes["hsds"][0] != codes["hsfan"][0] {
		t.Errorf("write beyond the shrunk extent: hsds %d, hsfan %d", codes["hsds"][0], codes["hsfan"][0])
	}
}
