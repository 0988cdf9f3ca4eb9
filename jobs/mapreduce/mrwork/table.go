package mrwork

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"sync"
	"unsafe"
)

// entry is one key (and, with a combiner, its folded value) in the emit table: 32 bytes, two to
// a cache line, so that finding a key costs one cache miss (the open-addressing table holds the
// entries themselves). A key of at most 8 bytes lives in pre alone; a longer key is also in the
// arena at koff. A value of at most 8 bytes lives in val; a longer one in the arena at
// vlen&^valInArena, as a uvarint length and its bytes.
type entry struct {
	pre  uint64  // the key's first 8 bytes, big-endian, zero-padded (prefix8)
	val  [8]byte // the value, when at most 8 bytes
	kl1  uint32  // the key's length + 1; 0 marks an empty slot of the table
	koff uint32  // the key's offset in the arena (keys longer than 8 bytes)
	vlen uint32  // the value's length (<= 8), or valInArena | its offset in the arena
	part uint32  // the key's reduce partition
}

// valInArena marks an entry whose value is in the arena.
const valInArena = 1 << 31

// Emitter receives a map task's key/value pairs. With a combiner it folds the values of equal
// keys in an open-addressing hash table of entries (linear probing, at most 3/4 full; no
// allocation per record once the table has grown); without, it appends every pair. When the
// table holds more than its spill limit, it is written out as one sorted run per partition.
type Emitter struct {
	combine func(dst, a, b []byte) ([]byte, error)
	parts   int
	limit   int
	spill   func(parts [][]byte, counts []int64) error // one encoded run per partition (empty: none) and its records

	ents    []entry // with a combiner the hash table (a power of 2 long), else the pairs in order
	n       int     // the keys in the table
	arena   []byte  // keys longer than 8 bytes, values longer than 8 bytes
	scratch []byte
	pend    [emitBatch]pendingPair // the pairs held (emitBatch), their keys and values in pbuf
	np      int
	pbuf    []byte
	touched uint32  // the sum of the slots drain reads ahead (kept, so that the reads are made)
	tmp     []entry // the scratch of the sort before a spill
	full    bool    // the hash table is 3/4 full and doubling it would pass the limit: spill
	runs    [][]byte
	counts  []int64
	err     error
	// Emitted counts the pairs given to Emit; Spills the tables written.
	Emitted, Spills int64
}

func newEmitter(combine func(dst, a, b []byte) ([]byte, error), parts, limit int, spill func([][]byte, []int64) error) *Emitter {
	e := &Emitter{combine: combine, parts: parts, limit: limit, spill: spill}
	if combine != nil {
		// The empty table of an earlier map task in this process, if it is not too large for
		// this one's limit: no growing it again key by key.
		if t, ok := tables.Get().(*pooledTable); ok && len(t.ents)*int(unsafe.Sizeof(entry{})) <= limit/2 {
			e.ents, e.tmp = t.ents, t.tmp
		} else {
			e.ents = make([]entry, initialSlots(limit))
		}
	}
	e.runs = make([][]byte, parts)
	e.counts = make([]int64, parts)
	return e
}

// tables holds the empty hash tables (and sort scratch) of finished map tasks, for the next
// ones (a warm worker runs many).
var tables sync.Pool

type pooledTable struct{ ents, tmp []entry }

// release hands an empty hash table (after a successful Flush) to the next map task; the
// Emitter is not used after.
func (e *Emitter) release() {
	if e.combine != nil && e.n == 0 && e.np == 0 && e.err == nil && len(e.ents) > 1<<8 {
		tables.Put(&pooledTable{e.ents, e.tmp})
	}
	e.ents, e.tmp, e.arena = nil, nil, nil
}

// emitBatch is how many pairs Emit holds, with a combiner, before it looks them up in the hash
// table: the slots of all of them are read first, so that their cache misses overlap instead of
// following one another (the table of a map task is larger than the caches).
const emitBatch = 16

// pendingPair is a pair Emit holds: its key's hash and prefix, and where its key and value end
// in the Emitter's pbuf (the key starts where the pair before ends).
type pendingPair struct {
	h, pre     uint64
	kend, vend int
}

