package selection

import (
	"sync"
	"testing"
)

// A Selection is shared by the goroutines that fetch chunks in parallel.
func TestConcurrentCopyOut(t *testing.T) {
	for _, sel := range []string{"[0:40:3,[7,1,30],5:37]", "[[39,0,17,17],0:32:5,[1,33,20,2]]"} {
		t.Run(sel, func(t *testing.T) { concurrentCopyOut(t, sel) })
	}
}

func concurrentCopyOut(t *testing.T, sel string) {
	s, err := Parse(sel, []int{40, 32, 40})
	if err != nil {
		t.Fatal(err)
	}
	// Meanwhile other goroutines build point indexes for other chunk dims, replacing the
	// selection's one-entry cache under the copies.
	var others sync.WaitGroup
	defer others.Wait()
	for _, cd := range [][]int{{3, 3, 3}, {5, 5, 5}} {
		others.Add(1)
		go func() {
			defer others.Done()
			for i := 0; i < 20; i++ {
				s.Grid(cd)
			}
		}()
	}
	chunk := []int{8, 8, 8}
	g := s.Grid(chunk)
	out := make([]byte, s.Count())
	buf := make([]byte, 8*8*8)
	for i := range buf {
		buf[i] = 1
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			n := g.Count()
			for lin := int64(w); lin < n; lin += 4 {
				idx := g.ChunkIndex(lin, nil)
				if err := CopyOut(out, s, buf, idx, chunk, 1); err != nil {
					t.Error(err)
				}
			}
		}(w)
	}
	wg.Wait()
	for i, v := range out {
		if v != 1 {
			t.Fatalf("output byte %d not written", i)
		}
	}
}
