package ops

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
)

// Wire format, version 1 (all integers little endian or uvarint):
//
//	"HSFP" version:u8 kind:u8 flags:u8 (bit 0: weighted, bit 1: weights mask the values)
//	ndim:uvarint shape:uvarint*ndim reduce:u8*ndim
//	weightsFingerprint:u64 bins:uvarint min:f64 max:f64 ddof:uvarint
//	count:uvarint*cells
//	for each exact store (sum, wsum, sq, dev; those the kind uses):
//	    per cell: k:uvarint component:f64*k
//	    nSpecial:uvarint (cell:uvarint value:f64)*nSpecial
//	min/max: f64*cells
//	histogram: bin:uvarint*(cells*bins) under:uvarint*cells over:uvarint*cells
//	crc32c of everything above: u32
const (
	wireMagic   = "HSFP"
	wireVersion = 1
	// maxWireComps bounds the components of one serialized expansion.
	maxWireComps = 64
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt is wrapped by UnmarshalBinary for malformed input.
var ErrCorrupt = errors.New("corrupt partial")

// MarshalBinary encodes the partial compactly (see the wire format in
// marshal.go). The weights themselves are not included, only a fingerprint.
func (p *Partial) MarshalBinary() ([]byte, error) {
	return p.AppendBinary(nil)
}

// AppendBinary appends the encoding of MarshalBinary to b.
func (p *Partial) AppendBinary(b []byte) ([]byte, error) {
	if p.err != nil {
		return nil, fmt.Errorf("marshal partial: %w", p.err)
	}
	start := len(b)
	b = append(b, wireMagic...)
	var flags byte
	if p.weighted {
		flags |= 1
	}
	if p.masked {
		flags |= 2
	}
	b = append(b, wireVersion, byte(p.kind), flags)
	b = binary.AppendUvarint(b, uint64(len(p.g.Shape)))
	for _, e := range p.g.Shape {
		b = binary.AppendUvarint(b, uint64(e))
	}
	for _, r := range p.g.Reduce {
		if r {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	b = binary.LittleEndian.AppendUint64(b, p.fp)
	b = binary.AppendUvarint(b, uint64(p.opts.Bins))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.opts.Min))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.opts.Max))
	b = binary.AppendUvarint(b, uint64(p.opts.DDOF))
	for _, n := range p.cnt {
		b = binary.AppendUvarint(b, uint64(n))
	}
	for _, s := range p.stores() {
		b = s.appendBinary(b)
	}
	for _, x := range p.ext {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	for _, xs := range [][]int64{p.hist, p.under, p.over} {
		for _, n := range xs {
			b = binary.AppendUvarint(b, uint64(n))
		}
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], crcTable))
	return b, nil
}

// stores returns the exact stores in wire order.
func (p *Partial) stores() []*exactStore {
	var out []*exactStore
	for _, s := range []*exactStore{p.sum, p.wsum, p.sq, p.dev} {
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}

func (s *exactStore) appendBinary(b []byte) []byte {
	for c := range s.n {
		e := s.cell(c)
		b = binary.AppendUvarint(b, uint64(len(e)))
		for _, x := range e {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		}
	}
	cells := make([]int, 0, len(s.special))
	for c := range s.special {
		cells = append(cells, c)
	}
	slices.Sort(cells)
	b = binary.AppendUvarint(b, uint64(len(cells)))
	for _, c := range cells {
		b = binary.AppendUvarint(b, uint64(c))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.special[c]))
	}
	return b
}

