package codec_test

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hsfan/hsfan/hsds/codec"
	"github.com/hsfan/hsfan/internal/synth"
)

// sstDayRaw returns day d of `hsfan gen sst` (720 x 1440 int16, little endian).
func sstDayRawBench(d int) []byte {
	vals := make([]int16, synth.SSTLat*synth.SSTLon)
	synth.SSTDay(d, vals, synth.LandMask())
	b := make([]byte, 2*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

// stdlibZlibExact decodes with compress/flate (the standard library), for comparison.
func stdlibZlibExact(dst, src []byte) (int, error) {
	if len(src) < 2 {
		return 0, io.ErrUnexpectedEOF
	}
	r := flate.NewReader(bytes.NewReader(src[2:]))
	n, err := io.ReadFull(r, dst)
	if err != nil && err != io.ErrUnexpectedEOF {
		return n, err
	}
	return n, nil
}

// BenchmarkZlibDecoders decodes one SST day stored as HSDS writes it (blosc zlib, typesize 1,
// clevel 4... see sstFrames) and as hsfan writes it (blosc's shuffle, typesize 2) with the
// zlib stream decoder swapped: hsds/codec/inflate, klauspost/compress/zlib and compress/flate.
// Each iteration runs every pair in turn (load hits all alike); it reports MB/s of decoded
// bytes per pair and the time of each decoder relative to inflate on the same frame.
func BenchmarkZlibDecoders(b *testing.B) {
	raw := sstDay(0, synth.LandMask())
	frames := []struct {
		name  string
		frame []byte
	}{}
	for _, f := range []struct {
		name     string
		shuffle  bool
		typesize int
	}{{"hsds-ts1", true, 1}, {"hsfan-ts2", true, 2}} {
		fr, err := codec.BloscEncode(raw, "zlib", 4, f.shuffle, f.typesize)
		if err != nil {
			b.Fatal(err)
		}
		frames = append(frames, struct {
			name  string
			frame []byte
		}{f.name, fr})
	}
	// HSFAN_BENCH_DIR: write the raw day and Go's frames there, and benchmark the frames
	// numcodecs wrote there too (testdata/bench_inflate_c.py: C zlib, HSDS's exact frames).
	if dir := os.Getenv("HSFAN_BENCH_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "sst-day0.raw"), raw, 0o644); err != nil {
			b.Fatal(err)
		}
		for _, f := range frames {
			if err := os.WriteFile(filepath.Join(dir, "go-"+f.name+".blosc"), f.frame, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		cf, _ := filepath.Glob(filepath.Join(dir, "c-*.blosc"))
		for _, name := range cf {
			fr, err := os.ReadFile(name)
			if err != nil {
				b.Fatal(err)
			}
			frames = append(frames, struct {
				name  string
				frame []byte
			}{strings.TrimSuffix(filepath.Base(name), ".blosc"), fr})
		}
	}
	decoders := []struct {
		name string
		fn   func(dst, src []byte) (int, error)
	}{{"inflate", codec.ZlibDecodeExact}, {"klauspost", codec.ZlibDecodeKlauspost}, {"stdlib", stdlibZlibExact}}
	defer codec.SetZlibStream(codec.ZlibDecodeExact)()
	dst := make([]byte, len(raw))
	spent := make([][]time.Duration, len(frames))
	for i := range spent {
		spent[i] = make([]time.Duration, len(decoders))
	}
	for _, f := range frames {
		for _, d := range decoders {
			codec.SetZlibStream(d.fn)
			clear(dst)
			got, err := codec.BloscDecode(dst, f.frame, len(raw))
			if err != nil || !bytes.Equal(got, raw) {
				b.Fatalf("%s %s: round trip: %v", f.name, d.name, err)
			}
		}
	}
	n := 0
	b.SetBytes(int64(len(frames) * len(decoders) * len(raw)))
	// Time is this thread's CPU time (CLOCK_THREAD_CPUTIME_ID): other processes on the
	// machine slow the wall clock, not the CPU time a decode takes.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for b.Loop() {
		for i, f := range frames {
			for j, d := range decoders {
				codec.SetZlibStream(d.fn)
				t0 := threadCPU()
				if _, err := codec.BloscDecode(dst, f.frame, len(raw)); err != nil {
					b.Fatal(err)
				}
				spent[i][j] += threadCPU() - t0
			}
		}
		n++
	}
	for i, f := range frames {
		for j, d := range decoders {
			b.ReportMetric(float64(n*len(raw))/spent[i][j].Seconds()/1e6, f.name+"-"+d.name+"-cpuMB/s")
			if j > 0 {
				b.ReportMetric(spent[i][j].Seconds()/spent[i][0].Seconds(), f.name+"-"+d.name+"/inflate")
			}
		}
	}
}

// BenchmarkInflateFrames decodes each SST day frame of BenchmarkZlibDecoders (and, with
// HSFAN_BENCH_DIR, the c-*.blosc frames there) with the production decoder only, one
// sub-benchmark per frame: the one to profile (-cpuprofile).
func BenchmarkInflateFrames(b *testing.B) {
	raw := sstDay(0, synth.LandMask())
	frames := map[string][]byte{}
	for _, ts := range []int{1, 2} {
		fr, err := codec.BloscEncode(raw, "zlib", 4, true, ts)
		if err != nil {
			b.Fatal(err)
		}
		frames[fmt.Sprintf("go-ts%d", ts)] = fr
	}
	if dir := os.Getenv("HSFAN_BENCH_DIR"); dir != "" {
		cf, _ := filepath.Glob(filepath.Join(dir, "c-*.blosc"))
		for _, name := range cf {
			fr, err := os.ReadFile(name)
			if err != nil {
				b.Fatal(err)
			}
			frames[strings.TrimSuffix(filepath.Base(name), ".blosc")] = fr
		}
	}
	names := make([]string, 0, len(frames))
	for n := range frames {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		b.Run(name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			dst := make([]byte, len(raw))
			b.SetBytes(int64(len(raw)))
			c0 := threadCPU()
			for b.Loop() {
				if _, err := codec.BloscDecode(dst, frames[name], len(raw)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(raw))/(threadCPU()-c0).Seconds()/1e6, "cpu-MB/s")
		})
	}
}

// threadCPU returns the CPU time of the calling OS thread (lock the goroutine to it).
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Duration(ts.Nano())
}

