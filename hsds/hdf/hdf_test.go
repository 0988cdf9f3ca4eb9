package hdf

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/s3test"
)

const bucket = "hsdstest"

// backends returns a fresh store of every kind: memory, POSIX and S3 (versitygw).
func backends(t *testing.T) map[string]store.Store {
	t.Helper()
	ctx := context.Background()
	mem, err := store.Open(ctx, "mem://", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := mkdir(dir + "/" + bucket); err != nil {
		t.Fatal(err)
	}
	posix, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Store{"mem": mem, "posix": posix}
	if !testing.Short() {
		srv := s3test.Start(t)
		srv.CreateBucket(t, bucket)
		out["s3"] = srv.Store(t)
	}
	return out
}

func forEachBackend(t *testing.T, fn func(t *testing.T, st store.Store)) {
	for name, st := range backends(t) {
		t.Run(name, func(t *testing.T) { fn(t, st) })
	}
}

func TestDomainLifecycle(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		f, err := Create(ctx, st, bucket, "/home/test_user1/example.h5", CreateOptions{Owner: "test_user1", Parents: true})
		if err != nil {
			t.Fatal(err)
		}
		if !schema.IsRootID(f.RootID()) {
			t.Errorf("root id %s is not a root id", f.RootID())
		}
		// The layout HSDS expects: a folder per parent, the domain JSON, the root group without g/.
		for _, key := range []string{"home/.domain.json", "home/test_user1/.domain.json", "home/test_user1/example.h5/.domain.json",
			schema.RootPrefix(f.RootID()) + ".group.json"} {
			if _, err := st.Stat(ctx, bucket, key); err != nil {
				t.Errorf("stat %s: %v", key, err)
			}
		}
		b, _, err := st.Get(ctx, bucket, "home/test_user1/example.h5/.domain.json")
		if err != nil {
			t.Fatal(err)
		}
		var dom map[string]any
		if err := json.Unmarshal(b, &dom); err != nil {
			t.Fatal(err)
		}
		if dom["root"] != f.RootID() || dom["owner"] != "test_user1" || bytes.Contains(b, []byte("\n")) {
			t.Errorf("domain JSON %s: want root, owner, one line", b)
		}
		if _, err := Create(ctx, st, bucket, "/home/test_user1/example.h5", CreateOptions{Owner: "x"}); !errors.Is(err, ErrExists) {
			t.Errorf("second create: %v, want ErrExists", err)
		}
		g, err := Open(ctx, st, bucket, "/home/test_user1/example.h5")
		if err != nil || g.RootID() != f.RootID() {
			t.Fatalf("open: %v %v", g, err)
		}
		folder, err := Open(ctx, st, bucket, "/home/test_user1")
		if err != nil || !folder.Domain.IsFolder() || !folder.Domain.ACLs["default"].Read {
			t.Errorf("folder: %+v %v", folder, err)
		}
		if err := Delete(ctx, st, bucket, "/home/test_user1"); !errors.Is(err, ErrExists) {
			t.Errorf("delete non-empty folder: %v, want ErrExists", err)
		}
		if _, err := f.CreateGroup(ctx, f.RootID(), "g1"); err != nil {
			t.Fatal(err)
		}
		if err := Delete(ctx, st, bucket, "/home/test_user1/example.h5"); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(ctx, st, bucket, "/home/test_user1/example.h5"); !errors.Is(err, ErrNotFound) {
			t.Errorf("open after delete: %v", err)
		}
		n := 0
		_ = st.List(ctx, bucket, schema.RootPrefix(f.RootID()), "", func(store.Entry) error { n++; return nil })
		if n != 0 {
			t.Errorf("%d objects left under the deleted domain", n)
		}
	})
}

func TestBadDomainPaths(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	for _, p := range []string{"/home/../../etc", "home/x.h5", "/home/x.h5/", "", "/a//b", "/a/./b"} {
		if _, err := Open(ctx, st, bucket, p); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("open %q: %v, want a validation error", p, err)
		}
		if _, err := Create(ctx, st, bucket, p, CreateOptions{}); err == nil {
			t.Errorf("create %q succeeded", p)
		}
	}
}

