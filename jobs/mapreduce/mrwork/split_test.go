package mrwork

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
)

// lines is the straightforward reading of a text's records: split at '\n', drop one '\r' at
// the end of each, skip empty ones.
func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestSplitsPartitionTheRecords: for every split size and read block size, the records of all
// splits, in split order, are exactly the text's records, each once: records spanning split
// edges, CRLF line ends (also a CR at a split edge), a last line without a newline, empty lines
// and empty texts.
func TestSplitsPartitionTheRecords(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	texts := []string{"", "\n", "a", "a\n", "\r\n", "a\r\nb", "ab\n\ncd\r\n\r\nef", "x\n" + strings.Repeat("long", 50) + "\ny"}
	for range 20 {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(strings.Repeat(string(rune('a'+r.IntN(26))), r.IntN(12)))
			b.WriteString([]string{"\n", "\r\n", "\n\n", ",", " "}[r.IntN(5)])
		}
		texts = append(texts, b.String())
	}
	ctx := context.Background()
	posix, err := store.NewPosix(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The memory store answers GetRange only; the POSIX store also reads into a reused buffer.
	for _, st := range []store.Store{store.NewMemory(), posix} {
		for i, text := range texts {
			if st == posix && i >= 12 {
				break // one open per range read: the first texts cover the POSIX path
			}
			key := fmt.Sprintf("t%d", i)
			if _, err := st.Put(ctx, "b", key, []byte(text), store.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			want := lines(text)
			n := int64(len(text))
			for size := int64(1); size <= n+1; size++ {
				for _, block := range []int{1, 2, 5, 64} {
					var got []string
					for off := int64(0); off < n; off += size {
						s := Split{Bucket: "b", Key: key, Offset: off, Length: min(size, n-off), Size: n}
						_, err := ReadSplit(ctx, st, s, block, func(rec []byte, at int64) error {
							if !strings.HasPrefix(text[at:], string(rec)) || (at > 0 && text[at-1] != '\n') {
								t.Fatalf("text %d: record %q reported at byte %d", i, rec, at)
							}
							got = append(got, string(rec))
							return nil
						})
						if err != nil {
							t.Fatal(err)
						}
					}
					if !slices.Equal(got, want) {
						t.Fatalf("%T: text %q split %d block %d: records %q, want %q", st, text, size, block, got, want)
					}
				}
			}
		}
	}
}

func TestSplitOutsideObject(t *testing.T) {
	st := store.NewMemory()
	_, _ = st.Put(context.Background(), "b", "k", []byte("abc\n"), store.PutOptions{})
	_, err := ReadSplit(context.Background(), st, Split{Bucket: "b", Key: "k", Offset: 2, Length: 5, Size: 4}, 0, func([]byte, int64) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("error %v", err)
	}
	// The object shrank since it was listed: a loud error, not a silent short read.
	_, err = ReadSplit(context.Background(), st, Split{Bucket: "b", Key: "k", Offset: 0, Length: 8, Size: 8}, 0, func([]byte, int64) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("error %v", err)
	}
}

// TestPartitionIsPinned: the partition of a key is FNV-1a 64 of its bytes modulo R (hash/fnv
// agrees; "", "a" and "foobar" are the FNV reference test vectors; the rest computed in Python), pinned to literal values so that no change of machine, Go version or code moves a
// key to another reducer.
func TestPartitionIsPinned(t *testing.T) {
	for _, c := range []struct {
		key  string
		hash uint64
		r    int
		part int
	}{
		{"", 0xcbf29ce484222325, 4, 1},
		{"a", 0xaf63dc4c8601ec8c, 4, 0},
		{"foobar", 0x85944171f73967e8, 7, 6},
		{"158.112.", 0xdc6444cc0a3d6783, 4, 3},
		{"83.105.1", 0x4b146447d9264ec3, 4, 3},
		{"wordcount", 0x6a49a4261f66a65c, 16, 12},
	} {
		f := fnv.New64a()
		f.Write([]byte(c.key))
		if Hash([]byte(c.key)) != f.Sum64() {
			t.Errorf("Hash(%q) %#x, hash/fnv %#x", c.key, Hash([]byte(c.key)), f.Sum64())
		}
		if Hash([]byte(c.key)) != c.hash {
			t.Errorf("Hash(%q) = %#x, want %#x", c.key, Hash([]byte(c.key)), c.hash)
		}
		if p := Partition([]byte(c.key), c.r); p != c.part {
			t.Errorf("Partition(%q, %d) = %d, want %d", c.key, c.r, p, c.part)
		}
	}
}

func TestDecimal(t *testing.T) {
	for _, c := range []struct {
		in    string
		units int64
		out   string
	}{
		{"0", 0, "0.00"},
		{"1", 100000000, "1.00"},
		{"-1.5", -150000000, "-1.50"},
		{"+0.00000001", 1, "0.00000001"},
		{"123.45678901", 12345678901, "123.45678901"},
		{"007.10", 710000000, "7.10"},
		{".5", 50000000, "0.50"},
		{"5.", 500000000, "5.00"},
		{"92233720368.54775807", 9223372036854775807, "92233720368.54775807"},
	} {
		u, err := ParseDecimal([]byte(c.in))
		if err != nil || u != c.units {
			t.Errorf("ParseDecimal(%q) = %d, %v; want %d", c.in, u, err, c.units)
			continue
		}
		if s := string(AppendDecimal(nil, u)); s != c.out {
			t.Errorf("AppendDecimal(%d) = %s, want %s", u, s, c.out)
		}
	}
	for _, bad := range []string{"", "-", ".", "1e5", "1.123456789", "abc", "1..2", "92233720368.54775808", "99999999999999999999", " 1", "1,5"} {
		if _, err := ParseDecimal([]byte(bad)); err == nil {
			t.Errorf("ParseDecimal(%q) accepted", bad)
		}
	}
	if _, err := AddExact(9223372036854775807, 1); err == nil {
		t.Error("AddExact overflow not reported")
	}
}

func TestDecimalNoAllocs(t *testing.T) {
	b := []byte("708.52627")
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseDecimal(b) }); n != 0 {
		t.Errorf("ParseDecimal allocates %v times", n)
	}
}
