package job

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
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