func TestLinksAndResolve(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	f, err := Create(ctx, st, bucket, "/d.h5", CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	g1, err := f.CreateGroup(ctx, f.RootID(), "g1")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.CreateDataset(ctx, g1, "x", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I32LE"`), Dims: []int{4}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Link(ctx, f.RootID(), "soft", schema.Link{H5Path: "/g1/x"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Link(ctx, f.RootID(), "ext", schema.Link{H5Path: "/y", H5Domain: "/other.h5"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, want string
		err        error
	}{
		{"/", f.RootID(), nil}, {"/g1", g1, nil}, {"/g1/x", ds.ID, nil}, {"/soft", ds.ID, nil},
		{"/nope", "", ErrNotFound}, {"/g1/x/y", "", ErrNotFound}, {"/ext", "", ErrUnsupported},
	} {
		got, err := f.Resolve(ctx, tc.path)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("resolve %s = %q, %v; want %q, %v", tc.path, got, err, tc.want, tc.err)
		}
	}
	// Re-linking identically is fine, differently is a conflict.
	if err := f.Link(ctx, f.RootID(), "g1", schema.Link{ID: g1}); err != nil {
		t.Errorf("identical link: %v", err)
	}
	if err := f.Link(ctx, f.RootID(), "g1", schema.Link{ID: ds.ID}); !errors.Is(err, ErrExists) {
		t.Errorf("conflicting link: %v", err)
	}
}

// refArray is a row-major reference copy of a dataset's values.
type refArray struct {
	dims  []int
	vals  []float64
	fill  float64
	order binary.ByteOrder
}

func TestReadWriteSelections(t *testing.T) {
	ctx := context.Background()
	types := []struct {
		typ      string
		size     int
		order    binary.ByteOrder
		float    bool
		filters  string
		fillJSON string
	}{
		{`"H5T_STD_I16LE"`, 2, binary.LittleEndian, false, `[{"class":"H5Z_FILTER_SHUFFLE","id":2,"name":"shuffle"},{"class":"H5Z_FILTER_DEFLATE","id":1,"level":6,"name":"gzip"}]`, "-7"},
		{`"H5T_IEEE_F32LE"`, 4, binary.LittleEndian, true, `["zstd"]`, "1.5"},
		{`"H5T_IEEE_F64BE"`, 8, binary.BigEndian, true, `["lz4"]`, ""},
		{`"H5T_STD_I32BE"`, 4, binary.BigEndian, false, `[{"class":"H5Z_FILTER_SHUFFLE","id":2,"name":"shuffle"}]`, "3"},
		{`"H5T_STD_U8LE"`, 1, binary.LittleEndian, false, ``, ""},
	}
	forEachBackend(t, func(t *testing.T, st store.Store) {
		f, err := Create(ctx, st, bucket, "/rw.h5", CreateOptions{Owner: "u"})
		if err != nil {
			t.Fatal(err)
		}
		for i, tt := range types {
			t.Run(strings.Trim(tt.typ, `"`), func(t *testing.T) {
				spec := DatasetSpec{Type: json.RawMessage(tt.typ), Dims: []int{7, 9, 5}, ChunkDims: []int{3, 4, 5}, ExactChunks: true}
				if tt.filters != "" {
					spec.Filters = json.RawMessage(tt.filters)
				}
				fill := 0.0
				if tt.fillJSON != "" {
					spec.FillValue = json.RawMessage(tt.fillJSON)
					fmt.Sscan(tt.fillJSON, &fill)
				}
				ds, err := f.CreateDataset(ctx, f.RootID(), fmt.Sprintf("ds%d", i), spec)
				if err != nil {
					t.Fatal(err)
				}
				ref := &refArray{dims: []int{7, 9, 5}, vals: make([]float64, 7*9*5), fill: fill, order: tt.order}
				for k := range ref.vals {
					ref.vals[k] = fill
				}
				rng := rand.New(rand.NewPCG(uint64(i), 1))
				for _, s := range []string{"[0:7,0:9,0:5]", "[1:6:2,2:8,1]", "[[0,3,6],4,0:5:2]", "[6,8,4]", "[2:5,0:9:4,1:5]"} {
					sel, err := selection.Parse(s, ds.Dims)
					if err != nil {
						t.Fatal(err)
					}
					vals := make([]float64, sel.Count())
					for k := range vals {
						vals[k] = float64(rng.IntN(200))
						if tt.float {
							vals[k] += 0.25
						}
					}
					if err := ds.Write(ctx, sel, ref.encode(vals, tt.size, tt.float), 0); err != nil {
						t.Fatalf("write %s: %v", s, err)
					}
					ref.set(sel, vals)
					// Every selection read back equals the reference.
					for _, rs := range []string{"[0:7,0:9,0:5]", s, "[::3,1:9:2,4]", "[[1,5],0:9:8,2:4]"} {
						rsel, err := selection.Parse(rs, ds.Dims)
						if err != nil {
							t.Fatal(err)
						}
						got, _, err := ds.Read(ctx, rsel, 3)
						if err != nil {
							t.Fatalf("read %s: %v", rs, err)
						}
						if want := ref.encode(ref.get(rsel), tt.size, tt.float); !bytes.Equal(got, want) {
							t.Fatalf("after write %s, read %s: got %x, want %x", s, rs, got, want)
						}
					}
				}
			})
		}
	})
}

