package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// TestHSDSServesIncompleteDomain: the incomplete mark is something the real HSDS tolerates. A
// domain whose write failed half-way (the mark left on its root group) is served by HSDS like any
// other, with the mark as an ordinary root attribute, while hsfan run refuses it; a complete
// domain has no mark. The "default": read ACL hsfan gen gives is honoured by HSDS too: another
// user reads the domain.
func TestHSDSServesIncompleteDomain(t *testing.T) {
	p := hsdspeer.Shared(t)
	ctx := context.Background()
	st, err := store.Open(ctx, "file://"+p.Root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const half = "/home/" + hsdspeer.User + "/half.h5"
	errCut := errors.New("cut short")
	err = writeDomain(ctx, st, hsdspeer.Bucket, half, domainWrite{owner: hsdspeer.User,
		acls: map[string]schema.ACL{"default": {Read: true}}, source: "test", log: &strings.Builder{},
		write: func(ctx context.Context, f *hdf.File) error {
			if err := synth.WriteCube(ctx, f, synth.CubeOptions{Shape: []int{4, 6}, Chunks: []int{2, 6}, Type: "int16"}); err != nil {
				return err
			}
			return errCut
		}})
	if !errors.Is(err, errCut) || !strings.Contains(err.Error(), "marked incomplete") {
		t.Fatalf("writeDomain: %v", err)
	}
	var root struct {
		Root string `json:"root"`
	}
	code, body := p.Do(t, hsdspeer.Request{Method: http.MethodGet, Path: "/", Domain: half})
	if code != http.StatusOK || json.Unmarshal(body, &root) != nil || root.Root == "" {
		t.Fatalf("HSDS GET domain: %d %s", code, body)
	}
	code, body = p.Do(t, hsdspeer.Request{Method: http.MethodGet, Path: "/groups/" + root.Root + "/attributes/" + incompleteAttr, Domain: half})
	if code != http.StatusOK || !strings.Contains(string(body), "the domain is incomplete") {
		t.Fatalf("HSDS GET the mark: %d %s", code, body)
	}
	if got := hsdsGet(t, p, half, "/data"); len(got) != 4*6*2 {
		t.Errorf("HSDS serves %d bytes of the incomplete domain's dataset, want 48", len(got))
	}
	code, body = p.Do(t, hsdspeer.Request{Method: http.MethodGet, Path: "/", Domain: half, User: "test_user2", Password: "test"})
	if code != http.StatusOK {
		t.Errorf("HSDS GET domain as another user (ACL default: read): %d %s", code, body)
	}
	stf := []string{"--store", "file://" + p.Root, "--bucket", hsdspeer.Bucket}
	code, _, errs := run(t, append([]string{"run", "mean", "--domain", half, "--dataset", "/data", "--dry-run"}, stf...)...)
	if code != 1 || !strings.Contains(errs, "incomplete") {
		t.Errorf("hsfan run on the incomplete domain: exit %d %s", code, errs)
	}

	const whole = "/home/" + hsdspeer.User + "/whole.h5"
	if code, _, errs := run(t, append([]string{"gen", "cube", "--domain", whole, "--owner", hsdspeer.User, "--shape", "4,6", "--chunks", "2,6"}, stf...)...); code != 0 {
		t.Fatalf("gen cube: %s", errs)
	}
	code, body = p.Do(t, hsdspeer.Request{Method: http.MethodGet, Path: "/", Domain: whole, User: "test_user2", Password: "test"})
	if code != http.StatusOK || json.Unmarshal(body, &root) != nil {
		t.Fatalf("HSDS GET the gen domain as another user: %d %s", code, body)
	}
	code, body = p.Do(t, hsdspeer.Request{Method: http.MethodGet, Path: "/groups/" + root.Root + "/attributes/" + incompleteAttr, Domain: whole})
	if code != http.StatusNotFound {
		t.Errorf("HSDS GET the mark of a complete domain: %d %s, want 404", code, body)
	}
}
