package rest

import (
	"context"
	"encoding/binary"
	"math"
	"net/http"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/s3test"
)

// TestH5pydOpenModes replays hsds-format 2.10 "Opening a file" for modes w, a and r.
func TestH5pydOpenModes(t *testing.T) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, mk(t))
			dom := "/home/test_user1/open.h5"
			u := "test_user1"
			// mode w: GET (404) -> PUT with CreateOrder -> GET root group.
			e.mustStatus(404, e.do("GET", "/", dom, q("getdnids", "1", "bucket", testBucket), nil, u))
			m := e.mustStatus(201, e.do("PUT", "/", dom, nil, `{"group": {"creationProperties": {"CreateOrder": 1}}}`, u)).json(t)
			root := m["root"].(string)
			g := e.mustStatus(200, e.do("GET", "/groups/"+root, dom, nil, nil, u)).json(t)
			if g["id"] != root || g["linkCount"].(float64) != 0 || len(g["hrefs"].([]any)) != 5 {
				t.Errorf("root group %v", g)
			}
			if cp, _ := g["creationProperties"].(map[string]any); cp["CreateOrder"] != float64(1) {
				t.Errorf("root creationProperties %v", g["creationProperties"])
			}
			// mode w again: the existing domain is deleted first, then re-created.
			e.mustStatus(200, e.do("GET", "/", dom, q("getdnids", "1"), nil, u))
			e.mustStatus(200, e.do("DELETE", "/", dom, nil, nil, u))
			e.mustStatus(410, e.do("GET", "/", dom, q("getdnids", "1"), nil, u))
			root = e.mustStatus(201, e.do("PUT", "/", dom, nil, `{}`, u)).json(t)["root"].(string)
			// mode a: GET domain, GET /acls/{user}, GET /acls/default (none on a domain -> 404).
			e.mustStatus(200, e.do("GET", "/", dom, q("getdnids", "1"), nil, u))
			acl := e.mustStatus(200, e.do("GET", "/acls/"+u, dom, nil, nil, u)).json(t)["acl"].(map[string]any)
			if acl["update"] != true || acl["userName"] != u {
				t.Errorf("acl %v", acl)
			}
			e.mustStatus(404, e.do("GET", "/acls/default", dom, nil, nil, u))
			// mode r: getobjs prefetch carries the root group.
			m = e.mustStatus(200, e.do("GET", "/", dom, q("getdnids", "1", "getobjs", "T", "include_attrs", "T"), nil, u)).json(t)
			if objs := m["domain_objs"].(map[string]any); objs[root] == nil {
				t.Errorf("domain_objs %v", objs)
			}
		})
	}
}

// TestHsloadSequence replays hsload's per-object requests (hsds-format 2.10) and checks the data
// through hdf.Dataset.Read and the store layout.
func TestHsloadSequence(t *testing.T) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) { hsloadSequence(t, mk(t)) })
	}
}

// TestS3 runs the hsload sequence and the value family over a real S3 server (versitygw).
func TestS3(t *testing.T) {
	if testing.Short() {
		t.Skip("starts versitygw")
	}
	srv := s3test.Start(t)
	srv.CreateBucket(t, testBucket)
	st := srv.Store(t)
	t.Run("hsload", func(t *testing.T) { hsloadSequence(t, st) })
	t.Run("values", func(t *testing.T) { valuesFamily(t, st) })
}

