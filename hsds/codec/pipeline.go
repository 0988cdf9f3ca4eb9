package codec

import (
	"fmt"
	"strings"
)

// Shuffle modes of a Pipeline.
const (
	ShuffleNone = 0 // no shuffle filter
	ShuffleByte = 1 // HDF5 byte shuffle (filter id 2)
	ShuffleBit  = 2 // bitshuffle with lz4 (filter id 32008), HSDS layout
)

// DefaultLevel is the compression level HSDS uses when a filter has none.
const DefaultLevel = 5

// Pipeline is the chunk filter pipeline of an HSDS dataset.
//
// Compressor is an HSDS filter name: "" (none), "blosclz", "lz4", "lz4hc",
// "snappy", "gzip" (blosc with the zlib codec; "deflate" and "zlib" are
// aliases) or "zstd". Level is the compression level, 1-9 (0 means
// DefaultLevel). Shuffle is ShuffleNone, ShuffleByte or ShuffleBit and
// ItemSize the dataset's element size in bytes, needed by both shuffles.
//
// The zero Pipeline stores chunks raw.
type Pipeline struct {
	Compressor string
	Level      int
	Shuffle    int
	ItemSize   int
}

// bloscName returns the blosc codec name of the compressor, "" for none.
func (p Pipeline) bloscName() (string, error) {
	switch c := strings.ToLower(p.Compressor); c {
	case "":
		return "", nil
	case "gzip", "deflate", "zlib":
		return "zlib", nil
	case "blosclz", "lz4", "lz4hc", "snappy", "zstd":
		return c, nil
	}
	return "", fmt.Errorf("unknown compressor %q (want blosclz, lz4, lz4hc, snappy, gzip or zstd)", p.Compressor)
}

// level returns the effective blosc clevel.
func (p Pipeline) level() int {
	if p.Level == 0 {
		return DefaultLevel
	}
	return p.Level
}

// Validate reports whether the pipeline is usable: a known compressor, a
// level of 0-9, a known shuffle mode and a positive item size when a
// shuffle is set.
func (p Pipeline) Validate() error {
	if p.Level < 0 || p.Level > 9 {
		return fmt.Errorf("pipeline: level %d out of range 0-9", p.Level)
	}
	return p.validateForDecode()
}

// validateForDecode is Validate without the level, which decoding does not
// use.
func (p Pipeline) validateForDecode() error {
	if _, err := p.bloscName(); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	switch p.Shuffle {
	case ShuffleNone:
	case ShuffleByte, ShuffleBit:
		if p.ItemSize <= 0 {
			return fmt.Errorf("pipeline: shuffle %d needs a positive item size, got %d", p.Shuffle, p.ItemSize)
		}
	default:
		return fmt.Errorf("pipeline: unknown shuffle mode %d (want 0, 1 or 2)", p.Shuffle)
	}
	if p.ItemSize < 0 {
		return fmt.Errorf("pipeline: negative item size %d", p.ItemSize)
	}
	return nil
}

