package mrwork

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"unsafe"
)

// entry is one key (and, with a combiner, its folded value) in the emit table.
type entry struct {
	hash       uint64
	pre        uint64 // the key's first 8 bytes, big-endian, zero-padded: most comparisons end here
	part       int32
	koff, klen int32
	voff, vlen int32
}

// Emitter receives a map task's key/value pairs. With a combiner it folds the values of equal
// keys in an open-addressing hash table over one byte arena (no allocation per record once the
// table has grown); without, it appends every pair. When the table holds more than its spill
// limit, it is written out as one sorted run per partition.
type Emitter struct {
	combine func(dst, a, b []byte) ([]byte, error)
	parts   int
	limit   int
	spill   func(parts [][]byte, counts []int64) error // one encoded run per partition (empty: none) and its records

	slots   []uint64 // the hash's high 32 bits << 32 | entry index + 1; 0 is empty
	ents    []entry
	arena   []byte
	scratch []byte
	vtmp    []byte
	items   []sortItem // the sort before a spill (sortItem), and its scratch
	tmp     []sortItem
	runs    [][]byte
	counts  []int64
	err     error
	// Emitted counts the pairs given to Emit; Spills the tables written.
	Emitted, Spills int64
}

func newEmitter(combine func(dst, a, b []byte) ([]byte, error), parts, limit int, spill func([][]byte, []int64) error) *Emitter {
	e := &Emitter{combine: combine, parts: parts, limit: limit, spill: spill}
	if combine != nil {
		e.slots = make([]uint64, 1<<8)
	}
	e.runs = make([][]byte, parts)
	e.counts = make([]int64, parts)
	return e
}

// Emit adds a key/value pair; both are copied.
func (e *Emitter) Emit(key, value []byte) {
	if e.err != nil {
		return
	}
	e.Emitted++
	h := Hash(key)
	pre := prefix8(key)
	if e.combine == nil {
		e.add(h, pre, key, value)
	} else {
		mask := uint64(len(e.slots) - 1)
		tag := h &^ (1<<32 - 1)
		for i := h & mask; ; i = (i + 1) & mask {
			s := e.slots[i]
			if s == 0 {
				e.slots[i] = tag | uint64(len(e.ents)+1)
				e.add(h, pre, key, value)
				if len(e.ents)*4 > len(e.slots)*3 {
					e.grow()
				}
				break
			}
			if s&^(1<<32-1) != tag {
				continue // a different hash: no need to read the entry
			}
			en := &e.ents[uint32(s)-1]
			// Keys of at most 8 bytes are equal when their zero-padded prefixes and lengths
			// are: no byte comparison (most keys of a short group-by key).
			if en.hash != h || en.pre != pre || int(en.klen) != len(key) ||
				(len(key) > 8 && !bytes.Equal(e.arena[en.koff+8:en.koff+en.klen], key[8:])) {
				continue
			}
			old := e.arena[en.voff : en.voff+en.vlen]
			var err error
			// A copy of value goes to the combiner, so that value does not escape (the
			// caller's stack array stays on the stack: no allocation per record).
			e.vtmp = append(e.vtmp[:0], value...)
			e.scratch, err = e.combine(e.scratch[:0], old, e.vtmp)
			if err != nil {
				e.err = err
				return
			}
			if len(e.scratch) == len(old) {
				copy(old, e.scratch)
			} else {
				en.voff, en.vlen = int32(len(e.arena)), int32(len(e.scratch))
				e.arena = append(e.arena, e.scratch...)
			}
			break
		}
	}
	if e.size() > e.limit {
		e.err = e.Flush()
	}
}

func (e *Emitter) add(h, pre uint64, key, value []byte) {
	en := entry{hash: h, pre: pre, part: int32(h % uint64(e.parts)), koff: int32(len(e.arena)), klen: int32(len(key))}
	e.arena = append(e.arena, key...)
	en.voff, en.vlen = int32(len(e.arena)), int32(len(value))
	e.arena = append(e.arena, value...)
	e.ents = append(e.ents, en)
}

// prefix8 is the first 8 bytes of key as a big-endian integer (zero-padded): it orders like the
// bytes except between a key and its zero-padded extension, which the full comparison settles.
func prefix8(key []byte) uint64 {
	if len(key) >= 8 {
		return binary.BigEndian.Uint64(key)
	}
	var b [8]byte
	copy(b[:], key)
	return binary.BigEndian.Uint64(b[:])
}

func (e *Emitter) grow() {
	e.slots = make([]uint64, 2*len(e.slots))
	mask := uint64(len(e.slots) - 1)
	for j := range e.ents {
		h := e.ents[j].hash
		for i := h & mask; ; i = (i + 1) & mask {
			if e.slots[i] == 0 {
				e.slots[i] = h&^(1<<32-1) | uint64(j+1)
				break
			}
		}
	}
}

// size is the table's memory in bytes, with the two sort items per entry its spill needs.
func (e *Emitter) size() int {
	return len(e.arena) + cap(e.ents)*int(unsafe.Sizeof(entry{})+2*unsafe.Sizeof(sortItem{})) + len(e.slots)*8
}

// Flush writes the table as sorted runs (one per partition that has keys) and empties it.
func (e *Emitter) Flush() error {
	if e.err != nil {
		return e.err
	}
	if len(e.ents) == 0 {
		return nil
	}
	key := func(en *entry) []byte { return e.arena[en.koff : en.koff+en.klen] }
	// Stable by (partition, prefix) and then the full key: without a combiner, equal keys keep
	// their emission order.
	if cap(e.items) < len(e.ents) {
		e.items = make([]sortItem, len(e.ents), cap(e.ents))
		e.tmp = make([]sortItem, len(e.ents), cap(e.ents))
	}
	items := e.items[:len(e.ents)]
	for i := range e.ents {
		en := &e.ents[i]
		items[i] = sortItem{pre: en.pre, part: uint32(en.part), idx: uint32(i)}
	}
	items = radixSort(items, e.tmp, e.parts, func(i, j uint32) int {
		a, b := &e.ents[i], &e.ents[j]
		if a.klen <= 8 && b.klen <= 8 {
			// Equal zero-padded prefixes: the shorter key is a prefix of the longer.
			return cmp.Compare(a.klen, b.klen)
		}
		return bytes.Compare(key(a), key(b))
	})
	for p := range e.runs {
		e.runs[p] = e.runs[p][:0]
		e.counts[p] = 0
	}
	for _, it := range items {
		en := &e.ents[it.idx]
		r := e.runs[en.part]
		if len(r) == 0 {
			r = append(r, runMagic...)
		}
		r = binary.AppendUvarint(r, uint64(en.klen))
		r = append(r, key(en)...)
		r = binary.AppendUvarint(r, uint64(en.vlen))
		r = append(r, e.arena[en.voff:en.voff+en.vlen]...)
		e.runs[en.part] = r
		e.counts[en.part]++
	}
	e.Spills++
	e.ents, e.arena = e.ents[:0], e.arena[:0]
	clear(e.slots)
	if err := e.spill(e.runs, e.counts); err != nil {
		e.err = err
		return err
	}
	return nil
}
