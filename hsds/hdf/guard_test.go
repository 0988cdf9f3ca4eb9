package hdf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// guardFile creates /home/g.h5 with an extensible int8 dataset of 8 elements in chunks of 4,
// filled with 1..8 (fill value 9).
func guardFile(t *testing.T) (*File, *Dataset, store.Store) {
	t.Helper()
	ctx := context.Background()
	st := store.NewMemory()
	if _, err := Create(ctx, st, "b", "/home", CreateOptions{Owner: "u", Folder: true}); err != nil {
		t.Fatal(err)
	}
	f, err := Create(ctx, st, "b", "/home/g.h5", CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.CreateDataset(ctx, f.RootID(), "x", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I8LE"`),
		Dims: []int{8}, MaxDims: []int{0}, ChunkDims: []int{4}, ExactChunks: true, FillValue: json.RawMessage(`9`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Write(ctx, selection.All(d.Dims), []byte{1, 2, 3, 4, 5, 6, 7, 8}, 0); err != nil {
		t.Fatal(err)
	}
	return f, d, st
}

func readCurrent(t *testing.T, f *File, id string) []byte {
	t.Helper()
	d, err := f.Dataset(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := d.Read(context.Background(), selection.All(d.Dims), 0)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestShrinkRacingWriteNeverComesBack (issue 9, class 4): whatever a write validated before a
// shrink puts beyond the new extent must read as the fill value after the dataset grows again,
// as in HSDS, where reduceShape (hsds/dset_lib.py) resets edge chunks and deletes the rest.
func TestShrinkRacingWriteNeverComesBack(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, stale *Dataset) // lands after the shrink to 3
	}{
		{"stale write through the engine", func(t *testing.T, stale *Dataset) {
			sel, err := selection.Parse("[2:7]", stale.Dims)
			if err != nil {
				t.Fatal(err)
			}
			if err := stale.Write(ctx, sel, []byte{20, 30, 40, 50, 60}, 0); !errors.Is(err, ErrResized) {
				t.Errorf("stale write: %v, want ErrResized", err)
			}
		}},
		{"chunk update landing past every check (another server)", func(t *testing.T, stale *Dataset) {
			for _, c := range []int{0, 1} {
				if err := stale.UpdateChunk(ctx, []int{c}, func(chunk []byte) error {
					for i := range chunk {
						chunk[i] = byte(40 + 4*c + i)
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, d, _ := guardFile(t)
			if _, err := f.Resize(ctx, d.ID, []int{3}); err != nil {
				t.Fatal(err)
			}
			tc.write(t, d)
			if got := readCurrent(t, f, d.ID); len(got) != 3 {
				t.Fatalf("after shrink: %v", got)
			}
			if _, err := f.Resize(ctx, d.ID, []int{8}); err != nil {
				t.Fatal(err)
			}
			want := []byte{1, 2, 3, 9, 9, 9, 9, 9}
			if tc.name != "stale write through the engine" {
				want = []byte{40, 41, 42, 9, 9, 9, 9, 9} // the in-extent part is a legal write
			}
			if got := readCurrent(t, f, d.ID); !bytes.Equal(got, want) {
				t.Errorf("after re-extension: %v, want %v", got, want)
			}
			// Extend (append) clears the same way.
			if _, err := f.Resize(ctx, d.ID, []int{3}); err != nil {
				t.Fatal(err)
			}
			tc.write(t, d)
			if _, _, err := f.Extend(ctx, d.ID, 0, 5); err != nil {
				t.Fatal(err)
			}
			if got := readCurrent(t, f, d.ID); !bytes.Equal(got[3:], []byte{9, 9, 9, 9, 9}) {
				t.Errorf("after append: %v, want fill beyond 3", got)
			}
		})
	}
}

// TestWriteAfterResizeIsRedone: a write whose dataset JSON changed but whose shape is the same
// again (shrink and extend in between) is applied against the current dataset.
func TestWriteRefusedOnChangedShape(t *testing.T) {
	ctx := context.Background()
	f, d, _ := guardFile(t)
	if _, err := f.Resize(ctx, d.ID, []int{10}); err != nil {
		t.Fatal(err)
	}
	sel, _ := selection.Parse("[0:2]", d.Dims)
	if err := d.Write(ctx, sel, []byte{7, 7}, 0); !errors.Is(err, ErrResized) {
		t.Errorf("write with the old shape: %v, want ErrResized", err)
	}
	d2, err := f.Dataset(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := d2.Write(ctx, sel, []byte{7, 7}, 0); err != nil {
		t.Errorf("write with the current shape: %v", err)
	}
}

// TestWriteRacingDeleteLeavesNoChunks (issue 9, class 7): a write that lands after its dataset
// was deleted removes its chunks again and reports the dataset as not found.
func TestWriteRacingDeleteLeavesNoChunks(t *testing.T) {
	ctx := context.Background()
	f, d, st := guardFile(t)
	for _, resizable := range []bool{true, false} {
		if !resizable {
			dd, err := f.CreateDataset(ctx, f.RootID(), "y", DatasetSpec{Type: json.RawMessage(`"H5T_STD_I8LE"`),
				Dims: []int{8}, ChunkDims: []int{4}, ExactChunks: true})
			if err != nil {
				t.Fatal(err)
			}
			d = dd
		}
		if err := f.DeleteObject(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		err := d.Write(ctx, selection.All(d.Dims), []byte{1, 2, 3, 4, 5, 6, 7, 8}, 0)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("write to a deleted dataset: %v, want ErrNotFound", err)
		}
		for _, c := range []int{0, 1} {
			if _, err := st.Stat(ctx, "b", d.ChunkKey([]int{c})); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("resizable=%v: chunk %d of the deleted dataset: %v", resizable, c, err)
			}
		}
	}
}

// listHook runs hook once, at the first List (clearBeyond lists the chunks it may clear).
type listHook struct {
	store.Store
	once sync.Once
	hook func()
}

func (l *listHook) List(ctx context.Context, bucket, prefix, delim string, fn func(store.Entry) error) error {
	l.once.Do(l.hook)
	return l.Store.List(ctx, bucket, prefix, delim, fn)
}

// TestGrowthRacingResizeAndWriteLosesNothing: a growth (3 -> 6) that read the small shape, while
// another server grows the dataset to 8 and a client writes element 5 against that shape, must
// not reset the acknowledged element 5 when it clears beyond 3.
func TestGrowthRacingResizeAndWriteLosesNothing(t *testing.T) {
	ctx := context.Background()
	f, d, st := guardFile(t)
	if _, err := f.Resize(ctx, d.ID, []int{3}); err != nil {
		t.Fatal(err)
	}
	// A leftover beyond 3 (as a racing write leaves it) so that the growth has to clear.
	if err := d.updateChunk(ctx, []int{1}, func(chunk []byte) error { chunk[3] = 66; return nil }); err != nil {
		t.Fatal(err)
	}
	other := &listHook{Store: st} // another server: its own Store value
	other.once.Do(func() {})
	g, err := Open(ctx, other, "b", "/home/g.h5")
	if err != nil {
		t.Fatal(err)
	}
	hooked := &listHook{Store: st, hook: func() {
		if _, err := g.Resize(ctx, d.ID, []int{8}); err != nil {
			t.Error(err)
			return
		}
		dd, err := g.Dataset(ctx, d.ID)
		if err != nil {
			t.Error(err)
			return
		}
		sel, _ := selection.Parse("[5:6]", dd.Dims)
		if err := dd.Write(ctx, sel, []byte{77}, 0); err != nil {
			t.Errorf("acknowledged write: %v", err)
		}
	}}
	h, err := Open(ctx, hooked, "b", "/home/g.h5")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Resize(ctx, d.ID, []int{6}); err != nil {
		t.Fatal(err)
	}
	got := readCurrent(t, f, d.ID)
	if len(got) != 6 || got[5] != 77 {
		t.Errorf("after the racing growths: %v, want element 5 = 77 (the acknowledged write)", got)
	}
	if got[4] != 9 || got[3] != 9 {
		t.Errorf("after the racing growths: %v, want fill at 3 and 4", got)
	}
}
