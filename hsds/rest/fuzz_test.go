package rest

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
)

func FuzzParseBinaryPoints(f *testing.F) {
	seed := make([]byte, 16)
	binary.LittleEndian.PutUint64(seed, 3)
	binary.LittleEndian.PutUint64(seed[8:], 4)
	f.Add(seed, 2)
	f.Add([]byte{1, 2, 3}, 1)
	f.Add(bytes.Repeat([]byte{0xff}, 24), 3)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, b []byte, rank int) {
		pts, err := ParseBinaryPoints(b, rank)
		if err != nil {
			return
		}
		if rank <= 0 || len(pts)*rank*8 != len(b) {
			t.Fatalf("rank %d: %d points from %d bytes", rank, len(pts), len(b))
		}
		for i, p := range pts {
			if len(p) != rank {
				t.Fatalf("point %d has %d coordinates", i, len(p))
			}
			if got := binary.LittleEndian.Uint64(b[8*i*rank:]); int(got) != p[0] {
				t.Fatalf("point %d coordinate 0 = %d, bytes say %d", i, p[0], got)
			}
		}
	})
}

// FuzzValueBodies sends arbitrary value bodies (binary coordinates and JSON) through the
// server: the answer is never a panic or a 500.
func FuzzValueBodies(f *testing.F) {
	ctx := context.Background()
	st := store.NewMemory()
	if _, err := hdf.Create(ctx, st, testBucket, "/f", hdf.CreateOptions{Owner: "u", Folder: true}); err != nil {
		f.Fatal(err)
	}
	file, err := hdf.Create(ctx, st, testBucket, "/f/d.h5", hdf.CreateOptions{Owner: "u"})
	if err != nil {
		f.Fatal(err)
	}
	d, err := file.CreateDataset(ctx, file.RootID(), "x", hdf.DatasetSpec{Type: []byte(`"H5T_STD_I16LE"`), Dims: []int{6, 5}})
	if err != nil {
		f.Fatal(err)
	}
	vd, err := file.CreateVlenDataset(ctx, hdf.DatasetSpec{Type: []byte(`{"class":"H5T_STRING","charSet":"H5T_CSET_UTF8","strPad":"H5T_STR_NULLTERM","length":"H5T_VARIABLE"}`), Dims: []int{6, 5}}, nil)
	if err != nil {
		f.Fatal(err)
	}
	srv, err := New(Config{Store: st, Bucket: testBucket, Users: map[string]string{"u": "p"}})
	if err != nil {
		f.Fatal(err)
	}
	coords := make([]byte, 16)
	binary.LittleEndian.PutUint64(coords[8:], 4)
	f.Add(coords, true, "POST")
	f.Add([]byte(`{"points": [[1, 2], [5, 4]]}`), false, "POST")
	f.Add([]byte(`{"select": "[0:2,1]"}`), false, "POST")
	f.Add([]byte(`{"value": [[1, 2], [3, 4]], "select": "[0:2,0:2]"}`), false, "PUT")
	f.Add([]byte(`{"points": [[9, 9]], "value": [1]}`), false, "PUT")
	f.Add([]byte(`{"value_base64": "AAE="}`), false, "PUT")
	f.Add([]byte{1, 0, 2, 0}, true, "PUT")
	f.Add([]byte{1, 0, 0, 0, 'a', 0, 0, 0, 0}, true, "VPUT")
	f.Add([]byte(`{"value": [["a"], ["b"]]}`), false, "VPUT")
	f.Add([]byte(`{"points": [[1, 2]]}`), false, "VPOST")
	// paired coordinate lists in a body select
	f.Add([]byte(`{"select": "[[0,5,5],[4,0,0]]"}`), false, "POST")
	f.Add([]byte(`{"value": [7, 8], "select": "[[1,1],[2,2]]"}`), false, "PUT")
	f.Add([]byte(`{"value": ["a", "b", "c"], "select": "[[5,0,1],[0,4,4]]"}`), false, "VPUT")
	f.Add([]byte(`{"select": "[[0,1],[2,3,4]]"}`), false, "VPOST")
	f.Fuzz(func(t *testing.T, body []byte, bin bool, method string) {
		id := d.ID
		if strings.HasPrefix(method, "V") {
			id, method = vd.ID, method[1:]
		}
		if method != "PUT" {
			method = "POST"
		}
		req := httptest.NewRequest(method, "/datasets/"+id+"/value?domain=/f/d.h5&select=[0:2,0:1]", bytes.NewReader(body))
		req.SetBasicAuth("u", "p")
		if bin {
			req.Header.Set("Content-Type", "application/octet-stream")
		}
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { srv.ServeHTTP(rec, req); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s %q (binary %v): no answer within 5s", method, body, bin)
		}
		if rec.Code >= http.StatusInternalServerError {
			t.Fatalf("%s %q: %d %s", method, body, rec.Code, rec.Body.String())
		}
	})
}
