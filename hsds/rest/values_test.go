package rest

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/codec"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

func i32s(b []byte) []int32 {
	out := make([]int32, len(b)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func TestValues(t *testing.T) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) { valuesFamily(t, mk(t)) })
	}
}

func valuesFamily(t *testing.T, st store.Store) {
	{
		{
			e := newEnv(t, st)
			u := "test_user1"
			dom, _ := e.createDomain("v.h5")
			id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil,
				`{"type": "H5T_STD_I32LE", "shape": [10, 8], "h5path": "/int2d", "creationProperties": {"fillValue": 7}}`, u)).json(t)["id"].(string)
			p := "/datasets/" + id + "/value"
			// Unwritten data reads as the fill value.
			r := e.mustStatus(200, e.do("GET", p, dom, q("select", "[0:2,0:2]"), nil, u))
			if string(r.body[:26]) != `{"status": 200, "value": [` {
				t.Errorf("JSON value starts %q", r.body[:30])
			}
			if m := r.json(t); fmt.Sprint(m["value"]) != "[[7 7] [7 7]]" || len(m["hrefs"].([]any)) != 4 {
				t.Errorf("fill read %v", m)
			}
			// JSON write of a block, then binary and JSON reads agree.
			e.mustStatus(200, e.do("PUT", p, dom, nil, `{"start": [1, 2], "stop": [3, 5], "value": [[1, 2, 3], [4, 5, 6]]}`, u))
			bin := e.mustStatus(200, e.do("GET", p, dom, q("select", "[0:4,1:6]"), nil, u, hdrs{"Accept": "application/octet-stream"}))
			if bin.hdr.Get("Content-Type") != "application/octet-stream" || bin.hdr.Get("Content-Length") != "80" {
				t.Errorf("binary headers %v", bin.hdr)
			}
			js := e.mustStatus(200, e.do("GET", p, dom, q("select", "[0:4,1:6]"), nil, u)).json(t)
			var flat []int32
			for _, row := range js["value"].([]any) {
				for _, v := range row.([]any) {
					flat = append(flat, int32(v.(float64)))
				}
			}
			if fmt.Sprint(flat) != fmt.Sprint(i32s(bin.body)) {
				t.Errorf("JSON %v != binary %v", flat, i32s(bin.body))
			}
			if fmt.Sprint(flat[5:10]) != "[7 1 2 3 7]" {
				t.Errorf("row 1 = %v", flat[5:10])
			}
			// value_base64 and select in the body; element_count broadcast over a binary body.
			b := make([]byte, 8)
			binary.LittleEndian.PutUint32(b, 100)
			binary.LittleEndian.PutUint32(b[4:], 101)
			e.mustStatus(200, e.do("PUT", p, dom, nil, `{"select": "[9,0:2]", "value_base64": "`+base64.StdEncoding.EncodeToString(b)+`"}`, u))
			one := make([]byte, 4)
			binary.LittleEndian.PutUint32(one, 55)
			e.mustStatus(200, e.do("PUT", p, dom, q("select", "[8,0:8]", "element_count", "1"), one, u))
			got := i32s(e.mustStatus(200, e.do("GET", p, dom, q("select", "[8:10,0:3]"), nil, u, hdrs{"Accept": "application/octet-stream"})).body)
			if fmt.Sprint(got) != "[55 55 55 100 101 7]" {
				t.Errorf("base64/broadcast rows %v", got)
			}
			// Point writes and reads, JSON and binary coordinates.
			e.mustStatus(200, e.do("PUT", p, dom, nil, `{"points": [[0, 0], [5, 7]], "value": [-1, -2]}`, u))
			m := e.mustStatus(200, e.do("POST", p, dom, nil, `{"points": [[5, 7], [0, 0], [1, 2]]}`, u)).json(t)
			if fmt.Sprint(m["value"]) != "[-2 -1 1]" || m["status"] != nil {
				t.Errorf("POST points %v", m)
			}
			coords := make([]byte, 32)
			binary.LittleEndian.PutUint64(coords[0:], 5)
			binary.LittleEndian.PutUint64(coords[8:], 7)
			binary.LittleEndian.PutUint64(coords[16:], 2)
			binary.LittleEndian.PutUint64(coords[24:], 4)
			r = e.mustStatus(200, e.do("POST", p, dom, nil, coords, u, hdrs{"Accept": "application/octet-stream"}))
			if fmt.Sprint(i32s(r.body)) != "[-2 6]" {
				t.Errorf("binary points %v", i32s(r.body))
			}
			m = e.mustStatus(200, e.do("POST", p, dom, nil, `{"select": "[1,2:5]"}`, u)).json(t)
			if fmt.Sprint(m["value"]) != "[[1 2 3]]" {
				t.Errorf("POST select %v", m)
			}
			// reduce_dim squeezes single-index dimensions (JSON only).
			m = e.mustStatus(200, e.do("GET", p, dom, q("select", "[1,2:5]", "reduce_dim", "1"), nil, u)).json(t)
			if fmt.Sprint(m["value"]) != "[1 2 3]" {
				t.Errorf("reduce_dim %v", m)
			}
			// Bad requests name the problem.
			for _, c := range []struct {
				method, sel string
				body        any
				want        string
			}{
				{"GET", "[0:11,0:2]", nil, "Invalid selection"},
				{"GET", "[0:2]", nil, "rank"},
				{"GET", "[3:3,0:1]", nil, "Invalid selection"},
				{"PUT", "", `{"value": [1, 2, 3], "select": "[0:2,0:2]"}`, "value"},
				{"PUT", "", `{"value": "x"`, "invalid JSON"},
				{"PUT", "[0:2,0:2]", []byte{1, 2, 3}, "bytes"},
				{"POST", "", `{"points": [[10, 0]]}`, "out of range"},
				{"POST", "", []byte{1, 2, 3}, "binary points"},
			} {
				params := q()
				if c.sel != "" {
					params = q("select", c.sel)
				}
				r := e.do(c.method, p, dom, params, c.body, u)
				if r.code != 400 || !strings.Contains(string(r.body), c.want) {
					t.Errorf("%s %s %v: %d %s", c.method, c.sel, c.body, r.code, r.body)
				}
			}
			// Unknown and malformed ids.
			e.mustStatus(400, e.do("GET", "/datasets/d-bad/value", dom, nil, nil, u))
			e.mustStatus(404, e.do("GET", "/datasets/d-00000000-00000000-0000-000000-000000/value", dom, nil, nil, u))
		}
	}
}

