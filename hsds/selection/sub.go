package selection

import "fmt"

// Sub returns the part of s at output positions [from, to) along output
// axis a (for paging a large selection): a slice dimension is narrowed, the
// point axis of coordinate lists takes the same part of every list. The
// result's elements, in order, are those of s at these positions.
func (s *Selection) Sub(a, from, to int) (*Selection, error) {
	if s.scalar {
		return nil, fmt.Errorf("sub-selection of a scalar selection")
	}
	if a < 0 || a >= len(s.shape) {
		return nil, fmt.Errorf("sub-selection: axis %d out of range for rank %d", a, len(s.shape))
	}
	if from < 0 || to > s.shape[a] || from >= to {
		return nil, fmt.Errorf("sub-selection: positions [%d, %d) out of range for axis %d of %d", from, to, a, s.shape[a])
	}
	sel := append([]Dim(nil), s.sel...)
	for d, dm := range sel {
		if s.outAxis[d] != a {
			continue
		}
		if dm.Coords != nil {
			sel[d] = Dim{Coords: dm.Coords[from:to:to]}
			continue
		}
		sel[d] = Dim{Start: dm.Index(from), Stop: dm.Index(to-1) + 1, Step: dm.Step}
	}
	return newSelection(s.dims, sel)
}
