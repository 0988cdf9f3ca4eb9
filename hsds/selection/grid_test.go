package selection

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGridPerDim(t *testing.T) {
	tests := []struct {
		name  string
		sel   string
		dims  []int
		chunk []int
		along [][]int
	}{
		{"contiguous", "[3:17]", []int{20}, []int{5}, [][]int{{0, 1, 2, 3}}},
		{"step equal chunk", "[0:20:5]", []int{20}, []int{5}, [][]int{{0, 1, 2, 3}}},
		{"step skips chunks", "[0:20:10]", []int{20}, []int{4}, [][]int{{0, 2}}},
		{"step skips partial", "[1:20:7]", []int{20}, []int{3}, [][]int{{0, 2, 5}}},
		{"coords", "[[17,2,3,9]]", []int{20}, []int{4}, [][]int{{0, 2, 4}}},
		{"index", "[0:100,620,1401]", []int{365, 720, 1440}, []int{1, 720, 1440}, [][]int{seqInts(0, 100), {0}, {0}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.sel, tc.dims)
			if err != nil {
				t.Fatal(err)
			}
			g := s.Grid(tc.chunk)
			if g.Err() != nil {
				t.Fatal(g.Err())
			}
			want := int64(1)
			for d := range tc.along {
				if got := g.Along(d); !cmp.Equal(got, tc.along[d]) {
					t.Fatalf("Along(%d) = %v, want %v", d, got, tc.along[d])
				}
				want *= int64(len(tc.along[d]))
			}
			if g.Count() != want {
				t.Fatalf("Count = %d, want %d", g.Count(), want)
			}
		})
	}
}

