package interop

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

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/jobs/reduce"
	"github.com/hsfan/hsfan/transport/inproc"
	"github.com/hsfan/hsfan/worker"
)

// The reference case of the design (a daily area-weighted mean of MUR-like SST) on data the
// real HSDS wrote: a (time, lat, lon) dataset with CF attributes and dimension scales attached
// as h5pyd attaches them (DIMENSION_LIST of object references, CLASS and NAME on the scales).
// `hsfan get` (the CLI) must give HSDS's bytes, and `hsfan run mean --reduce lat,lon --weights
// coslat:60` (jobs/reduce in process) numpy's means to 1e-9 relative.

const (
	sstDays = 5
	sstLat  = 364 // two days of int16 pass HSDS's 1 MiB minimum chunk: several chunks, the last partial
	sstLon  = 728
)

// sstVariant is one stored form of the reference data.
type sstVariant struct {
	name    string
	float32 bool     // float32 kelvin with NaN over land and _FillValue NaN; else CF-packed int16
	filters []string // the filters h5py users give it
}

// sstVariants: the reference case, the same without shuffle, and float32 with NaN fill.
func sstVariants() []sstVariant {
	return []sstVariant{
		{name: "int16-gzip+shuffle", filters: []string{"shuffle", "gzip"}}, // the reference case
		{name: "int16-gzip", filters: []string{"gzip"}},
		{name: "float32-nan", float32: true, filters: []string{"gzip"}},
	}
}

// sstChecks are the subtests of each variant.
var sstChecks = []string{"hsfan_get", "mean"}

func TestSSTReference(t *testing.T) {
	need(t)
	for _, v := range sstVariants() {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var w *sstWritten
			if !runSetup(t, func(ck checker) { w = writeSST(ctx, ck, v) }) {
				return
			}
			t.Run(sstChecks[0], func(t *testing.T) {
				runCase(t, func(ck checker) { sstGetCheck(ctx, ck, w) })
			})
			t.Run(sstChecks[1], func(t *testing.T) {
				runCase(t, func(ck checker) { sstMeanCheck(ctx, ck, t, w) })
			})
		})
	}
}

// sstWritten is the reference data as written to HSDS.
type sstWritten struct {
	v        sstVariant
	domain   string
	id       string // the data dataset
	data     []byte // as written (little endian)
	lat      []float32
	lon      []float32
	itemSize int
}

// sstKelvin is the deterministic temperature of a cell: a meridional profile, a seasonal and a
// zonal wave, noise, and land (NaN) in two blobs and beyond 75 degrees.
func sstKelvin(day int, lat, lon float64) float64 {
	if math.Abs(lat) > 75 || (math.Abs(lat-30) < 15 && math.Abs(lon+90) < 30) || (math.Abs(lat+10) < 20 && math.Abs(lon-20) < 25) {
		return math.NaN()
	}
	h := mix(uint64(day)*1_000_003 + uint64((lat+90)*1000)*7919 + uint64((lon+180)*1000))
	noise := (float64(h>>11)/(1<<53) - 0.5) * 0.8
	return 271.35 + 30*math.Pow(math.Cos(lat*math.Pi/180), 2) + 1.5*math.Sin(2*math.Pi*float64(day)/365+lat/30) +
		0.7*math.Sin(lon*math.Pi/45) + noise
}

