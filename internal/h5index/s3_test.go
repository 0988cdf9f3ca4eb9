package h5index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/s3test"
)

// TestIndexOnS3: granules in an S3 bucket of their own (versitygw) are indexed with ranged GETs
// into a domain of another bucket; the references read back netCDF4-python's values once the
// granules' bucket is allowed (hsfan run --ref-allow), and are refused before that.
func TestIndexOnS3(t *testing.T) {
	ctx := context.Background()
	root, _ := makeGranules(t, 180, 360, 90, 180, 0, 1)
	srv := s3test.Start(t)
	srv.CreateBucket(t, "podaac")
	srv.CreateBucket(t, "hsfan")
	st := srv.Store(t)
	var gs []Granule
	for d := 0; d < 2; d++ {
		name := fmt.Sprintf("day%03d.nc", d)
		b, err := os.ReadFile(filepath.Join(root, testBucket, "granules", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Put(ctx, "podaac", "MUR25/"+name, b, store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		gs = append(gs, Granule{Bucket: "podaac", Key: "MUR25/" + name, S3: true})
	}
	f, err := hdf.Create(ctx, st, "hsfan", "/mur/s3.h5", hdf.CreateOptions{Owner: "u", Parents: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Index(ctx, st, f, gs, Options{Concat: "time"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.BytesRead*2 > rep.FileBytes {
		t.Errorf("read %d metadata bytes of %d file bytes", rep.BytesRead, rep.FileBytes)
	}
	t.Logf("S3: %d metadata bytes in %d ranged GETs of %d file bytes", rep.BytesRead, rep.Reads, rep.FileBytes)
	f, err = hdf.Open(ctx, st, "hsfan", "/mur/s3.h5")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := f.Resolve(ctx, "/analysed_sst")
	ds, err := f.Dataset(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ds.ReadChunk(ctx, []int{0, 0, 0}, nil); !errors.Is(err, hdf.ErrRefNotAllowed) {
		t.Errorf("reading bucket podaac without an allow-list: %v, want ErrRefNotAllowed", err)
	}
	f.Refs = hdf.RefPolicy{Allow: []string{"podaac"}}
	got := readAllValues(t, f, "/analysed_sst")
	want := wantConcat(t, root, "granules", "analysed_sst", 0, 1)
	if !bytes.Equal(got, want) {
		t.Errorf("/analysed_sst from S3: %d bytes differ from netCDF4-python's %d", len(got), len(want))
	}
}
