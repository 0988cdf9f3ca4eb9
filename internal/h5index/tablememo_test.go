package h5index

import (
	"bytes"
	"context"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
)

// TestTableMemo: over a concatenated domain (H5D_CHUNKED_REF_INDIRECT), a Dataset opened with
// TableMemo reads the chunk table once: reading every chunk costs one ranged GET per chunk plus
// the table's object and chunks once, and yields the same bytes as without the memo.
func TestTableMemo(t *testing.T) {
	ctx := context.Background()
	_, st := makeGranules(t, 36, 72, 9, 18, 0, 1)
	f, err := hdf.Create(ctx, st, testBucket, "/m.h5", hdf.CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Index(ctx, st, f, []Granule{granule(0), granule(1)}, Options{Concat: "time"}); err != nil {
		t.Fatal(err)
	}
	id, err := f.Resolve(ctx, "/analysed_sst")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := f.Dataset(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(plain.Obj.CreationProperties, []byte(schema.LayoutChunkedRefIndirect)) {
		t.Fatalf("layout %s, want %s", plain.Obj.CreationProperties, schema.LayoutChunkedRefIndirect)
	}
	read := func(memo bool) ([]byte, int64, int64) {
		rs := &remoteStore{Store: st}
		ds, err := hdf.OpenDatasetWith(rs, testBucket, &plain.Obj, hdf.DatasetOptions{TableMemo: memo})
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := ds.Read(ctx, selection.All(ds.Dims), 1)
		if err != nil {
			t.Fatal(err)
		}
		return b, rs.gets.Load(), rs.ranges.Load()
	}
	want, getsPlain, rangesPlain := read(false)
	got, getsMemo, rangesMemo := read(true)
	if !bytes.Equal(got, want) {
		t.Fatal("values differ with the table memo")
	}
	chunks := int64(2 * 4 * 4)
	if rangesPlain != chunks || rangesMemo != chunks {
		t.Errorf("ranged GETs %d and %d, want %d", rangesPlain, rangesMemo, chunks)
	}
	if getsPlain < 2*chunks || getsMemo > 4 {
		t.Errorf("metadata GETs %d without the memo, %d with it: want >= %d and <= 4", getsPlain, getsMemo, 2*chunks)
	}
	t.Logf("metadata GETs for %d chunks: %d without the memo, %d with it", chunks, getsPlain, getsMemo)
}
