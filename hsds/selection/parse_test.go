package selection

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		in    string
		dims  []int
		shape []int
		canon string
	}{
		{"[0:100,620,1401]", []int{365, 720, 1440}, []int{100, 1, 1}, "[0:100:1,620:621:1,1401:1402:1]"},
		{"[1:3,0:8:3]", []int{4, 8}, []int{2, 3}, "[1:3:1,0:8:3]"},
		{"[[0,3],1]", []int{4, 8}, []int{2, 1}, "[[0,3],1:2:1]"},
		{"[ : , ::2 ]", []int{4, 9}, []int{4, 5}, "[0:4:1,0:9:2]"},
		{"[2:]", []int{10}, []int{8}, "[2:10:1]"},
		{"[:3]", []int{10}, []int{3}, "[0:3:1]"},
		{"[1::4]", []int{10}, []int{3}, "[1:10:4]"},
		{"[0:10:20]", []int{10}, []int{1}, "[0:10:20]"},
		{"[+1:+3]", []int{10}, []int{2}, "[1:3:1]"},
		{"[[5,1,5]]", []int{10}, []int{3}, "[[5,1,5]]"},
		{"[\t0 :\n2 ]", []int{10}, []int{2}, "[0:2:1]"},
		{"", []int{3, 4}, []int{3, 4}, "[0:3:1,0:4:1]"},
		// Paired coordinate lists; shapes checked with numpy 2.x on
		// np.arange(prod(dims)).reshape(dims)[...] (single indices as
		// slices of one, as HSDS does).
		{"[:,[1,4,5],[2,8,6]]", []int{2, 10, 10}, []int{2, 3}, "[0:2:1,[1,4,5],[2,8,6]]"},
		{"[[0,1],:,[2,3]]", []int{2, 10, 10}, []int{2, 10}, "[[0,1],0:10:1,[2,3]]"},
		{"[:,[5,1,1],[2,2,9]]", []int{2, 10, 10}, []int{2, 3}, "[0:2:1,[5,1,1],[2,2,9]]"},
		{"[:,[1],[2]]", []int{2, 10, 10}, []int{2, 1}, "[0:2:1,[1],[2]]"},
		{"[1,[1,2],[4,5]]", []int{2, 10, 10}, []int{1, 2}, "[1:2:1,[1,2],[4,5]]"},
		{"[[0,1],[3,4],[5,6]]", []int{2, 10, 10}, []int{2}, "[[0,1],[3,4],[5,6]]"},
		{"[:,[1,4,5],2:8:2]", []int{2, 10, 10}, []int{2, 3, 3}, "[0:2:1,[1,4,5],2:8:2]"},
		{"[:,[0,1,5],:,[2,3,6]]", []int{3, 6, 5, 7}, []int{3, 3, 5}, "[0:3:1,[0,1,5],0:5:1,[2,3,6]]"},
		{"[0:2,[0,1,5],:,[2,3,6]]", []int{3, 6, 5, 7}, []int{3, 2, 5}, "[0:2:1,[0,1,5],0:5:1,[2,3,6]]"},
		{"[:,:,[1,4],[3,6]]", []int{3, 6, 5, 7}, []int{3, 6, 2}, "[0:3:1,0:6:1,[1,4],[3,6]]"},
		{"[[0,2],[1,5],:,[1,4]]", []int{3, 6, 5, 7}, []int{2, 5}, "[[0,2],[1,5],0:5:1,[1,4]]"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			s, err := Parse(tc.in, tc.dims)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(s.Shape(), tc.shape) || s.String() != tc.canon {
				t.Fatalf("shape %v string %s", s.Shape(), s.String())
			}
			n := int64(1)
			for _, v := range tc.shape {
				n *= int64(v)
			}
			if s.Count() != n {
				t.Fatalf("Count %d, want %d", s.Count(), n)
			}
			again, err := Parse(s.String(), tc.dims)
			if err != nil || again.String() != s.String() {
				t.Fatalf("canonical form does not re-parse: %v", err)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		in   string
		dims []int
		msg  string
	}{
		{"[0:5]", []int{4, 8}, "rank of selection (1) does not match dataset rank (2)"},
		{"0:5", []int{8}, "enclosed in brackets"},
		{"[-1:5]", []int{8}, "start value out of range for dim 0"},
		{"[8:9]", []int{8}, "start value out of range for dim 0"},
		{"[2:2]", []int{8}, "stop value out of range for dim 0"},
		{"[3:2]", []int{8}, "stop value out of range"},
		{"[0:9]", []int{8}, "stop value out of range"},
		{"[0:4:0]", []int{8}, "step value out of range"},
		{"[0:4:-1]", []int{8}, "step value out of range"},
		{"[a:4]", []int{8}, "start value for dim 0"},
		{"[0:b]", []int{8}, "stop value for dim 0"},
		{"[0:4:c]", []int{8}, "step value for dim 0"},
		{"[1:2:3:4]", []int{8}, "invalid selection format"},
		{"[8]", []int{8}, "index value out of range"},
		{"[-1]", []int{8}, "index value out of range"},
		{"[x]", []int{8}, "index value for dim 0"},
		{"[,1]", []int{8, 8}, "empty element"},
		{"[1,]", []int{8, 8}, "empty element"},
		{"[]", []int{8}, "empty element"},
		{"[[1,[2]]]", []int{8}, "nested"},
		{"[1]]", []int{8}, "without"},
		{"[[1:2]]", []int{8}, "range not allowed"},
		{"[[1,2]", []int{8}, "unterminated"},
		{"[[1,9]]", []int{8}, "out of range coordinate for dim 0, 9 not in range: 0-7"},
		{"[[]]", []int{8}, "invalid coordinate"},
		{"[[1,2]x]", []int{8}, "invalid coordinate list"},
		{"[[0,1],[0,1,2]]", []int{8, 8}, "shape mismatch: indexing arrays could not be broadcast together with shapes (2,) (3,)"},
		{"[:,[1,4,5],[2,8]]", []int{2, 10, 10}, "shapes (3,) (2,)"},
		{"[:,[-1,2],[3,4]]", []int{2, 10, 10}, "out of range coordinate for dim 1"},
		{"[:,[1,10],[3,4]]", []int{2, 10, 10}, "out of range coordinate for dim 1, 10 not in range: 0-9"},
		{"[[],:,[]]", []int{2, 10, 10}, "invalid coordinate"},
		{"[99999999999999999999999]", []int{8}, "index value"},
		{"[0:1]", []int{-1}, "negative extent"},
		{"[5]", nil, "index value out of range"},
		{"[0:4294967296,0:4294967296,0:4294967296]", []int{1 << 32, 1 << 32, 1 << 32}, "more than 2^63"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := Parse(tc.in, tc.dims)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "Invalid selection: ") || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err %q, want containing %q", err, tc.msg)
			}
		})
	}
}

