package cf

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
)

// TestUnsignedThroughEngine: _Unsigned datasets written through the engine with the attributes
// netCDF-3-style products carry, read back CF-decoded. Expected values from /usr/bin/python3
// (netCDF4 1.6 / xarray 2025), on the same raw values and attributes:
//
//	v = d.createVariable("q", "i1", ("x",), fill_value=np.int8(-1)); v._Unsigned = "true"
//	v.valid_min = np.int8(1); v.valid_max = np.int8(-36)        # 1 .. 220 unsigned
//	v[:] = [10, 20, -126, -56, -1, -20, 0, 5]  (raw)
//	netCDF4: [10, 20, 130, 200, --, --, --, 5]   (xarray ignores the valid range: 236 and 0 stay)
//	s = d.createVariable("s", "u1", ..., fill_value=np.uint8(255)); s._Unsigned = "false"
//	s[:] = [1, 200, 255, 128]  ->  xarray [1, -56, nan, -128]  (netCDF4 ignores _Unsigned="false")
//	b = d.createVariable("b", "i2", ..., endian="big", fill_value=np.int16(-1)); b._Unsigned = "true"
//	b.scale_factor = 0.5; b[:] = [1, -2, -1, -32768]  ->  both [0.5, 32767, nan, 16384]
func TestUnsignedThroughEngine(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "mem://", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf.Create(ctx, st, "b", "/u.h5", hdf.CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	str := json.RawMessage(`{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLTERM","length":"H5T_VARIABLE"}`)
	nan := math.NaN()
	for _, tc := range []struct {
		name, typ string
		order     binary.ByteOrder
		data      any
		attrs     map[string][2]any // name -> {type, value}
		want      []float64
	}{
		{"q", `"H5T_STD_I8LE"`, binary.LittleEndian, []int8{10, 20, -126, -56, -1, -20, 0, 5},
			map[string][2]any{"_FillValue": {`"H5T_STD_I8LE"`, -1}, "valid_min": {`"H5T_STD_I8LE"`, 1}, "valid_max": {`"H5T_STD_I8LE"`, -36}, "_Unsigned": {"", "true"}},
			[]float64{10, 20, 130, 200, nan, nan, nan, 5}},
		{"s", `"H5T_STD_U8LE"`, binary.LittleEndian, []uint8{1, 200, 255, 128},
			map[string][2]any{"_FillValue": {`"H5T_STD_U8LE"`, 255}, "_Unsigned": {"", "false"}},
			[]float64{1, -56, nan, -128}},
		{"b", `"H5T_STD_I16BE"`, binary.BigEndian, []int16{1, -2, -1, -32768},
			map[string][2]any{"_FillValue": {`"H5T_STD_I16BE"`, -1}, "scale_factor": {`"H5T_IEEE_F32LE"`, 0.5}, "_Unsigned": {"", "true"}},
			[]float64{0.5, 32767, nan, 16384}},
		// valid_range given as a list of signed bytes: [1, -36] is 1..220 unsigned.
		{"r", `"H5T_STD_I8LE"`, binary.LittleEndian, []int8{10, -56, -20, 0},
			map[string][2]any{"valid_range": {`"H5T_STD_I8LE"`, []int{1, -36}}, "_Unsigned": {"", "true"}},
			[]float64{10, 200, nan, nan}},
	} {
		var b bytes.Buffer
		if err := binary.Write(&b, tc.order, tc.data); err != nil {
			t.Fatal(err)
		}
		n := b.Len() / int(map[string]int{"q": 1, "s": 1, "b": 2, "r": 1}[tc.name])
		d, err := f.CreateDataset(ctx, f.RootID(), tc.name, hdf.DatasetSpec{Type: json.RawMessage(tc.typ), Dims: []int{n}, ChunkDims: []int{n}, ExactChunks: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.WriteChunk(ctx, []int{0}, b.Bytes()); err != nil {
			t.Fatal(err)
		}
		for name, a := range tc.attrs {
			typ := json.RawMessage(str)
			if a[0] != "" {
				typ = json.RawMessage(a[0].(string))
			}
			var dims []int
			if l, ok := a[1].([]int); ok {
				dims = []int{len(l)}
			}
			if err := f.SetAttribute(ctx, d.ID, name, typ, dims, a[1]); err != nil {
				t.Fatal(err)
			}
		}
		d, err = f.OpenDatasetPath(ctx, "/"+tc.name) // with its attributes
		if err != nil {
			t.Fatal(err)
		}
		got, err := ReadDecoded(ctx, d, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for i, w := range tc.want {
			if !(got[i] == w || math.IsNaN(got[i]) && math.IsNaN(w)) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}
