package codec

import (
	"bytes"
	"hash/adler32"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zlib"
)

// TestAdler32MatchesStdlib compares adler32Update with hash/adler32 on lengths around every
// boundary of the word loop and the reduction block, on random, all-0xff (the largest lane
// sums) and all-zero bytes, whole and split in two updates.
func TestAdler32MatchesStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lengths := []int{0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, adlerBlock - 1, adlerBlock, adlerBlock + 1,
		2*adlerBlock + 3, 5803 * 8, 65536, 262144, 1<<20 + 5}
	fills := map[string]func([]byte){
		"random": func(b []byte) {
			for i := range b {
				b[i] = byte(r.Uint32())
			}
		},
		"ff":   func(b []byte) { fillByte(b, 0xff) },
		"zero": func(b []byte) { fillByte(b, 0) },
	}
	for name, fill := range fills {
		for _, n := range lengths {
			b := make([]byte, n)
			fill(b)
			want := adler32.Checksum(b)
			if got := adler32Update(1, b); got != want {
				t.Errorf("%s %d bytes: got %08x, want %08x", name, n, got, want)
			}
			cut := n / 3
			if got := adler32Update(adler32Update(1, b[:cut]), b[cut:]); got != want {
				t.Errorf("%s %d bytes split at %d: got %08x, want %08x", name, n, cut, got, want)
			}
		}
	}
}

func fillByte(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

func FuzzAdler32(f *testing.F) {
	f.Add([]byte("Wikipedia"), uint32(1))
	f.Fuzz(func(t *testing.T, b []byte, start uint32) {
		if got, want := adler32Update(1, b), adler32.Checksum(b); got != want {
			t.Fatalf("%d bytes: got %08x, want %08x", len(b), got, want)
		}
		// Continued from a valid state, as the second half of a split input.
		cut := int(start % uint32(len(b)+1))
		if got, want := adler32Update(adler32.Checksum(b[:cut]), b[cut:]), adler32.Checksum(b); got != want {
			t.Fatalf("%d bytes split at %d: got %08x, want %08x", len(b), cut, got, want)
		}
	})
}

func BenchmarkAdler32(b *testing.B) {
	p := make([]byte, 256<<10)
	for i := range p {
		p[i] = byte(i * 7)
	}
	b.Run("hsfan", func(b *testing.B) {
		b.SetBytes(int64(len(p)))
		cpu0 := cpuTime()
		for b.Loop() {
			adler32Update(1, p)
		}
		reportCPU(b, len(p), cpu0)
	})
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(p)))
		cpu0 := cpuTime()
		for b.Loop() {
			adler32.Checksum(p)
		}
		reportCPU(b, len(p), cpu0)
	})
}

// TestZlibDecodeExact checks the stream decoder of blosc's zlib codec: the data and the
// checksum of a good stream, and an error (never wrong bytes) for a flipped checksum bit, a
// missing checksum, a bad header, a preset dictionary, and a flipped bit inside the data.
func TestZlibDecodeExact(t *testing.T) {
	src := genData("smooth", 300000, 2, 7)
	z, err := encodeZlib(src, 6)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := append([]byte(nil), z...)
		b[i] ^= 0x10
		return b
	}
	dict := append([]byte{0x78, 0xbb}, z[2:]...) // FDICT set, FCHECK still a multiple of 31
	tests := []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"good", z, true},
		{"checksum bit", flip(len(z) - 1), false},
		{"no checksum", z[:len(z)-4], false},
		{"short checksum", z[:len(z)-2], false},
		{"bad header", flip(0), false},
		{"preset dictionary", dict, false},
		{"data bit", flip(len(z) / 2), false},
		{"empty", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]byte, len(src))
			n, err := zlibDecodeExact(dst, tc.in)
			ok := err == nil && n == len(src)
			if ok != tc.ok {
				t.Fatalf("n = %d, err = %v, want ok=%v", n, err, tc.ok)
			}
			if ok && !bytes.Equal(dst, src) {
				t.Fatal("decoded bytes differ")
			}
		})
	}
}

// BenchmarkZlibStream decodes one 256 KiB zlib stream like a block of HSDS's gzip chunks
// (int16 planes of a smooth pattern, level 6) with zlibDecodeExact and, side by side, with the
// klauspost zlib reader it replaced (hash/adler32 checksum). MB/s is of decoded bytes.
func BenchmarkZlibStream(b *testing.B) {
	src := make([]byte, 256<<10)
	for i := 0; i < len(src)/2; i++ {
		z, y, x := i/25600, i/160%160, i%160
		v := (z*7 + y*3 + x) % 30011
		src[2*i], src[2*i+1] = byte(v), byte(v>>8)
	}
	enc, err := encodeZlib(src, 6)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, len(src))
	b.Run("hsfan", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		cpu0 := cpuTime()
		for b.Loop() {
			if _, err := zlibDecodeExact(dst, enc); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, len(src), cpu0)
	})
	b.Run("klauspost-zlib", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		cpu0 := cpuTime()
		for b.Loop() {
			zr, err := zlib.NewReader(bytes.NewReader(enc))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(zr, dst); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, len(src), cpu0)
	})
	b.Run("flate-only", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		fr := flate.NewReader(bytes.NewReader(enc[2:]))
		cpu0 := cpuTime()
		for b.Loop() {
			_ = fr.(flate.Resetter).Reset(bytes.NewReader(enc[2:]), nil)
			if _, err := io.ReadFull(fr, dst); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, len(src), cpu0)
	})
}

// reportCPU adds cpu-MB/s: bytes per op over the process CPU time per op (cpuTime), which,
// unlike the wall-clock MB/s, holds on a machine shared with other load.
func reportCPU(b *testing.B, bytesPerOp int, cpu0 time.Duration) {
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
	}
}