// Decode turns stored chunk bytes into the chunk's size uncompressed bytes,
// as HSDS's _uncompress does:
//
//   - with a compressor, a blosc frame (IsBloscFrame) is blosc-decoded;
//     otherwise a gzip chunk is a plain zlib stream (HDF5-linked chunks);
//     any other compressor without a blosc frame is an error;
//   - without a compressor the bytes are taken as they are;
//   - then ShuffleByte undoes the HDF5 byte shuffle with ItemSize and
//     ShuffleBit decodes HSDS's bitshuffle+lz4 layout.
//
// The level is not used (nor checked) when decoding. The decoded length
// must equal size exactly. The result is written to
// dst's backing array when cap(dst) >= size, otherwise to a new slice; dst
// must not overlap src. Note that HSDS itself writes shuffle-only chunks
// unshuffled (hsds-format.md 1.9); Encode writes them shuffled, which is what
// both HSDS and Decode read correctly.
func (p Pipeline) Decode(dst, src []byte, size int) ([]byte, error) {
	if err := p.validateForDecode(); err != nil {
		return nil, err
	}
	if size < 0 {
		return nil, fmt.Errorf("decode chunk: negative size %d", size)
	}
	cname, _ := p.bloscName()
	// The stage before the shuffle may be larger than size for bitshuffle.
	limit := size
	if p.Shuffle == ShuffleBit {
		limit = bitshuffleBound(size)
	}
	inner := dst // where the compressor stage writes
	var scratch *[]byte
	if p.Shuffle != ShuffleNone && !(p.Shuffle == ShuffleByte && p.ItemSize == 1) {
		scratch = getScratch(0)
		inner = (*scratch)[:0]
		defer func() { putScratch(scratch) }()
	}
	var (
		data []byte
		err  error
	)
	switch {
	case cname != "" && IsBloscFrame(src):
		data, err = BloscDecode(inner, src, limit)
	case cname == "zlib":
		data, err = DecodeZlib(inner, src, limit)
	case cname != "":
		return nil, fmt.Errorf("decode chunk: %d bytes are not a blosc frame, and %s chunks have no other form", len(src), p.Compressor)
	default:
		if len(src) > limit {
			return nil, fmt.Errorf("chunk decodes to %d bytes, want %d", len(src), size)
		}
		data = append(inner[:0], src...)
	}
	if err != nil {
		return nil, fmt.Errorf("decode chunk: %w", err)
	}
	if scratch != nil {
		*scratch = data[:0] // keep the (possibly grown) buffer for reuse
	}
	switch {
	case p.Shuffle == ShuffleBit:
		return decodeBitshuffleLZ4(dst, data, p.ItemSize, size)
	case len(data) != size:
		return nil, fmt.Errorf("chunk decodes to %d bytes, want %d", len(data), size)
	case p.Shuffle == ShuffleByte && p.ItemSize > 1:
		return Unshuffle(dst, data, p.ItemSize), nil
	}
	return data, nil
}

// bitshuffleBound bounds the size of a bitshuffle+lz4 buffer for size bytes
// of data: header, per-block sizes (blocks of at least 8 bytes) and LZ4's
// worst-case expansion.
func bitshuffleBound(size int) int {
	return bitshuffleHeaderSize + size + size/255 + 4*(size/8+1) + 16
}

// Encode turns size uncompressed chunk bytes into the bytes to store, as
// HSDS writes them (hsds-format.md 1.9), except that shuffle-only chunks are
// stored shuffled (HDF5 semantics):
//
//   - ShuffleByte: HDF5 byte shuffle with ItemSize first;
//     ShuffleBit: HSDS's bitshuffle+lz4 layout (blocks of 2048 elements);
//   - with a compressor: a blosc frame with that codec (gzip -> zlib),
//     clevel Level, typesize 1 and blosc's own shuffle off;
//   - without one: the (shuffled) bytes.
//
// The result is written to dst's backing array when it is large enough,
// otherwise to a new slice; dst must not overlap src.
func (p Pipeline) Encode(dst, src []byte) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	cname, _ := p.bloscName()
	data := src
	switch {
	case p.Shuffle == ShuffleByte && p.ItemSize > 1:
		if cname == "" {
			return Shuffle(dst, src, p.ItemSize), nil
		}
		scratch := getScratch(len(src))
		defer putScratch(scratch)
		data = Shuffle(*scratch, src, p.ItemSize)
	case p.Shuffle == ShuffleBit:
		b, err := encodeBitshuffleLZ4(src, p.ItemSize, bitshuffleDefaultBlock)
		if err != nil {
			return nil, fmt.Errorf("encode chunk: %w", err)
		}
		data = b
	}
	if cname == "" {
		return append(dst[:0], data...), nil
	}
	out, err := bloscEncodeTo(dst, data, cname, p.level(), false, 1)
	if err != nil {
		return nil, fmt.Errorf("encode chunk: %w", err)
	}
	return out, nil
}
