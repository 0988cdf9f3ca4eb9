package inflate

import (
	"hash/adler32"
	"math/rand/v2"
	"testing"
)

// TestAdler32 compares adler32 with hash/adler32 on lengths around the 8-byte words and the
// 5552-byte reduction blocks, all-0xff input (the largest lane sums) and random bytes.
func TestAdler32(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 5551, 5552, 5553, 11104, 11105, 100000, 1 << 20} {
		for _, fill := range []string{"ff", "00", "random"} {
			p := make([]byte, n)
			for i := range p {
				switch fill {
				case "ff":
					p[i] = 0xff
				case "random":
					p[i] = byte(r.Uint32())
				}
			}
			if got, want := adler32Sum(p), adler32.Checksum(p); got != want {
				t.Fatalf("n=%d %s: %#08x, want %#08x", n, fill, got, want)
			}
		}
	}
}

func FuzzAdler32(f *testing.F) {
	f.Add([]byte("hello"))
	f.Fuzz(func(t *testing.T, p []byte) {
		if got, want := adler32Sum(p), adler32.Checksum(p); got != want {
			t.Fatalf("%#08x, want %#08x", got, want)
		}
	})
}

func BenchmarkAdler32(b *testing.B) {
	p := make([]byte, 2<<20)
	for i := range p {
		p[i] = byte(i * 7)
	}
	b.Run("inflate", func(b *testing.B) {
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			adler32Sum(p)
		}
	})
	b.Run("hash-adler32", func(b *testing.B) {
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			adler32.Checksum(p)
		}
	})
}
