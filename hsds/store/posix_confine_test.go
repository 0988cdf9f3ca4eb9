package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
)

// TestPosixSymlinkConfinement (issue 9, class 5): symbolic links planted inside the store that
// lead out of it are never traversed, at any path element: no object is read, written, deleted
// or listed outside the store root. FollowSymlinks restores the old behaviour.
func TestPosixSymlinkConfinement(t *testing.T) {
	for _, follow := range []bool{false, true} {
		t.Run(map[bool]string{false: "confined", true: "FollowSymlinks"}[follow], func(t *testing.T) {
			root, outside := t.TempDir(), t.TempDir()
			bdir := filepath.Join(root, "bkt")
			if err := os.Mkdir(bdir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(outside, ".domain.json"), []byte(`{"owner": "mallory"}`), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(outside, "victim"), []byte("keep me"), 0o644); err != nil {
				t.Fatal(err)
			}
			// bkt/home -> outside (a directory link), bkt/db -> outside as well.
			for _, l := range []string{"home", "db"} {
				if err := os.Symlink(outside, filepath.Join(bdir, l)); err != nil {
					t.Fatal(err)
				}
			}
			s, err := store.NewPosix(root, store.Options{FollowSymlinks: follow})
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			_, _, getErr := s.Get(ctx, "bkt", "home/.domain.json")
			_, putErr := s.Put(ctx, "bkt", "db/x/d/y/0_0", []byte("chunk"), store.PutOptions{})
			delErr := s.Delete(ctx, "bkt", "home/victim")
			listed := keysOf(t, s, "bkt", "", "")
			_, statOut := os.Stat(filepath.Join(outside, "x", "d", "y", "0_0"))
			_, statVictim := os.Stat(filepath.Join(outside, "victim"))
			if follow {
				// The old behaviour, kept behind the option.
				if getErr != nil || putErr != nil || statOut != nil {
					t.Errorf("FollowSymlinks: get %v, put %v, file outside %v", getErr, putErr, statOut)
				}
				return
			}
			if getErr == nil {
				t.Error("read domain JSON from outside the store")
			} else if !errors.Is(getErr, store.ErrNotFound) {
				t.Errorf("get through an escaping link: %v, want not found", getErr)
			}
			if putErr == nil || statOut == nil {
				t.Errorf("wrote a chunk outside the store: put %v, file %v", putErr, statOut)
			}
			if delErr != nil && !errors.Is(delErr, store.ErrNotFound) {
				t.Logf("delete through an escaping link: %v", delErr)
			}
			if statVictim != nil {
				t.Errorf("deleted a file outside the store: %v", statVictim)
			}
			if len(listed) != 0 {
				t.Errorf("listed files outside the store: %q", listed)
			}
			// Ordinary objects still work.
			mustPut(t, s, "bkt", "a/b", "v")
			if got := keysOf(t, s, "bkt", "a/", ""); !slices.Equal(got, []string{"a/b"}) {
				t.Errorf("list a/ = %q", got)
			}
		})
	}
}
