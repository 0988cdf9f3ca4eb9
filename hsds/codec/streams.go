package codec

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/hsfan/hsfan/hsds/codec/inflate"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// This file holds the per-stream codecs a blosc block uses: each decoder
// fills dst completely or fails, never writing past len(dst).

// decodeStream decodes one compressed stream of a blosc block into dst,
// which has exactly the stream's uncompressed size.
func decodeStream(format int, dst, src []byte) error {
	var (
		n   int
		err error
	)
	switch format {
	case formatBloscLZ:
		n, err = blosclzDecode(dst, src)
	case formatLZ4:
		n, err = lz4.UncompressBlock(src, dst)
	case formatSnappy:
		n, err = snappyDecode(dst, src)
	case formatZlib:
		n, err = zlibStream(dst, src)
	case formatZstd:
		n, err = zstdDecodeExact(dst, src)
	default:
		return fmt.Errorf("unknown codec format %d", format)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", formatNames[format], err)
	}
	if n != len(dst) {
		return fmt.Errorf("%s stream decodes to %d bytes, want %d", formatNames[format], n, len(dst))
	}
	return nil
}

func snappyDecode(dst, src []byte) (int, error) {
	n, err := snappy.DecodedLen(src)
	if err != nil {
		return 0, err
	}
	if n != len(dst) {
		return n, nil // reported as a size mismatch by the caller
	}
	out, err := snappy.DecodeStrict(dst, src)
	if err != nil {
		return 0, err
	}
	if len(out) > 0 && &out[0] != &dst[0] {
		return 0, errors.New("snappy decoded outside the destination")
	}
	return len(out), nil
}

// zlibStream decodes blosc's zlib streams; benchmarks swap in other decoders.
var zlibStream = zlibDecodeExact

// inflaters recycles inflate decoders (their Huffman tables, about 11 KB).
var inflaters = sync.Pool{New: func() any { return new(inflate.Decoder) }}

// zlibDecodeExact decodes the zlib stream src into dst and requires that the
// stream (with its checksum) ends exactly after len(dst) bytes. It uses
// hsds/codec/inflate, which is specialised for a known output size.
func zlibDecodeExact(dst, src []byte) (int, error) {
	d := inflaters.Get().(*inflate.Decoder)
	defer inflaters.Put(d)
	n, _, err := d.DecodeZlib(dst, src)
	return n, err
}

// zstdDecoder is the process-wide zstd decoder. DecodeAll is safe for
// concurrent use; the decoder is created on first use and never changed.
var zstdDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
	return zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderMaxMemory(1<<31),
	)
})

// zstdDecodeExact decodes the zstd frames in src into dst; output beyond
// len(dst) is an error.
func zstdDecodeExact(dst, src []byte) (int, error) {
	d, err := zstdDecoder()
	if err != nil {
		return 0, err
	}
	out, err := d.DecodeAll(src, dst[:0:len(dst)])
	if err != nil {
		return 0, err
	}
	if len(out) > 0 && &out[0] != &dst[0] {
		copy(dst, out)
	}
	return len(out), nil
}

// streamCompressor compresses blosc streams with one codec and level. It
// returns the compressed size in dst, or 0 when the stream does not compress
// to fewer than len(src) bytes; dst must hold at least len(src) bytes.
type streamCompressor func(dst, src []byte) (int, error)

