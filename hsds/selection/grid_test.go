package selection

import (
	"math/rand"
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

// Paired coordinate lists touch only the chunks of their points (HSDS
// chunkUtil.getChunkIds does the same), not the product of the chunks
// touched per dimension.
func TestGridPairedLists(t *testing.T) {
	s, err := Parse("[:,[1,4,5,9],[2,8,6,1]]", []int{2, 10, 10})
	if err != nil {
		t.Fatal(err)
	}
	g := s.Grid([]int{1, 4, 4})
	// points (1,2) (4,8) (5,6) (9,1) lie in chunks (0,0) (1,2) (1,1) (2,0)
	if g.Count() != 2*4 || !cmp.Equal(g.Dims(), []int{2, 4}) || g.Rank() != 2 {
		t.Fatalf("Count %d Dims %v Rank %d", g.Count(), g.Dims(), g.Rank())
	}
	var got [][]int
	for lin, ci := range g.Chunks(0, g.Count()) {
		got = append(got, append([]int(nil), ci...))
		if l, ok := g.Linear(ci); !ok || l != lin {
			t.Fatalf("Linear(%v) = %d %v, want %d", ci, l, ok, lin)
		}
	}
	want := [][]int{{0, 0, 0}, {0, 1, 1}, {0, 1, 2}, {0, 2, 0}, {1, 0, 0}, {1, 1, 1}, {1, 1, 2}, {1, 2, 0}}
	if !cmp.Equal(got, want) {
		t.Fatalf("chunks %v, want %v", got, want)
	}
	if _, ok := g.Linear([]int{0, 0, 1}); ok {
		t.Fatal("untouched chunk (0,0,1) has a position")
	}
	if !cmp.Equal(g.Along(1), []int{0, 1, 2}) || !cmp.Equal(g.Along(2), []int{0, 1, 2}) || !cmp.Equal(g.Along(0), []int{0, 1}) {
		t.Fatalf("Along %v %v %v", g.Along(0), g.Along(1), g.Along(2))
	}
	b, ok := s.Block([]int{1, 1, 1}, []int{1, 4, 4})
	if !ok || b.Count() != 1 || !cmp.Equal(b.Paired, []int{1, 2}) {
		t.Fatalf("block %+v ok %v", b, ok)
	}
	if p := b.Dims[1].Points; len(p) != 1 || p[0] != (Pair{Chunk: 1, Out: 2}) || b.Dims[2].Points[0] != (Pair{Chunk: 2, Out: 2}) {
		t.Fatalf("points %v %v", b.Dims[1].Points, b.Dims[2].Points)
	}
}

func TestSub(t *testing.T) {
	dims := []int{3, 6, 5, 7}
	tests := []struct {
		sel      string
		axis     int
		from, to int
		want     string
	}{
		{"[0:3,[0,1,5],:,[2,3,6]]", 1, 1, 3, "[1:3:1,[0,1,5],0:5:1,[2,3,6]]"},
		{"[0:3,[0,1,5],:,[2,3,6]]", 0, 1, 3, "[0:3:1,[1,5],0:5:1,[3,6]]"},
		{"[0:3,[0,1,5],[2,3,4],:]", 1, 2, 3, "[0:3:1,[5],[4],0:7:1]"},
		{"[0:2,[0,1,5],:,[2,3,6]]", 0, 0, 2, "[0:2:1,[0,1],0:5:1,[2,3]]"},
		{"[0:2,[0,1,5],:,[2,3,6]]", 2, 1, 4, "[0:2:1,[0,1,5],1:4:1,[2,3,6]]"},
		{"[0:3:2,2,1:5:3,[6,0]]", 2, 1, 2, "[0:3:2,2:3:1,4:5:3,[6,0]]"},
	}
	for _, tc := range tests {
		s, err := Parse(tc.sel, dims)
		if err != nil {
			t.Fatal(err)
		}
		sub, err := s.Sub(tc.axis, tc.from, tc.to)
		if err != nil || sub.String() != tc.want {
			t.Fatalf("Sub(%s, %d, %d, %d) = %v %v, want %s", tc.sel, tc.axis, tc.from, tc.to, sub, err, tc.want)
		}
	}
	s, _ := Parse("[0:2,[0,1,5],:,[2,3,6]]", dims)
	for _, bad := range [][3]int{{3, 0, 1}, {0, 1, 1}, {0, 2, 4}, {-1, 0, 1}} {
		if _, err := s.Sub(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("Sub%v accepted", bad)
		}
	}
}

// Paging a selection along any axis with Sub and concatenating the pages
// along that axis gives the whole selection (checked on axis 0, which is
// how the REST server and hsfan get page).
func TestSubPagesConcatenate(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for iter := 0; iter < 200; iter++ {
		rank := 1 + r.Intn(4)
		dims := make([]int, rank)
		chunk := make([]int, rank)
		for d := range dims {
			dims[d] = 1 + r.Intn(7)
			chunk[d] = 1 + r.Intn(4)
		}
		s, err := Parse(randomSelect(r, dims), dims)
		if err != nil {
			t.Fatal(err)
		}
		all := readAll(t, s, dims, chunk)
		per := 1 + r.Intn(3)
		var got []int64
		for o := 0; o < s.Shape()[0]; o += per {
			page, err := s.Sub(0, o, min(o+per, s.Shape()[0]))
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, readAll(t, page, dims, chunk)...)
		}
		if !cmp.Equal(got, all) {
			t.Fatalf("%s: pages %v, whole %v", s, got, all)
		}
	}
}
