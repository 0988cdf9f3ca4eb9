package mrwork

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
)

// refCursor and refHeap are the merge MergeRuns made through container/heap before runHeap: the
// reference for the order of equal keys of different runs.
type refCursor struct {
	recs [][2][]byte
	i    int
}

type refHeap []*refCursor

func (h refHeap) Len() int { return len(h) }
func (h refHeap) Less(i, j int) bool {
	return bytes.Compare(h[i].recs[h[i].i][0], h[j].recs[h[j].i][0]) < 0
}
func (h refHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *refHeap) Push(x any)   { *h = append(*h, x.(*refCursor)) }
func (h *refHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// refMerge merges sorted runs as MergeRuns did with container/heap (no combiner): the keys in
// order, each with its values.
func refMerge(runs [][][2][]byte) []string {
	var h refHeap
	for _, r := range runs {
		if len(r) > 0 {
			h = append(h, &refCursor{recs: r})
		}
	}
	heap.Init(&h)
	var out []string
	for h.Len() > 0 {
		key := h[0].recs[h[0].i][0]
		s := fmt.Sprintf("%q:", key)
		for h.Len() > 0 && bytes.Equal(h[0].recs[h[0].i][0], key) {
			c := h[0]
			s += fmt.Sprintf(" %q", c.recs[c.i][1])
			c.i++
			if c.i < len(c.recs) {
				heap.Fix(&h, 0)
			} else {
				heap.Pop(&h)
			}
		}
		out = append(out, s)
	}
	return out
}

// TestMergeRunsMatchesContainerHeap: MergeRuns gives every key once, in byte order, with the
// values of its runs in the order the container/heap merge gave them, on keys of every shape
// (empty, shorter and longer than 8 bytes, equal 8-byte prefixes, equal keys within a run and
// across runs), for one to many runs, read in blocks smaller and larger than a record.
func TestMergeRunsMatchesContainerHeap(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	shapes := []struct {
		name string
		key  func() []byte
	}{
		{"ip prefixes", func() []byte { return fmt.Appendf(nil, "%d.%d", r.IntN(30), r.IntN(30)) }},
		{"short and empty", func() []byte { return []byte([]string{"", "\x00", "a", "a\x00", "ab", "b"}[r.IntN(6)]) }},
		{"equal prefixes", func() []byte { return fmt.Appendf(nil, "abcdefgh%d", r.IntN(20))[:8+r.IntN(3)] }},
		{"long", func() []byte { return fmt.Appendf(nil, "http://example.com/%d", r.IntN(200)) }},
	}
	ctx := context.Background()
	for _, sh := range shapes {
		for _, nruns := range []int{1, 2, 5, 16} {
			for _, block := range []int{7, 1 << 20} {
				t.Run(fmt.Sprintf("%s/runs=%d/block=%d", sh.name, nruns, block), func(t *testing.T) {
					st := store.NewMemory()
					var objs []Object
					var runs [][][2][]byte
					for i := range nruns {
						var recs [][2][]byte
						for j := range r.IntN(300) {
							recs = append(recs, [2][]byte{sh.key(), fmt.Appendf(nil, "r%dv%d", i, j)})
						}
						slices.SortStableFunc(recs, func(a, b [2][]byte) int { return bytes.Compare(a[0], b[0]) })
						data := []byte(runMagic)
						for _, rec := range recs {
							data = binary.AppendUvarint(data, uint64(len(rec[0])))
							data = append(data, rec[0]...)
							data = binary.AppendUvarint(data, uint64(len(rec[1])))
							data = append(data, rec[1]...)
						}
						key := fmt.Sprintf("run%d", i)
						if _, err := st.Put(ctx, "tmp", key, data, store.PutOptions{}); err != nil {
							t.Fatal(err)
						}
						objs = append(objs, Object{Key: key, Size: int64(len(data)), Records: int64(len(recs))})
						runs = append(runs, recs)
					}
					var got []string
					var prev []byte
					_, err := MergeRuns(ctx, st, "tmp", objs, block, nil, func(key []byte, values [][]byte) error {
						if len(got) > 0 && bytes.Compare(prev, key) >= 0 {
							t.Fatalf("key %q after %q", key, prev)
						}
						prev = bytes.Clone(key)
						s := fmt.Sprintf("%q:", key)
						for _, v := range values {
							s += fmt.Sprintf(" %q", v)
						}
						got = append(got, s)
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					want := refMerge(runs)
					if !slices.Equal(got, want) {
						for i := range min(len(got), len(want)) {
							if got[i] != want[i] {
								t.Fatalf("group %d: got %s, want %s", i, got[i], want[i])
							}
						}
						t.Fatalf("%d groups, want %d", len(got), len(want))
					}
				})
			}
		}
	}
}
