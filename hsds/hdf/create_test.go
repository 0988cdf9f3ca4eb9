package hdf

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// TestCreateExistsLeavesNoOrphan: creating a domain that exists fails with ErrExists and writes
// nothing (each failed attempt used to leave an orphan root group under db/).
func TestCreateExistsLeavesNoOrphan(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	if _, err := Create(ctx, st, "b", "/d.h5", CreateOptions{Owner: "u"}); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n := 0
		if err := st.List(ctx, "b", "", "", func(store.Entry) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	for range 3 {
		if _, err := Create(ctx, st, "b", "/d.h5", CreateOptions{Owner: "u"}); !errors.Is(err, ErrExists) {
			t.Fatalf("second create: %v, want ErrExists", err)
		}
	}
	if after := count(); after != before {
		t.Errorf("%d objects after the failed creates, %d before", after, before)
	}
}

// TestCreateACLsAndRootAttributes: extra ACLs land in the .domain.json next to the owner's, and
// root attributes are in the root group from the start.
func TestCreateACLsAndRootAttributes(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	a := schema.Attribute{Type: json.RawMessage(`"H5T_STD_I32LE"`), Shape: schema.Shape{Class: schema.ShapeScalar}, Value: json.RawMessage(`7`)}
	if _, err := Create(ctx, st, "b", "/d.h5", CreateOptions{Owner: "u", ACLs: map[string]schema.ACL{"default": {Read: true}, "u": {}},
		RootAttributes: map[string]schema.Attribute{"mark": a}}); err != nil {
		t.Fatal(err)
	}
	f, err := Open(ctx, st, "b", "/d.h5")
	if err != nil {
		t.Fatal(err)
	}
	if acl := f.Domain.ACLs["default"]; !acl.Read || acl.Update {
		t.Errorf("default ACL %+v, want read only", acl)
	}
	if f.Domain.ACLs["u"] != schema.FullACL() {
		t.Errorf("owner ACL %+v, want full (the owner's ACL wins over opts.ACLs)", f.Domain.ACLs["u"])
	}
	attrs, err := f.ObjectAttributes(ctx, f.RootID())
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := attrs["mark"]; !ok || string(got.Value) != "7" {
		t.Errorf("root attributes %v", attrs)
	}
}
