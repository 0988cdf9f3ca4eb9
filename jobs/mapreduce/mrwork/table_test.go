package mrwork

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestEmitterShortKeys: keys that share a zero-padded 8-byte prefix (a key and its extension by
// zero bytes, keys of 8 and more bytes) stay distinct, fold exactly, and come out of a spill in
// byte order, compared against a plain map.
func TestEmitterShortKeys(t *testing.T) {
	keys := []string{"", "\x00", "\x00\x00", "a", "a\x00", "a\x00\x00", "ab", "abcdefgh", "abcdefgh\x00",
		"abcdefghi", "abcdefgh\x00\x01", "abcdefg", "abcdefg\x00", "b", "\xff\xff\xff\xff\xff\xff\xff\xff", "\xff\xff\xff\xff\xff\xff\xff\xff\xff"}
	for _, parts := range []int{1, 3} {
		want := map[string]int64{}
		var got map[string]int64
		var order [][]string
		e := newEmitter(sumInt64, parts, 64<<20, func(runs [][]byte, counts []int64) error {
			got = map[string]int64{}
			order = nil
			for p, r := range runs {
				if len(r) == 0 {
					continue
				}
				r = r[len(runMagic):]
				var ks []string
				for len(r) > 0 {
					kl, n := binary.Uvarint(r)
					r = r[n:]
					k := string(r[:kl])
					r = r[kl:]
					vl, n := binary.Uvarint(r)
					r = r[n:]
					got[k] += int64(binary.LittleEndian.Uint64(r[:vl]))
					r = r[vl:]
					ks = append(ks, k)
				}
				if int64(len(ks)) != counts[p] {
					t.Errorf("partition %d: %d records, count %d", p, len(ks), counts[p])
				}
				order = append(order, ks)
			}
			return nil
		})
		for round := range 3 {
			for i, k := range keys {
				v := int64(i*10 + round)
				var b [8]byte
				binary.LittleEndian.PutUint64(b[:], uint64(v))
				e.Emit([]byte(k), b[:])
				want[k] += v
			}
		}
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("parts %d: %d keys, want %d", parts, len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("parts %d: key %q sum %d, want %d", parts, k, got[k], v)
			}
		}
		for _, ks := range order {
			for i := 1; i < len(ks); i++ {
				if bytes.Compare([]byte(ks[i-1]), []byte(ks[i])) >= 0 {
					t.Errorf("parts %d: %q before %q", parts, ks[i-1], ks[i])
				}
			}
		}
	}
}

// TestEmitterAgainstMap: every combination of key shape, value combiner (none, an 8-byte sum, a
// concatenation whose values outgrow 8 bytes and whose result depends on the fold order) and
// spill limit (each starting from the pooled table of the one before) gives runs sorted by key in the key's partition whose values, taken spill after
// spill, are those of a plain map fed the same pairs in the same order.
func TestEmitterAgainstMap(t *testing.T) {
	concat := func(dst, a, b []byte) ([]byte, error) { return append(append(dst, a...), b...), nil }
	combiners := []struct {
		name    string
		combine func(dst, a, b []byte) ([]byte, error)
		value   func(i int) []byte
	}{
		{"none", nil, func(i int) []byte { return []byte(fmt.Sprint(i)) }},
		{"sum", sumInt64, func(i int) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(i)) }},
		{"concat", concat, func(i int) []byte { return []byte(fmt.Sprintf("%d,", i%1000)) }},
		{"long values", concat, func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 1+i%20) }},
	}
	r := rand.New(rand.NewPCG(5, 6))
	keyShapes := []struct {
		name string
		key  func() string
	}{
		{"ip prefixes", func() string {
			k := fmt.Sprintf("%d.%d.%d", r.IntN(40), r.IntN(40), r.IntN(9))
			return k[:min(len(k), 5+r.IntN(4))]
		}},
		{"long", func() string { return fmt.Sprintf("http://example.com/page/%d", r.IntN(3000)) }},
		{"mixed", func() string {
			return []string{"", "\x00", "a", "a\x00", "abcdefgh", "abcdefgh\x00", "abcdefghi"}[r.IntN(7)] + fmt.Sprint(r.IntN(50))[:r.IntN(2)]
		}},
	}
	for _, c := range combiners {
		for _, ks := range keyShapes {
			for _, limit := range []int{64 << 20, 20 << 10} {
				for _, parts := range []int{1, 5} {
					t.Run(fmt.Sprintf("%s/%s/limit=%d/parts=%d", c.name, ks.name, limit, parts), func(t *testing.T) {
						want := map[string][][]byte{} // the values of each key, in order
						got := map[string][][]byte{}
						spills := 0
						e := newEmitter(c.combine, parts, limit, func(runs [][]byte, counts []int64) error {
							spills++
							for p, run := range runs {
								if len(run) == 0 {
									continue
								}
								run = run[len(runMagic):]
								var prev []byte
								n := int64(0)
								for len(run) > 0 {
									kl, k1 := binary.Uvarint(run)
									key := run[k1 : k1+int(kl)]
									run = run[k1+int(kl):]
									vl, k2 := binary.Uvarint(run)
									val := run[k2 : k2+int(vl)]
									run = run[k2+int(vl):]
									if n > 0 && (bytes.Compare(prev, key) > 0 || c.combine != nil && bytes.Equal(prev, key)) {
										t.Fatalf("partition %d: %q before %q", p, prev, key)
									}
									if Partition(key, parts) != p {
										t.Fatalf("key %q in partition %d, want %d", key, p, Partition(key, parts))
									}
									prev = key
									got[string(key)] = append(got[string(key)], bytes.Clone(val))
									n++
								}
								if n != counts[p] {
									t.Fatalf("partition %d: %d records, counted %d", p, n, counts[p])
								}
							}
							return nil
						})
						for i := range 20000 {
							k, v := ks.key(), c.value(i)
							e.Emit([]byte(k), v)
							want[k] = append(want[k], v)
						}
						if err := e.Flush(); err != nil {
							t.Fatal(err)
						}
						// The table goes back to the pool: the next cases start from it.
						e.release()
						if limit < 1<<20 && (c.combine == nil || len(want) > 1000) && spills < 2 {
							t.Fatalf("%d spills with a limit of %d bytes", spills, limit)
						}
						if len(got) != len(want) {
							t.Fatalf("%d keys, want %d", len(got), len(want))
						}
						for k, vs := range want {
							g := got[k]
							switch {
							case c.combine == nil:
								if len(g) != len(vs) {
									t.Fatalf("key %q: %d values, want %d", k, len(g), len(vs))
								}
								for i := range g {
									if !bytes.Equal(g[i], vs[i]) {
										t.Fatalf("key %q value %d: %q, want %q", k, i, g[i], vs[i])
									}
								}
							default:
								// Folding the spills' values in spill order gives the fold of all.
								fold := func(vals [][]byte) []byte {
									acc := bytes.Clone(vals[0])
									for _, v := range vals[1:] {
										acc, _ = c.combine(nil, acc, v)
									}
									return acc
								}
								if a, b := fold(g), fold(vs); !bytes.Equal(a, b) {
									t.Fatalf("key %q: folded %q, want %q", k, a, b)
								}
								if len(g) > spills {
									t.Fatalf("key %q: %d values in %d spills", k, len(g), spills)
								}
							}
						}
					})
				}
			}
		}
	}
}

