package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// benchField returns a 4 MiB chunk of smooth-with-noise data, like a daily
// SST field: int16 (1024 x 2048, scaled integers) or float32 (1024 x 1024).
func benchField(kind string) (data []byte, itemsize int) {
	x := uint64(12345)
	noise := func() float64 {
		x = x*6364136223846793005 + 1442695040888963407
		return float64(x>>11)/float64(1<<53) - 0.5
	}
	switch kind {
	case "int16":
		rows, cols := 1024, 2048
		out := make([]byte, 0, rows*cols*2)
		for i := range rows {
			for j := range cols {
				v := 5000 + 2000*math.Sin(4*math.Pi*float64(i)/float64(rows))*math.Cos(6*math.Pi*float64(j)/float64(cols)) + 16*noise()
				out = binary.LittleEndian.AppendUint16(out, uint16(int16(v)))
			}
		}
		return out, 2
	default:
		rows, cols := 1024, 1024
		out := make([]byte, 0, rows*cols*4)
		for i := range rows {
			for j := range cols {
				v := 20 + 8*math.Sin(4*math.Pi*float64(i)/float64(rows))*math.Cos(6*math.Pi*float64(j)/float64(cols)) + 0.05*noise()
				out = binary.LittleEndian.AppendUint32(out, math.Float32bits(float32(v)))
			}
		}
		return out, 4
	}
}

// benchPipelines are the pipelines measured, as hsfan writes them (blosc
// frames shuffled by blosc with typesize = item size); "memcpy" copies the
// bytes (the ceiling).
func benchPipelines(itemsize int) []struct {
	name string
	p    Pipeline
} {
	return []struct {
		name string
		p    Pipeline
	}{
		{"gzip5-shuffle", Pipeline{Compressor: "gzip", Level: 5, Shuffle: ShuffleByte, ItemSize: itemsize}},
		{"zstd3-shuffle", Pipeline{Compressor: "zstd", Level: 3, Shuffle: ShuffleByte, ItemSize: itemsize}},
		{"lz4-5-shuffle", Pipeline{Compressor: "lz4", Level: 5, Shuffle: ShuffleByte, ItemSize: itemsize}},
	}
}

// BenchmarkDecode measures Pipeline.Decode throughput (decoded bytes) on
// one goroutine. With HSFAN_BENCH_DIR set it also writes the frames there
// for testdata/bench_c.py, which times c-blosc on the same frames.
func BenchmarkDecode(b *testing.B) {
	dir := os.Getenv("HSFAN_BENCH_DIR")
	for _, kind := range []string{"int16", "float32"} {
		raw, item := benchField(kind)
		for _, bp := range benchPipelines(item) {
			enc, err := bp.p.Encode(nil, raw)
			if err != nil {
				b.Fatal(err)
			}
			if dir != "" {
				name := fmt.Sprintf("%s-%s-item%d.blosc", kind, bp.name, item)
				if err := os.WriteFile(filepath.Join(dir, name), enc, 0o644); err != nil {
					b.Fatal(err)
				}
			}
			b.Run(kind+"/"+bp.name, func(b *testing.B) {
				dst := make([]byte, len(raw))
				b.SetBytes(int64(len(raw)))
				b.ReportMetric(float64(len(raw))/float64(len(enc)), "ratio")
				for b.Loop() {
					if _, err := bp.p.Decode(dst, enc, len(raw)); err != nil {
						b.Fatal(err)
					}
				}
			})
			// BloscDecode alone: the pipeline without its checks.
			b.Run(kind+"/"+bp.name+"/blosc-only", func(b *testing.B) {
				dst := make([]byte, len(raw))
				b.SetBytes(int64(len(raw)))
				for b.Loop() {
					if _, err := BloscDecode(dst, enc, len(raw)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(kind+"/memcpy", func(b *testing.B) {
			dst := make([]byte, len(raw))
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				copy(dst, raw)
			}
		})
	}
}

// BenchmarkEncode measures Pipeline.Encode throughput (input bytes); blosc
// blocks are compressed on up to GOMAXPROCS goroutines.
func BenchmarkEncode(b *testing.B) {
	for _, kind := range []string{"int16", "float32"} {
		raw, item := benchField(kind)
		for _, bp := range benchPipelines(item) {
			b.Run(kind+"/"+bp.name, func(b *testing.B) {
				var dst []byte
				b.SetBytes(int64(len(raw)))
				for b.Loop() {
					var err error
					if dst, err = bp.p.Encode(dst, raw); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkUnshuffle measures the HDF5 byte unshuffle on 4 MiB.
func BenchmarkUnshuffle(b *testing.B) {
	src := genData("random", 4<<20, 1, 1)
	dst := make([]byte, len(src))
	for _, item := range []int{2, 4, 8, 3} {
		b.Run(fmt.Sprintf("item%d", item), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				Unshuffle(dst, src, item)
			}
		})
	}
}
