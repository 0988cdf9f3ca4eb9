package inflate

import (
	"hash/adler32"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestAdler32 compares adler32Sum (AVX2 where the CPU has it) and adler32Generic with hash/adler32 on lengths around the 8-byte words and the
// 5552-byte reduction blocks, all-0xff input (the largest lane sums) and random bytes.
func TestAdler32(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 95, 5535, 5536, 5537, 5551, 5552, 5553, 11072, 11104, 11105, 11135, 100000, 1 << 20} {
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
			want := adler32.Checksum(p)
			if got := adler32Sum(p); got != want {
				t.Fatalf("n=%d %s: %#08x, want %#08x", n, fill, got, want)
			}
			if got := adler32Generic(p); got != want {
				t.Fatalf("generic, n=%d %s: %#08x, want %#08x", n, fill, got, want)
			}
		}
	}
}

func FuzzAdler32(f *testing.F) {
	f.Add([]byte("hello"))
	f.Fuzz(func(t *testing.T, p []byte) {
		want := adler32.Checksum(p)
		if got := adler32Sum(p); got != want {
			t.Fatalf("%#08x, want %#08x", got, want)
		}
		if got := adler32Generic(p); got != want {
			t.Fatalf("generic: %#08x, want %#08x", got, want)
		}
	})
}

// BenchmarkAdler32 checksums 2 MiB with adler32Sum and hash/adler32 in turn in every
// iteration and reports each one's MB/s per second of thread CPU time and their ratio.
func BenchmarkAdler32(b *testing.B) {
	p := make([]byte, 2<<20)
	for i := range p {
		p[i] = byte(i * 7)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var ours, std time.Duration
	b.SetBytes(int64(2 * len(p)))
	for b.Loop() {
		t0 := threadCPU()
		adler32Sum(p)
		t1 := threadCPU()
		adler32.Checksum(p)
		t2 := threadCPU()
		ours += t1 - t0
		std += t2 - t1
	}
	b.ReportMetric(float64(b.N*len(p))/ours.Seconds()/1e6, "inflate-cpuMB/s")
	b.ReportMetric(float64(b.N*len(p))/std.Seconds()/1e6, "hash-adler32-cpuMB/s")
	b.ReportMetric(std.Seconds()/ours.Seconds(), "hash-adler32/inflate")
}

// threadCPU returns the CPU time of the calling OS thread (lock the goroutine to it).
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Duration(ts.Nano())
}

// TestAdler32Unaligned: adler32Sum on slices starting at every offset 0-63 of a buffer (the
// AVX2 loads are unaligned), of lengths around every multiple of the 173-block (5536-byte)
// steps between reductions up to four of them, random and all-0xff bytes, equals
// hash/adler32; also continuing a checksum (adler32Update) from a non-initial state.
func TestAdler32Unaligned(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	buf := make([]byte, 4*5536+200)
	for _, fill := range []string{"random", "ff"} {
		for i := range buf {
			buf[i] = 0xff
			if fill == "random" {
				buf[i] = byte(r.Uint32())
			}
		}
		var lens []int
		for k := 1; k <= 4; k++ {
			for _, d := range []int{-33, -32, -31, -1, 0, 1, 31, 32, 33, 64} {
				lens = append(lens, k*5536+d)
			}
		}
		for off := range 64 {
			for _, n := range lens {
				if off+n > len(buf) {
					continue
				}
				p := buf[off : off+n]
				if got, want := adler32Sum(p), adler32.Checksum(p); got != want {
					t.Fatalf("%s, offset %d, %d bytes: %#08x, want %#08x", fill, off, n, got, want)
				}
			}
		}
		d := adler32.New()
		d.Write(buf[:777])
		if got, want := adler32Update(adler32.Checksum(buf[:777]), buf[777:]), adler32.Checksum(buf); got != want || d.Sum32() != adler32.Checksum(buf[:777]) {
			t.Fatalf("%s: continued %#08x, want %#08x", fill, got, want)
		}
	}
}
