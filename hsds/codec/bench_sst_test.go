package codec_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/codec"
	"github.com/hsfan/hsfan/internal/synth"
)

// sstLevel is the gzip level `hsfan gen sst` writes (its --level default).
const sstLevel = 4

// sstPipeline is the pipeline of `hsfan gen sst`'s /analysed_sst: shuffle + gzip, int16.
var sstPipeline = codec.Pipeline{Compressor: "gzip", Level: sstLevel, Shuffle: codec.ShuffleByte, ItemSize: 2}

// sstDay returns day d of the synthetic SST (1 x 720 x 1440 int16, little endian), one chunk.
func sstDay(d int, land []bool) []byte {
	vals := make([]int16, synth.SSTLat*synth.SSTLon)
	synth.SSTDay(d, vals, land)
	b := make([]byte, 2*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

// sstStyle is one way to store an SST chunk, with the way to read it back.
type sstStyle struct {
	name   string
	encode func(raw []byte) ([]byte, error)
	decode func(dst, frame []byte, size int) ([]byte, error)
}

// sstStyles are the chunk formats compared:
//
//   - hsfan: what hsfan writes now (Pipeline.Encode: blosc zlib, blosc's shuffle, typesize 2);
//   - hsds: what HSDS's storUtil.py _compress writes (blosc zlib, shuffle flag, typesize 1:
//     nothing shuffled), read by Pipeline.Decode as HSDS reads it;
//   - legacy: what hsfan wrote before the fix (HDF5 shuffle, then blosc zlib without shuffle,
//     typesize 1), read by Pipeline.DecodeLegacyShuffle.
func sstStyles() []sstStyle {
	return []sstStyle{
		{"hsfan-ts2", func(raw []byte) ([]byte, error) { return sstPipeline.Encode(nil, raw) }, sstPipeline.Decode},
		{"hsds-ts1", func(raw []byte) ([]byte, error) { return codec.BloscEncode(raw, "zlib", sstLevel, true, 1) }, sstPipeline.Decode},
		{"legacy", func(raw []byte) ([]byte, error) {
			return codec.BloscEncode(codec.Shuffle(nil, raw, 2), "zlib", sstLevel, false, 1)
		}, sstPipeline.DecodeLegacyShuffle},
	}
}

// BenchmarkSSTDayDecode measures decoding one day of `hsfan gen sst` (1 x 720 x 1440 int16,
// 2,073,600 bytes; MB/s of decoded bytes) stored in each chunk format, on one goroutine, side
// by side. With HSFAN_BENCH_DIR set it also writes the frames there for testdata/bench_c.py.
func BenchmarkSSTDayDecode(b *testing.B) {
	raw := sstDay(0, synth.LandMask())
	dir := os.Getenv("HSFAN_BENCH_DIR")
	for _, s := range sstStyles() {
		frame, err := s.encode(raw)
		if err != nil {
			b.Fatal(err)
		}
		if got, err := s.decode(nil, frame, len(raw)); err != nil || string(got) != string(raw) {
			b.Fatalf("%s: round trip: %v", s.name, err)
		}
		if dir != "" {
			if err := os.WriteFile(filepath.Join(dir, "sst-day-"+s.name+"-item2.blosc"), frame, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(s.name, func(b *testing.B) {
			dst := make([]byte, len(raw))
			b.SetBytes(int64(len(raw)))
			b.ReportMetric(float64(len(frame)), "stored-B")
			for b.Loop() {
				if _, err := s.decode(dst, frame, len(raw)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSSTYearSizes encodes every day of `hsfan gen sst --days 365` in each chunk format and
// logs the stored sizes. It takes about 10 s on 2 cores, so it runs only with HSFAN_SST_YEAR=1:
//
//	HSFAN_SST_YEAR=1 go test -run TestSSTYearSizes -v ./hsds/codec
func TestSSTYearSizes(t *testing.T) {
	if os.Getenv("HSFAN_SST_YEAR") == "" {
		t.Skip("SKIP: set HSFAN_SST_YEAR=1 to measure the stored size of a year of SST in each chunk format")
	}
	const days = 365
	land := synth.LandMask()
	styles := sstStyles()
	sizes := make([][]int, len(styles))
	for i := range sizes {
		sizes[i] = make([]int, days)
	}
	var (
		wg   sync.WaitGroup
		next = make(chan int, days)
		errs = make(chan error, days)
	)
	for d := range days {
		next <- d
	}
	close(next)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range next {
				raw := sstDay(d, land)
				for i, s := range styles {
					frame, err := s.encode(raw)
					if err != nil {
						errs <- fmt.Errorf("day %d %s: %w", d, s.name, err)
						return
					}
					sizes[i][d] = len(frame)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	raw := days * synth.SSTLat * synth.SSTLon * 2
	for i, s := range styles {
		total := 0
		for _, n := range sizes[i] {
			total += n
		}
		t.Logf("%-10s %d days: %9d bytes = %7.1f MB stored (%.1f MB raw, ratio %.2f)", s.name, days, total,
			float64(total)/1e6, float64(raw)/1e6, float64(raw)/float64(total))
	}
}

// BenchmarkSSTDayDecodeInterleaved decodes the same SST day in the three chunk formats in turn
// within every iteration and reports each one's MB/s (decoded bytes) and its time relative to
// the HSDS frame, so that load from other processes hits all three alike.
func BenchmarkSSTDayDecodeInterleaved(b *testing.B) {
	raw := sstDay(0, synth.LandMask())
	styles := sstStyles()
	frames := make([][]byte, len(styles))
	for i, s := range styles {
		f, err := s.encode(raw)
		if err != nil {
			b.Fatal(err)
		}
		frames[i] = f
	}
	dst := make([]byte, len(raw))
	spent := make([]time.Duration, len(styles))
	n := 0
	b.SetBytes(int64(len(styles) * len(raw)))
	for b.Loop() {
		for i, s := range styles {
			t0 := time.Now()
			if _, err := s.decode(dst, frames[i], len(raw)); err != nil {
				b.Fatal(err)
			}
			spent[i] += time.Since(t0)
		}
		n++
	}
	for i, s := range styles {
		b.ReportMetric(float64(n*len(raw))/spent[i].Seconds()/1e6, s.name+"-MB/s")
		b.ReportMetric(spent[i].Seconds()/spent[1].Seconds(), s.name+"/hsds")
	}
}