func TestScalar(t *testing.T) {
	for _, in := range []string{"", "[]", " [ ] ", "[0]", "[:]"} {
		s, err := Parse(in, nil)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if !s.IsScalar() || s.Count() != 1 || len(s.Shape()) != 0 || s.String() != "[]" || s.Rank() != 0 {
			t.Fatalf("scalar selection %v", s)
		}
	}
	s := All(nil)
	g := s.Grid(nil)
	if g.Err() != nil || g.Count() != 1 || !cmp.Equal(g.ChunkIndex(0, nil), []int{0}) {
		t.Fatalf("scalar grid %v %v", g.Err(), g.Count())
	}
	out := make([]byte, 4)
	if err := CopyOut(out, s, []byte{1, 2, 3, 4}, nil, nil, 4); err != nil || !cmp.Equal(out, []byte{1, 2, 3, 4}) {
		t.Fatalf("scalar CopyOut %v %v", out, err)
	}
	if err := CopyOut(out, s, []byte{1, 2, 3, 4}, []int{0}, []int{1}, 4); err != nil {
		t.Fatal(err)
	}
}

func TestFromStartStopStep(t *testing.T) {
	s, err := FromStartStopStep([]int{1, 0}, []int{3, 8}, []int{1, 3}, []int{4, 8})
	if err != nil || s.String() != "[1:3:1,0:8:3]" {
		t.Fatalf("%v %v", s, err)
	}
	s, err = FromStartStopStep(nil, nil, nil, []int{4, 8})
	if err != nil || !s.IsAll() {
		t.Fatalf("%v %v", s, err)
	}
	for _, bad := range []struct{ start, stop, step []int }{
		{[]int{0}, nil, nil},
		{[]int{0, 9}, nil, nil},
		{nil, []int{0, 8}, nil},
		{nil, nil, []int{1, 0}},
	} {
		if _, err := FromStartStopStep(bad.start, bad.stop, bad.step, []int{4, 8}); !errors.Is(err, ErrInvalid) {
			t.Errorf("FromStartStopStep(%v) err %v", bad, err)
		}
	}
}

func TestPointsValidation(t *testing.T) {
	dims := []int{4, 8}
	if err := Points([][]int{{0, 0}, {3, 7}}, dims); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][][]int{nil, {{0}}, {{4, 0}}, {{0, -1}}} {
		if err := Points(bad, dims); !errors.Is(err, ErrInvalid) {
			t.Errorf("Points(%v) err %v", bad, err)
		}
	}
	if err := Points([][]int{{0}}, nil); err == nil {
		t.Error("points on scalar accepted")
	}
}

func TestAllEmpty(t *testing.T) {
	s := All([]int{0, 5})
	if s.Count() != 0 || s.Grid([]int{1, 5}).Count() != 0 {
		t.Fatal("empty All not empty")
	}
	if _, ok := s.Block([]int{0, 0}, []int{1, 5}); ok {
		t.Fatal("block in empty selection")
	}
}

func TestShapeText(t *testing.T) {
	for _, tc := range []struct {
		dims []int
		want string
	}{
		{nil, "() (scalar)"},
		{[]int{365}, "(365): indices 0-364"},
		{[]int{365, 720, 0}, "(365, 720, 0): indices 0-364, 0-719, none"},
	} {
		if got := ShapeText(tc.dims); got != tc.want {
			t.Errorf("ShapeText(%v) = %q, want %q", tc.dims, got, tc.want)
		}
	}
}
