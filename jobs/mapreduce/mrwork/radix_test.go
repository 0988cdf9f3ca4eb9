package mrwork

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRadixSortMatchesStableSort: radixSort gives the order of slices.SortStableFunc by
// (partition, prefix, full key), equal keys in their input order, on keys of every shape.
func TestRadixSortMatchesStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	randKey := func(alphabet string, minLen, maxLen int) []byte {
		k := make([]byte, minLen+r.IntN(maxLen-minLen+1))
		for i := range k {
			k[i] = alphabet[r.IntN(len(alphabet))]
		}
		return k
	}
	var all [256]byte
	for i := range all {
		all[i] = byte(i)
	}
	allBytes := string(all[:])
	gens := []struct {
		name string
		key  func() []byte
	}{
		{"ip prefixes", func() []byte { return randKey("0123456789.", 8, 8) }},
		{"short", func() []byte { return randKey("ab\x00", 0, 8) }},
		{"empty", func() []byte { return nil }},
		{"equal prefixes longer", func() []byte { return append([]byte("prefix12"), randKey("xy\x00", 0, 4)...) }},
		{"around 8 bytes", func() []byte { return randKey("a\x00\xff", 6, 10) }},
		{"long", func() []byte { return randKey("abcdefghijklmnopqrstuvwxyz", 1, 40) }},
		{"few distinct", func() []byte { return []byte([]string{"", "a", "a\x00", "abcdefgh", "abcdefghi", "zz"}[r.IntN(6)]) }},
		{"all bytes", func() []byte { return randKey(allBytes, 0, 12) }},
	}
	for _, g := range gens {
		for _, parts := range []int{1, 2, 7, 300} {
			for _, n := range []int{0, 1, 2, 3, 100, 5000} {
				t.Run(fmt.Sprintf("%s/parts=%d/n=%d", g.name, parts, n), func(t *testing.T) {
					keys := make([][]byte, n)
					ents := make([]entry, n)
					for i := range keys {
						keys[i] = g.key()
						// koff holds the key's index here, for tie and the check.
						ents[i] = entry{pre: prefix8(keys[i]), kl1: uint32(len(keys[i]) + 1), koff: uint32(i), part: uint32(Partition(keys[i], parts))}
					}
					tie := func(a, b *entry) int {
						// The comparison Flush gives: lengths for short keys, else bytes.
						if a.kl1 <= 9 && b.kl1 <= 9 {
							return cmp.Compare(a.kl1, b.kl1)
						}
						return bytes.Compare(keys[a.koff], keys[b.koff])
					}
					want := slices.Clone(ents)
					slices.SortStableFunc(want, func(a, b entry) int {
						return cmp.Or(cmp.Compare(a.part, b.part), bytes.Compare(keys[a.koff], keys[b.koff]))
					})
					got := radixSort(ents, make([]entry, n), parts, tie)
					if !slices.Equal(got, want) {
						for i := range got {
							if got[i] != want[i] {
								t.Fatalf("entry %d: got key %q (part %d, index %d), want %q (part %d, index %d)", i,
									keys[got[i].koff], got[i].part, got[i].koff, keys[want[i].koff], want[i].part, want[i].koff)
							}
						}
						t.Fatalf("got %d entries, want %d", len(got), len(want))
					}
				})
			}
		}
	}
}

// BenchmarkSpillSort compares radixSort with the comparison sort it replaced (slices.SortFunc
// over the table's 40-byte entries of then) on a map task's worth of BDB Q2 keys (8-byte IP
// prefixes).
func BenchmarkSpillSort(b *testing.B) {
	type oldEntry struct {
		hash                         uint64
		pre                          uint64
		part, koff, klen, voff, vlen int32
	}
	r := rand.New(rand.NewPCG(3, 4))
	const n, parts = 220_000, 4
	ents := make([]oldEntry, n)
	for i := range ents {
		k := fmt.Appendf(nil, "%d.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))[:8]
		h := Hash(k)
		ents[i] = oldEntry{hash: h, pre: prefix8(k), part: int32(h % parts), klen: 8}
	}
	b.Run("radix", func(b *testing.B) {
		es, tmp := make([]entry, n), make([]entry, n)
		for b.Loop() {
			for i := range ents {
				es[i] = entry{pre: ents[i].pre, part: uint32(ents[i].part), kl1: 9}
			}
			radixSort(es, tmp, parts, func(a, b *entry) int { return cmp.Compare(a.kl1, b.kl1) })
		}
	})
	b.Run("sortfunc", func(b *testing.B) {
		es := make([]oldEntry, n)
		for b.Loop() {
			copy(es, ents)
			slices.SortFunc(es, func(a, b oldEntry) int {
				return cmp.Or(cmp.Compare(a.part, b.part), cmp.Compare(a.pre, b.pre), cmp.Compare(a.klen, b.klen))
			})
		}
	})
}
