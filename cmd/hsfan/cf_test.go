package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// cfExpected are the answers of xarray 2025 / netCDF4-python / cftime on a netCDF-4 file with the
// raw values and attributes of writeCFDomain, printed by testdata/cf_expected.py (run it with
// /usr/bin/python3; TestCFExpectedLive re-runs it when xarray is installed). null is NaN.
const cfExpected = `{"lat":[-60.0,-20.0,20.0,60.0],"time":["2000-03-01T00:00:00","2001-01-01T00:00:00","2001-03-01T00:00:00"],"mean_coslat_K":[294.41098634799675,330.1737593638163,367.7062812288034],"wsum_lat":[224.0,212.32999999999998,231.4,415.8,418.39,420.98,964.0,967.6999999999999,568.04],"sum_lon":[30.740000000000002,57.209999999999994,68.31,79.41,157.11,168.21,0.0,190.41,268.11,279.21000000000004,290.31,200.57],"sum_lon_min1":[30.740000000000002,57.209999999999994,68.31,79.41,157.11,168.21,null,190.41,268.11,279.21000000000004,290.31,200.57],"flags_mean":[53.333333333333336,218.0,2.5],"flags":[10.0,20.0,130.0,200.0,null,236.0,0.0,5.0,null],"sst_decoded_0":[15.0,null,15.74,18.7,19.07,19.44,22.4,22.77,23.14,26.1,26.47,26.84]}`

type cfWant struct {
	Lat, MeanCoslatK, WsumLat, SumLon, SumLonMin1, FlagsMean, Flags, SSTDecoded0 []*float64
	Time                                                                         []string
}

func parseCFWant(t *testing.T, s string) cfWant {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		t.Fatal(err)
	}
	var w cfWant
	for k, dst := range map[string]any{"lat": &w.Lat, "mean_coslat_K": &w.MeanCoslatK, "wsum_lat": &w.WsumLat, "sum_lon": &w.SumLon,
		"sum_lon_min1": &w.SumLonMin1, "flags_mean": &w.FlagsMean, "flags": &w.Flags, "sst_decoded_0": &w.SSTDecoded0, "time": &w.Time} {
		if err := json.Unmarshal(raw[k], dst); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	return w
}

const (
	tI8  = `"H5T_STD_I8LE"`
	tI16 = `"H5T_STD_I16LE"`
	tI32 = `"H5T_STD_I32LE"`
	tF32 = `"H5T_IEEE_F32LE"`
	tF64 = `"H5T_IEEE_F64LE"`
	tStr = `{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLTERM","length":"H5T_VARIABLE"}`
	tRef = `{"class":"H5T_VLEN","base":{"class":"H5T_REFERENCE","base":"H5T_STD_REF_OBJ"}}`
)

// cfRawSST is testdata/cf_expected.py's raw_sst: int16 (time 3, lat 4, lon 3).
func cfRawSST() []int16 {
	a := make([]int16, 36)
	for ti := 0; ti < 3; ti++ {
		for la := 0; la < 4; la++ {
			for lo := 0; lo < 3; lo++ {
				a[ti*12+la*3+lo] = int16((ti*100+la*10+lo)*37 - 500)
			}
		}
	}
	a[0*12+0*3+1] = -32768
	a[2*12+3*3+2] = -32768
	for lo := 0; lo < 3; lo++ {
		a[1*12+2*3+lo] = -32768
	}
	return a
}