func hsloadSequence(t *testing.T, st store.Store) {
	{
		{
			e := newEnv(t, st)
			u := "test_user1"
			dom, root := e.createDomain("load.h5")
			e.mustStatus(404, e.do("GET", "/groups/"+root+"/links/temp", dom, nil, nil, u))
			body := `{"type": {"class": "H5T_FLOAT", "base": "H5T_IEEE_F32LE"}, "shape": [8, 6], "maxdims": [8, 6],
				"creationProperties": {"layout": {"class": "H5D_CHUNKED", "dims": [4, 3]}, "fillTime": "H5D_FILL_TIME_ALLOC",
				"filters": [{"class": "H5Z_FILTER_SHUFFLE", "id": 2}, {"class": "H5Z_FILTER_DEFLATE", "id": 1, "level": 6}]}}`
			m := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, body, u)).json(t)
			id := m["id"].(string)
			if m["attributeCount"].(float64) != 0 || m["layout"] != nil {
				t.Errorf("POST dataset %v", m)
			}
			m = e.mustStatus(200, e.do("GET", "/datasets/"+id, dom, nil, nil, u)).json(t)
			layout := m["layout"].(map[string]any)
			if layout["class"] != "H5D_CHUNKED" || len(layout["dims"].([]any)) != 2 {
				t.Fatalf("layout %v", layout)
			}
			cp := m["creationProperties"].(map[string]any)
			if cp["fillTime"] != "H5D_FILL_TIME_ALLOC" {
				t.Errorf("creationProperties %v", cp)
			}
			filters := cp["filters"].([]any)
			if f := filters[1].(map[string]any); f["name"] != "gzip" || f["class"] != "H5Z_FILTER_DEFLATE" {
				t.Errorf("filters %v", filters)
			}
			// Small request dims are expanded by the server: [4,3] on [8,6] becomes the whole space.
			if d := layout["dims"].([]any); d[0].(float64) != 8 || d[1].(float64) != 6 {
				t.Errorf("chunk dims %v", d)
			}
			e.mustStatus(201, e.do("PUT", "/groups/"+root+"/links/temp", dom, nil, `{"id": "`+id+`"}`, u))
			e.mustStatus(201, e.do("POST", "/groups", dom, nil, `{"link": {"id": "`+root+`", "name": "grp"}}`, u))
			e.mustStatus(201, e.do("PUT", "/datasets/"+id+"/attributes/units", dom, nil,
				`{"type": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 5}, "shape": {"class": "H5S_SCALAR"}, "value": "meter"}`, u))
			// One binary PUT per source chunk.
			want := make([]float32, 48)
			for i := range want {
				want[i] = float32(i) * 1.5
			}
			for half := 0; half < 2; half++ {
				buf := make([]byte, 24*4)
				for i := 0; i < 24; i++ {
					binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(want[half*24+i]))
				}
				sel := "[0:4,0:6]"
				if half == 1 {
					sel = "[4:8,0:6]"
				}
				e.mustStatus(200, e.do("PUT", "/datasets/"+id+"/value", dom, q("select", sel), buf, u))
			}
			e.mustStatus(204, e.do("PUT", "/", dom, q("flush", "1"), nil, u))
			// Read back through the engine.
			ctx := context.Background()
			f, err := hdf.Open(ctx, e.st, testBucket, dom)
			if err != nil {
				t.Fatal(err)
			}
			ds, err := f.OpenDatasetPath(ctx, "/temp")
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := ds.Read(ctx, selection.All(ds.Dims), 0)
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range want {
				if v := math.Float32frombits(binary.LittleEndian.Uint32(got[4*i:])); v != w {
					t.Fatalf("element %d = %v, want %v", i, v, w)
				}
			}
			// And directly from the store layout: one blosc chunk at db/<A>/d/<B>/0_0.
			key := schema.DatasetPrefix(id) + "0_0"
			raw, _, err := e.st.Get(ctx, testBucket, key)
			if err != nil {
				t.Fatalf("chunk key %s: %v", key, err)
			}
			if raw[0] != 2 || raw[2]&0xe0 != 3<<5 {
				t.Errorf("chunk is not a blosc zlib frame: % x", raw[:16])
			}
			dec, err := ds.Pipeline.Decode(nil, raw, ds.ChunkBytes())
			if err != nil {
				t.Fatal(err)
			}
			if v := math.Float32frombits(binary.LittleEndian.Uint32(dec[4*47:])); v != want[47] {
				t.Errorf("stored chunk element 47 = %v", v)
			}
			a := e.mustStatus(200, e.do("GET", "/datasets/"+id+"/attributes/units", dom, nil, nil, u)).json(t)
			if a["value"] != "meter" {
				t.Errorf("attribute %v", a)
			}
			_ = http.StatusOK
		}
	}
}