func TestUvarintLen(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 16383, 16384, 1<<21 - 1, 1 << 21, 1<<28 + 5, 1<<35 + 1, 1<<62 + 3} {
		if got, want := uvarintLen(n), len(binary.AppendUvarint(nil, uint64(n))); got != want {
			t.Errorf("uvarintLen(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestEmitterCombineError: a combiner's error (here an int64 overflow), even on a pair still held
// for a batched lookup, stops the Emitter: later pairs are dropped, nothing more is spilled, and
// Flush returns the error.
func TestEmitterCombineError(t *testing.T) {
	for _, at := range []int{0, 1, emitBatch - 1, emitBatch, 3*emitBatch + 5} {
		t.Run(fmt.Sprint(at), func(t *testing.T) {
			spills := 0
			e := newEmitter(sumInt64, 2, 64<<20, func([][]byte, []int64) error { spills++; return nil })
			v := func(n int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(n)) }
			for i := range at {
				e.Emit([]byte(fmt.Sprint(i)), v(1))
			}
			e.Emit([]byte("big"), v(1<<62))
			e.Emit([]byte("big"), v(1<<62)) // overflows
			for i := range 2 * emitBatch {
				e.Emit([]byte(fmt.Sprint(i)), v(1))
			}
			if err := e.Flush(); !errors.Is(err, ErrOverflow) {
				t.Fatalf("Flush: %v, want the overflow", err)
			}
			if spills != 0 {
				t.Fatalf("%d spills after the error", spills)
			}
		})
	}
}

// TestSpillsStayFew: past its first spill a table under a small limit spills once per
// table-full of keys, not once per key (a hash table doubled past the limit, or a pairs' slice
// grown past it, left every later key over the limit: 200,000 spills for a 23 MB bdb-q2).
func TestSpillsStayFew(t *testing.T) {
	const keys = 100_000
	for _, c := range []struct {
		name    string
		combine func(dst, a, b []byte) ([]byte, error)
		limit   int
	}{
		{"combine/64KiB", sumInt64, 64 << 10},
		{"combine/1MiB", sumInt64, 1 << 20},
		{"pairs/64KiB", nil, 64 << 10},
		{"pairs/1MiB", nil, 1 << 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			var records int64
			e := newEmitter(c.combine, 4, c.limit, func(_ [][]byte, counts []int64) error {
				for _, n := range counts {
					records += n
				}
				return nil
			})
			one := binary.LittleEndian.AppendUint64(nil, 1)
			var k [8]byte
			for i := range keys {
				binary.BigEndian.PutUint64(k[:], uint64(i)*2654435761)
				e.Emit(k[:], one)
			}
			if err := e.Flush(); err != nil {
				t.Fatal(err)
			}
			// A table of the limit holds limit / (2 entries of 32 bytes per key, 3/4 full) keys.
			perSpill := c.limit / 2 / entrySize / 2
			if records != keys || e.Spills > int64(keys/perSpill+1) || e.Spills < 2 {
				t.Errorf("%d records in %d spills, want %d in at most %d", records, e.Spills, keys, keys/perSpill+1)
			}
		})
	}
}
