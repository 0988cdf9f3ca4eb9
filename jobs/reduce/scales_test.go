package reduce

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// TestDimensionScales: a dataset without DIMENSION_LABELS whose axes carry HDF5 dimension scales
// (DIMENSION_LIST references, as hsload keeps them from netCDF-4 files) gets its axis names and
// coordinates from the scales: the NAME attribute, else the scale's link name.
func TestDimensionScales(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	f, err := hdf.Create(ctx, st, testBucket, "/nc.h5", hdf.CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	f32 := json.RawMessage(`"H5T_IEEE_F32LE"`)
	str := json.RawMessage(`{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLTERM","length":"H5T_VARIABLE"}`)
	mk := func(name string, n int, nameAttr string) *hdf.Dataset {
		d, err := f.CreateDataset(ctx, f.RootID(), name, hdf.DatasetSpec{Type: f32, Dims: []int{n}, ChunkDims: []int{n}, ExactChunks: true})
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 4*n)
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(10*i+1)))
		}
		if err := d.WriteChunk(ctx, []int{0}, b); err != nil {
			t.Fatal(err)
		}
		if err := f.SetAttribute(ctx, d.ID, "NAME", str, nil, nameAttr); err != nil {
			t.Fatal(err)
		}
		return d
	}
	tm := mk("t", 3, "t")
	y := mk("latitude_scale", 4, "lat")
	x := mk("x", 5, "This is a netCDF dimension but not a netCDF variable.         5")
	v, err := f.CreateDataset(ctx, f.RootID(), "v", hdf.DatasetSpec{Type: f32, Dims: []int{3, 4, 5}})
	if err != nil {
		t.Fatal(err)
	}
	ref := json.RawMessage(`{"class":"H5T_VLEN","base":{"class":"H5T_REFERENCE","base":"H5T_STD_REF_OBJ"}}`)
	list := [][]string{{"datasets/" + tm.ID}, {"datasets/" + y.ID}, {"datasets/" + x.ID}}
	if err := f.SetAttribute(ctx, v.ID, "DIMENSION_LIST", ref, []int{3}, list); err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(ctx, st, Spec{Store: "mem://", Bucket: testBucket, Domain: "/nc.h5", Dataset: "/v", Op: "mean",
		Reduce: []string{"lat", "x"}, Select: "[:,1:3,:]", NoCF: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name    string
		reduced bool
		vals    []float64
	}{{"t", false, []float64{1, 11, 21}}, {"lat", true, []float64{11, 21}}, {"x", true, []float64{1, 11, 21, 31, 41}}}
	for i, w := range want {
		a := p.Axes[i]
		if a.Name != w.name || a.Reduced != w.reduced || len(a.Values) != len(w.vals) {
			t.Fatalf("axis %d = %+v, want %+v", i, a, w)
		}
		for k := range w.vals {
			if a.Values[k] != w.vals[k] {
				t.Errorf("axis %s value %d = %v, want %v", a.Name, k, a.Values[k], w.vals[k])
			}
		}
	}
}

// TestWeightsAndFillEdgeCases: 1-D weights go to the reduced axis of their length even when an
// axis of the data is called like their default name; scalar weights are refused; float32 fill
// values written as decimals still mask the data.
func TestWeightsAndFillEdgeCases(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	f, err := hdf.Create(ctx, st, testBucket, "/w.h5", hdf.CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	f32 := json.RawMessage(`"H5T_IEEE_F32LE"`)
	write := func(name string, dims []int, vals []float32) *hdf.Dataset {
		spec := hdf.DatasetSpec{Type: f32, Dims: dims, ChunkDims: dims, ExactChunks: true}
		if dims == nil {
			spec.ChunkDims, spec.ExactChunks = nil, false
		}
		d, err := f.CreateDataset(ctx, f.RootID(), name, spec)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		idx := make([]int, len(dims))
		if dims == nil {
			idx = []int{0}
		}
		if err := d.WriteChunk(ctx, idx, b); err != nil {
			t.Fatal(err)
		}
		return d
	}
	data := write("data", []int{2, 2}, []float32{1, 2, 3, -999.9})
	write("w", []int{2}, []float32{1, 0})
	write("ws", nil, []float32{0})
	if err := f.SetAttribute(ctx, data.ID, "_FillValue", f32, nil, -999.9); err != nil {
		t.Fatal(err)
	}
	spec := Spec{Store: "mem://", Bucket: testBucket, Domain: "/w.h5", Dataset: "/data", Op: "sum", Reduce: []string{"1"}, Weights: "/w"}
	out := runJob(t, st, spec, nil)
	// Row 0: 1*1 + 2*0 = 1; row 1: 3*1 + fill (skipped) = 3.
	if got := out.Result.Value; len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Errorf("weighted sums %v, want [1 3]", got)
	}
	spec.Weights = "/ws"
	if _, err := Prepare(ctx, st, spec); err == nil || !strings.Contains(err.Error(), "scalar") {
		t.Errorf("scalar weights: %v, want a refusal", err)
	}
}

// TestScaleWithNaNFillAndUnreadableScale: a scale with a NaN fill value and _FillValue attribute
// (what xarray writes for every float coordinate) names its axis; a scale whose JSON cannot be
// read is an error naming it, not a misleading "no axis".
func TestScaleWithNaNFillAndUnreadableScale(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	f, err := hdf.Create(ctx, st, testBucket, "/xr.h5", hdf.CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	f64 := json.RawMessage(`"H5T_IEEE_F64LE"`)
	lat, err := f.CreateDataset(ctx, f.RootID(), "lat", hdf.DatasetSpec{Type: f64, Dims: []int{4}, FillValue: pyjson.Float64(math.NaN())})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetAttribute(ctx, lat.ID, "_FillValue", f64, nil, math.NaN()); err != nil {
		t.Fatal(err)
	}
	v, err := f.CreateDataset(ctx, f.RootID(), "v", hdf.DatasetSpec{Type: f64, Dims: []int{2, 4}, FillValue: pyjson.Float64(math.NaN())})
	if err != nil {
		t.Fatal(err)
	}
	ref := json.RawMessage(`{"class":"H5T_VLEN","base":{"class":"H5T_REFERENCE","base":"H5T_STD_REF_OBJ"}}`)
	if err := f.SetAttribute(ctx, v.ID, "DIMENSION_LIST", ref, []int{2}, [][]string{{}, {"datasets/" + lat.ID}}); err != nil {
		t.Fatal(err)
	}
	spec := Spec{Store: "mem://", Bucket: testBucket, Domain: "/xr.h5", Dataset: "/v", Op: "mean", Reduce: []string{"lat"}}
	p, err := Prepare(ctx, st, spec)
	if err != nil {
		t.Fatal(err)
	}
	if a := p.Axes[1]; a.Name != "lat" || !a.Reduced || len(a.Values) != 4 || !math.IsNaN(a.Values[0]) {
		t.Fatalf("lat axis %+v, want the NaN-filled scale", a)
	}
	key, _ := schema.ObjectKey(lat.ID)
	if _, err := st.Put(ctx, testBucket, key, []byte(`{"id": "`+lat.ID+`", "shape": Nan}`), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = Prepare(ctx, st, spec)
	if err == nil || !strings.Contains(err.Error(), lat.ID) || !strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "no axis") {
		t.Fatalf("Prepare with an unreadable scale: %v; want an error naming %s (%s)", err, lat.ID, key)
	}
}
