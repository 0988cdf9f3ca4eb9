package mrwork

import (
	"bytes"
	"encoding/binary"
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