func seqInts(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

func TestGridLazyMillionChunks(t *testing.T) {
	s := All([]int{1000, 1000, 7})
	g := s.Grid([]int{1, 1, 7})
	if g.Count() != 1_000_000 || !cmp.Equal(g.Dims(), []int{1000, 1000, 1}) {
		t.Fatalf("Count %d Dims %v", g.Count(), g.Dims())
	}
	dst := make([]int, 3)
	if got := g.ChunkIndex(999_999, dst); !cmp.Equal(got, []int{999, 999, 0}) {
		t.Fatalf("ChunkIndex = %v", got)
	}
	if got := g.ChunkIndex(1234, dst); !cmp.Equal(got, []int{1, 234, 0}) {
		t.Fatalf("ChunkIndex = %v", got)
	}
	allocs := testing.AllocsPerRun(100, func() {
		g.ChunkIndex(777_777, dst)
		g.Linear(dst)
	})
	if allocs != 0 {
		t.Fatalf("ChunkIndex/Linear allocate %v times", allocs)
	}
	if lin, ok := g.Linear([]int{777, 777, 0}); !ok || lin != 777_777 {
		t.Fatalf("Linear = %d %v", lin, ok)
	}
	if g.ChunkIndex(1_000_000, dst) != nil || g.ChunkIndex(-1, dst) != nil {
		t.Fatal("out-of-range linear accepted")
	}
	// strided dims with a huge extent stay lazy too
	s2, err := Parse("[0:1000000000:1000]", []int{1_000_000_000})
	if err != nil {
		t.Fatal(err)
	}
	g2 := s2.Grid([]int{10})
	if g2.Count() != 1_000_000 {
		t.Fatalf("strided Count %d", g2.Count())
	}
	if got := g2.ChunkIndex(999_999, nil); !cmp.Equal(got, []int{99_999_900}) {
		t.Fatalf("strided ChunkIndex %v", got)
	}
	if lin, ok := g2.Linear([]int{99_999_900}); !ok || lin != 999_999 {
		t.Fatalf("strided Linear %d %v", lin, ok)
	}
	if _, ok := g2.Linear([]int{99_999_901}); ok {
		t.Fatal("untouched chunk reported")
	}
	if _, ok := g2.Linear([]int{1 << 62}); ok {
		t.Fatal("huge chunk index reported")
	}
}

func TestGridChunksRange(t *testing.T) {
	s, _ := Parse("[1:9,[5,0,7]]", []int{10, 8})
	g := s.Grid([]int{3, 4})
	var got [][]int
	var lins []int64
	for lin, idx := range g.Chunks(1, 100) {
		got = append(got, append([]int(nil), idx...))
		lins = append(lins, lin)
	}
	want := [][]int{{0, 1}, {1, 0}, {1, 1}, {2, 0}, {2, 1}}
	if !cmp.Equal(got, want) || !cmp.Equal(lins, []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("Chunks = %v %v", got, lins)
	}
}

func TestGridBadChunkDims(t *testing.T) {
	s := All([]int{4, 4})
	for _, cd := range [][]int{nil, {4}, {0, 4}, {4, -1}} {
		g := s.Grid(cd)
		if g.Err() == nil || g.Count() != 0 {
			t.Errorf("Grid(%v) err %v count %d", cd, g.Err(), g.Count())
		}
	}
}

func TestRunsShapes(t *testing.T) {
	tests := []struct {
		name  string
		sel   string
		dims  []int
		chunk []int
		index []int
		want  []Run
	}{
		{"full chunk one run", "[0:1,:,:]", []int{365, 720, 1440}, []int{1, 720, 1440}, []int{0, 0, 0},
			[]Run{{0, 0, 720 * 1440, 1, 1}}},
		{"column strided run", "[:,7,9]", []int{25, 160, 160}, []int{25, 160, 160}, []int{0, 0, 0},
			[]Run{{7*160 + 9, 0, 25, 160 * 160, 1}}},
		{"rows", "[1:3,2:6]", []int{4, 8}, []int{4, 8}, []int{0, 0},
			[]Run{{10, 0, 4, 1, 1}, {18, 4, 4, 1, 1}}},
		{"full rows merge", "[1:3,:]", []int{4, 8}, []int{4, 8}, []int{0, 0},
			[]Run{{8, 0, 16, 1, 1}}},
		{"step inner", "[0:1,0:8:3]", []int{4, 8}, []int{4, 8}, []int{0, 0},
			[]Run{{0, 0, 3, 3, 1}}},
		{"stepped outer full inner", "[0:4:2,:]", []int{4, 8}, []int{4, 8}, []int{0, 0},
			[]Run{{0, 0, 8, 1, 1}, {16, 8, 8, 1, 1}}},
		{"partial chunk edge", "[5:10]", []int{10}, []int{4}, []int{1},
			[]Run{{1, 0, 3, 1, 1}}},
		{"coords inner", "[0:2,[3,1]]", []int{2, 4}, []int{2, 4}, []int{0, 0},
			[]Run{{3, 0, 2, 4, 2}, {1, 1, 2, 4, 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.sel, tc.dims)
			if err != nil {
				t.Fatal(err)
			}
			var got []Run
			for r := range s.Runs(tc.index, tc.chunk) {
				got = append(got, r)
			}
			if !cmp.Equal(got, tc.want) {
				t.Fatalf("Runs = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestGroupPoints(t *testing.T) {
	pts := [][]int{{5, 1}, {0, 0}, {4, 3}, {1, 7}, {5, 5}}
	groups, err := GroupPoints(pts, []int{4, 4})
	if err != nil {
		t.Fatal(err)
	}
	want := []PointGroup{
		{Index: []int{0, 0}, Points: []PointRef{{1, 0}}},
		{Index: []int{0, 1}, Points: []PointRef{{3, 7}}},
		{Index: []int{1, 0}, Points: []PointRef{{0, 5}, {2, 3}}},
		{Index: []int{1, 1}, Points: []PointRef{{4, 5}}},
	}
	if !cmp.Equal(groups, want) {
		t.Fatalf("GroupPoints = %+v", groups)
	}
	for _, bad := range []struct {
		pts [][]int
		cd  []int
	}{{pts, nil}, {pts, []int{0, 4}}, {[][]int{{1}}, []int{4, 4}}, {[][]int{{-1, 0}}, []int{4, 4}}} {
		if _, err := GroupPoints(bad.pts, bad.cd); err == nil {
			t.Errorf("GroupPoints(%v, %v) accepted", bad.pts, bad.cd)
		}
	}
}