func (r *refArray) index(idx []int) int {
	k := 0
	for d, i := range idx {
		k = k*r.dims[d] + i
	}
	return k
}

func forSel(sel *selection.Selection, fn func(n int, idx []int)) {
	shape := sel.Shape()
	idx := make([]int, len(shape))
	pos := make([]int, len(shape))
	for n := 0; n < int(sel.Count()); n++ {
		for d := range pos {
			idx[d] = sel.Dim(d).Index(pos[d])
		}
		fn(n, idx)
		for d := len(pos) - 1; d >= 0; d-- {
			pos[d]++
			if pos[d] < shape[d] {
				break
			}
			pos[d] = 0
		}
	}
}

func (r *refArray) set(sel *selection.Selection, vals []float64) {
	forSel(sel, func(n int, idx []int) { r.vals[r.index(idx)] = vals[n] })
}

func (r *refArray) get(sel *selection.Selection) []float64 {
	out := make([]float64, sel.Count())
	forSel(sel, func(n int, idx []int) { out[n] = r.vals[r.index(idx)] })
	return out
}

func (r *refArray) encode(vals []float64, size int, float bool) []byte {
	b := make([]byte, len(vals)*size)
	for i, v := range vals {
		p := b[i*size:]
		switch {
		case size == 1:
			p[0] = byte(v)
		case size == 2:
			r.order.PutUint16(p, uint16(int16(v)))
		case size == 4 && float:
			r.order.PutUint32(p, math.Float32bits(float32(v)))
		case size == 4:
			r.order.PutUint32(p, uint32(int32(v)))
		case size == 8:
			r.order.PutUint64(p, math.Float64bits(v))
		}
	}
	return b
}

// TestConcurrentWritersLoseNothing: many writers update different elements of one chunk at
// once (HSDS on Lambda would lose updates here); conditional puts serialise them.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		f, err := Create(ctx, st, bucket, "/conc.h5", CreateOptions{Owner: "u"})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I32LE"`),
			Dims: []int{64}, ChunkDims: []int{64}, ExactChunks: true, Filters: json.RawMessage(`["gzip"]`)})
		if err != nil {
			t.Fatal(err)
		}
		const writers = 16
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sel, _ := selection.Parse(fmt.Sprintf("[%d:%d]", 4*w, 4*w+4), ds.Dims)
				v := make([]byte, 16)
				for k := 0; k < 4; k++ {
					binary.LittleEndian.PutUint32(v[4*k:], uint32(100*w+k+1))
				}
				errs <- ds.Write(ctx, sel, v, 1)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, _, err := ds.Read(ctx, selection.All(ds.Dims), 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 64; i++ {
			want := uint32(100*(i/4) + i%4 + 1)
			if v := binary.LittleEndian.Uint32(got[4*i:]); v != want {
				t.Errorf("element %d = %d, want %d (a lost update)", i, v, want)
			}
		}
	})
}

func TestFillAndScalar(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	f, _ := Create(ctx, st, bucket, "/fill.h5", CreateOptions{Owner: "u"})
	ds, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I16LE"`), Dims: []int{10}, FillValue: json.RawMessage("7")})
	if err != nil {
		t.Fatal(err)
	}
	got, io, err := ds.Read(ctx, selection.All(ds.Dims), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if v := int16(binary.LittleEndian.Uint16(got[2*i:])); v != 7 {
			t.Fatalf("unwritten element %d = %d, want fill 7", i, v)
		}
	}
	if io.Allocated != 0 {
		t.Errorf("allocated chunks %d, want 0", io.Allocated)
	}
	sc, err := f.CreateDataset(ctx, f.RootID(), "s", DatasetSpec{Type: json.RawMessage(`"H5T_IEEE_F64LE"`)})
	if err != nil {
		t.Fatal(err)
	}
	if k := sc.ChunkKey(nil); !strings.HasSuffix(k, "/0") {
		t.Errorf("scalar chunk key %s, want .../0", k)
	}
	v := make([]byte, 8)
	binary.LittleEndian.PutUint64(v, math.Float64bits(2.5))
	if err := sc.Write(ctx, selection.All(nil), v, 0); err != nil {
		t.Fatal(err)
	}
	got, _, err = sc.Read(ctx, selection.All(nil), 0)
	if err != nil || !bytes.Equal(got, v) {
		t.Errorf("scalar read %x, %v; want %x", got, err, v)
	}
}

