package reduce

import (
	"math"
	"testing"

	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// TestPeerNaNFill runs reductions over a domain the real HSDS wrote the way xarray data looks:
// float data and coordinates with fillValue NaN and a _FillValue NaN attribute, missing values
// written as NaN and a row never written (all fill).
func TestPeerNaNFill(t *testing.T) {
	p := hsdspeer.Shared(t)
	dom := hsdspeer.Home + "/xr.h5"
	must := func(want int, method, path, body string, params ...string) []byte {
		t.Helper()
		q := map[string][]string{}
		for i := 0; i+1 < len(params); i += 2 {
			q[params[i]] = []string{params[i+1]}
		}
		code, b := p.Do(t, hsdspeer.Request{Method: method, Path: path, Domain: dom, Query: q, Body: []byte(body)})
		if code != want {
			t.Fatalf("%s %s: %d %s", method, path, code, b)
		}
		return b
	}
	root := idOf(t, must(201, "PUT", "/", "{}"), "root")
	str := `{"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}`
	mk := func(name, typ, shape string) string {
		id := idOf(t, must(201, "POST", "/datasets", `{"type": "`+typ+`", "shape": `+shape+`, "creationProperties": {"fillValue": NaN}, "link": {"id": "`+root+`", "name": "`+name+`"}}`), "id")
		must(201, "PUT", "/datasets/"+id+"/attributes/_FillValue", `{"type": "`+typ+`", "value": NaN}`)
		return id
	}
	tm := mk("time", "H5T_IEEE_F64LE", "[3]")
	must(201, "PUT", "/datasets/"+tm+"/attributes/units", `{"type": `+str+`, "value": "days since 2022-01-01"}`)
	must(200, "PUT", "/datasets/"+tm+"/value", `{"value": [0, 1, 2]}`)
	x := mk("x", "H5T_IEEE_F64LE", "[4]")
	must(200, "PUT", "/datasets/"+x+"/value", `{"value": [10, 20, 30, 40]}`)
	sst := mk("sst", "H5T_IEEE_F32LE", "[3, 4]")
	must(201, "PUT", "/datasets/"+sst+"/attributes/DIMENSION_LABELS", `{"type": `+str+`, "shape": [2], "value": ["time", "x"]}`)
	must(200, "PUT", "/datasets/"+sst+"/value", `{"value": [[1, 2, NaN, 4], [5, NaN, 7, 8]]}`, "select", "[0:2, :]")
	p.Flush(t, dom)

	st, err := store.NewPosix(p.Root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{Store: "file://" + p.Root, Bucket: hsdspeer.Bucket, Domain: dom, Dataset: "/sst", Op: "mean", Reduce: []string{"x"}}
	out := runJob(t, st, spec, nil)
	// NaN-skipping means of the rows as written (numpy.nanmean); the unwritten row has no value.
	want := []float64{(1 + 2 + 4) / 3.0, (5 + 7 + 8) / 3.0, math.NaN()}
	got := out.Result.Value
	if len(got) != 3 {
		t.Fatalf("means %v, want %v", got, want)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 || math.IsNaN(got[i]) != math.IsNaN(want[i]) {
			t.Errorf("mean of row %d = %v, want %v", i, got[i], want[i])
		}
	}
	if col, ok := out.Table.Column("time"); !ok || len(col.String) != 3 || col.String[2] != "2022-01-03" {
		t.Errorf("time column %+v, want dates from the NaN-filled time coordinate", col)
	}
	spec.Reduce = nil
	if all := runJob(t, st, spec, nil).Result.Value; len(all) != 1 || math.Abs(all[0]-27.0/6) > 1e-12 {
		t.Errorf("mean of everything = %v, want %v", all, 27.0/6)
	}
}

// idOf returns a string member of an HSDS JSON response.
func idOf(t *testing.T, body []byte, key string) string {
	t.Helper()
	var m map[string]any
	if err := pyjson.Unmarshal(body, &m); err != nil {
		t.Fatalf("response %s: %v", body, err)
	}
	s, _ := m[key].(string)
	if s == "" {
		t.Fatalf("no %s in %s", key, body)
	}
	return s
}
