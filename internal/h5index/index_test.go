package h5index

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

const testBucket = "hsfan"

// makeGranules writes MUR-like netCDF-4 granules with netCDF4-python into
// ROOT/BUCKET/granules/ (testdata/mur.py) and returns the POSIX store over ROOT.
func makeGranules(t testing.TB, ny, nx, cy, cx int, days ...int) (string, store.Store) {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, testBucket, "granules")
	args := []string{"testdata/mur.py", dir, fmt.Sprint(ny), fmt.Sprint(nx), fmt.Sprint(cy), fmt.Sprint(cx)}
	for _, d := range days {
		args = append(args, fmt.Sprint(d))
	}
	out, err := exec.Command("/usr/bin/python3", args...).CombinedOutput()
	if err != nil {
		if os.Getenv("HSFAN_REQUIRE_PYTHON") != "" {
			t.Fatalf("mur.py: %v: %s", err, out)
		}
		t.Skipf("mur.py (python3 with netCDF4 and xarray): %v: %s", err, out)
	}
	st, err := store.Open(context.Background(), "file://"+root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return root, st
}

func granule(day int) Granule {
	return Granule{Bucket: testBucket, Key: fmt.Sprintf("granules/day%03d.nc", day)}
}

// readAllValues reads the whole dataset at path of the domain.
func readAllValues(t *testing.T, f *hdf.File, path string) []byte {
	t.Helper()
	ctx := context.Background()
	id, err := f.Resolve(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.Dataset(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := ds.Read(ctx, selection.All(ds.Dims), 2)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return b
}

// TestIndexOneGranule indexes one netCDF-4 granule and reads every variable back through the
// domain: the bytes must equal what netCDF4-python reads from the file.
func TestIndexOneGranule(t *testing.T) {
	ctx := context.Background()
	root, st := makeGranules(t, 180, 360, 90, 180, 0)
	f, err := hdf.Create(ctx, st, testBucket, "/idx/day0.h5", hdf.CreateOptions{Owner: "u", Parents: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Index(ctx, st, f, []Granule{granule(0)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Datasets != 4 || rep.Chunks != 4+1 || len(rep.Skipped) != 0 {
		t.Errorf("report %+v: want 4 datasets, 5 chunks (4 of analysed_sst, 1 of time), nothing skipped", rep)
	}
	if rep.BytesRead >= rep.FileBytes {
		t.Errorf("read %d metadata bytes of a %d-byte file: ranged reads must read less", rep.BytesRead, rep.FileBytes)
	}
	t.Logf("metadata: %d bytes in %d ranged reads of a %d-byte file", rep.BytesRead, rep.Reads, rep.FileBytes)
	f, err = hdf.Open(ctx, st, testBucket, "/idx/day0.h5")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"analysed_sst", "lat", "lon", "time"} {
		want, err := os.ReadFile(filepath.Join(root, testBucket, "granules", "day000.nc."+v+".bin"))
		if err != nil {
			t.Fatal(err)
		}
		if got := readAllValues(t, f, "/"+v); !bytes.Equal(got, want) {
			t.Errorf("/%s: %d bytes differ from netCDF4-python's %d", v, len(got), len(want))
		}
	}
	// CF attributes and dimension scales as netCDF4-python wrote them.
	id, _ := f.Resolve(ctx, "/analysed_sst")
	ds, err := f.Dataset(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"scale_factor": "[0.001]", "add_offset": "[298.15]", "_FillValue": "[-32768]", "units": `"kelvin"`} {
		raw, ok := ds.Attribute(name)
		if !ok || strings.TrimSpace(string(raw)) != want {
			t.Errorf("attribute %s = %s, want %s", name, raw, want)
		}
	}
	raw, _ := ds.Attribute("DIMENSION_LIST")
	var dl [][]string
	if err := json.Unmarshal(raw, &dl); err != nil || len(dl) != 3 {
		t.Fatalf("DIMENSION_LIST %s: %v", raw, err)
	}
	for i, name := range []string{"/time", "/lat", "/lon"} {
		sid, _ := f.Resolve(ctx, name)
		if len(dl[i]) != 1 || dl[i][0] != "datasets/"+sid {
			t.Errorf("DIMENSION_LIST[%d] = %v, want [datasets/%s] (%s)", i, dl[i], sid, name)
		}
	}
}