// compressorFor returns the stream compressor for a blosc codec name and
// clevel (1-9). Compressors are safe for concurrent use.
func compressorFor(cname string, clevel int) (streamCompressor, error) {
	switch cname {
	case "blosclz":
		return func(dst, src []byte) (int, error) {
			return blosclzEncode(dst, src, clevel), nil
		}, nil
	case "lz4":
		pool := &sync.Pool{New: func() any { return &lz4.CompressorCCompat{Acceleration: 10 - clevel} }}
		return func(dst, src []byte) (int, error) {
			c := pool.Get().(*lz4.CompressorCCompat)
			defer pool.Put(c)
			return boundedLZ4(dst, src, c.CompressBlock)
		}, nil
	case "lz4hc":
		pool := &sync.Pool{New: func() any { return &lz4.CompressorHC{Level: lz4HCLevel(clevel)} }}
		return func(dst, src []byte) (int, error) {
			c := pool.Get().(*lz4.CompressorHC)
			defer pool.Put(c)
			return boundedLZ4(dst, src, c.CompressBlock)
		}, nil
	case "snappy":
		return func(dst, src []byte) (int, error) {
			out := snappyEncode(src)
			if len(out) >= len(src) {
				return 0, nil
			}
			return copy(dst, out), nil
		}, nil
	case "zlib":
		return zlibCompressor(clevel), nil
	case "zstd":
		enc, err := zstdEncoder(zstdLevel(clevel))
		if err != nil {
			return nil, err
		}
		return func(dst, src []byte) (int, error) {
			out := enc.EncodeAll(src, dst[:0])
			if len(out) >= len(src) {
				return 0, nil
			}
			if &out[0] != &dst[0] {
				copy(dst, out)
			}
			return len(out), nil
		}, nil
	}
	return nil, fmt.Errorf("unknown blosc codec %q (want blosclz, lz4, lz4hc, snappy, zlib or zstd)", cname)
}

// snappyEncode compresses src as one snappy block (the raw format, as
// c-blosc's snappy_compress writes it).
func snappyEncode(src []byte) []byte { return snappy.Encode(nil, src) }

// boundedLZ4 runs an lz4 block compressor with room for len(src)-1 output
// bytes and reports 0 when the output does not fit (the stream is then
// stored raw).
func boundedLZ4(dst, src []byte, compress func(src, dst []byte) (int, error)) (int, error) {
	if len(src) < 2 {
		return 0, nil
	}
	n, err := compress(src, dst[:len(src)-1])
	if err != nil || n <= 0 || n >= len(src) {
		return 0, nil //nolint:nilerr // pierrec reports "does not fit" as an error
	}
	return n, nil
}

// lz4HCLevel maps a blosc clevel to an lz4 HC search depth.
func lz4HCLevel(clevel int) lz4.CompressionLevel {
	levels := [...]lz4.CompressionLevel{lz4.Level1, lz4.Level1, lz4.Level2, lz4.Level3,
		lz4.Level4, lz4.Level5, lz4.Level6, lz4.Level7, lz4.Level8, lz4.Level9}
	return levels[clevel]
}

// zstdLevel maps a blosc clevel to a zstd level as c-blosc 1.21 does.
func zstdLevel(clevel int) int {
	switch {
	case clevel == 8:
		return 20
	case clevel >= 9:
		return 22
	default:
		return clevel*2 - 1
	}
}

// zstdEncoders caches one concurrency-safe encoder per zstd encoder level.
var (
	zstdEncMu  sync.Mutex
	zstdEncMap = map[zstd.EncoderLevel]*zstd.Encoder{}
)

func zstdEncoder(level int) (*zstd.Encoder, error) {
	el := zstd.EncoderLevelFromZstd(level)
	zstdEncMu.Lock()
	defer zstdEncMu.Unlock()
	if e, ok := zstdEncMap[el]; ok {
		return e, nil
	}
	e, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(el),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)),
		zstd.WithEncoderCRC(false),
		zstd.WithZeroFrames(true),
	)
	if err != nil {
		return nil, fmt.Errorf("create zstd encoder: %w", err)
	}
	zstdEncMap[el] = e
	return e, nil
}

// zlibWriters recycles zlib compressors per level.
var zlibWriters [10]sync.Pool

func zlibCompressor(clevel int) streamCompressor {
	return func(dst, src []byte) (int, error) {
		buf := bytes.NewBuffer(dst[:0])
		var zw *zlib.Writer
		if v := zlibWriters[clevel].Get(); v != nil {
			zw = v.(*zlib.Writer)
			zw.Reset(buf)
		} else {
			w, err := zlib.NewWriterLevel(buf, clevel)
			if err != nil {
				return 0, err
			}
			zw = w
		}
		defer zlibWriters[clevel].Put(zw)
		if _, err := zw.Write(src); err != nil {
			return 0, err
		}
		if err := zw.Close(); err != nil {
			return 0, err
		}
		out := buf.Bytes()
		if len(out) >= len(src) {
			return 0, nil
		}
		if &out[0] != &dst[0] {
			copy(dst, out)
		}
		return len(out), nil
	}
}
