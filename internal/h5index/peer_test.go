package h5index

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

func TestMain(m *testing.M) { os.Exit(hsdspeer.Main(m)) }

// peerGranules writes MUR-like granules into the peer's bucket (ROOT/hsdstest/granules/), where
// HSDS resolves file_uri "hsdstest/granules/..." (datanode_lib.get_chunk, POSIX driver).
func peerGranules(t *testing.T, p *hsdspeer.Peer, sub string, ny, nx, cy, cx int, days ...int) (string, store.Store) {
	t.Helper()
	dir := filepath.Join(p.Root, hsdspeer.Bucket, sub)
	args := []string{"testdata/mur.py", dir, fmt.Sprint(ny), fmt.Sprint(nx), fmt.Sprint(cy), fmt.Sprint(cx)}
	for _, d := range days {
		args = append(args, fmt.Sprint(d))
	}
	if out, err := exec.Command("/usr/bin/python3", args...).CombinedOutput(); err != nil {
		t.Fatalf("mur.py: %v: %s", err, out)
	}
	st, err := store.Open(context.Background(), "file://"+p.Root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return dir, st
}

// hsdsValues reads a whole dataset of dom from the real HSDS as binary.
func hsdsValues(t *testing.T, p *hsdspeer.Peer, f *hdf.File, dom, path string) []byte {
	t.Helper()
	id, err := f.Resolve(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	code, b := p.Do(t, hsdspeer.Request{Method: "GET", Path: "/datasets/" + id + "/value", Domain: dom, Accept: true})
	if code != 200 {
		t.Fatalf("HSDS GET %s value: %d %s", path, code, b)
	}
	return b
}

// TestPeerServesIndexedGranule: a granule indexed by hsfan (H5D_CHUNKED_REF and
// H5D_CONTIGUOUS_REF into the netCDF-4 file) is served by the real HSDS 0.9.4 with the values
// netCDF4-python reads from the file, and by hsfan with the same bytes.
func TestPeerServesIndexedGranule(t *testing.T) {
	p := hsdspeer.Shared(t)
	ctx := context.Background()
	dir, st := peerGranules(t, p, "granules1", 180, 360, 90, 180, 3)
	dom := hsdspeer.Home + "/indexed1.h5"
	f, err := hdf.Create(ctx, st, hsdspeer.Bucket, dom, hdf.CreateOptions{Owner: hsdspeer.User,
		ACLs: map[string]schema.ACL{"default": {Read: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Index(ctx, st, f, []Granule{{Bucket: hsdspeer.Bucket, Key: "granules1/day003.nc"}}, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"analysed_sst", "lat", "lon", "time"} {
		want, err := os.ReadFile(filepath.Join(dir, "day003.nc."+v+".bin"))
		if err != nil {
			t.Fatal(err)
		}
		got := hsdsValues(t, p, f, dom, "/"+v)
		if !bytes.Equal(got, want) {
			t.Errorf("HSDS /%s: %d bytes differ from netCDF4-python's %d", v, len(got), len(want))
		}
		if mine := readAllValues(t, f, "/"+v); !bytes.Equal(mine, got) {
			t.Errorf("hsfan /%s differs from HSDS", v)
		}
	}
}

// TestPeerServesConcatDomain: daily granules joined along time (H5D_CHUNKED_REF_INDIRECT with a
// chunk table whose third field is each chunk's file_uri, then one more day appended) are served
// by the real HSDS 0.9.4 with netCDF4-python's values, and by hsfan with the same bytes.
func TestPeerServesConcatDomain(t *testing.T) {
	p := hsdspeer.Shared(t)
	ctx := context.Background()
	dir, st := peerGranules(t, p, "granules3", 72, 144, 36, 72, 0, 1, 2)
	dom := hsdspeer.Home + "/indexed3.h5"
	f, err := hdf.Create(ctx, st, hsdspeer.Bucket, dom, hdf.CreateOptions{Owner: hsdspeer.User,
		ACLs: map[string]schema.ACL{"default": {Read: true}}})
	if err != nil {
		t.Fatal(err)
	}
	g := func(d int) Granule {
		return Granule{Bucket: hsdspeer.Bucket, Key: fmt.Sprintf("granules3/day%03d.nc", d)}
	}
	if _, err := Index(ctx, st, f, []Granule{g(0), g(1)}, Options{Concat: "time"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Append(ctx, st, f, []Granule{g(2)}, Options{Concat: "time"}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"analysed_sst", "time"} {
		var want []byte
		for d := 0; d < 3; d++ {
			b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("day%03d.nc.%s.bin", d, v)))
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, b...)
		}
		got := hsdsValues(t, p, f, dom, "/"+v)
		if !bytes.Equal(got, want) {
			t.Errorf("HSDS /%s: %d bytes differ from netCDF4-python's %d", v, len(got), len(want))
		}
		if mine := readAllValues(t, f, "/"+v); !bytes.Equal(mine, got) {
			t.Errorf("hsfan /%s differs from HSDS", v)
		}
	}
}
