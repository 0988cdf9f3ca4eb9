package h5file

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
)

// genFiles runs testdata/gen.py once per test binary: HDF5 and netCDF-4 files written by
// h5py and netCDF4-python, and h5py's description of them (manifest.json).
var (
	genOnce sync.Once
	genDir  string
	genErr  error
)

func generated(t testing.TB) (string, map[string]manifestFile) {
	t.Helper()
	genOnce.Do(func() {
		dir, err := os.MkdirTemp("", "h5file-gen-")
		if err != nil {
			genErr = err
			return
		}
		genDir = dir
		out, err := exec.Command("/usr/bin/python3", "testdata/gen.py", dir).CombinedOutput()
		if err != nil {
			genErr = fmt.Errorf("gen.py: %v: %s", err, out)
		}
	})
	if genErr != nil {
		if os.Getenv("HSFAN_REQUIRE_PYTHON") != "" {
			t.Fatal(genErr)
		}
		t.Skip(genErr)
	}
	b, err := os.ReadFile(filepath.Join(genDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]manifestFile
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return genDir, m
}

type manifestFile struct {
	Datasets map[string]manifestDataset `json:"datasets"`
	Groups   []string                   `json:"groups"`
}

type manifestDataset struct {
	Shape     []uint64         `json:"shape"`
	Dtype     string           `json:"dtype"`
	Chunks    []uint64         `json:"chunks"`
	Layout    int              `json:"layout"`
	ChunkInfo [][]any          `json:"chunk_info"`
	Offset    *int64           `json:"offset"`
	Size      int64            `json:"size"`
	Filters   []int            `json:"filters"`
	Fill      string           `json:"fill"`
	Attrs     map[string][]any `json:"attrs"`
}

func openFile(t testing.TB, path string) *File {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(context.Background(), BytesSource(b), filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestAgainstH5py reads every generated file and checks each dataset's shape, chunk shape,
// chunk table (against h5py's get_chunk_info), contiguous extent, filters, fill value and
// attributes against what h5py reports.
func TestAgainstH5py(t *testing.T) {
	dir, man := generated(t)
	names := make([]string, 0, len(man))
	for n := range man {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		want := man[name]
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			f := openFile(t, filepath.Join(dir, name))
			got := map[string]*Object{}
			var groups []string
			err := f.Walk(ctx, func(o *Object) error {
				if o.IsGroup {
					groups = append(groups, o.Path)
				} else {
					got[o.Path] = o
				}
				return nil
			})
			if errors.Is(err, ErrUnsupported) {
				t.Fatalf("walk: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(groups)
			if fmt.Sprint(groups) != fmt.Sprint(want.Groups) {
				t.Errorf("groups %v, h5py %v", groups, want.Groups)
			}
			for path, wd := range want.Datasets {
				o := got[path]
				if o == nil {
					t.Errorf("%s: not found", path)
					continue
				}
				checkDataset(t, f, o, wd)
			}
			if len(got) != len(want.Datasets) {
				t.Errorf("%d datasets, h5py %d", len(got), len(want.Datasets))
			}
		})
	}
}

func checkDataset(t *testing.T, f *File, o *Object, w manifestDataset) {
	t.Helper()
	ctx := context.Background()
	d := o.Dataset
	if fmt.Sprint(d.Space.Dims) != fmt.Sprint(w.Shape) {
		t.Errorf("%s: dims %v, h5py %v", d.Path, d.Space.Dims, w.Shape)
	}
	if d.Layout.Class != w.Layout {
		t.Errorf("%s: layout class %d, h5py %d", d.Path, d.Layout.Class, w.Layout)
	}
	var fids []int
	for _, fl := range d.Filters {
		fids = append(fids, fl.ID)
	}
	if fmt.Sprint(fids) != fmt.Sprint(w.Filters) && !(len(fids) == 0 && len(w.Filters) == 0) {
		t.Errorf("%s: filters %v, h5py %v", d.Path, fids, w.Filters)
	}
	fill := make([]byte, d.Type.Size)
	if d.Fill.Defined {
		fill = d.Fill.Value
	}
	if hex.EncodeToString(fill) != w.Fill {
		t.Errorf("%s: fill %x, h5py %s", d.Path, fill, w.Fill)
	}
	switch d.Layout.Class {
	case LayoutChunked:
		if fmt.Sprint(d.Layout.ChunkDims) != fmt.Sprint(w.Chunks) {
			t.Errorf("%s: chunk dims %v, h5py %v", d.Path, d.Layout.ChunkDims, w.Chunks)
		}
		chunks, err := f.Chunks(ctx, d)
		if err != nil {
			t.Errorf("%s (%s index): %v", d.Path, IndexName(d.Layout.Index), err)
			return
		}
		var got, want []string
		for _, c := range chunks {
			got = append(got, fmt.Sprint(c.Offset, c.Addr, c.Size, c.FilterMask))
		}
		for _, ci := range w.ChunkInfo {
			off := ci[0].([]any)
			var o []uint64
			for _, v := range off {
				o = append(o, uint64(v.(float64)))
			}
			want = append(want, fmt.Sprint(o, int64(ci[1].(float64)), int64(ci[2].(float64)), uint32(ci[3].(float64))))
		}
		sort.Strings(got)
		sort.Strings(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s (%s index): chunks\n got %v\nwant %v", d.Path, IndexName(d.Layout.Index), got, want)
		}
	case LayoutContiguous:
		if w.Offset != nil && (f.AbsOffset(d.Layout.Addr) != *w.Offset || int64(d.Layout.Size) != w.Size) {
			t.Errorf("%s: contiguous at %d+%d, h5py %d+%d", d.Path, f.AbsOffset(d.Layout.Addr), d.Layout.Size, *w.Offset, w.Size)
		}
	}
	attrs := map[string]Attribute{}
	for _, a := range o.Attrs {
		attrs[a.Name] = a
	}
	for name, wv := range w.Attrs {
		a, ok := attrs[name]
		if !ok {
			t.Errorf("%s: attribute %q missing", d.Path, name)
			continue
		}
		v, err := f.Value(ctx, a)
		if err != nil {
			t.Errorf("%s: attribute %q: %v", d.Path, name, err)
			continue
		}
		var gs []string
		switch v := v.(type) {
		case []int64:
			for _, x := range v {
				gs = append(gs, fmt.Sprint(float64(x)))
			}
		case []uint64:
			for _, x := range v {
				gs = append(gs, fmt.Sprint(float64(x)))
			}
		case []float64:
			for _, x := range v {
				gs = append(gs, fmt.Sprint(x))
			}
		case []string:
			gs = v
		}
		var ws []string
		for _, x := range wv {
			ws = append(ws, fmt.Sprint(x))
		}
		if fmt.Sprint(gs) != fmt.Sprint(ws) {
			t.Errorf("%s: attribute %q = %v, h5py %v", d.Path, name, gs, ws)
		}
	}
}