func TestValueLimits(t *testing.T) {
	st := backends(t)["mem"](t)
	e := newEnv(t, st)
	e.srv.cfg.MaxRequestBytes = 1000
	u := "test_user1"
	dom, _ := e.createDomain("big.h5")
	id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_IEEE_F64LE", "shape": [100, 10]}`, u)).json(t)["id"].(string)
	p := "/datasets/" + id + "/value"
	// JSON over the limit is 413 (h5pyd pages); binary is streamed instead.
	e.mustStatus(413, e.do("GET", p, dom, nil, nil, u))
	r := e.mustStatus(200, e.do("GET", p, dom, nil, nil, u, hdrs{"Accept": "application/octet-stream"}))
	if len(r.body) != 8000 {
		t.Errorf("streamed %d bytes", len(r.body))
	}
	e.mustStatus(200, e.do("GET", p, dom, q("select", "[0:10,:]"), nil, u))
	// Under Lambda there is no streaming: the halved limit applies.
	e.mustStatus(413, e.do("GET", p, dom, nil, nil, u, hdrs{"Accept": "application/octet-stream", "User-Agent": "AWSLambda"}))
	e.mustStatus(413, e.do("PUT", p, dom, nil, make([]byte, 2000), u))
}

func TestStreamPages(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	u := "test_user1"
	dom, _ := e.createDomain("s.h5")
	id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": "H5T_STD_I32LE", "shape": [3000, 1500]}`, u)).json(t)["id"].(string)
	p := "/datasets/" + id + "/value"
	vals := make([]int32, 1500)
	for i := range vals {
		vals[i] = int32(i)
	}
	b, _ := json.Marshal(vals)
	e.mustStatus(200, e.do("PUT", p, dom, nil, `{"select": "[2999,:]", "value": `+string(b)+`}`, u))
	// 3000*1500*4 = 18 MB > one stream page; strided rows keep their values.
	r := e.mustStatus(200, e.do("GET", p, dom, q("select", "[1:3000:2,0:1500]"), nil, u, hdrs{"Accept": "application/octet-stream"}))
	if len(r.body) != 1500*1500*4 {
		t.Fatalf("got %d bytes", len(r.body))
	}
	last := i32s(r.body[len(r.body)-6000:])
	if last[0] != 0 || last[1499] != 1499 {
		t.Errorf("last row %v..%v", last[0], last[1499])
	}
}

