package h5index

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// dumpH5py writes each numeric dataset's values as h5py reads them (the file's byte order) to
// DIR/NAME.bin and lists them in DIR/values.json.
const dumpH5py = `
import json, os, sys
import h5py, numpy as np
path, out = sys.argv[1], sys.argv[2]
names = []
with h5py.File(path, "r") as f:
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "iuf":
            np.ascontiguousarray(obj[...]).tofile(os.path.join(out, name.replace("/", "_") + ".bin"))
            names.append("/" + name)
    f.visititems(visit)
json.dump(names, open(os.path.join(out, "values.json"), "w"))
`

// TestPeerServesH5pyIndexTypes indexes the h5py files of hsds/h5file/testdata/gen.py (libver
// earliest and latest: v1 B-tree, single chunk, implicit, fixed array (paged too), extensible
// array, v2 B-tree; gzip, shuffle; big-endian; dense links and attributes) and checks every
// numeric dataset, read through the real HSDS and through hsfan, against h5py. Datasets the
// index refuses (fletcher32) must be listed as skipped, not served.
func TestPeerServesH5pyIndexTypes(t *testing.T) {
	p := hsdspeer.Shared(t)
	ctx := context.Background()
	dir := filepath.Join(p.Root, hsdspeer.Bucket, "h5py")
	if out, err := exec.Command("/usr/bin/python3", "../../hsds/h5file/testdata/gen.py", dir).CombinedOutput(); err != nil {
		t.Fatalf("gen.py: %v: %s", err, out)
	}
	_, st := peerGranules(t, p, "unused", 4, 4, 4, 4, 0)
	for _, name := range []string{"h5py_earliest.h5", "h5py_latest.h5"} {
		t.Run(name, func(t *testing.T) {
			vals := filepath.Join(t.TempDir())
			if out, err := exec.Command("/usr/bin/python3", "-c", dumpH5py, filepath.Join(dir, name), vals).CombinedOutput(); err != nil {
				t.Fatalf("dump: %v: %s", err, out)
			}
			var names []string
			b, _ := os.ReadFile(filepath.Join(vals, "values.json"))
			if err := json.Unmarshal(b, &names); err != nil {
				t.Fatal(err)
			}
			dom := hsdspeer.Home + "/" + strings.TrimSuffix(name, ".h5") + "-idx.h5"
			f, err := hdf.Create(ctx, st, hsdspeer.Bucket, dom, hdf.CreateOptions{Owner: hsdspeer.User,
				ACLs: map[string]schema.ACL{"default": {Read: true}}})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Index(ctx, st, f, []Granule{{Bucket: hsdspeer.Bucket, Key: "h5py/" + name}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			skipped := strings.Join(rep.Skipped, "\n")
			if !strings.Contains(skipped, "/btree_fixed") || !strings.Contains(skipped, "fletcher32") || strings.Count(skipped, "\n") != 0 {
				t.Errorf("skipped:\n%s\nwant /btree_fixed (fletcher32) listed and nothing else", skipped)
			}
			checked := 0
			for _, n := range names {
				if n == "/btree_fixed" {
					continue
				}
				want, err := os.ReadFile(filepath.Join(vals, strings.ReplaceAll(strings.TrimPrefix(n, "/"), "/", "_")+".bin"))
				if err != nil {
					t.Fatal(err)
				}
				got := hsdsValues(t, p, f, dom, n)
				if !bytes.Equal(got, want) {
					t.Errorf("HSDS %s: %d bytes differ from h5py's %d", n, len(got), len(want))
				}
				if mine := readAllValues(t, f, n); !bytes.Equal(mine, want) {
					t.Errorf("hsfan %s: %d bytes differ from h5py's %d", n, len(mine), len(want))
				}
				checked++
			}
			t.Logf("%s: %d datasets equal to h5py through HSDS and hsfan; skipped:\n%s", name, checked, skipped)
		})
	}
}
