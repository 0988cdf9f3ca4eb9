package selection

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
)

// ErrInvalid is matched (errors.Is) by every selection error.
var ErrInvalid = errors.New("invalid selection")

// Error is a selection error; its text starts with "Invalid selection: ",
// HSDS's 400 reason.
type Error struct{ Msg string }

func (e *Error) Error() string { return "Invalid selection: " + e.Msg }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

func invalid(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// Dim is the selection along one dimension: a slice Start:Stop:Step, or a
// coordinate list when Coords is non-nil.
type Dim struct {
	Start, Stop, Step int
	Coords            []int // read-only; nil for slices
}

// IsList reports whether the dimension is a coordinate list.
func (d Dim) IsList() bool { return d.Coords != nil }

// Count returns the number of selected indices along the dimension.
func (d Dim) Count() int {
	if d.Coords != nil {
		return len(d.Coords)
	}
	if d.Stop <= d.Start || d.Step <= 0 {
		return 0
	}
	return (d.Stop-d.Start-1)/d.Step + 1
}

// Index returns the dataset index of the i-th selected element.
func (d Dim) Index(i int) int {
	if d.Coords != nil {
		return d.Coords[i]
	}
	return d.Start + i*d.Step
}

// Selection is a validated selection over a dataset's extents. It is
// immutable and safe for concurrent use.
//
// Several coordinate lists are paired element by element, as numpy (and
// HSDS 0.9.4 chunk_sn/chunkUtil) index with several integer arrays: the
// lists must have one length N and together select N points, which form one
// output axis (the point axis). The output shape follows numpy: when the
// list dimensions are adjacent, the point axis takes their place; when a
// slice separates them, the point axis comes first. A single index keeps its
// dimension (it is a slice of one, as in HSDS), so it never moves the point
// axis. Example: "[:,[1,4,5],[2,8,6]]" on (2,10,10) has shape (2,3);
// "[[0,1],:,[2,3]]" on (2,10,10) has shape (2,10); "[:,[0,1],:,[2,3]]" on
// (3,6,5,7) has shape (2,3,5).
type Selection struct {
	dims   []int // dataset extents; [1] for scalar datasets
	sel    []Dim
	sorted []bool // per coordinate dim: coordinates strictly increasing
	scalar bool
	count  int64

	lists     []int // dataset dims holding coordinate lists, ascending
	npts      int   // common length of the lists (0 without lists)
	pointAxis int   // output axis of the lists; -1 without lists
	outAxis   []int // per dataset dim: its output axis
	shape     []int // output shape ([1] internally for scalars)

	pmu  sync.Mutex
	pidx *pointIndex // cached by chunk dims (see pointsByChunk)
}

// All selects the whole dataspace. A zero extent gives an empty selection
// (Count 0); negative extents are treated as 0. All(nil) is the scalar
// selection.
func All(dims []int) *Selection {
	if len(dims) == 0 {
		return scalarSelection()
	}
	sel := make([]Dim, len(dims))
	ext := make([]int, len(dims))
	for i, d := range dims {
		if d < 0 {
			d = 0
		}
		ext[i] = d
		sel[i] = Dim{Start: 0, Stop: d, Step: 1}
	}
	s := &Selection{dims: ext, sel: sel}
	s.finish()
	return s
}

func scalarSelection() *Selection {
	s := &Selection{dims: []int{1}, sel: []Dim{{Start: 0, Stop: 1, Step: 1}}, scalar: true}
	s.finish()
	return s
}

// finish computes the derived fields; it reports false on count overflow.
// The coordinate lists must already have one length (checkLists).
func (s *Selection) finish() bool {
	s.sorted = make([]bool, len(s.sel))
	s.lists = s.lists[:0]
	for i, d := range s.sel {
		if d.Coords == nil {
			continue
		}
		s.lists = append(s.lists, i)
		s.npts = len(d.Coords)
		inc := true
		for j := 1; j < len(d.Coords); j++ {
			if d.Coords[j] <= d.Coords[j-1] {
				inc = false
				break
			}
		}
		s.sorted[i] = inc
	}
	s.layout()
	n := int64(1)
	overflow := false
	for _, e := range s.shape {
		c := int64(e)
		if c == 0 {
			n = 0
		} else if n > math.MaxInt64/c {
			overflow = true
		} else {
			n *= c
		}
	}
	s.count = n
	return !overflow
}

// layout places the dimensions on output axes (numpy's rule for advanced
// indexing, see Selection).
func (s *Selection) layout() {
	rank := len(s.sel)
	s.outAxis = make([]int, rank)
	s.pointAxis = -1
	nl := len(s.lists)
	if nl <= 1 {
		s.shape = make([]int, rank)
		for d := range s.sel {
			s.outAxis[d] = d
			s.shape[d] = s.sel[d].Count()
		}
		if nl == 1 {
			s.pointAxis = s.lists[0]
		}
		return
	}
	s.shape = make([]int, 0, rank-nl+1)
	first, last := s.lists[0], s.lists[nl-1]
	adjacent := last-first == nl-1
	if !adjacent {
		s.pointAxis = 0
		s.shape = append(s.shape, s.npts)
	}
	for d, dm := range s.sel {
		switch {
		case dm.Coords == nil:
			s.outAxis[d] = len(s.shape)
			s.shape = append(s.shape, dm.Count())
		case d == first && adjacent:
			s.pointAxis = len(s.shape)
			s.outAxis[d] = s.pointAxis
			s.shape = append(s.shape, s.npts)
		default:
			s.outAxis[d] = s.pointAxis
		}
	}
}

// checkLists verifies that the coordinate lists of sel have one length, as
// numpy broadcasting requires (HSDS dsetUtil.getSelectionShape gives the
// same message).
func checkLists(sel []Dim) error {
	n := -1
	for _, d := range sel {
		if d.Coords == nil {
			continue
		}
		if n >= 0 && len(d.Coords) != n {
			return invalid("shape mismatch: indexing arrays could not be broadcast together with shapes (%d,) (%d,)", n, len(d.Coords))
		}
		n = len(d.Coords)
	}
	return nil
}

// FromStartStopStep builds a selection from per-dimension start, stop and
// step lists (the JSON body form). A nil list means 0, the extent or 1
// respectively. The same rules as Parse apply.
func FromStartStopStep(start, stop, step []int, dims []int) (*Selection, error) {
	if err := checkDims(dims); err != nil {
		return nil, err
	}
	if len(dims) == 0 {
		if len(start)+len(stop)+len(step) != 0 {
			return nil, invalid("start/stop/step given for a scalar dataset")
		}
		return scalarSelection(), nil
	}
	rank := len(dims)
	for i, l := range [][]int{start, stop, step} {
		if l != nil && len(l) != rank {
			name := [...]string{"start", "stop", "step"}[i]
			return nil, invalid("%s has %d values, dataset rank is %d", name, len(l), rank)
		}
	}
	sel := make([]Dim, rank)
	for d := 0; d < rank; d++ {
		st, sp, stp := 0, dims[d], 1
		if start != nil {
			st = start[d]
		}
		if stop != nil {
			sp = stop[d]
		}
		if step != nil {
			stp = step[d]
		}
		if err := checkSlice(d, st, sp, stp, dims[d]); err != nil {
			return nil, err
		}
		sel[d] = Dim{Start: st, Stop: sp, Step: stp}
	}
	return newSelection(dims, sel)
}

func newSelection(dims []int, sel []Dim) (*Selection, error) {
	if err := checkLists(sel); err != nil {
		return nil, err
	}
	s := &Selection{dims: append([]int(nil), dims...), sel: sel}
	if !s.finish() {
		return nil, invalid("selection has more than 2^63 elements")
	}
	return s, nil
}

func checkDims(dims []int) error {
	for i, d := range dims {
		if d < 0 {
			return invalid("negative extent %d for dim %d", d, i)
		}
	}
	return nil
}

func checkSlice(dim, start, stop, step, extent int) error {
	if start < 0 || start >= extent {
		return invalid("start value out of range for dim %d", dim)
	}
	if stop < 0 || stop > extent || stop <= start {
		return invalid("stop value out of range for dim %d", dim)
	}
	if step <= 0 {
		return invalid("step value out of range for dim %d", dim)
	}
	return nil
}

// Points validates a point selection: each point has one coordinate per
// dimension, within the extents.
func Points(points [][]int, dims []int) error {
	if len(dims) == 0 {
		return invalid("point selection on a scalar dataset")
	}
	if len(points) == 0 {
		return invalid("no points")
	}
	for i, p := range points {
		if len(p) != len(dims) {
			return invalid("point %d has %d coordinates, dataset rank is %d", i, len(p), len(dims))
		}
		for d, v := range p {
			if v < 0 || v >= dims[d] {
				return invalid("point %d coordinate %d out of range for dim %d (extent %d)", i, v, d, dims[d])
			}
		}
	}
	return nil
}

// Rank returns the rank of the selection's output (0 for scalar): the
// dataset rank, less one per coordinate list beyond the first.
func (s *Selection) Rank() int {
	if s.scalar {
		return 0
	}
	return len(s.shape)
}

// IsScalar reports whether this is the selection of a scalar dataset.
func (s *Selection) IsScalar() bool { return s.scalar }

// Shape returns the output shape: the count per output axis (a single
// index keeps its dimension with count 1; paired coordinate lists share one
// point axis, see Selection). Scalar selections have shape [].
func (s *Selection) Shape() []int {
	if s.scalar {
		return []int{}
	}
	return append([]int(nil), s.shape...)
}

// outShape is Shape with the internal rank-1 form for scalars (not a copy).
func (s *Selection) outShape() []int { return s.shape }

// ListDims returns the dataset dimensions that hold coordinate lists, in
// ascending order (nil without lists).
func (s *Selection) ListDims() []int {
	if len(s.lists) == 0 {
		return nil
	}
	return append([]int(nil), s.lists...)
}

// Paired reports whether the selection pairs two or more coordinate lists
// (its output rank is then below the dataset rank).
func (s *Selection) Paired() bool { return len(s.lists) > 1 }

// PointAxis returns the output axis of the coordinate lists, -1 without.
func (s *Selection) PointAxis() int { return s.pointAxis }

// OutAxis returns the output axis of dataset dimension d (-1 when d is out
// of range or the selection is scalar). Paired lists share one axis.
func (s *Selection) OutAxis(d int) int {
	if s.scalar || d < 0 || d >= len(s.outAxis) {
		return -1
	}
	return s.outAxis[d]
}

// AxisDims returns the dataset dimensions of output axis a: one for a slice
// or a single list, all list dimensions for the point axis of paired lists;
// nil when a is out of range.
func (s *Selection) AxisDims(a int) []int {
	if s.scalar || a < 0 || a >= len(s.shape) {
		return nil
	}
	var out []int
	for d, oa := range s.outAxis {
		if oa == a {
			out = append(out, d)
		}
	}
	return out
}

// Count returns the number of selected elements.
func (s *Selection) Count() int64 { return s.count }

// Extents returns the dataset extents the selection was made against
// (nil for scalar).
func (s *Selection) Extents() []int {
	if s.scalar {
		return nil
	}
	return append([]int(nil), s.dims...)
}

// Dim returns the selection along dataset dimension i (for scalar
// selections, dimension 0 is the internal [0:1:1]); the zero Dim when i is
// out of range. Coords must not be modified. Count and Index of a list
// dimension are along the point axis.
func (s *Selection) Dim(i int) Dim {
	if i < 0 || i >= len(s.sel) {
		return Dim{}
	}
	return s.sel[i]
}

// IsAll reports whether the selection covers the whole dataspace in order.
func (s *Selection) IsAll() bool {
	for i, d := range s.sel {
		if d.Coords != nil || d.Start != 0 || d.Step != 1 || d.Stop != s.dims[i] {
			return false
		}
	}
	return true
}

// String returns the canonical select string, "[start:stop:step,...]" with
// coordinate lists as "[i,j]"; "[]" for scalar selections.
func (s *Selection) String() string {
	if s.scalar {
		return "[]"
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range s.sel {
		if i > 0 {
			b.WriteByte(',')
		}
		if d.Coords != nil {
			b.WriteByte('[')
			for j, c := range d.Coords {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.Itoa(c))
			}
			b.WriteByte(']')
			continue
		}
		b.WriteString(strconv.Itoa(d.Start))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(d.Stop))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(d.Step))
	}
	b.WriteByte(']')
	return b.String()
}