// writeCFDomain writes, through the engine, the variables of testdata/cf_expected.py with the
// attributes netCDF-4 gives them: dimension scales with NAME and DIMENSION_LIST, packed int16
// (scale_factor, add_offset, _FillValue), an int8 with _Unsigned, a noleap time axis.
func writeCFDomain(t *testing.T, dir string) (*hdf.File, string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf.Create(ctx, st, "hsfan", "/cf.h5", hdf.CreateOptions{Owner: "test", Parents: true})
	if err != nil {
		t.Fatal(err)
	}
	attr := func(id, name, typ string, dims []int, v any) {
		t.Helper()
		if err := f.SetAttribute(ctx, id, name, json.RawMessage(typ), dims, v); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(name, typ string, dims, chunks []int, data any) *hdf.Dataset {
		t.Helper()
		d, err := f.CreateDataset(ctx, f.RootID(), name, hdf.DatasetSpec{Type: json.RawMessage(typ), Dims: dims, ChunkDims: chunks, ExactChunks: true})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := binary.Write(&b, binary.LittleEndian, data); err != nil {
			t.Fatal(err)
		}
		if err := d.Write(ctx, selection.All(dims), b.Bytes(), 0); err != nil {
			t.Fatal(err)
		}
		return d
	}
	tm := mk("time", tI32, []int{3}, []int{3}, []int32{59, 365, 424})
	attr(tm.ID, "units", tStr, nil, "days since 2000-01-01")
	attr(tm.ID, "calendar", tStr, nil, "noleap")
	lat := mk("lat", tI16, []int{4}, []int{4}, []int16{-6000, -2000, 2000, 6000})
	attr(lat.ID, "scale_factor", tF64, nil, 0.01)
	attr(lat.ID, "units", tStr, nil, "degrees_north")
	lon := mk("lon", tF32, []int{3}, []int{3}, []float32{0, 120, 240})
	for _, d := range []*hdf.Dataset{tm, lat, lon} {
		attr(d.ID, "CLASS", tStr, nil, "DIMENSION_SCALE")
		attr(d.ID, "NAME", tStr, nil, cfScaleName(d))
	}
	sst := mk("sst", tI16, []int{3, 4, 3}, []int{1, 4, 3}, cfRawSST())
	attr(sst.ID, "scale_factor", tF64, nil, 0.01)
	attr(sst.ID, "add_offset", tF64, nil, 20.0)
	attr(sst.ID, "_FillValue", tI16, nil, -32768)
	attr(sst.ID, "units", tStr, nil, "degrees_C")
	attr(sst.ID, "DIMENSION_LIST", tRef, []int{3}, [][]string{{"datasets/" + tm.ID}, {"datasets/" + lat.ID}, {"datasets/" + lon.ID}})
	w := mk("w", tI16, []int{4}, []int{4}, []int16{2, 4, 6, 8})
	attr(w.ID, "scale_factor", tF64, nil, 0.5)
	attr(w.ID, "DIMENSION_LIST", tRef, []int{1}, [][]string{{"datasets/" + lat.ID}})
	flags := mk("flags", tI8, []int{3, 3}, []int{3, 3}, []int8{10, 20, -126, -56, -1, -20, 0, 5, -1})
	attr(flags.ID, "_FillValue", tI8, nil, -1)
	attr(flags.ID, "_Unsigned", tStr, nil, "true")
	attr(flags.ID, "DIMENSION_LIST", tRef, []int{2}, [][]string{{"datasets/" + tm.ID}, {"datasets/" + lon.ID}})
	return f, sst.ID
}

// cfScaleName is the NAME of the test's scales: their link names.
func cfScaleName(d *hdf.Dataset) string {
	switch d.Dims[0] {
	case 4:
		return "lat"
	}
	if d.Type.IsFloat() {
		return "lon"
	}
	return "time"
}

// cfOutput reads <name>.json and <name>.arrow of a run: per column the values (nil for null),
// and the meta of both.
func cfOutput(t *testing.T, out, name string) (jcols, acols map[string][]any, jmeta, ameta map[string]any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Columns map[string][]any `json:"columns"`
		Meta    map[string]any   `json:"meta"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	jcols, jmeta = doc.Columns, doc.Meta
	af, err := os.Open(filepath.Join(out, name+".arrow"))
	if err != nil {
		t.Fatal(err)
	}
	defer af.Close()
	r, err := ipc.NewFileReader(af)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	acols = map[string][]any{}
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.Record(i)
		if err != nil {
			t.Fatal(err)
		}
		for j, col := range rec.Columns() {
			n := r.Schema().Field(j).Name
			for k := 0; k < col.Len(); k++ {
				var v any
				if !col.IsNull(k) {
					switch a := col.(type) {
					case *array.Float64:
						v = a.Value(k)
					case *array.Int64:
						v = float64(a.Value(k))
					case *array.String:
						v = a.Value(k)
					}
				}
				acols[n] = append(acols[n], v)
			}
		}
	}
	m, _ := r.Schema().Metadata().GetValue("hsfan.meta")
	if err := json.Unmarshal([]byte(m), &ameta); err != nil {
		t.Fatal(err)
	}
	return
}

// closeTo compares with xarray's value to 1e-9 relative; nil is NaN/null.
func closeTo(got any, want *float64) bool {
	if want == nil {
		return got == nil
	}
	g, ok := got.(float64)
	return ok && math.Abs(g-*want) <= 1e-9*math.Max(1, math.Abs(*want))
}

// TestCFConventionsEndToEnd: the six classes of issue 12 through `hsfan run` (JSON and Arrow
// outputs) and `hsfan get --decode`, against xarray's answers (cfExpected).
func TestCFConventionsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	_, sstID := writeCFDomain(t, dir)
	checkCFDomain(t, dir, "hsfan", "/cf.h5", sstID, true)
}

// checkCFDomain runs hsfan on a domain holding the variables of testdata/cf_expected.py (the
// dataset of sstID is /sst) and compares with cfExpected; corrupt runs the failed-run check,
// which corrupts a chunk of /sst.
func checkCFDomain(t *testing.T, dir, bucket, domain, sstID string, corrupt bool) {
	want := parseCFWant(t, cfExpected)
	out := t.TempDir()
	common := []string{"--store", "file://" + dir, "--bucket", bucket, "--domain", domain}
	hsfan := func(args ...string) (int, string, string) {
		t.Helper()
		return run(t, append(args, common...)...)
	}
	runOK := func(name string, args ...string) (map[string][]any, map[string][]any) {
		t.Helper()
		code, _, errs := hsfan(append([]string{"run"}, append(args, "--out", out, "--name", name, "--no-plot")...)...)
		if code != 0 {
			t.Fatalf("run %s %v: exit %d: %s", name, args, code, errs)
		}
		j, a, jm, am := cfOutput(t, out, name)
		m, err := os.ReadFile(filepath.Join(out, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		var man struct {
			RunID  string         `json:"run_id"`
			Inputs map[string]any `json:"inputs"`
		}
		if err := json.Unmarshal(m, &man); err != nil {
			t.Fatal(err)
		}
		// Class 6: every output names its run and inputs.
		if man.RunID == "" || jm["run_id"] != man.RunID || am["run_id"] != man.RunID {
			t.Errorf("%s: run ids json %v arrow %v manifest %q", name, jm["run_id"], am["run_id"], man.RunID)
		}
		if in, _ := jm["inputs"].(map[string]any); in == nil || in["dataset"] != man.Inputs["dataset"] || in["domain"] != domain {
			t.Errorf("%s: json meta inputs %v, manifest %v", name, jm["inputs"], man.Inputs)
		}
		return j, a
	}
	check := func(what string, cols map[string][]any, col string, want []*float64) {
		t.Helper()
		got := cols[col]
		if len(got) != len(want) {
			t.Fatalf("%s %s: %v, want %d values", what, col, got, len(want))
		}
		for i := range want {
			if !closeTo(got[i], want[i]) {
				w := any(nil)
				if want[i] != nil {
					w = *want[i]
				}
				t.Errorf("%s %s[%d] = %v, xarray %v", what, col, i, got[i], w)
			}
		}
	}
	checkStrings := func(what string, cols map[string][]any, col string, want []string) {
		t.Helper()
		for i, w := range want {
			if i >= len(cols[col]) || cols[col][i] != w {
				t.Errorf("%s %s = %v, want %v", what, col, cols[col], want)
				return
			}
		}
	}
	dates := make([]string, len(want.Time))
	for i, s := range want.Time {
		dates[i] = strings.TrimSuffix(s, "T00:00:00")
	}

	// Classes 2, 3, 4: packed lat decoded before coslat, noleap dates, degrees_C -> K.
	j, a := runOK("m", "mean", "--dataset", "/sst", "--reduce", "lat,lon", "--weights", "coslat", "--units", "K")
	for name, cols := range map[string]map[string][]any{"json": j, "arrow": a} {
		check(name+" mean coslat K", cols, "mean", want.MeanCoslatK)
		checkStrings(name+" mean coslat K", cols, "time", dates)
	}
	// Class 2: a packed --weights dataset; the lat column is decoded too.
	j, a = runOK("ws", "sum", "--dataset", "/sst", "--reduce", "lat", "--weights", "/w")
	for name, cols := range map[string]map[string][]any{"json": j, "arrow": a} {
		check(name+" weighted sum", cols, "sum", want.WsumLat)
	}
	j, a = runOK("lat", "max", "--dataset", "/sst", "--reduce", "time,lon")
	for name, cols := range map[string]map[string][]any{"json": j, "arrow": a} {
		check(name+" lat column", cols, "lat", want.Lat)
	}
	// Class 5: sum of an all-masked cell is 0; --min-count 1 makes it null.
	j, a = runOK("s", "sum", "--dataset", "/sst", "--reduce", "lon")
	for name, cols := range map[string]map[string][]any{"json": j, "arrow": a} {
		check(name+" sum", cols, "sum", want.SumLon)
	}
	j, a = runOK("s1", "sum", "--dataset", "/sst", "--reduce", "lon", "--min-count", "1")
	for name, cols := range map[string]map[string][]any{"json": j, "arrow": a} {
		check(name+" sum min-count 1", cols, "sum", want.SumLonMin1)
	}
	// Class 1: _Unsigned int8.
	j, a = runOK("f", "mean", "--dataset", "/flags", "--reduce", "lon")
	for name, cols := range map[string]map[string][]any{"json": j, "arrow": a} {
		check(name+" unsigned mean", cols, "mean", want.FlagsMean)
	}

	// hsfan get --decode.
	get := func(args ...string) string {
		t.Helper()
		code, o, errs := hsfan(append([]string{"get", "--decode"}, args...)...)
		if code != 0 {
			t.Fatalf("get --decode %v: exit %d: %s", args, code, errs)
		}
		return o
	}
	var doc struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal([]byte(get("--dataset", "/lat", "--format", "json")), &doc); err != nil {
		t.Fatal(err)
	}
	if s := string(doc.Value); s != "[-60.0, -20.0, 20.0, 60.0]" {
		t.Errorf("get --decode /lat: %s, xarray %v", s, want.Lat)
	}
	wantTime := "time_index,time\n"
	for i, d := range want.Time {
		wantTime += fmt.Sprintf("%d,%s\n", i, d)
	}
	if o := get("--dataset", "/time", "--format", "csv"); o != wantTime {
		t.Errorf("get --decode /time: %q, cftime %v", o, want.Time)
	}
	o := get("--dataset", "/flags", "--format", "csv")
	if o != "time_index,lon_index,flags\n0,0,10.0\n0,1,20.0\n0,2,130.0\n1,0,200.0\n1,1,NaN\n1,2,236.0\n2,0,0.0\n2,1,5.0\n2,2,NaN\n" {
		t.Errorf("get --decode /flags: %q, xarray %v", o, want.Flags)
	}
	bin := []byte(get("--dataset", "/sst", "--select", "[0,:,:]", "--format", "bin"))
	if len(bin) != 8*len(want.SSTDecoded0) {
		t.Fatalf("get --decode --format bin: %d bytes", len(bin))
	}
	for i, w := range want.SSTDecoded0 {
		var g any = math.Float64frombits(binary.LittleEndian.Uint64(bin[8*i:]))
		if math.IsNaN(g.(float64)) {
			g = nil
		}
		if !closeTo(g, w) {
			t.Errorf("get --decode /sst[0] %d: %v, xarray %v", i, g, w)
		}
	}
	if code, _, errs := hsfan("get", "--decode", "--dataset", "/time", "--format", "bin"); code == 0 || !strings.Contains(errs, "json or csv") {
		t.Errorf("get --decode of a time variable as bin: exit %d %s", code, errs)
	}

	// Class 4: a refused unit says what is supported.
	if code, _, errs := hsfan("run", "mean", "--dataset", "/sst", "--units", "furlong", "--out", out); code == 0 || !strings.Contains(errs, "degree_Celsius") {
		t.Errorf("--units furlong: exit %d, %s", code, errs)
	}

	// Class 6: a failed run leaves no result of its name behind. Corrupt one chunk of /sst.
	if !corrupt {
		return
	}
	key := schema.ChunkKey(sstID, []int{1, 0, 0}, 0)
	if err := os.WriteFile(filepath.Join(dir, bucket, key), []byte("not a chunk"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := hsfan("run", "mean", "--dataset", "/sst", "--reduce", "lat,lon", "--weights", "coslat", "--units", "K",
		"--out", out, "--name", "m", "--no-plot", "--max-attempts", "1", "--max-chunks", "1")
	if code == 0 {
		t.Fatalf("run over a corrupt chunk succeeded")
	}
	if !strings.Contains(errs, "cleared earlier outputs") {
		t.Errorf("the failed run does not say that it removed the earlier outputs: %s", errs)
	}
	for _, n := range []string{"m.json", "m.arrow", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(out, n)); err == nil {
			t.Errorf("failed run left %s from the previous run", n)
		}
	}
}

// TestCFExpectedLive re-computes cfExpected with xarray (testdata/cf_expected.py) when
// /usr/bin/python3 has xarray, netCDF4 and cftime, and fails if the committed values drifted.
func TestCFExpectedLive(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3 (-short)")
	}
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import xarray, netCDF4, cftime").Run(); err != nil {
		t.Skipf("no python3 with xarray, netCDF4 and cftime: %v", err)
	}
	o, err := exec.Command(py, "testdata/cf_expected.py", filepath.Join(t.TempDir(), "cf.nc")).Output()
	if err != nil {
		t.Fatalf("cf_expected.py: %v", err)
	}
	live, committed := parseCFWant(t, string(o)), parseCFWant(t, cfExpected)
	a, _ := json.Marshal(live)
	b, _ := json.Marshal(committed)
	if !bytes.Equal(a, b) {
		t.Errorf("xarray now gives\n%s\ncommitted\n%s", o, cfExpected)
	}
}
