package schema

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Expected values come from running HSDS's chunkUtil functions (Python).
func TestChooseChunk(t *testing.T) {
	tests := []struct {
		name             string
		req, shape, maxd []int
		itemsize         int
		want             []int
	}{
		{"verified [2,4] on [4,8] i32", []int{2, 4}, []int{4, 8}, []int{4, 8}, 4, []int{4, 8}},
		{"verified [100] maxdims [0] f64", []int{100}, []int{100}, []int{0}, 8, []int{204800}},
		{"small whole space", nil, []int{4, 8}, nil, 4, []int{4, 8}},
		{"guess unlimited", nil, []int{100}, []int{0}, 8, []int{131072}},
		{"shrink 3d i16", nil, []int{365, 720, 1440}, nil, 2, []int{46, 90, 360}},
		{"shrink 2d f32", nil, []int{10000, 10000}, nil, 4, []int{625, 1250}},
		{"guess from maxdims", nil, []int{0, 720, 1440}, []int{0, 720, 1440}, 2, []int{128, 90, 180}},
		{"mur25 request kept", []int{1, 720, 1440}, []int{365, 720, 1440}, []int{0, 720, 1440}, 2, []int{1, 720, 1440}},
		{"one unlimited", nil, []int{100, 100}, []int{100, 0}, 8, []int{100, 2048}},
		{"vlen small", nil, []int{1000}, nil, 0, []int{1000}},
		{"vlen shrink", nil, []int{100000}, nil, -1, []int{25000}},
		{"bounded extensible trims to maxdims", []int{10, 10}, []int{100, 10}, []int{1000, 10}, 4, []int{1000, 10}},
		{"tiny 3d", nil, []int{3, 5, 7}, nil, 1, []int{3, 5, 7}},
		{"expand cube", []int{1, 1, 1}, []int{5000, 5000, 5000}, nil, 8, []int{64, 64, 64}},
		{"scalar", nil, nil, nil, 4, []int{1}},
		{"bad request falls back to guess", []int{0, 4}, []int{4, 8}, nil, 4, []int{4, 8}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ChooseChunk(tc.req, tc.shape, tc.maxd, tc.itemsize, 0, 0)
			if !cmp.Equal(got, tc.want) {
				t.Fatalf("ChooseChunk = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestContiguousLayout(t *testing.T) {
	tests := []struct {
		shape    []int
		itemsize int
		want     []int
	}{
		{[]int{1000, 1000, 1000}, 8, []int{1, 250, 1000}},
		{[]int{720, 1440}, 2, []int{720, 1440}},
		{[]int{365, 720, 1440}, 2, []int{1, 720, 1440}},
		{[]int{10}, 4, []int{10}},
		{[]int{4000000}, 1, []int{2000000}},
		{[]int{3, 4000001}, 1, []int{1, 2000001}},
		{[]int{2, 2, 3000000}, 4, []int{1, 1, 750000}},
		{[]int{0, 5}, 4, []int{0, 5}},
		{nil, 4, []int{1}},
		{[]int{1 << 60}, 1 << 20, []int{2}},
	}
	for _, tc := range tests {
		if got := ContiguousLayout(tc.shape, tc.itemsize); !cmp.Equal(got, tc.want) {
			t.Errorf("ContiguousLayout(%v, %d) = %v, want %v", tc.shape, tc.itemsize, got, tc.want)
		}
	}
}

func TestShrinkExpandDirect(t *testing.T) {
	if got := ShrinkChunk([]int{8, 8}, 1, 16); !cmp.Equal(got, []int{4, 4}) {
		t.Fatalf("ShrinkChunk = %v", got)
	}
	if got := ShrinkChunk([]int{1 << 40, 1 << 40}, 8, MaxChunkSize); chunkBytes(got, 8) > MaxChunkSize {
		t.Fatalf("ShrinkChunk huge = %v", got)
	}
	if got := ExpandChunk([]int{1}, []int{10}, []int{0}, 1, 64); !cmp.Equal(got, []int{64}) {
		t.Fatalf("ExpandChunk = %v", got)
	}
	if got := GuessChunk([]int{5, 0}, nil, 4); !cmp.Equal(got, []int{5, 1024}) {
		t.Fatalf("GuessChunk = %v", got)
	}
}
