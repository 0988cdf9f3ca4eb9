package codec_test

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"testing"
	"time"

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
	for b.Loop() {
		for i, f := range frames {
			for j, d := range decoders {
				codec.SetZlibStream(d.fn)
				t0 := time.Now()
				if _, err := codec.BloscDecode(dst, f.frame, len(raw)); err != nil {
					b.Fatal(err)
				}
				spent[i][j] += time.Since(t0)
			}
		}
		n++
	}
	for i, f := range frames {
		for j, d := range decoders {
			b.ReportMetric(float64(n*len(raw))/spent[i][j].Seconds()/1e6, f.name+"-"+d.name+"-MB/s")
			if j > 0 {
				b.ReportMetric(spent[i][j].Seconds()/spent[i][0].Seconds(), f.name+"-"+d.name+"/inflate")
			}
		}
	}
}