// writeSST writes the coordinates and the data through HSDS's REST API and attaches the scales.
func writeSST(ctx context.Context, ck checker, v sstVariant) *sstWritten {
	h := env.hsds
	w := &sstWritten{v: v, domain: domainName("d", "sst-"+v.name), itemSize: 2}
	if v.float32 {
		w.itemSize = 4
	}
	root := createDomain(ctx, ck, h, w.domain)
	q := dq(w.domain)
	mkDset := func(name string, body map[string]any) string {
		body["link"] = map[string]any{"id": root, "name": name}
		b, err := marshalPy(body)
		if err != nil {
			ck.Fatalf("%v", err)
		}
		resp := h.must(ctx, ck, request{method: "POST", path: "/datasets", query: q, body: b}, 201)
		var o struct{ ID string }
		_ = json.Unmarshal(resp.body, &o)
		return o.ID
	}
	putValue := func(id string, data []byte) {
		h.must(ctx, ck, request{method: "PUT", path: "/datasets/" + id + "/value", query: q, body: data, binary: true}, 200)
	}
	putAttr := func(id, name string, typ any, shape []int, value any) {
		body := map[string]any{"type": typ, "value": value}
		if shape != nil {
			body["shape"] = shape
		}
		b, err := marshalPy(body)
		if err != nil {
			ck.Fatalf("%v", err)
		}
		h.must(ctx, ck, request{method: "PUT", path: "/datasets/" + id + "/attributes/" + name, query: q, body: b}, 201)
	}
	str := func(n int) any { // h5py's fixed-length ASCII attribute strings
		return map[string]any{"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLTERM", "length": n}
	}
	vstr := map[string]any{"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}

	w.lat, w.lon = make([]float32, sstLat), make([]float32, sstLon)
	for i := range w.lat {
		w.lat[i] = float32(-90 + (float64(i)+0.5)*180/sstLat)
	}
	for j := range w.lon {
		w.lon[j] = float32(-180 + (float64(j)+0.5)*360/sstLon)
	}
	times := make([]int32, sstDays)
	for d := range times {
		times[d] = int32(1293840000 + 86400*d + 9*3600) // 2022-01-01T09:00Z in seconds since 1981
	}
	ids := map[string]string{}
	for _, c := range []struct {
		name, typ string
		n         int
		data      []byte
		units     string
		maxdims   bool
	}{
		{"time", "H5T_STD_I32LE", sstDays, le(times), "seconds since 1981-01-01 00:00:00 UTC", true},
		{"lat", "H5T_IEEE_F32LE", sstLat, le(w.lat), "degrees_north", false},
		{"lon", "H5T_IEEE_F32LE", sstLon, le(w.lon), "degrees_east", false},
	} {
		body := map[string]any{"type": c.typ, "shape": []int{c.n}}
		if c.maxdims {
			body["maxdims"] = []int{0}
		}
		id := mkDset(c.name, body)
		putValue(id, c.data)
		putAttr(id, "units", vstr, nil, c.units)
		putAttr(id, "CLASS", str(16), nil, "DIMENSION_SCALE")
		putAttr(id, "NAME", str(len(c.name)+1), nil, c.name)
		ids[c.name] = id
	}
	fs := make([]any, len(v.filters))
	for i, f := range v.filters {
		fs[i] = f
	}
	body := map[string]any{"shape": []int{sstDays, sstLat, sstLon}, "maxdims": []int{0, sstLat, sstLon},
		"creationProperties": map[string]any{"filters": fs, "layout": map[string]any{"class": "H5D_CHUNKED", "dims": []int{1, sstLat, sstLon}}}}
	cp := body["creationProperties"].(map[string]any)
	if v.float32 {
		body["type"] = "H5T_IEEE_F32LE"
		cp["fillValue"] = nanValue()
	} else {
		body["type"] = "H5T_STD_I16LE"
		cp["fillValue"] = json.Number("-32768")
	}
	w.id = mkDset("analysed_sst", body)
	for d := range sstDays {
		for i := range sstLat {
			for j := range sstLon {
				k := sstKelvin(d, float64(w.lat[i]), float64(w.lon[j]))
				if v.float32 {
					w.data = binary.LittleEndian.AppendUint32(w.data, math.Float32bits(float32(k)))
					continue
				}
				p := int16(-32768)
				if !math.IsNaN(k) {
					p = int16(math.Round((k - 298.15) / 0.001))
				}
				w.data = binary.LittleEndian.AppendUint16(w.data, uint16(p))
			}
		}
	}
	putValue(w.id, w.data)
	putAttr(w.id, "units", vstr, nil, "kelvin")
	putAttr(w.id, "long_name", vstr, nil, "analysed sea surface temperature")
	putAttr(w.id, "coordinates", vstr, nil, "time lat lon")
	if v.float32 {
		putAttr(w.id, "_FillValue", "H5T_IEEE_F32LE", nil, nanValue())
	} else {
		putAttr(w.id, "_FillValue", "H5T_STD_I16LE", nil, json.Number("-32768"))
		putAttr(w.id, "scale_factor", "H5T_IEEE_F64LE", nil, 0.001)
		putAttr(w.id, "add_offset", "H5T_IEEE_F64LE", nil, 298.15)
	}
	// h5pyd's dims[i].attach_scale: a DIMENSION_LIST of object references on the data.
	ref := map[string]any{"class": "H5T_VLEN", "base": map[string]any{"class": "H5T_REFERENCE", "base": "H5T_STD_REF_OBJ"}}
	putAttr(w.id, "DIMENSION_LIST", ref, []int{3}, []any{
		[]any{"datasets/" + ids["time"]}, []any{"datasets/" + ids["lat"]}, []any{"datasets/" + ids["lon"]}})
	flush(ctx, ck, h, w.domain)
	return w
}

// le encodes a slice little endian.
func le(v any) []byte {
	var b bytes.Buffer
	if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// sstGetCheck: HSDS's binary GET of the whole dataset is the bytes written, and `hsfan get
// --format bin` (the CLI binary, over the same store) gives the same bytes.
func sstGetCheck(ctx context.Context, ck checker, w *sstWritten) {
	resp := env.hsds.must(ctx, ck, request{method: "GET", path: "/datasets/" + w.id + "/value", query: dq(w.domain), accept: true}, 200)
	if !bytes.Equal(resp.body, w.data) {
		ck.Errorf("HSDS GET value: %s", diffBytes(&dtype{kind: kInt, size: w.itemSize}, w.data, resp.body))
	}
	got, err := hsfanGet(ck, w.domain, "/analysed_sst", "")
	if err != nil {
		ck.Fatalf("%v", err)
	}
	if !bytes.Equal(got, resp.body) {
		ck.Errorf("hsfan get --format bin differs from HSDS's GET value: %s", diffBytes(&dtype{kind: kInt, size: w.itemSize}, resp.body, got))
	}
	// A selection through both: one day, a lat band, every third lon.
	sel := "[2:3,100:140,5:700:3]"
	resp = env.hsds.must(ctx, ck, request{method: "GET", path: "/datasets/" + w.id + "/value", query: dq(w.domain, "select", sel), accept: true}, 200)
	if got, err = hsfanGet(ck, w.domain, "/analysed_sst", sel); err != nil {
		ck.Fatalf("%v", err)
	}
	if !bytes.Equal(got, resp.body) {
		ck.Errorf("hsfan get --select %s differs from HSDS: %s", sel, diffBytes(&dtype{kind: kInt, size: w.itemSize}, resp.body, got))
	}
}

// hsfanGet runs `hsfan get --format bin` and returns its output.
func hsfanGet(ck checker, domain, dataset, sel string) ([]byte, error) {
	bin := hsfanBinary(ck)
	args := []string{"get", "--store", "file://" + env.root, "--bucket", bucket, "--domain", domain, "--dataset", dataset, "--format", "bin"}
	if sel != "" {
		args = append(args, "--select", sel)
	}
	var out, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	cmd.Env = append(os.Environ(), "HSFAN_STORE=", "HSFAN_BUCKET=")
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("hsfan %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out.Bytes(), nil
}

// sstMeanCheck runs the reduction in process and compares it with numpy's.
func sstMeanCheck(ctx context.Context, ck checker, t *testing.T, w *sstWritten) {
	spec := reduce.Spec{Store: "file://" + env.root, Bucket: bucket, Domain: w.domain, Dataset: "/analysed_sst", Op: "mean",
		Reduce: []string{"lat", "lon"}, Weights: "coslat:60", Name: "sst_mean", Concurrency: 4, MaxChunksPerTask: 2}
	p, err := reduce.Prepare(ctx, env.store, spec)
	if err != nil {
		ck.Fatalf("reduce.Prepare: %v", err)
	}
	h := worker.NewHandler(worker.Config{DefaultStore: spec.Store, DefaultBucket: spec.Bucket, OpenStore: func(context.Context, string) (store.Store, error) { return env.store, nil }})
	out, err := p.Run(ctx, reduce.Options{Invoker: &inproc.Invoker{Handler: h}})
	if err != nil {
		ck.Fatalf("reduce.Run: %v", err)
	}
	got := out.Result.Value
	want, err := numpyMeans(t, w)
	if err != nil {
		ck.Fatalf("numpy: %v", err)
	}
	if len(got) != len(want) {
		ck.Fatalf("hsfan gives %d daily means, numpy %d", len(got), len(want))
	}
	for d := range want {
		if rel := math.Abs(got[d]-want[d]) / math.Abs(want[d]); !(rel <= 1e-9) {
			ck.Errorf("day %d: hsfan mean %.12f K, numpy %.12f K (relative difference %.3g)", d, got[d], want[d], rel)
		}
	}
	if col, ok := out.Table.Column("time"); !ok || len(col.String) != sstDays || col.String[0] != "2022-01-01" {
		ck.Errorf("time column %+v, want ISO dates from 2022-01-01 (from the time scale's units)", col)
	}
	ck.Logf("daily means (K): hsfan %v, numpy %v; %d tasks", got, want, out.Stats.Tasks)
}

// numpyScript computes the daily area-weighted means from the raw values, independently of
// hsfan: CF decoding (fill -> NaN, scale_factor, add_offset), weights cos(lat) with 0 beyond
// 60 degrees, NaN cells skipped: mean = sum(w*x) / sum(w over valid cells).
const numpyScript = `
import json, sys
import numpy as np
p = json.loads(sys.argv[1])
x = np.fromfile(p["data"], dtype=p["dtype"]).reshape(p["shape"]).astype(np.float64)
if p["dtype"] == "<i2":
    x = np.where(x == p["fill"], np.nan, x * p["scale"] + p["offset"])
lat = np.fromfile(p["lat"], dtype="<f4").astype(np.float64)
w = np.cos(np.deg2rad(lat))
w[np.abs(lat) > 60] = 0.0
wb = np.broadcast_to(w[None, :, None], x.shape)
valid = ~np.isnan(x)
num = np.where(valid, wb * x, 0.0).sum(axis=(1, 2))
den = np.where(valid, wb, 0.0).sum(axis=(1, 2))
print(json.dumps((num / den).tolist()))
`

// numpyMeans runs numpyScript with /usr/bin/python3 on the values written.
func numpyMeans(t *testing.T, w *sstWritten) ([]float64, error) {
	dir := t.TempDir()
	data, lat := filepath.Join(dir, "data.bin"), filepath.Join(dir, "lat.bin")
	if err := os.WriteFile(data, w.data, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(lat, le(w.lat), 0o644); err != nil {
		return nil, err
	}
	dt := "<i2"
	if w.v.float32 {
		dt = "<f4"
	}
	arg, _ := json.Marshal(map[string]any{"data": data, "lat": lat, "dtype": dt, "shape": []int{sstDays, sstLat, sstLon},
		"fill": -32768, "scale": 0.001, "offset": 298.15})
	var out, stderr bytes.Buffer
	cmd := exec.Command("/usr/bin/python3", "-c", numpyScript, string(arg))
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, stderr.String())
	}
	var means []float64
	if err := json.Unmarshal(out.Bytes(), &means); err != nil {
		return nil, fmt.Errorf("numpy output %q: %w", out.String(), err)
	}
	return means, nil
}
