package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// TestPeerCFConventions: the variables of testdata/cf_expected.py written by the real HSDS 0.9.4
// through its REST API, with the attribute forms a netCDF-4 file loaded into HSDS has (numeric
// attributes as 1-element arrays, text attributes as fixed-length strings, DIMENSION_LIST object
// references, CLASS/NAME on the scales), then read by hsfan run and get --decode from HSDS's POSIX
// layout: the answers are xarray's (cfExpected).
func TestPeerCFConventions(t *testing.T) {
	p := hsdspeer.Shared(t)
	dom := hsdspeer.Home + "/cf12.h5"
	do := func(want int, method, path, body string) map[string]any {
		t.Helper()
		code, b := p.Do(t, hsdspeer.Request{Method: method, Path: path, Domain: dom, Body: []byte(body)})
		if code != want {
			t.Fatalf("%s %s: %d %s", method, path, code, b)
		}
		var m map[string]any
		if len(b) > 0 {
			if err := pyjson.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s %s: %s: %v", method, path, b, err)
			}
		}
		return m
	}
	root := do(201, "PUT", "/", "{}")["root"].(string)
	mk := func(name, typ, shape, chunks, value string) string {
		t.Helper()
		id := do(201, "POST", "/datasets", `{"type": `+typ+`, "shape": `+shape+`, "creationProperties": {"layout": {"class": "H5D_CHUNKED", "dims": `+chunks+`}}, "link": {"id": "`+root+`", "name": "`+name+`"}}`)["id"].(string)
		do(200, "PUT", "/datasets/"+id+"/value", `{"value": `+value+`}`)
		return id
	}
	text := func(s string) string {
		return `{"type": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLTERM", "length": ` + itoa(len(s)) + `}, "value": "` + s + `"}`
	}
	num := func(typ, v string) string { return `{"type": "` + typ + `", "shape": [1], "value": [` + v + `]}` }
	attr := func(id, name, body string) { t.Helper(); do(201, "PUT", "/datasets/"+id+"/attributes/"+name, body) }
	dimList := func(ids ...string) string {
		refs := make([]string, len(ids))
		for i, id := range ids {
			refs[i] = `["datasets/` + id + `"]`
		}
		return `{"type": {"class": "H5T_VLEN", "base": {"class": "H5T_REFERENCE", "base": "H5T_STD_REF_OBJ"}}, "shape": [` + itoa(len(ids)) + `], "value": [` + strings.Join(refs, ", ") + `]}`
	}
	tm := mk("time", `"H5T_STD_I32LE"`, "[3]", "[3]", "[59, 365, 424]")
	attr(tm, "units", text("days since 2000-01-01"))
	attr(tm, "calendar", text("noleap"))
	lat := mk("lat", `"H5T_STD_I16LE"`, "[4]", "[4]", "[-6000, -2000, 2000, 6000]")
	attr(lat, "scale_factor", num("H5T_IEEE_F64LE", "0.01"))
	attr(lat, "units", text("degrees_north"))
	lon := mk("lon", `"H5T_IEEE_F32LE"`, "[3]", "[3]", "[0, 120, 240]")
	for id, n := range map[string]string{tm: "time", lat: "lat", lon: "lon"} {
		attr(id, "CLASS", text("DIMENSION_SCALE"))
		attr(id, "NAME", text(n))
	}
	raw := cfRawSST()
	vals := make([]string, len(raw))
	for i, v := range raw {
		vals[i] = itoa(int(v))
	}
	sst := mk("sst", `"H5T_STD_I16LE"`, "[3, 4, 3]", "[1, 4, 3]", "["+strings.Join(vals, ", ")+"]")
	attr(sst, "scale_factor", num("H5T_IEEE_F64LE", "0.01"))
	attr(sst, "add_offset", num("H5T_IEEE_F64LE", "20.0"))
	attr(sst, "_FillValue", num("H5T_STD_I16LE", "-32768"))
	attr(sst, "units", text("degrees_C"))
	attr(sst, "DIMENSION_LIST", dimList(tm, lat, lon))
	w := mk("w", `"H5T_STD_I16LE"`, "[4]", "[4]", "[2, 4, 6, 8]")
	attr(w, "scale_factor", num("H5T_IEEE_F64LE", "0.5"))
	attr(w, "DIMENSION_LIST", dimList(lat))
	flags := mk("flags", `"H5T_STD_I8LE"`, "[3, 3]", "[3, 3]", "[10, 20, -126, -56, -1, -20, 0, 5, -1]")
	attr(flags, "_FillValue", num("H5T_STD_I8LE", "-1"))
	attr(flags, "_Unsigned", text("true"))
	attr(flags, "DIMENSION_LIST", dimList(tm, lon))
	p.Flush(t, dom)
	checkCFDomain(t, p.Root, hsdspeer.Bucket, dom, sst, false)
}

func itoa(i int) string { return strconv.Itoa(i) }
