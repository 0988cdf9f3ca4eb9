package hdf

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os/exec"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

const compoundXN = `{"class": "H5T_COMPOUND", "fields": [{"name": "x", "type": "H5T_IEEE_F32LE"}, {"name": "n", "type": "H5T_STD_I16LE"}]}`

// nonFiniteDomain writes a domain with NaN/±Inf fill values and attributes through hdf and
// returns it with the ids of the float32 dataset and the group g.
func nonFiniteDomain(t *testing.T, st store.Store, path string) (*File, string, string) {
	t.Helper()
	ctx := context.Background()
	f, err := Create(ctx, st, bucket, path, CreateOptions{Owner: "test_user1", Parents: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, typ string
		fill      float64
	}{{"f32", "H5T_IEEE_F32LE", math.NaN()}, {"f64", "H5T_IEEE_F64LE", math.Inf(1)}, {"f64neg", "H5T_IEEE_F64LE", math.Inf(-1)}} {
		if _, err := f.CreateDataset(ctx, f.RootID(), c.name, DatasetSpec{Type: json.RawMessage(`"` + c.typ + `"`),
			Dims: []int{6}, FillValue: pyjson.Float64(c.fill)}); err != nil {
			t.Fatal(err)
		}
	}
	d32, err := f.OpenDatasetPath(ctx, "/f32")
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.CreateGroup(ctx, f.RootID(), "g")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{f.RootID(), g, d32.ID} {
		if err := f.SetAttribute(ctx, id, "a", json.RawMessage(`"H5T_IEEE_F64LE"`), []int{4},
			[]float64{math.NaN(), math.Inf(1), math.Inf(-1), 1.5}); err != nil {
			t.Fatal(err)
		}
		if err := f.SetAttribute(ctx, id, "c", json.RawMessage(compoundXN), nil, []any{math.NaN(), int64(3)}); err != nil {
			t.Fatal(err)
		}
	}
	// Values with NaN and -Inf in the first three elements; the rest stays the NaN fill.
	sel, err := selection.Parse("[0:3]", d32.Dims)
	if err != nil {
		t.Fatal(err)
	}
	if err := d32.Write(ctx, sel, f32Bytes(1.5, float32(math.NaN()), float32(math.Inf(-1))), 0); err != nil {
		t.Fatal(err)
	}
	return f, d32.ID, g
}

func f32Bytes(v ...float32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// sameFloats compares with NaN equal to NaN.
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

// attrFloats converts a stored attribute to float64 values through h5type.
func attrFloats(t *testing.T, a schema.Attribute) []float64 {
	t.Helper()
	typ, err := h5type.Parse(a.Type)
	if err != nil {
		t.Fatal(err)
	}
	v, err := pyjson.DecodeValue(a.Value)
	if err != nil {
		t.Fatalf("attribute value %s: %v", a.Value, err)
	}
	b, err := typ.EncodeValue(v, a.Shape.Dims)
	if err != nil {
		t.Fatalf("attribute value %s: %v", a.Value, err)
	}
	out := make([]float64, len(b)/typ.Size())
	if err := h5type.ToFloat64(out, b, typ); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNonFiniteRoundTrip(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		f, id32, gid := nonFiniteDomain(t, st, "/home/test_user1/nonfinite.h5")
		// Stored bytes hold Python's tokens exactly where json.dumps puts them.
		key, _ := schema.ObjectKey(id32)
		b, _, err := st.Get(ctx, bucket, key)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"fillValue": NaN`, `"value": [NaN, Infinity, -Infinity, 1.5]`, `"value": [NaN, 3]`} {
			if !bytes.Contains(b, []byte(want)) {
				t.Errorf("stored %s lacks %s: %s", key, want, b)
			}
		}
		// A read-modify-write of the dataset keeps them.
		if err := f.SetAttribute(ctx, id32, "units", json.RawMessage(`{"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}`), nil, "K"); err != nil {
			t.Fatal(err)
		}
		after, _, err := st.Get(ctx, bucket, key)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"fillValue": NaN`, `"value": [NaN, Infinity, -Infinity, 1.5]`, `"value": [NaN, 3]`, `"value": "K"`} {
			if !bytes.Contains(after, []byte(want)) {
				t.Errorf("after adding an attribute, %s lacks %s: %s", key, want, after)
			}
		}
		// Values: the NaN fill, the written NaN and -Inf; other fills.
		f, err = Open(ctx, st, bucket, "/home/test_user1/nonfinite.h5")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			path string
			want []float64
		}{
			{"/f32", []float64{1.5, math.NaN(), math.Inf(-1), math.NaN(), math.NaN(), math.NaN()}},
			{"/f64", []float64{math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)}},
			{"/f64neg", []float64{math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)}},
		} {
			d, err := f.OpenDatasetPath(ctx, c.path)
			if err != nil {
				t.Fatal(err)
			}
			raw, _, err := d.Read(ctx, selection.All(d.Dims), 0)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float64, 6)
			if err := h5type.ToFloat64(got, raw, d.Type); err != nil {
				t.Fatal(err)
			}
			if !sameFloats(got, c.want) {
				t.Errorf("%s = %v, want %v", c.path, got, c.want)
			}
		}
		for _, id := range []string{f.RootID(), gid, id32} {
			attrs, err := f.ObjectAttributes(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got := attrFloats(t, attrs["a"]); !sameFloats(got, []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1.5}) {
				t.Errorf("%s attribute a = %v", id, got)
			}
			checkCompoundNaN3(t, attrs["c"])
		}
	})
}

// TestNonFiniteStoredAsPython checks every object hsfan wrote against Python: json.loads reads
// it and json.dumps writes the same bytes back (tokens, separators, float forms).
func TestNonFiniteStoredAsPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: skipping the comparison with Python's json module")
	}
	st := store.NewMemory()
	nonFiniteDomain(t, st, "/home/test_user1/nonfinite.h5")
	ctx := context.Background()
	var docs []string
	if err := st.List(ctx, bucket, "", "", func(e store.Entry) error {
		if strings.HasSuffix(e.Key, ".json") {
			b, _, err := st.Get(ctx, bucket, e.Key)
			if err != nil {
				return err
			}
			docs = append(docs, string(b))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(docs)
	cmd := exec.Command(py, "-c", `
import json, sys
for d in json.load(sys.stdin):
    again = json.dumps(json.loads(d))
    if again != d:
        print("hsfan:  " + d)
        print("python: " + again)
`)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("stored objects differ from Python's json.dumps(json.loads(...)): %v\n%s", err, out)
	}
	if len(docs) < 6 {
		t.Fatalf("only %d objects found", len(docs))
	}
}

// TestUnreadableObjectNamed checks that an object whose JSON cannot be decoded is an error
// naming its id and key, on reads and on read-modify-writes.
func TestUnreadableObjectNamed(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	f, id32, _ := nonFiniteDomain(t, st, "/home/test_user1/bad.h5")
	key, _ := schema.ObjectKey(id32)
	if _, err := st.Put(ctx, bucket, key, []byte(`{"id": "`+id32+`", "fillValue": Nan}`), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, errRead := f.OpenDatasetPath(ctx, "/f32")
	errAttr := f.SetAttribute(ctx, id32, "x", json.RawMessage(`"H5T_STD_I8LE"`), nil, 1)
	for _, err := range []error{errRead, errAttr} {
		if err == nil || !strings.Contains(err.Error(), id32) || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v does not name %s and %s", err, id32, key)
		}
	}
}
