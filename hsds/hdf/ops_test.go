package hdf

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

func TestAPIEngineOps(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	if _, err := Create(ctx, st, "b", "/home", CreateOptions{Owner: "u", Folder: true}); err != nil {
		t.Fatal(err)
	}
	f, err := Create(ctx, st, "b", "/home/f.h5", CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I8LE"`),
		Dims: []int{8}, MaxDims: []int{0}, ChunkDims: []int{4}, ExactChunks: true, FillValue: json.RawMessage(`9`)})
	if err != nil {
		t.Fatal(err)
	}
	all := selection.All(d.Dims)
	if err := d.Write(ctx, all, []byte{1, 2, 3, 4, 5, 6, 7, 8}, 0); err != nil {
		t.Fatal(err)
	}
	// Shrink to 3: chunk 1 is deleted, chunk 0 keeps [1 2 3] and fill beyond.
	if _, err := f.Resize(ctx, d.ID, []int{3}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Stat(ctx, "b", d.ChunkKey([]int{1})); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("chunk 1 after shrink: %v", err)
	}
	if _, err := f.Resize(ctx, d.ID, []int{6}); err != nil {
		t.Fatal(err)
	}
	d2, _ := f.Dataset(ctx, d.ID)
	got, _, err := d2.Read(ctx, selection.All(d2.Dims), 0)
	if err != nil || string(got) != string([]byte{1, 2, 3, 9, 9, 9}) {
		t.Errorf("after shrink and grow: %v %v", got, err)
	}
	if _, err := f.Resize(ctx, d.ID, []int{2, 2}); !errors.Is(err, ErrShape) {
		t.Errorf("rank change: %v", err)
	}
	// Attributes: identical re-put is not a create, a different one is ErrExists.
	a := schema.Attribute{Type: json.RawMessage(`{"class":"H5T_INTEGER","base":"H5T_STD_I8LE"}`), Shape: schema.Shape{Class: schema.ShapeScalar}, Value: json.RawMessage(`1`)}
	for i, want := range []bool{true, false} {
		if created, err := f.PutAttribute(ctx, d.ID, "a", a, false); err != nil || created != want {
			t.Errorf("put %d: created %v err %v", i, created, err)
		}
	}
	a.Value = json.RawMessage(`2`)
	if _, err := f.PutAttribute(ctx, d.ID, "a", a, false); !errors.Is(err, ErrExists) {
		t.Errorf("different attribute: %v", err)
	}
	if err := f.DeleteAttributes(ctx, d.ID, "a", "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete missing attribute: %v", err)
	}
	// Listing and deletes.
	g, err := f.NewGroup(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Link(ctx, f.RootID(), "g", schema.Link{ID: g.ID}); err != nil {
		t.Fatal(err)
	}
	groups, dsets, _, _, err := f.ListObjects(ctx, 0)
	if err != nil || len(groups) != 1 || len(dsets) != 1 {
		t.Errorf("ListObjects %v %v %v", groups, dsets, err)
	}
	if err := f.DeleteObject(ctx, f.RootID()); !errors.Is(err, ErrRootGroup) {
		t.Errorf("delete root: %v", err)
	}
	if err := f.DeleteObject(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	n := 0
	_ = st.List(ctx, "b", schema.DatasetPrefix(d.ID), "", func(store.Entry) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d keys left after dataset delete", n)
	}
	if err := f.Unlink(ctx, f.RootID(), "x", "g"); err != nil {
		t.Fatal(err)
	}
	doms, err := ListDomains(ctx, st, "b", "/home")
	if err != nil || len(doms) != 1 || doms[0].Path != "/home/f.h5" {
		t.Errorf("ListDomains %v %v", doms, err)
	}
}