// UnmarshalBinary replaces p's state with data produced by MarshalBinary
// (use Merge to add it instead). On a partial made
// by NewPartial the data must describe the same reduction (kind, geometry,
// weights fingerprint, options) and the weights stay usable; on a zero
// Partial the geometry is taken from the data and the partial can be merged
// and finalized, but not fed with AddBlock if it is weighted. Malformed
// input yields an error wrapping ErrCorrupt; allocations are bounded by
// len(data).
func (p *Partial) UnmarshalBinary(data []byte) error {
	q, err := decodePartial(data)
	if err != nil {
		return fmt.Errorf("unmarshal partial: %w", err)
	}
	if p.cnt != nil || p.err != nil { // made by NewPartial
		if p.err != nil {
			return fmt.Errorf("unmarshal partial: %w", p.err)
		}
		if err := p.compatible(q); err != nil {
			return fmt.Errorf("unmarshal partial: %w", err)
		}
		q.g = p.g
		q.weightsKnown = p.weightsKnown
		q.fwStride, q.cellStride, q.idx, q.wrow = p.fwStride, p.cellStride, p.idx, p.wrow
	}
	*p = *q
	return nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
}

func (r *reader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad varint for %s", what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.fail("truncated %s", what)
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) f64(what string) float64 {
	v := r.bytes(8, what)
	if v == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(v))
}

// count reads a uvarint that must fit in an int64 >= 0.
func (r *reader) count(what string) int64 {
	v := r.uvarint(what)
	if v > math.MaxInt64/4 {
		r.fail("%s %d out of range", what, v)
		return 0
	}
	return int64(v)
}

// need fails unless at least n more bytes remain (bounds allocations).
func (r *reader) need(n int, what string) bool {
	if r.err == nil && (n < 0 || n > len(r.b)) {
		r.fail("%s: %d entries but only %d bytes left", what, n, len(r.b))
	}
	return r.err == nil
}

func decodePartial(data []byte) (*Partial, error) {
	r, err := openFrame(data)
	if err != nil {
		return nil, err
	}
	p, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	if err := p.readBody(r); err != nil {
		return nil, err
	}
	return p, nil
}

// openFrame checks the frame of a marshalled partial (magic, version, CRC-32C) and returns a
// reader of what lies between the version and the checksum.
func openFrame(data []byte) (*reader, error) {
	if len(data) < len(wireMagic)+3+4 {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrCorrupt, len(data))
	}
	if string(data[:4]) != wireMagic {
		return nil, fmt.Errorf("%w: bad magic %q", ErrCorrupt, data[:4])
	}
	if data[4] != wireVersion {
		return nil, fmt.Errorf("%w: unsupported version %d", ErrCorrupt, data[4])
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, crcTable) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	return &reader{b: body[5:]}, nil
}

