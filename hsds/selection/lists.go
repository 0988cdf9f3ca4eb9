package selection

import (
	"slices"
	"sort"
)

// pointIndex orders the points of a selection's coordinate lists by the
// chunk that holds them, for one set of chunk dims. Points with the same
// chunk keep their point order, so the output positions of one chunk's
// points increase.
type pointIndex struct {
	chunk []int // chunk dims along the list dims
	nl    int   // number of list dims
	keys  []int // chunk indices along the list dims of the k-th sorted point (nl per point)
	order []int // point numbers in sorted order
	start []int // position in order of the first point of each distinct chunk, plus len(order)
}

// pointsByChunk returns the point index for chunk dims cd (full rank),
// building it once per chunk dims (the last one is cached).
func (s *Selection) pointsByChunk(cd []int) *pointIndex {
	nl := len(s.lists)
	s.pmu.Lock()
	defer s.pmu.Unlock()
	if p := s.pidx; p != nil {
		same := true
		for j, d := range s.lists {
			if p.chunk[j] != cd[d] {
				same = false
				break
			}
		}
		if same {
			return p
		}
	}
	p := &pointIndex{chunk: make([]int, nl), nl: nl}
	for j, d := range s.lists {
		p.chunk[j] = cd[d]
	}
	n := s.npts
	raw := make([]int, n*nl)
	for j, d := range s.lists {
		c := cd[d]
		for i, v := range s.sel[d].Coords {
			raw[i*nl+j] = v / c
		}
	}
	p.order = make([]int, n)
	for i := range p.order {
		p.order[i] = i
	}
	sort.SliceStable(p.order, func(a, b int) bool {
		return slices.Compare(raw[p.order[a]*nl:p.order[a]*nl+nl], raw[p.order[b]*nl:p.order[b]*nl+nl]) < 0
	})
	p.keys = make([]int, n*nl)
	for k, i := range p.order {
		copy(p.keys[k*nl:k*nl+nl], raw[i*nl:i*nl+nl])
	}
	for k := 0; k < n; k++ {
		if k == 0 || slices.Compare(p.keys[k*nl:k*nl+nl], p.keys[(k-1)*nl:k*nl]) != 0 {
			p.start = append(p.start, k)
		}
	}
	p.start = append(p.start, n)
	s.pidx = p
	return p
}

// chunks returns the number of distinct chunks holding points.
func (p *pointIndex) chunks() int { return len(p.start) - 1 }

// key returns the chunk indices (along the list dims) of the u-th distinct
// chunk.
func (p *pointIndex) key(u int) []int {
	k := p.start[u]
	return p.keys[k*p.nl : k*p.nl+p.nl]
}

// find returns the position of the distinct chunk with the given chunk
// indices along the list dims.
func (p *pointIndex) find(ci []int) (int, bool) {
	n := p.chunks()
	u := sort.Search(n, func(u int) bool { return slices.Compare(p.key(u), ci) >= 0 })
	return u, u < n && slices.Equal(p.key(u), ci)
}

// points returns the point numbers of the u-th distinct chunk, ascending.
func (p *pointIndex) points(u int) []int { return p.order[p.start[u]:p.start[u+1]] }
