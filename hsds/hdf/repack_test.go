package hdf

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/hsfan/hsfan/hsds/codec"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// legacyEncode writes a chunk as hsfan did before its chunk format fix: HDF5 byte shuffle, then
// a typesize-1 blosc frame without blosc's shuffle flag.
func legacyEncode(t *testing.T, p codec.Pipeline, vals []byte) []byte {
	t.Helper()
	cname := p.Compressor
	if cname == "gzip" {
		cname = "zlib"
	}
	f, err := codec.BloscEncode(codec.Shuffle(nil, vals, p.ItemSize), cname, 5, false, 1)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// repackFixture is a domain with a gzip+shuffle int32 dataset of 4 chunks (/g/sst), a second
// zstd+shuffle float64 one (/f64), and datasets Repack must not examine: gzip without shuffle
// (/plain), shuffle+gzip with 1-byte items (/u8) and shuffle only (/shuf).
type repackFixture struct {
	f          *File
	st         store.Store
	sst, f64   *Dataset
	sstVals    []byte
	legacyKeys []string
}

func newRepackFixture(t *testing.T, st store.Store) *repackFixture {
	t.Helper()
	ctx := context.Background()
	f, err := Create(ctx, st, bucket, "/repack.h5", CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.CreateGroup(ctx, f.RootID(), "g")
	if err != nil {
		t.Fatal(err)
	}
	mk := func(parent, name, typ, filters string, dims, chunks []int) *Dataset {
		d, err := f.CreateDataset(ctx, parent, name, DatasetSpec{Type: json.RawMessage(typ), Dims: dims,
			ChunkDims: chunks, ExactChunks: true, Filters: json.RawMessage(filters)})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	fx := &repackFixture{f: f, st: st}
	fx.sst = mk(g, "sst", `"H5T_STD_I32LE"`, `["shuffle","gzip"]`, []int{4, 50}, []int{1, 50})
	fx.f64 = mk(f.RootID(), "f64", `"H5T_IEEE_F64LE"`, `["shuffle",{"class":"H5Z_FILTER_ZSTD","id":32015,"name":"zstd"}]`, []int{100}, []int{100})
	plain := mk(f.RootID(), "plain", `"H5T_STD_I32LE"`, `["gzip"]`, []int{100}, []int{100})
	u8 := mk(f.RootID(), "u8", `"H5T_STD_U8LE"`, `["shuffle","gzip"]`, []int{100}, []int{100})
	shuf := mk(f.RootID(), "shuf", `"H5T_STD_I32LE"`, `["shuffle"]`, []int{100}, []int{100})
	if fx.sst.Pipeline.Shuffle != codec.ShuffleByte || fx.f64.Pipeline.Compressor != "zstd" {
		t.Fatalf("pipelines %+v %+v", fx.sst.Pipeline, fx.f64.Pipeline)
	}
	fx.sstVals = make([]byte, 4*50*4)
	for i := range 200 {
		binary.LittleEndian.PutUint32(fx.sstVals[4*i:], uint32(300000+i*7-(i%13)*1000))
	}
	// Chunks 0, 1, 3 legacy, chunk 2 current.
	for c := range 4 {
		vals := fx.sstVals[c*200 : (c+1)*200]
		if c == 2 {
			if err := fx.sst.WriteChunk(ctx, []int{c, 0}, vals); err != nil {
				t.Fatal(err)
			}
			continue
		}
		key := fx.sst.ChunkKey([]int{c, 0})
		if _, err := st.Put(ctx, bucket, key, legacyEncode(t, fx.sst.Pipeline, vals), store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		fx.legacyKeys = append(fx.legacyKeys, key)
	}
	f64 := make([]byte, 800)
	for i := range 100 {
		binary.LittleEndian.PutUint64(f64[8*i:], uint64(0x4059000000000000)+uint64(i)<<20)
	}
	key := fx.f64.ChunkKey([]int{0})
	if _, err := st.Put(ctx, bucket, key, legacyEncode(t, fx.f64.Pipeline, f64), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	fx.legacyKeys = append(fx.legacyKeys, key)
	// Frames without the shuffle flag in datasets that cannot hold legacy chunks.
	for _, d := range []*Dataset{plain, u8} {
		vals := bytes.Repeat([]byte{1, 2, 3, 4}, d.ChunkBytes()/4)
		if err := d.WriteChunk(ctx, []int{0}, vals); err != nil {
			t.Fatal(err)
		}
	}
	if err := shuf.WriteChunk(ctx, []int{0}, make([]byte, 400)); err != nil {
		t.Fatal(err)
	}
	return fx
}

func (fx *repackFixture) etags(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fx.st.List(context.Background(), bucket, schema.RootPrefix(fx.f.RootID()), "", func(e store.Entry) error {
		out[e.Key] = e.ETag
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readAll(t *testing.T, d *Dataset) ([]byte, error) {
	t.Helper()
	sel, err := selection.Parse("", d.Dims)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := d.Read(context.Background(), sel, 2)
	return b, err
}

func TestLegacyChunkRefused(t *testing.T) {
	st, _ := store.Open(context.Background(), "mem://", store.Options{})
	fx := newRepackFixture(t, st)
	_, err := readAll(t, fx.sst)
	if !errors.Is(err, codec.ErrLegacyShuffle) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("read of legacy chunks: %v, want ErrLegacyShuffle and ErrCorrupt", err)
	}
	msg := err.Error()
	for _, want := range []string{fx.sst.ID, "db/", "hsfan repack", "HSDS"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	// A partial write to a legacy chunk is refused too (its values cannot be trusted).
	sel, _ := selection.Parse("[0:1,0:2]", fx.sst.Dims)
	if err := fx.sst.Write(context.Background(), sel, make([]byte, 8), 1); !errors.Is(err, codec.ErrLegacyShuffle) {
		t.Fatalf("partial write into a legacy chunk: %v", err)
	}
}

func TestRepack(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		fx := newRepackFixture(t, st)
		before := fx.etags(t)
		// Check: counts, writes nothing.
		rep, err := fx.f.Repack(ctx, RepackOptions{Check: true})
		if err != nil {
			t.Fatal(err)
		}
		want := []RepackDataset{
			{Path: "/f64", ID: fx.f64.ID, Chunks: 1, Legacy: 1},
			{Path: "/g/sst", ID: fx.sst.ID, Chunks: 4, Legacy: 3},
		}
		if !equalRepack(rep, want) {
			t.Fatalf("check report %+v, want %+v", rep, want)
		}
		if after := fx.etags(t); !equalMaps(before, after) {
			t.Fatal("Repack with Check changed objects")
		}
		// One dataset by path.
		rep, err = fx.f.Repack(ctx, RepackOptions{Dataset: "/f64"})
		if err != nil {
			t.Fatal(err)
		}
		if want := []RepackDataset{{Path: "/f64", ID: fx.f64.ID, Chunks: 1, Legacy: 1, Rewritten: 1}}; !equalRepack(rep, want) {
			t.Fatalf("repack /f64: %+v", rep)
		}
		// The rest; only legacy chunks are written.
		rep, err = fx.f.Repack(ctx, RepackOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := []RepackDataset{{Path: "/f64", ID: fx.f64.ID, Chunks: 1}, {Path: "/g/sst", ID: fx.sst.ID, Chunks: 4, Legacy: 3, Rewritten: 3}}; !equalRepack(rep, want) {
			t.Fatalf("repack: %+v", rep)
		}
		after := fx.etags(t)
		for k, e := range before {
			changed := after[k] != e
			isLegacy := false
			for _, lk := range fx.legacyKeys {
				isLegacy = isLegacy || lk == k
			}
			if changed != isLegacy {
				t.Errorf("%s: changed %v, legacy %v", k, changed, isLegacy)
			}
		}
		got, err := readAll(t, fx.sst)
		if err != nil || !bytes.Equal(got, fx.sstVals) {
			t.Fatalf("values after repack differ: %v", err)
		}
		if _, err := readAll(t, fx.f64); err != nil {
			t.Fatal(err)
		}
		// The rewritten chunks are current frames: blosc's own shuffle, typesize = item size.
		raw, _, _ := st.Get(ctx, bucket, fx.legacyKeys[0])
		if info, err := codec.BloscInfo(raw); err != nil || !info.Shuffle || info.TypeSize != 4 {
			t.Fatalf("rewritten chunk header %+v %v", info, err)
		}
		// Idempotent.
		rep, err = fx.f.Repack(ctx, RepackOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rep {
			if r.Legacy != 0 || r.Rewritten != 0 {
				t.Fatalf("second repack: %+v", rep)
			}
		}
		if again := fx.etags(t); !equalMaps(after, again) {
			t.Fatal("second repack wrote objects")
		}
	})
}

func TestRepackErrors(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	fx := newRepackFixture(t, st)
	if _, err := fx.f.Repack(ctx, RepackOptions{Dataset: "/nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing dataset: %v", err)
	}
	if _, err := fx.f.Repack(ctx, RepackOptions{Dataset: "/g"}); err == nil || !strings.Contains(err.Error(), "not a dataset") {
		t.Errorf("group: %v", err)
	}
	// A legacy-looking frame that does not decode is reported, not rewritten.
	key := fx.legacyKeys[0]
	raw, _, _ := st.Get(ctx, bucket, key)
	bad := append([]byte(nil), raw...)
	bad[len(bad)-1] ^= 0xff
	bad[len(bad)-2] ^= 0xff
	if _, err := st.Put(ctx, bucket, key, bad, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.f.Repack(ctx, RepackOptions{Dataset: "/g/sst"}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("corrupt legacy chunk: %v", err)
	}
}

// racingStore makes another writer replace a chunk with a current one just before Repack's
// conditional write of it.
type racingStore struct {
	store.Store
	once  sync.Once
	key   string
	write func()
}

func (s *racingStore) Put(ctx context.Context, bucket, key string, data []byte, opts store.PutOptions) (store.ObjectInfo, error) {
	if key == s.key && opts.IfMatch != "" {
		s.once.Do(s.write)
	}
	return s.Store.Put(ctx, bucket, key, data, opts)
}

func TestRepackDoesNotOverwriteConcurrentWriter(t *testing.T) {
	ctx := context.Background()
	mem, _ := store.Open(ctx, "mem://", store.Options{})
	fx := newRepackFixture(t, mem)
	other := bytes.Repeat([]byte{9, 0, 0, 0}, 50)
	rs := &racingStore{Store: mem, key: fx.sst.ChunkKey([]int{1, 0})}
	rs.write = func() {
		if err := fx.sst.WriteChunk(ctx, []int{1, 0}, other); err != nil {
			t.Error(err)
		}
	}
	f, err := Open(ctx, rs, bucket, "/repack.h5")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := f.Repack(ctx, RepackOptions{Dataset: "/g/sst"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []RepackDataset{{Path: "/g/sst", ID: fx.sst.ID, Chunks: 4, Legacy: 3, Rewritten: 2, Raced: 1}}; !equalRepack(rep, want) {
		t.Fatalf("report %+v, want %+v", rep, want)
	}
	got, _, err := fx.sst.ReadChunk(ctx, []int{1, 0}, nil)
	if err != nil || !bytes.Equal(got, other) {
		t.Fatalf("the concurrent writer's chunk was overwritten: %v", err)
	}
}

func equalRepack(a, b []RepackDataset) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
