package hdf

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// dyingStore stops deleting (like a process killed with -9) after a number of deletes.
type dyingStore struct {
	store.Store
	left atomic.Int64
}

var errKilled = errors.New("killed")

func (d *dyingStore) Delete(ctx context.Context, bucket, key string) error {
	if d.left.Add(-1) < 0 {
		return errKilled
	}
	return d.Store.Delete(ctx, bucket, key)
}

// fsckStore is a POSIX store with two domains, each with a written dataset.
func fsckStore(t *testing.T) (*store.Posix, string, []*File) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := store.NewPosix(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create(ctx, st, "b", "/home", CreateOptions{Owner: "u", Folder: true}); err != nil {
		t.Fatal(err)
	}
	var files []*File
	for _, name := range []string{"/home/a.h5", "/home/b.h5"} {
		f, err := Create(ctx, st, "b", name, CreateOptions{Owner: "u"})
		if err != nil {
			t.Fatal(err)
		}
		d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I8LE"`),
			Dims: []int{8}, ChunkDims: []int{4}, ExactChunks: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Write(ctx, selection.All(d.Dims), []byte{1, 2, 3, 4, 5, 6, 7, 8}, 0); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return st, dir, files
}

func keysUnder(t *testing.T, st store.Store, prefix string) []string {
	t.Helper()
	var out []string
	if err := st.List(context.Background(), "b", prefix, "", func(e store.Entry) error {
		out = append(out, e.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDeleteInterruptedLeavesNoBrokenDomain (issue 9, class 7): a domain DELETE killed after a
// few object deletes leaves no domain that is listed but broken; fsck reports the leftovers as
// orphan objects and --repair removes them, never touching the other domain.
func TestDeleteInterruptedLeavesNoBrokenDomain(t *testing.T) {
	ctx := context.Background()
	for _, killAfter := range []int64{0, 1, 2, 3} {
		st, _, files := fsckStore(t)
		other := keysUnder(t, st, schema.RootPrefix(files[1].Domain.Root))
		dying := &dyingStore{Store: st}
		dying.left.Store(killAfter)
		err := Delete(ctx, dying, "b", "/home/a.h5")
		if !errors.Is(err, errKilled) {
			t.Fatalf("kill after %d: delete: %v", killAfter, err)
		}
		_, err = Open(ctx, st, "b", "/home/a.h5")
		if killAfter == 0 {
			if err != nil {
				t.Fatalf("nothing deleted yet, open: %v", err)
			}
			continue
		}
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("kill after %d: the half-deleted domain still opens: %v", killAfter, err)
		}
		rep, err := Fsck(ctx, st, "b", FsckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		left := keysUnder(t, st, schema.RootPrefix(files[0].Domain.Root))
		if len(rep.OrphanObjects) != len(left) || len(left) == 0 {
			t.Errorf("kill after %d: fsck reports %d orphan objects, %d left", killAfter, len(rep.OrphanObjects), len(left))
		}
		if len(rep.OrphanChunks) != 0 {
			t.Errorf("orphan chunks %q", rep.OrphanChunks)
		}
		// Young orphans are left alone with a minimum age.
		if rep, err := Fsck(ctx, st, "b", FsckOptions{MinAge: time.Hour, Repair: true}); err != nil || rep.Problems() != 0 || rep.Removed != 0 {
			t.Errorf("min age 1h: %+v %v", rep, err)
		}
		if rep, err := Fsck(ctx, st, "b", FsckOptions{Repair: true}); err != nil || rep.Removed != len(left) {
			t.Errorf("repair: %+v %v", rep, err)
		}
		if rep, err := Fsck(ctx, st, "b", FsckOptions{}); err != nil || rep.Problems() != 0 {
			t.Errorf("after repair: %+v %v", rep, err)
		}
		// The other domain is whole.
		if got := keysUnder(t, st, schema.RootPrefix(files[1].Domain.Root)); !slices.Equal(got, other) || len(other) == 0 {
			t.Errorf("objects of the other domain: %q, want %q", got, other)
		}
		if _, err := Open(ctx, st, "b", "/home/b.h5"); err != nil {
			t.Errorf("other domain: %v", err)
		}
	}
}

// TestFsckOrphanChunksAndTemps: chunks left by a write racing a dataset DELETE and temporary
// files of killed writes are reported and removed; live chunks and young temporary files stay.
func TestFsckOrphanChunksAndTemps(t *testing.T) {
	ctx := context.Background()
	st, dir, files := fsckStore(t)
	f := files[0]
	d, err := f.CreateDataset(ctx, f.RootID(), "gone", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I8LE"`),
		Dims: []int{8}, ChunkDims: []int{4}, ExactChunks: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.DeleteObject(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	// A racing writer's chunk, landing after the delete listed the chunks.
	orphan := d.ChunkKey([]int{1})
	if _, err := st.Put(ctx, "b", orphan, []byte("late"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	oldTemp := filepath.Join(dir, "b", "db", ".hsfan-tmp-old")
	youngTemp := filepath.Join(dir, "b", ".hsfan-tmp-young")
	for _, p := range []string{oldTemp, youngTemp} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(oldTemp, past, past); err != nil {
		t.Fatal(err)
	}
	rep, err := Fsck(ctx, st, "b", FsckOptions{MinAge: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// The orphan chunk is young: only the old temporary file is reported.
	if !slices.Equal(rep.StaleTemps, []string{"b/db/.hsfan-tmp-old"}) || len(rep.OrphanChunks) != 0 {
		t.Errorf("min age 1m: temps %q chunks %q", rep.StaleTemps, rep.OrphanChunks)
	}
	before := keysUnder(t, st, "db/")
	rep, err = Fsck(ctx, st, "b", FsckOptions{Repair: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.OrphanChunks, []string{orphan}) || len(rep.OrphanObjects) != 0 || len(rep.StaleTemps) != 2 {
		t.Errorf("repair: %+v", rep)
	}
	after := keysUnder(t, st, "db/")
	want := slices.DeleteFunc(before, func(k string) bool { return k == orphan })
	if !slices.Equal(after, want) {
		t.Errorf("after repair: %q, want %q", after, want)
	}
	for _, p := range []string{oldTemp, youngTemp} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s after repair: %v", p, err)
		}
	}
}
