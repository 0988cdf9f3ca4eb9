package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// peerValue is the test field written through the real HSDS: day k, cell (i, j).
func peerValue(k, i, j int) float32 {
	return float32(280 + 0.5*float64(k) + 0.01*float64(i) - 0.02*float64(j%97))
}

// TestPeerIncrementalGrowingAxis: a (time, lat, lon) domain written and then extended by a day by
// the real HSDS 0.9.4 (PUT shape, PUT value of the new day, as an appending client does), read by
// hsfan run --spec from HSDS's POSIX layout: the second run computes only the appended day, and
// its table equals a from-scratch run bit for bit and the means computed here from the values
// HSDS was given.
func TestPeerIncrementalGrowingAxis(t *testing.T) {
	p := hsdspeer.Shared(t)
	dom := hsdspeer.Home + "/grow15.h5"
	do := func(want int, method, path, body string, q url.Values) map[string]any {
		t.Helper()
		code, b := p.Do(t, hsdspeer.Request{Method: method, Path: path, Domain: dom, Body: []byte(body), Query: q})
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
	text := func(s string) string {
		return `{"type": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLTERM", "length": ` + itoa(len(s)) + `}, "value": "` + s + `"}`
	}
	root := do(201, "PUT", "/", "{}", nil)["root"].(string)
	mk := func(name, typ, shape, maxdims, chunks string) string {
		t.Helper()
		body := `{"type": ` + typ + `, "shape": ` + shape + `, "creationProperties": {"layout": {"class": "H5D_CHUNKED", "dims": ` + chunks + `}}, "link": {"id": "` + root + `", "name": "` + name + `"}`
		if maxdims != "" {
			body += `, "maxdims": ` + maxdims
		}
		return do(201, "POST", "/datasets", body+"}", nil)["id"].(string)
	}
	// 512 x 512 float32 is 1 MiB a day: HSDS keeps one day per chunk (it grows smaller chunks into
	// its 1-4 MiB window, and then an appended day would change the chunk of earlier days too).
	const days, nlat, nlon = 6, 512, 512
	tm := mk("time", `"H5T_IEEE_F64LE"`, "[6]", "[0]", "[1]")
	lat := mk("lat", `"H5T_IEEE_F32LE"`, "[512]", "", "[512]")
	lon := mk("lon", `"H5T_IEEE_F32LE"`, "[512]", "", "[512]")
	coord := func(n int, step float64) string {
		v := make([]string, n)
		for i := range v {
			v[i] = fmt.Sprint(-float64(n)/2*step + step*float64(i))
		}
		return "[" + strings.Join(v, ", ") + "]"
	}
	do(200, "PUT", "/datasets/"+lat+"/value", `{"value": `+coord(nlat, 0.25)+`}`, nil)
	do(200, "PUT", "/datasets/"+lon+"/value", `{"value": `+coord(nlon, 0.5)+`}`, nil)
	do(201, "PUT", "/datasets/"+tm+"/attributes/units", text("days since 2022-01-01"), nil)
	do(201, "PUT", "/datasets/"+tm+"/attributes/calendar", text("standard"), nil)
	for id, n := range map[string]string{tm: "time", lat: "lat", lon: "lon"} {
		do(201, "PUT", "/datasets/"+id+"/attributes/CLASS", text("DIMENSION_SCALE"), nil)
		do(201, "PUT", "/datasets/"+id+"/attributes/NAME", text(n), nil)
	}
	sst := mk("sst", `"H5T_IEEE_F32LE"`, "[6, 512, 512]", "[0, 512, 512]", "[1, 512, 512]")
	do(201, "PUT", "/datasets/"+sst+"/attributes/DIMENSION_LIST", `{"type": {"class": "H5T_VLEN", "base": {"class": "H5T_REFERENCE", "base": "H5T_STD_REF_OBJ"}}, "shape": [3], "value": [["datasets/`+tm+`"], ["datasets/`+lat+`"], ["datasets/`+lon+`"]]}`, nil)
	layout := do(200, "GET", "/datasets/"+sst, "", nil)["layout"].(map[string]any)["dims"].([]any)
	if layout[0].(float64) != 1 {
		t.Fatalf("HSDS chose chunks %v: want one day per chunk", layout)
	}
	writeDay := func(k int) {
		t.Helper()
		b := make([]byte, 4*nlat*nlon)
		for i := 0; i < nlat; i++ {
			for j := 0; j < nlon; j++ {
				binary.LittleEndian.PutUint32(b[4*(i*nlon+j):], math.Float32bits(peerValue(k, i, j)))
			}
		}
		q := url.Values{"select": {fmt.Sprintf("[%d:%d,:,:]", k, k+1)}}
		if code, body := p.Do(t, hsdspeer.Request{Method: "PUT", Path: "/datasets/" + sst + "/value", Domain: dom, Body: b, Binary: true, Query: q}); code != 200 {
			t.Fatalf("write day %d: %d %s", k, code, body)
		}
	}
	for k := 0; k < days; k++ {
		writeDay(k)
	}
	do(200, "PUT", "/datasets/"+tm+"/value", `{"value": [0, 1, 2, 3, 4, 5]}`, nil)
	p.Flush(t, dom)

	dir := t.TempDir()
	writeSpec := func(name string) string {
		f := filepath.Join(dir, name+".yaml")
		body := fmt.Sprintf("name: %s\nkind: reduce\nwindow:\n  range: 2022-01-01..2022-12-31\n  time_zone: UTC\nreduce:\n  op: mean\n  store: file://%s\n  bucket: %s\n  domain: %s\n  dataset: /sst\n  reduce: lat,lon\n  out: %s\n",
			name, p.Root, hsdspeer.Bucket, dom, filepath.Join(dir, "out-"+name))
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	grow := writeSpec("peer-grow")
	if code, out, errs := run(t, "run", "--spec", grow); code != 0 || !strings.Contains(out, "computed 6 steps") {
		t.Fatalf("first run: %d\n%s\n%s", code, out, errs)
	}
	// HSDS appends a day: PUT shape, then the new values.
	do(201, "PUT", "/datasets/"+tm+"/shape", `{"shape": [7]}`, nil)
	do(201, "PUT", "/datasets/"+sst+"/shape", `{"shape": [7, 512, 512]}`, nil)
	writeDay(6)
	do(200, "PUT", "/datasets/"+tm+"/value", `{"start": [6], "stop": [7], "value": [6]}`, nil)
	p.Flush(t, dom)
	if code, out, errs := run(t, "run", "--spec", grow); code != 0 || !strings.Contains(out, "computed 1 steps, reused 6") {
		t.Fatalf("after HSDS appended a day: %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := run(t, "run", "--spec", writeSpec("peer-fresh")); code != 0 || !strings.Contains(out, "computed 7 steps") {
		t.Fatalf("from scratch: %d\n%s\n%s", code, out, errs)
	}
	_, inc := readCatalogBucket(t, p.Root, hsdspeer.Bucket, "peer-grow")
	_, fresh := readCatalogBucket(t, p.Root, hsdspeer.Bucket, "peer-fresh")
	tablesEqual(t, inc, fresh)
	mean, _ := inc.Column("mean")
	for k := 0; k < days+1; k++ {
		var sum float64
		for i := 0; i < nlat; i++ {
			for j := 0; j < nlon; j++ {
				sum += float64(peerValue(k, i, j))
			}
		}
		if want := sum / (nlat * nlon); math.Abs(mean.Float64[k]-want) > 1e-12*want {
			t.Errorf("day %d: mean %v, want %v", k, mean.Float64[k], want)
		}
	}
}