// readHeader reads the kind, flags, geometry, options and fingerprint of a partial and checks
// that they go together; the partial's cells are not allocated yet.
func readHeader(r *reader) (*Partial, error) {
	hdr := r.bytes(2, "header")
	if r.err != nil {
		return nil, r.err
	}
	kind, flags := Kind(hdr[0]), hdr[1]
	if !kind.Valid() {
		return nil, fmt.Errorf("%w: invalid kind %d", ErrCorrupt, hdr[0])
	}
	if flags&^3 != 0 {
		return nil, fmt.Errorf("%w: unknown flags %#x", ErrCorrupt, flags)
	}
	nd := r.uvarint("rank")
	if nd > MaxDims {
		return nil, fmt.Errorf("%w: rank %d exceeds %d", ErrCorrupt, nd, MaxDims)
	}
	g := Geometry{Shape: make([]int, nd), Reduce: make([]bool, nd)}
	for a := range g.Shape {
		e := r.uvarint("extent")
		if e > math.MaxInt32*8 {
			r.fail("extent %d too large", e)
		}
		g.Shape[a] = int(e)
	}
	red := r.bytes(int(nd), "reduce flags")
	for a, v := range red {
		if v > 1 {
			r.fail("reduce flag %d", v)
		}
		g.Reduce[a] = v == 1
	}
	fpb := r.bytes(8, "fingerprint")
	bins := r.uvarint("bins")
	lo, hi := r.f64("histogram min"), r.f64("histogram max")
	ddof := r.uvarint("ddof")
	if r.err != nil {
		return nil, r.err
	}
	if bins > MaxBins || ddof > math.MaxInt32 {
		return nil, fmt.Errorf("%w: options out of range", ErrCorrupt)
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	p := &Partial{kind: kind, opts: Options{Bins: int(bins), Min: lo, Max: hi, DDOF: int(ddof)}}
	opts := p.opts
	if err := p.checkOptions(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if p.opts != opts {
		return nil, fmt.Errorf("%w: histogram options on a %s partial", ErrCorrupt, kind)
	}
	p.g = g
	p.weighted = flags&1 != 0
	p.masked = flags&2 != 0
	if p.weighted && !p.masked {
		return nil, fmt.Errorf("%w: weighted but not masked", ErrCorrupt)
	}
	if p.weighted && !kind.weighted() {
		return nil, fmt.Errorf("%w: weights on a %s partial", ErrCorrupt, kind)
	}
	if p.weighted && p.opts.DDOF != 0 {
		return nil, fmt.Errorf("%w: ddof with weights", ErrCorrupt)
	}
	p.fp = binary.LittleEndian.Uint64(fpb)
	return p, nil
}

// readBody allocates p's cells and reads their counts, sums, extrema and histogram bins,
// checking what must hold between them (no NaN extremum, an empty cell keeps its initial
// extremum, a histogram holds the cell's count) and that nothing trails.
func (p *Partial) readBody(r *reader) error {
	kind, g := p.kind, p.g
	cells := g.NumCells()
	// Every cell costs at least one byte on the wire; check before allocating.
	if !r.need(cells, "counts") {
		return r.err
	}
	if kind == Histogram && !r.need(cells*p.opts.Bins, "histogram") {
		return r.err
	}
	if err := p.alloc(); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	for c := range p.cnt {
		p.cnt[c] = r.count("count")
	}
	for _, s := range p.stores() {
		s.read(r)
	}
	for c := range p.ext {
		x := r.f64("extremum")
		if math.IsNaN(x) {
			r.fail("NaN extremum")
		}
		if p.cnt[c] == 0 && x != p.ext[c] {
			r.fail("extremum in empty cell %d", c)
		}
		p.ext[c] = x
	}
	if kind == Histogram {
		for i := range p.hist {
			p.hist[i] = r.count("bin")
		}
		for c := range p.under {
			p.under[c] = r.count("underflow")
		}
		for c := range p.over {
			p.over[c] = r.count("overflow")
		}
		if r.err == nil {
			for c := 0; c < cells; c++ {
				t := p.under[c] + p.over[c]
				for _, n := range p.hist[c*p.opts.Bins : (c+1)*p.opts.Bins] {
					t += n
				}
				if t != p.cnt[c] {
					r.fail("histogram of cell %d holds %d values, count is %d", c, t, p.cnt[c])
					break
				}
			}
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return r.err
	}
	return nil
}

func (s *exactStore) read(r *reader) {
	var buf [maxWireComps]float64
	for c := range s.n {
		k := r.uvarint("components")
		if r.err != nil {
			return
		}
		if k > maxWireComps {
			r.fail("%d components", k)
			return
		}
		e := buf[:k]
		for i := range e {
			x := r.f64("component")
			if x == 0 || !finite(x) {
				r.fail("component %v", x)
			}
			e[i] = x
		}
		if r.err != nil {
			return
		}
		s.set(c, e)
	}
	ns := r.uvarint("special count")
	if !r.need(int(min(ns, uint64(len(r.b)+1))), "specials") {
		return
	}
	prev := -1
	for i := uint64(0); i < ns && r.err == nil; i++ {
		c := r.uvarint("special cell")
		x := r.f64("special value")
		if c >= uint64(len(s.n)) || int(c) <= prev {
			r.fail("special cell %d", c)
			return
		}
		if finite(x) {
			r.fail("special value %v is finite", x)
			return
		}
		prev = int(c)
		s.addSpecial(int(c), x)
	}
}
