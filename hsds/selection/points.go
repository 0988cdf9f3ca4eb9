package selection

import (
	"fmt"
	"sort"
)

// PointRef is one point of a point selection inside its chunk: its position
// in the request's point list and its element offset in the chunk (C
// order).
type PointRef struct {
	Point  int
	Offset int64
}

// PointGroup is the set of points that fall in one chunk.
type PointGroup struct {
	Index  []int // chunk index
	Points []PointRef
}

// GroupPoints groups points (already validated against the extents with
// Points) by chunk. Groups come in row-major chunk order; points keep
// their request order inside a group.
func GroupPoints(points [][]int, chunkDims []int) ([]PointGroup, error) {
	rank := len(chunkDims)
	if rank == 0 {
		return nil, fmt.Errorf("group points: no chunk dims")
	}
	for _, c := range chunkDims {
		if c <= 0 {
			return nil, fmt.Errorf("group points: chunk dims %v must be positive", chunkDims)
		}
	}
	st := strides(chunkDims)
	byKey := map[string]int{}
	var groups []PointGroup
	key := make([]byte, 0, rank*8)
	for i, p := range points {
		if len(p) != rank {
			return nil, fmt.Errorf("group points: point %d has %d coordinates, chunk rank is %d", i, len(p), rank)
		}
		key = key[:0]
		var off int64
		for d, v := range p {
			if v < 0 {
				return nil, fmt.Errorf("group points: point %d has a negative coordinate", i)
			}
			ci := v / chunkDims[d]
			off += int64(v-ci*chunkDims[d]) * st[d]
			key = append(key, byte(ci), byte(ci>>8), byte(ci>>16), byte(ci>>24),
				byte(ci>>32), byte(ci>>40), byte(ci>>48), byte(ci>>56))
		}
		g, ok := byKey[string(key)]
		if !ok {
			idx := make([]int, rank)
			for d, v := range p {
				idx[d] = v / chunkDims[d]
			}
			g = len(groups)
			byKey[string(key)] = g
			groups = append(groups, PointGroup{Index: idx})
		}
		groups[g].Points = append(groups[g].Points, PointRef{Point: i, Offset: off})
	}
	sort.Slice(groups, func(a, b int) bool {
		ia, ib := groups[a].Index, groups[b].Index
		for d := range ia {
			if ia[d] != ib[d] {
				return ia[d] < ib[d]
			}
		}
		return false
	})
	return groups, nil
}
