package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// TestPeerNonFiniteCLI: hsfan ls, get and run on a domain the real HSDS wrote with NaN and
// Infinity in fill values, attributes (root, group, dataset, compound) and values.
func TestPeerNonFiniteCLI(t *testing.T) {
	p := hsdspeer.Shared(t)
	dom := hsdspeer.Home + "/cli_nan.h5"
	do := func(want int, method, path, body string, params ...string) map[string]any {
		t.Helper()
		q := map[string][]string{}
		for i := 0; i+1 < len(params); i += 2 {
			q[params[i]] = []string{params[i+1]}
		}
		code, b := p.Do(t, hsdspeer.Request{Method: method, Path: path, Domain: dom, Query: q, Body: []byte(body)})
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
	g := do(201, "POST", "/groups", `{"link": {"id": "`+root+`", "name": "g"}}`)["id"].(string)
	f32 := do(201, "POST", "/datasets", `{"type": "H5T_IEEE_F32LE", "shape": [6], "creationProperties": {"fillValue": NaN}, "link": {"id": "`+root+`", "name": "f32"}}`)["id"].(string)
	do(201, "POST", "/datasets", `{"type": "H5T_IEEE_F64LE", "shape": [2], "creationProperties": {"fillValue": -Infinity}, "link": {"id": "`+root+`", "name": "f64"}}`)
	for _, o := range []string{"/groups/" + root, "/groups/" + g, "/datasets/" + f32} {
		do(201, "PUT", o+"/attributes/a", `{"type": "H5T_IEEE_F64LE", "shape": [4], "value": [NaN, Infinity, -Infinity, 1.5]}`)
		do(201, "PUT", o+"/attributes/c", `{"type": {"class": "H5T_COMPOUND", "fields": [{"name": "x", "type": "H5T_IEEE_F32LE"}, {"name": "n", "type": "H5T_STD_I16LE"}]}, "value": [NaN, 3]}`)
	}
	do(200, "PUT", "/datasets/"+f32+"/value", `{"value": [1.5, NaN, 2.5]}`, "select", "[0:3]")
	hsdsValue := do(200, "GET", "/datasets/"+f32+"/value", "")["value"]
	p.Flush(t, dom)

	st := []string{"--store", "file://" + p.Root, "--bucket", hsdspeer.Bucket}
	with := func(args ...string) []string { return append(args, st...) }
	code, out, errs := run(t, with("ls", "-r", hsdspeer.Home)...)
	if code != 0 || !strings.Contains(out, "/home/test_user1/cli_nan.h5") || !strings.Contains(out, "float32 (6)") || !strings.Contains(out, "float64 (2)") {
		t.Errorf("ls -r: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = run(t, with("get", "--domain", dom, "--dataset", "/f32", "--format", "json")...)
	var doc map[string]any
	if code != 0 || pyjson.Unmarshal([]byte(out), &doc) != nil {
		t.Fatalf("get json: exit %d %q %s", code, out, errs)
	}
	if a, b := floatsOf(t, doc["value"]), floatsOf(t, hsdsValue); !sameFloats(a, b) || len(a) != 6 {
		t.Errorf("get json = %v, HSDS GET value = %v", a, b)
	}
	code, out, errs = run(t, with("get", "--domain", dom, "--dataset", "/f64", "--format", "csv")...)
	if code != 0 || out != "dim0_index,f64\n0,-Infinity\n1,-Infinity\n" {
		t.Errorf("get csv: exit %d %q %s", code, out, errs)
	}
	outDir := filepath.Join(t.TempDir(), "out")
	code, out, errs = run(t, with("run", "mean", "--domain", dom, "--dataset", "/f32", "--name", "m", "--no-plot", "--out", outDir)...)
	if code != 0 {
		t.Fatalf("run mean: exit %d\n%s%s", code, out, errs)
	}
	b, err := os.ReadFile(filepath.Join(outDir, "m.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Columns map[string][]float64 `json:"columns"`
	}
	if err := json.Unmarshal(b, &res); err != nil || len(res.Columns["mean"]) != 1 || res.Columns["mean"][0] != 2 {
		t.Errorf("run mean output %s (%v), want a mean of 2 (NaN and the NaN fill skipped)", b, err)
	}
}

// floatsOf flattens a decoded JSON value of numbers (pyjson sentinels as float64 NaN/±Inf).
func floatsOf(t *testing.T, v any) []float64 {
	t.Helper()
	var out []float64
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			out = append(out, floatsOf(t, e)...)
		}
	case float64:
		out = append(out, x)
	case string:
		f, ok := pyjson.Float(x)
		if !ok {
			t.Fatalf("%q is not a number", x)
		}
		out = append(out, f)
	default:
		t.Fatalf("%T %v is not a number", v, v)
	}
	return out
}

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}
