package selection

import (
	"slices"
	"testing"
)

func FuzzParse(f *testing.F) {
	seeds := []string{"[0:100,620,1401]", "[1:3,0:8:3]", "[[0,3],1]", "[:,::2]", "", "[]",
		"[1:2:3:4]", "[[1,2]", "[-1]", "[ 0 : 5 , [1, 2, 3] ]", "[99999999999999999999]", "[+3:]",
		// paired coordinate lists (numpy broadcasting of equal-length lists)
		"[:,[1,4,5],[2,8,6]]", "[[0,1],:,[2,3]]", "[[1,0],[3,3],[5,6]]", "[[0,1],[1]]",
		"[1,[1,2],[4,5]]", "[[2,2,2],[0,1,2],[1,1,1]]", "[[7],3:9:2,[0]]", "[[],:,[]]", "[[1,2],[3,4,]]"}
	for _, s := range seeds {
		f.Add(s, uint16(10), uint16(8), uint16(3), uint8(2), uint8(3), uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, d0, d1, d2 uint16, rank, c0, c1 uint8) {
		dims := []int{int(d0 % 64), int(d1 % 64), int(d2 % 64)}[:rank%4]
		sel, err := Parse(s, dims)
		if err != nil {
			return
		}
		shape := sel.Shape()
		n := int64(1)
		for _, v := range shape {
			n *= int64(v)
		}
		if n != sel.Count() {
			t.Fatalf("Shape %v does not match Count %d", shape, sel.Count())
		}
		if sel.Count() == 0 && len(dims) > 0 {
			for _, d := range dims {
				if d == 0 {
					return // All() of an empty space
				}
			}
			t.Fatalf("empty selection accepted: %q", s)
		}
		for d := 0; d < len(sel.sel); d++ {
			dim := sel.Dim(d)
			ext := sel.dims[d]
			for _, i := range []int{0, dim.Count() - 1} {
				if v := dim.Index(i); v < 0 || v >= ext {
					t.Fatalf("element %d of dim %d at %d, extent %d", i, d, v, ext)
				}
			}
			for _, c := range dim.Coords {
				if c < 0 || c >= ext {
					t.Fatalf("coordinate %d out of range %d", c, ext)
				}
			}
		}
		again, err := Parse(sel.String(), dims)
		if err != nil || again.String() != sel.String() {
			t.Fatalf("canonical %q does not round trip: %v", sel.String(), err)
		}
		if sel.Count() > 4096 || len(dims) == 0 {
			return
		}
		chunk := []int{1 + int(c0%7), 1 + int(c1%7), 1 + int(c0/7%7)}[:len(dims)]
		checkBrute(t, sel, dims, chunk)
		// two pages along axis 0 concatenate to the whole
		if n0 := shape[0]; n0 > 1 {
			a, errA := sel.Sub(0, 0, n0/2)
			b, errB := sel.Sub(0, n0/2, n0)
			if errA != nil || errB != nil {
				t.Fatalf("Sub: %v %v", errA, errB)
			}
			got := append(readAll(t, a, dims, chunk), readAll(t, b, dims, chunk)...)
			if want := readAll(t, sel, dims, chunk); !slices.Equal(got, want) {
				t.Fatalf("pages %v, whole %v", got, want)
			}
		}
	})
}