// BenchmarkDecodeZlibHDF5 decodes the SST day as an HDF5 file's gzip-filter chunk (plain zlib
// stream of the byte-shuffled day; with HSFAN_BENCH_DIR, c-hdf5-shuffle-gzip4.zlib from
// bench_inflate_c.py, C zlib's stream, else Go's) through DecodeZlib: inflate (maxSize = the
// chunk size) and klauspost's streaming path (maxSize above the direct limit), interleaved,
// in thread CPU time.
func BenchmarkDecodeZlibHDF5(b *testing.B) {
	raw := sstDay(0, synth.LandMask())
	src, err := zlibLevel(codec.Shuffle(nil, raw, 2), 4)
	if err != nil {
		b.Fatal(err)
	}
	if dir := os.Getenv("HSFAN_BENCH_DIR"); dir != "" {
		if c, err := os.ReadFile(filepath.Join(dir, "c-hdf5-shuffle-gzip4.zlib")); err == nil {
			src = c
		}
	}
	want := codec.Shuffle(nil, raw, 2)
	dst := make([]byte, len(raw))
	paths := []struct {
		name string
		max  int
	}{{"inflate", len(raw)}, {"klauspost", 65<<20 + 1}}
	spent := make([]time.Duration, len(paths))
	for _, p := range paths {
		got, err := codec.DecodeZlib(dst[:0], src, p.max)
		if err != nil || !bytes.Equal(got, want) {
			b.Fatalf("%s: %v", p.name, err)
		}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	n := 0
	b.SetBytes(int64(len(paths) * len(raw)))
	for b.Loop() {
		for i, p := range paths {
			t0 := threadCPU()
			if _, err := codec.DecodeZlib(dst[:0], src, p.max); err != nil {
				b.Fatal(err)
			}
			spent[i] += threadCPU() - t0
		}
		n++
	}
	for i, p := range paths {
		b.ReportMetric(float64(n*len(raw))/spent[i].Seconds()/1e6, p.name+"-cpuMB/s")
	}
	b.ReportMetric(spent[1].Seconds()/spent[0].Seconds(), "klauspost/inflate")
}

func zlibLevel(src []byte, level int) ([]byte, error) {
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(src); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
