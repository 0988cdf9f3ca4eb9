package hdf

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// peerJSON sends a request to HSDS and decodes its response (Python's dialect) into raw members
// in internal form.
func peerJSON(t *testing.T, p *hsdspeer.Peer, method, path, domain string, params url.Values, body string) map[string]json.RawMessage {
	t.Helper()
	code, b := p.Do(t, hsdspeer.Request{Method: method, Path: path, Domain: domain, Query: params, Body: []byte(body)})
	if code >= 300 {
		t.Fatalf("HSDS answered %d %s", code, b)
	}
	var m map[string]json.RawMessage
	if err := pyjson.Unmarshal(b, &m); err != nil {
		t.Fatalf("HSDS response %s: %v", b, err)
	}
	return m
}

// peerFloats decodes a JSON value of numbers (nested lists) into float64s.
func peerFloats(t *testing.T, raw json.RawMessage) []float64 {
	t.Helper()
	v, err := pyjson.DecodeValue(raw)
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case float64:
			out = append(out, x)
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				t.Fatalf("number %s: %v", x, err)
			}
			out = append(out, f)
		default:
			t.Fatalf("value %s: %T is not a number", raw, v)
		}
	}
	walk(v)
	return out
}

// TestPeerNonFinite: what HSDS writes with NaN/±Inf (fill values, attributes on the root, a group
// and a dataset, a compound attribute, values) hdf reads with the right numbers, and what hdf
// writes HSDS reads with the right numbers.
func TestPeerNonFinite(t *testing.T) {
	p := hsdspeer.Shared(t)
	ctx := context.Background()
	st, err := store.NewPosix(p.Root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantA := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1.5}
	want32 := []float64{1.5, math.NaN(), math.Inf(-1), math.NaN(), math.NaN(), math.NaN()}

	t.Run("hdf reads what HSDS wrote", func(t *testing.T) {
		dom := hsdspeer.Home + "/nan_hdf_in.h5"
		root := string(peerJSON(t, p, "PUT", "/", dom, nil, "{}")["root"])
		root = strings.Trim(root, `"`)
		g := peerJSON(t, p, "POST", "/groups", dom, nil, `{"link": {"id": "`+root+`", "name": "g"}}`)["id"]
		var ids []string
		for _, c := range []struct{ name, typ, fill string }{{"f32", "H5T_IEEE_F32LE", "NaN"}, {"f64", "H5T_IEEE_F64LE", "Infinity"}, {"f64neg", "H5T_IEEE_F64LE", "-Infinity"}} {
			m := peerJSON(t, p, "POST", "/datasets", dom, nil, `{"type": "`+c.typ+`", "shape": [6], "creationProperties": {"fillValue": `+c.fill+`}, "link": {"id": "`+root+`", "name": "`+c.name+`"}}`)
			ids = append(ids, strings.Trim(string(m["id"]), `"`))
		}
		owners := []string{"/groups/" + root, "/groups/" + strings.Trim(string(g), `"`), "/datasets/" + ids[0]}
		for _, o := range owners {
			p.MustDo(t, "PUT", o+"/attributes/a", dom, `{"type": "H5T_IEEE_F64LE", "shape": [4], "value": [NaN, Infinity, -Infinity, 1.5]}`, nil)
			p.MustDo(t, "PUT", o+"/attributes/c", dom, `{"type": `+compoundXN+`, "value": [NaN, 3]}`, nil)
		}
		if code, b := p.Do(t, hsdspeer.Request{Method: "PUT", Path: "/datasets/" + ids[0] + "/value", Domain: dom, Query: map[string][]string{"select": {"[0:3]"}}, Body: []byte(`{"value": [1.5, NaN, -Infinity]}`)}); code != http.StatusOK {
			t.Fatalf("PUT value: %d %s", code, b)
		}
		p.Flush(t, dom)

		f, err := Open(ctx, st, hsdspeer.Bucket, dom)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range [][]float64{want32, {math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)},
			{math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)}} {
			d, err := f.Dataset(ctx, ids[i])
			if err != nil {
				t.Fatal(err)
			}
			raw, _, err := d.Read(ctx, selection.All(d.Dims), 0)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float64, 6)
			if err := toFloats(got, raw, d); err != nil {
				t.Fatal(err)
			}
			if !sameFloats(got, want) {
				t.Errorf("dataset %s = %v, want %v", ids[i], got, want)
			}
		}
		for _, o := range owners {
			id := o[strings.LastIndex(o, "/")+1:]
			attrs, err := f.ObjectAttributes(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got := attrFloats(t, attrs["a"]); !sameFloats(got, wantA) {
				t.Errorf("%s attribute a = %v, want %v", o, got, wantA)
			}
			checkCompoundNaN3(t, attrs["c"])
		}
		// A read-modify-write through hdf keeps HSDS's tokens.
		if err := f.SetAttribute(ctx, ids[0], "added", json.RawMessage(`"H5T_STD_I8LE"`), nil, 1); err != nil {
			t.Fatal(err)
		}
		key, _ := schema.ObjectKey(ids[0])
		b, _, err := st.Get(ctx, hsdspeer.Bucket, key)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"fillValue": NaN`, `"value": [NaN, Infinity, -Infinity, 1.5]`, `"value": [NaN, 3]`, `"added"`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("after adding an attribute, %s lacks %s: %s", key, want, b)
			}
		}
	})

	t.Run("HSDS reads what hdf wrote", func(t *testing.T) {
		dom := hsdspeer.Home + "/nan_hdf_out.h5"
		f, id32, gid := nonFiniteDomain(t, st, dom)
		f64, err := f.OpenDatasetPath(ctx, "/f64")
		if err != nil {
			t.Fatal(err)
		}
		m := peerJSON(t, p, "GET", "/datasets/"+id32, dom, nil, "")
		var cp map[string]json.RawMessage
		if err := json.Unmarshal(m["creationProperties"], &cp); err != nil {
			t.Fatal(err)
		}
		if got := peerFloats(t, cp["fillValue"]); len(got) != 1 || !math.IsNaN(got[0]) {
			t.Errorf("HSDS reads fillValue %s", cp["fillValue"])
		}
		if got := peerFloats(t, peerJSON(t, p, "GET", "/datasets/"+id32+"/value", dom, nil, "")["value"]); !sameFloats(got, want32) {
			t.Errorf("HSDS reads /f32 = %v, want %v", got, want32)
		}
		if got := peerFloats(t, peerJSON(t, p, "GET", "/datasets/"+f64.ID+"/value", dom, nil, "")["value"]); !sameFloats(got, []float64{math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)}) {
			t.Errorf("HSDS reads /f64 = %v", got)
		}
		for _, o := range []string{"/groups/" + f.RootID(), "/groups/" + gid, "/datasets/" + id32} {
			if got := peerFloats(t, peerJSON(t, p, "GET", o+"/attributes/a", dom, nil, "")["value"]); !sameFloats(got, wantA) {
				t.Errorf("HSDS reads %s attribute a = %v, want %v", o, got, wantA)
			}
			if got := peerFloats(t, peerJSON(t, p, "GET", o+"/attributes/c", dom, nil, "")["value"]); !sameFloats(got, []float64{math.NaN(), 3}) {
				t.Errorf("HSDS reads %s attribute c = %v", o, got)
			}
		}
	})
}

func toFloats(dst []float64, raw []byte, d *Dataset) error {
	return h5type.ToFloat64(dst, raw, d.Type)
}

// checkCompoundNaN3 checks that a compound {x float32, n int16} attribute holds (NaN, 3).
func checkCompoundNaN3(t *testing.T, a schema.Attribute) {
	t.Helper()
	typ, err := h5type.Parse(a.Type)
	if err != nil {
		t.Fatal(err)
	}
	v, err := pyjson.DecodeValue(a.Value)
	if err != nil {
		t.Fatal(err)
	}
	b, err := typ.EncodeValue(v, nil)
	if err != nil {
		t.Fatalf("compound value %s: %v", a.Value, err)
	}
	if len(b) != 6 || !math.IsNaN(float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))) || binary.LittleEndian.Uint16(b[4:]) != 3 {
		t.Errorf("compound value %s encodes as %x, want (NaN, 3)", a.Value, b)
	}
}
