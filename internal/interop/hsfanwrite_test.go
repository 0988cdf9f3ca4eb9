package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
)

// TestHsfanWritesHSDSReads: hsfan's engine writes each case of the covering set into the store
// (hdf.Create, CreateDataset, Write, as `hsfan gen` and `hsfan serve` do; chunks kept exactly as
// requested, so small datasets get several chunks with partial edges), and the real HSDS reads
// it through its REST API: binary GET value of every selection byte for byte, and the JSON value
// of the whole dataset.
func TestHsfanWritesHSDSReads(t *testing.T) {
	need(t)
	for _, c := range covering() {
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var w *hsdsWritten
			if !runSetup(t, func(ck checker) { w = hsfanWrite(ctx, ck, c) }) {
				return
			}
			sels := []sel{selAll(w.want.dims)}
			if c.sels {
				sels = selections(w.want.dims)
			}
			for _, s := range sels {
				t.Run(s.name, func(t *testing.T) {
					runCase(t, func(ck checker) { hsdsReadCheck(ctx, ck, env.hsds, w, s) })
				})
			}
			if w.want.vals != nil && (c.sels || c.fill != fillNone) {
				t.Run("json", func(t *testing.T) {
					runCase(t, func(ck checker) { hsdsJSONCheck(ctx, ck, env.hsds, w) })
				})
			}
		})
	}
}

// hsfanWrite creates the case's domain with hsfan's engine (owned by test_user1, so that HSDS
// lets the tests read it) and writes its values.
func hsfanWrite(ctx context.Context, ck checker, c matrixCase) *hsdsWritten {
	domain := domainName("b", c.name())
	f, err := hdf.Create(ctx, env.store, bucket, domain, hdf.CreateOptions{Owner: "test_user1"})
	if err != nil {
		ck.Fatalf("hdf.Create %s: %v", domain, err)
	}
	dims, chunks := c.shape.shapeFor(c.t.itemSize())
	spec := hdf.DatasetSpec{Type: c.t.typeRaw(), Dims: dims, MaxDims: c.shape.maxdims, ChunkDims: chunks,
		ExactChunks: chunks != nil, Filters: c.filter.raw()}
	if text, _, _, ok := c.fillJSON(); ok {
		// The API takes pyjson's internal form (NaN as a sentinel string), not Python's token.
		fill, err := pyjson.ToStd([]byte(text))
		if err != nil {
			ck.Fatalf("fill value %s: %v", text, err)
		}
		spec.FillValue = fill
	}
	want, w, partial, data, _ := c.expected(dims)
	if dims == nil {
		dims = []int{}
	}
	var ss *selection.Selection
	if partial {
		if ss, err = selection.Parse(w.text, dims); err != nil {
			ck.Fatalf("selection %s: %v", w.text, err)
		}
	} else {
		ss = selection.All(dims)
	}
	var id string
	if c.t.variable() {
		obj, err := f.CreateVlenDataset(ctx, spec, nil)
		if err != nil {
			ck.Fatalf("CreateVlenDataset: %v", err)
		}
		if err := f.Link(ctx, f.RootID(), "data", schema.Link{Class: schema.LinkHard, ID: obj.ID}); err != nil {
			ck.Fatalf("Link: %v", err)
		}
		vd, err := hdf.OpenVlenDataset(env.store, bucket, obj)
		if err != nil {
			ck.Fatalf("OpenVlenDataset: %v", err)
		}
		if count(dims) > 0 {
			flat, _ := w.pick(want.dims)
			elems := make([][]byte, len(flat))
			for k, i := range flat {
				elems[k] = want.elems[i]
			}
			if err := vd.Write(ctx, ss, elems); err != nil {
				ck.Fatalf("vlen Write: %v", err)
			}
		}
		id = obj.ID
	} else {
		ds, err := f.CreateDataset(ctx, f.RootID(), "data", spec)
		if err != nil {
			ck.Fatalf("CreateDataset: %v", err)
		}
		if count(dims) > 0 {
			if err := ds.Write(ctx, ss, data, 0); err != nil {
				ck.Fatalf("Write: %v", err)
			}
		}
		id = ds.ID
	}
	return &hsdsWritten{c: c, domain: domain, id: id, want: want}
}

// valueQuery is the query of a GET value of selection s.
func valueQuery(domain string, s sel) map[string][]string {
	q := dq(domain)
	if s.text != "" {
		q.Set("select", s.text)
	}
	return q
}

// hsdsReadCheck reads selection s through a REST server in binary and compares the bytes.
func hsdsReadCheck(ctx context.Context, ck checker, c *client, w *hsdsWritten, s sel) {
	resp := c.must(ctx, ck, request{method: "GET", path: "/datasets/" + w.id + "/value", query: valueQuery(w.domain, s), accept: true}, 200)
	want, _ := w.want.selected(s)
	if !bytes.Equal(resp.body, want) {
		ck.Errorf("%s GET value %q (binary): %s", c.base, s.text, diffBytes(w.want.t, want, resp.body))
	}
}

// hsdsJSONCheck reads the whole dataset through a REST server as JSON and compares the values.
func hsdsJSONCheck(ctx context.Context, ck checker, c *client, w *hsdsWritten) {
	resp := c.must(ctx, ck, request{method: "GET", path: "/datasets/" + w.id + "/value", query: dq(w.domain)}, 200)
	v, err := parseJSON(resp.body)
	if err != nil {
		ck.Fatalf("%v", err)
	}
	obj, _ := v.(map[string]any)
	got, ok := obj["value"]
	if !ok {
		ck.Fatalf("%s GET value (JSON): no value in %s", c.base, resp)
	}
	_, want := w.want.selected(selAll(w.want.dims))
	if w.want.t.variable() {
		got = emptyVlenQuirk(want, got)
	}
	if d := diffValues(want, got); d != "" {
		ck.Errorf("%s GET value (JSON): %s", c.base, d)
	}
}

// emptyVlenQuirk undoes HSDS's documented JSON quirk before comparing the values of a
// variable-length type: an empty vlen string reads back as 0 (hsds-format.md 1.8), so got 0 where
// "" is expected counts as "".
func emptyVlenQuirk(want, got any) any {
	switch w := want.(type) {
	case string:
		if n, ok := got.(json.Number); ok && w == "" && n == "0" {
			return ""
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return got
		}
		out := make([]any, len(g))
		for i := range g {
			out[i] = emptyVlenQuirk(w[i], g[i])
		}
		return out
	}
	return got
}