func TestCompoundFieldsAndHeaders(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	u := "test_user1"
	dom, _ := e.createDomain("cmp.h5")
	typ := `{"class": "H5T_COMPOUND", "fields": [{"name": "a", "type": "H5T_STD_I16LE"}, {"name": "b", "type": "H5T_IEEE_F32LE"},
		{"name": "s", "type": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 3}}]}`
	// Domain and bucket from headers instead of params.
	h := hdrs{"X-Hdf-domain": dom, "X-Hdf-bucket": testBucket}
	id := e.mustStatus(201, e.do("POST", "/datasets", "", nil, `{"type": `+typ+`, "shape": [2]}`, u, h)).json(t)["id"].(string)
	p := "/datasets/" + id + "/value"
	e.mustStatus(200, e.do("PUT", p, "", nil, `{"value": [[1, 1.5, "ab"], [-2, 2.5, "xyz"]]}`, u, h))
	// The packed binary layout of hsds-format 1.8.
	r := e.mustStatus(200, e.do("GET", p, "", nil, nil, u, h, hdrs{"Accept": "application/octet-stream"}))
	if got := fmt.Sprintf("%x", r.body); got != "01000000c03f616200feff0000204078797a" {
		t.Errorf("compound bytes %s", got)
	}
	m := e.mustStatus(200, e.do("GET", p, "", q("fields", "b:s"), nil, u, h)).json(t)
	if fmt.Sprint(m["value"]) != "[[1.5 ab] [2.5 xyz]]" {
		t.Errorf("fields %v", m["value"])
	}
	e.mustStatus(400, e.do("GET", p, "", q("fields", "nope"), nil, u, h))
	e.mustStatus(401, e.do("GET", p, "", nil, nil, "", h, hdrs{"Authorization": "Bearer abc"}))
	e.mustStatus(404, e.do("GET", p, "", q("bucket", "otherbucket"), nil, u, hdrs{"X-Hdf-domain": dom}))
}

func TestVlenValues(t *testing.T) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, mk(t))
			u := "test_user1"
			dom, _ := e.createDomain("vlen.h5")
			typ := `{"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}`
			id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": `+typ+`, "shape": [5], "creationProperties": {"filters": ["zstd"]}}`, u)).json(t)["id"].(string)
			p := "/datasets/" + id + "/value"
			e.mustStatus(200, e.do("PUT", p, dom, q("select", "[1:4]"), `{"value": ["a", "héllo", ""]}`, u))
			// Binary read: the length-prefixed form of hsds-format 1.8.
			r := e.mustStatus(200, e.do("GET", p, dom, q("select", "[1:4]"), nil, u, hdrs{"Accept": "application/octet-stream"}))
			if got := fmt.Sprintf("%x", r.body); got != "0100000061"+"0600000068c3a96c6c6f"+"00000000" {
				t.Errorf("vlen binary %s", got)
			}
			m := e.mustStatus(200, e.do("GET", p, dom, nil, nil, u)).json(t)
			if fmt.Sprint(m["value"]) != "[0 a héllo 0 0]" {
				t.Errorf("vlen JSON %v", m["value"])
			}
			// Binary write of two elements, then points.
			body := []byte{2, 0, 0, 0, 'x', 'y', 1, 0, 0, 0, 'z'}
			e.mustStatus(200, e.do("PUT", p, dom, q("select", "[3:5]"), body, u))
			m = e.mustStatus(200, e.do("POST", p, dom, nil, `{"points": [4, 3, 2]}`, u)).json(t)
			if fmt.Sprint(m["value"]) != "[z xy héllo]" {
				t.Errorf("vlen points %v", m["value"])
			}
			e.mustStatus(400, e.do("PUT", p, dom, q("select", "[0:2]"), []byte{9, 0, 0, 0, 'x'}, u))
			// The chunk in the store is a blosc zstd frame of the five length-prefixed elements.
			raw, _, err := e.st.Get(context.Background(), testBucket, schema.DatasetPrefix(id)+"0")
			if err != nil {
				t.Fatal(err)
			}
			if raw[0] != 2 || raw[2]>>5 != 4 {
				t.Errorf("vlen chunk is not a blosc zstd frame: % x", raw[:4])
			}
			dec, err := codec.Pipeline{Compressor: "zstd", ItemSize: 1}.Decode(nil, raw, int(binary.LittleEndian.Uint32(raw[4:8])))
			if err != nil || fmt.Sprintf("%x", dec) != "00000000"+"0100000061"+"0600000068c3a96c6c6f"+"020000007879"+"010000007a" {
				t.Errorf("vlen chunk %x %v", dec, err)
			}
		})
	}
}
