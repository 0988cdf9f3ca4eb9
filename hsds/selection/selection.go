package selection

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
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
type Selection struct {
	dims   []int // dataset extents; [1] for scalar datasets
	sel    []Dim
	sorted []bool // per coordinate dim: coordinates strictly increasing
	scalar bool
	count  int64
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
func (s *Selection) finish() bool {
	s.sorted = make([]bool, len(s.sel))
	n := int64(1)
	overflow := false
	for i, d := range s.sel {
		c := int64(d.Count())
		if c == 0 {
			n = 0
		} else if n > math.MaxInt64/c {
			overflow = true
		} else {
			n *= c
		}
		if d.Coords != nil {
			inc := true
			for j := 1; j < len(d.Coords); j++ {
				if d.Coords[j] <= d.Coords[j-1] {
					inc = false
					break
				}
			}
			s.sorted[i] = inc
		}
	}
	s.count = n
	return !overflow
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

// Rank returns the rank of the selection's output (0 for scalar).
func (s *Selection) Rank() int {
	if s.scalar {
		return 0
	}
	return len(s.sel)
}

// IsScalar reports whether this is the selection of a scalar dataset.
func (s *Selection) IsScalar() bool { return s.scalar }

// Shape returns the output shape: the count per dimension (a single index
// keeps its dimension with count 1). Scalar selections have shape [].
func (s *Selection) Shape() []int {
	if s.scalar {
		return []int{}
	}
	out := make([]int, len(s.sel))
	for i, d := range s.sel {
		out[i] = d.Count()
	}
	return out
}

// outShape is Shape with the internal rank-1 form for scalars.
func (s *Selection) outShape() []int {
	out := make([]int, len(s.sel))
	for i, d := range s.sel {
		out[i] = d.Count()
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

// Dim returns the selection along dimension i (for scalar selections,
// dimension 0 is the internal [0:1:1]); the zero Dim when i is out of
// range. Coords must not be modified.
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