// Emit adds a key/value pair; both are copied. With a combiner the pair is looked up in the
// table with the next ones (emitBatch), in order; Flush looks up those still held.
func (e *Emitter) Emit(key, value []byte) {
	if e.err != nil {
		return
	}
	e.Emitted++
	h := Hash(key)
	pre := prefix8(key)
	if e.combine == nil {
		e.ents = append(e.ents, entry{})
		e.set(&e.ents[len(e.ents)-1], h, pre, key, value)
		e.n++
		if e.size() > e.limit {
			e.err = e.spillTable()
		}
		return
	}
	e.pbuf = append(e.pbuf, key...)
	kend := len(e.pbuf)
	e.pbuf = append(e.pbuf, value...)
	e.pend[e.np] = pendingPair{h: h, pre: pre, kend: kend, vend: len(e.pbuf)}
	e.np++
	if e.np == emitBatch {
		e.drain()
	}
}

// drain looks up the pairs held, in order: first a read of each one's home slot (independent
// loads the processor overlaps), then the inserts and folds, each followed by the spill check.
func (e *Emitter) drain() {
	mask := uint64(len(e.ents) - 1)
	var t uint32
	for j := range e.np {
		t += e.ents[e.pend[j].h&mask].kl1
	}
	e.touched += t
	start := 0
	for j := range e.np {
		p := &e.pend[j]
		if e.err == nil {
			e.fold(p.h, p.pre, e.pbuf[start:p.kend], e.pbuf[p.kend:p.vend])
			if e.err == nil && (e.full || e.size() > e.limit) {
				e.err = e.spillTable()
			}
		}
		start = p.vend
	}
	e.np = 0
	e.pbuf = e.pbuf[:0]
}

// fold inserts a pair into the hash table, or folds its value into its key's (combine).
func (e *Emitter) fold(h, pre uint64, key, value []byte) {
	mask := uint64(len(e.ents) - 1)
	kl1 := uint32(len(key) + 1)
	for i := h & mask; ; i = (i + 1) & mask {
		en := &e.ents[i]
		if en.kl1 == 0 {
			e.set(en, h, pre, key, value)
			e.n++
			if e.n*4 > len(e.ents)*3 {
				// A table doubled past the limit would stay that large after the spill, and
				// every key after it would spill again: spill it as it is instead.
				if len(e.arena)+(2*len(e.ents)+e.n)*entrySize <= e.limit {
					e.grow()
				} else {
					e.full = true
				}
			}
			return
		}
		// Keys of at most 8 bytes are equal when their zero-padded prefixes and lengths are:
		// no byte comparison (most keys of a short group-by key).
		if en.pre != pre || en.kl1 != kl1 ||
			(len(key) > 8 && !bytes.Equal(e.arena[en.koff+8:en.koff+kl1-1], key[8:])) {
			continue
		}
		var err error
		e.scratch, err = e.combine(e.scratch[:0], e.value(en), value)
		if err != nil {
			e.err = err
			return
		}
		e.setValue(en, e.scratch)
		return
	}
}

// set fills a new entry with a key, its hash's partition, and a value.
func (e *Emitter) set(en *entry, h, pre uint64, key, value []byte) {
	*en = entry{pre: pre, kl1: uint32(len(key) + 1), part: uint32(h % uint64(e.parts))}
	if len(key) > 8 {
		en.koff = uint32(len(e.arena))
		e.arena = append(e.arena, key...)
	}
	e.setValue(en, value)
}

// setValue stores v as en's value: in the entry when it fits, else appended to the arena.
func (e *Emitter) setValue(en *entry, v []byte) {
	if len(v) <= len(en.val) {
		copy(en.val[:], v)
		en.vlen = uint32(len(v))
		return
	}
	en.vlen = valInArena | uint32(len(e.arena))
	e.arena = binary.AppendUvarint(e.arena, uint64(len(v)))
	e.arena = append(e.arena, v...)
}

// value is en's value (in the entry or the arena).
func (e *Emitter) value(en *entry) []byte {
	if en.vlen&valInArena == 0 {
		return en.val[:en.vlen]
	}
	b := e.arena[en.vlen&^valInArena:]
	n, k := binary.Uvarint(b)
	return b[k : k+int(n)]
}

// key is en's key: scratch holds a key of at most 8 bytes.
func (e *Emitter) key(en *entry, scratch *[8]byte) []byte {
	n := en.kl1 - 1
	if n > 8 {
		return e.arena[en.koff : en.koff+n]
	}
	binary.BigEndian.PutUint64(scratch[:], en.pre)
	return scratch[:n]
}