// TestZeroExtentDataset: a [4, 0] dataset gets chunk dims [4, 1] (HSDS stores [4, 0], which no
// chunked layout allows; issue 10); it must open, read empty and accept empty writes, fixed and
// variable length (found by the interop suite against HSDS).
func TestZeroExtentDataset(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	f, _ := Create(ctx, st, bucket, "/zero.h5", CreateOptions{Owner: "u"})
	ds, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I16LE"`), Dims: []int{4, 0}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ds.Obj.Layout.Dims; len(got) != 2 || got[0] != 4 || got[1] != 1 {
		t.Errorf("stored layout %v, want [4 1]", got)
	}
	got, _, err := ds.Read(ctx, selection.All(ds.Dims), 0)
	if err != nil || len(got) != 0 {
		t.Fatalf("read = %x, %v; want nothing", got, err)
	}
	if err := ds.Write(ctx, selection.All(ds.Dims), nil, 0); err != nil {
		t.Fatalf("empty write: %v", err)
	}
	vstr := json.RawMessage(`{"class":"H5T_STRING","charSet":"H5T_CSET_UTF8","strPad":"H5T_STR_NULLTERM","length":"H5T_VARIABLE"}`)
	obj, err := f.CreateVlenDataset(ctx, DatasetSpec{Type: vstr, Dims: []int{0, 3}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	vd, err := OpenVlenDataset(st, bucket, obj)
	if err != nil {
		t.Fatal(err)
	}
	elems, err := vd.Read(ctx, selection.All(vd.Dims), 0)
	if err != nil || len(elems) != 0 {
		t.Fatalf("vlen read = %q, %v; want nothing", elems, err)
	}
}

func TestCorruptChunksAreErrors(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	f, _ := Create(ctx, st, bucket, "/bad.h5", CreateOptions{Owner: "u"})
	ds, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I32LE"`), Dims: []int{8},
		ChunkDims: []int{8}, ExactChunks: true, Filters: json.RawMessage(`["shuffle","gzip"]`)})
	if err != nil {
		t.Fatal(err)
	}
	small, err := f.CreateDataset(ctx, f.RootID(), "y", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I32LE"`), Dims: []int{4},
		ChunkDims: []int{4}, ExactChunks: true, Filters: json.RawMessage(`["shuffle","gzip"]`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := small.WriteChunk(ctx, []int{0}, make([]byte, 16)); err != nil {
		t.Fatal(err)
	}
	wrongSize, _, _ := st.Get(ctx, bucket, small.ChunkKey([]int{0}))
	for name, raw := range map[string][]byte{
		"garbage":         []byte("not a chunk at all"),
		"truncated frame": wrongSize[:len(wrongSize)-3],
		"wrong size":      wrongSize, // a valid frame of 16 bytes where 32 are due
		"empty":           {},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := st.Put(ctx, bucket, ds.ChunkKey([]int{0}), raw, store.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			_, _, err := ds.Read(ctx, selection.All(ds.Dims), 0)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), ds.ID) {
				t.Errorf("read of a %s chunk: %v, want ErrCorrupt naming the dataset", name, err)
			}
		})
	}
}

func TestExternalLinks(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	a, _ := Create(ctx, st, bucket, "/a.h5", CreateOptions{Owner: "u"})
	b, _ := Create(ctx, st, bucket, "/b.h5", CreateOptions{Owner: "u"})
	g, err := b.CreateGroup(ctx, b.RootID(), "grp")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := b.CreateDataset(ctx, g, "x", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I16LE"`), Dims: []int{3}})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.Link(ctx, a.RootID(), "ext", schema.Link{H5Domain: "/b.h5", H5Path: "/grp"}))
	must(a.Link(ctx, a.RootID(), "loop", schema.Link{H5Domain: "/a.h5", H5Path: "/loop"}))
	got, err := a.OpenDatasetPath(ctx, "/ext/x")
	if err != nil || got.ID != ds.ID {
		t.Fatalf("open /ext/x = %v, %v; want dataset %s of /b.h5", got, err, ds.ID)
	}
	if _, err := a.Resolve(ctx, "/ext/x"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Resolve across domains: %v, want ErrUnsupported", err)
	}
	if _, err := a.OpenDatasetPath(ctx, "/loop"); err == nil || !strings.Contains(err.Error(), "external links") {
		t.Errorf("a cycle of external links: %v", err)
	}
}
