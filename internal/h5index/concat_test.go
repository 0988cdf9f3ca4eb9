package h5index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
)

func wantConcat(t *testing.T, root, sub, v string, days ...int) []byte {
	t.Helper()
	var out []byte
	for _, d := range days {
		b, err := os.ReadFile(filepath.Join(root, testBucket, sub, fmt.Sprintf("day%03d.nc.%s.bin", d, v)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

// TestIndexConcat joins daily granules along time: analysed_sst is (days, lat, lon) with each
// day's chunks in its own file (H5D_CHUNKED_REF_INDIRECT, per-chunk file_uri), /time holds the
// files' own values, and --append adds days later. Values equal netCDF4-python's, day by day.
func TestIndexConcat(t *testing.T) {
	ctx := context.Background()
	root, st := makeGranules(t, 72, 144, 36, 72, 0, 1, 2, 3)
	f, err := hdf.Create(ctx, st, testBucket, "/idx/year.h5", hdf.CreateOptions{Owner: "u", Parents: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Index(ctx, st, f, []Granule{granule(0), granule(1), granule(2)}, Options{Concat: "time"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Chunks != 3*4 {
		t.Errorf("%d chunk references, want 12", rep.Chunks)
	}
	check := func(days ...int) {
		t.Helper()
		f, err := hdf.Open(ctx, st, testBucket, "/idx/year.h5")
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"analysed_sst", "time"} {
			if got, want := readAllValues(t, f, "/"+v), wantConcat(t, root, "granules", v, days...); !bytes.Equal(got, want) {
				t.Errorf("days %v: /%s: %d bytes differ from netCDF4-python's %d", days, v, len(got), len(want))
			}
		}
		for _, v := range []string{"lat", "lon"} {
			if got, want := readAllValues(t, f, "/"+v), wantConcat(t, root, "granules", v, 0); !bytes.Equal(got, want) {
				t.Errorf("/%s differs from netCDF4-python's", v)
			}
		}
	}
	check(0, 1, 2)
	if _, err := Append(ctx, st, f, []Granule{granule(3)}, Options{Concat: "time"}); err != nil {
		t.Fatal(err)
	}
	check(0, 1, 2, 3)
}

// TestIndexConcatRefusesDifferentFiles: a file whose grid differs is refused, naming the file,
// the dataset and both shapes; nothing half-written is claimed.
func TestIndexConcatRefusesDifferentFiles(t *testing.T) {
	ctx := context.Background()
	root, st := makeGranules(t, 72, 144, 36, 72, 0)
	dir := filepath.Join(root, testBucket, "other")
	if out, err := exec.Command("/usr/bin/python3", "testdata/mur.py", dir, "36", "144", "36", "72", "1").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	f, err := hdf.Create(ctx, st, testBucket, "/idx/bad.h5", hdf.CreateOptions{Owner: "u", Parents: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Index(ctx, st, f, []Granule{granule(0), {Bucket: testBucket, Key: "other/day001.nc"}}, Options{Concat: "time"})
	if err == nil || !strings.Contains(err.Error(), "other/day001.nc") || !strings.Contains(err.Error(), "[1 36 144]") && !strings.Contains(err.Error(), "[36]") {
		t.Fatalf("got %v, want an error naming other/day001.nc and its shape", err)
	}
	// Same shapes, another grid: lat values differ (mur.py's lat for 72 rows vs 73 shifted).
	dir2 := filepath.Join(root, testBucket, "grid2")
	if out, err := exec.Command("/usr/bin/python3", "-c", `
import netCDF4, shutil, sys
shutil.copy(sys.argv[1], sys.argv[2])
with netCDF4.Dataset(sys.argv[2], "a") as ds:
    ds["lat"][:] = ds["lat"][:] + 0.5
`, filepath.Join(root, testBucket, "granules", "day000.nc"), filepath.Join(dir2+".nc")).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	_, err = Index(ctx, st, f, []Granule{granule(0), {Bucket: testBucket, Key: "grid2.nc"}}, Options{Concat: "time"})
	if err == nil || !strings.Contains(err.Error(), "grid2.nc: dataset /lat: values differ") {
		t.Errorf("a granule on another grid: %v, want refused naming grid2.nc and /lat", err)
	}
	_, err = Index(ctx, st, f, []Granule{granule(0)}, Options{Concat: "nodim"})
	if err == nil || !strings.Contains(err.Error(), "no dataset /nodim") {
		t.Errorf("--concat nodim: %v", err)
	}
	if errors.Is(err, nil) {
		t.Fatal("unreachable")
	}
}