// uvarintLen is the length of n's uvarint encoding (binary.AppendUvarint).
func uvarintLen(n int) int {
	l := 1
	for ; n >= 0x80; n >>= 7 {
		l++
	}
	return l
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

// grow doubles the hash table, placing each entry by its key's hash again.
func (e *Emitter) grow() {
	old := e.ents
	e.ents = make([]entry, 2*len(old))
	mask := uint64(len(e.ents) - 1)
	var kb [8]byte
	for j := range old {
		en := &old[j]
		if en.kl1 == 0 {
			continue
		}
		for i := Hash(e.key(en, &kb)) & mask; ; i = (i + 1) & mask {
			if e.ents[i].kl1 == 0 {
				e.ents[i] = *en
				break
			}
		}
	}
}

// size is the table's memory in bytes, with the scratch entry per key its spill's sort needs.
func (e *Emitter) size() int {
	return len(e.arena) + (cap(e.ents)+e.n)*entrySize
}

// entrySize is the bytes of an entry.
const entrySize = int(unsafe.Sizeof(entry{}))

// initialSlots is the first hash table's length: 256 slots, fewer (a power of 2, at least 8)
// when a quarter of the limit is less than their bytes.
func initialSlots(limit int) int {
	n := 1 << 8
	for n > 8 && n*entrySize*4 > limit {
		n /= 2
	}
	return n
}

// Flush looks up the pairs Emit holds, then writes the table as sorted runs (one per partition
// that has keys) and empties it.
func (e *Emitter) Flush() error {
	if e.np > 0 {
		e.drain()
	}
	return e.spillTable()
}

// spillTable writes the table as sorted runs (one per partition that has keys) and empties it.
func (e *Emitter) spillTable() error {
	if e.err != nil {
		return e.err
	}
	if e.n == 0 {
		return nil
	}
	// Stable by (partition, prefix) and then the full key: without a combiner, equal keys keep
	// their emission order. The hash table's entries are moved to its front first (it is
	// emptied after the spill anyway).
	live := e.ents
	if e.combine != nil {
		k := 0
		for i := range e.ents {
			if e.ents[i].kl1 != 0 {
				e.ents[k] = e.ents[i]
				k++
			}
		}
		live = e.ents[:k]
	}
	if cap(e.tmp) < len(live) {
		e.tmp = make([]entry, len(live))
	}
	var ka, kb [8]byte
	sorted := radixSort(live, e.tmp, e.parts, func(a, b *entry) int {
		if a.kl1 <= 9 && b.kl1 <= 9 {
			// Equal zero-padded prefixes: the shorter key is a prefix of the longer.
			return cmp.Compare(a.kl1, b.kl1)
		}
		return bytes.Compare(e.key(a, &ka), e.key(b, &kb))
	})
	// Each partition's run is encoded into a buffer of its exact size: no growing and copying.
	need := make([]int, e.parts)
	for i := range sorted {
		en := &sorted[i]
		kl, vl := int(en.kl1-1), len(e.value(en))
		need[en.part] += uvarintLen(kl) + kl + uvarintLen(vl) + vl
	}
	for p := range e.runs {
		e.counts[p] = 0
		if need[p] > 0 {
			need[p] += len(runMagic)
		}
		if cap(e.runs[p]) < need[p] {
			e.runs[p] = make([]byte, 0, need[p])
		}
		e.runs[p] = e.runs[p][:0]
	}
	for i := range sorted {
		en := &sorted[i]
		r := e.runs[en.part]
		if len(r) == 0 {
			r = append(r, runMagic...)
		}
		r = binary.AppendUvarint(r, uint64(en.kl1-1))
		r = append(r, e.key(en, &ka)...)
		v := e.value(en)
		r = binary.AppendUvarint(r, uint64(len(v)))
		r = append(r, v...)
		e.runs[en.part] = r
		e.counts[en.part]++
	}
	e.Spills++
	e.arena, e.n, e.full = e.arena[:0], 0, false
	if e.combine != nil {
		clear(e.ents)
	} else if cap(e.ents)*entrySize > e.limit/2 {
		// The pairs' slice, grown past half the limit by append, would leave too little room
		// for the next pairs (a spill every few): start it again at a quarter of the limit.
		e.ents = make([]entry, 0, max(1, e.limit/4/entrySize))
	} else {
		e.ents = e.ents[:0]
	}
	if err := e.spill(e.runs, e.counts); err != nil {
		e.err = err
		return err
	}
	return nil
}
