package codec

import (
	"errors"
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

// ErrLegacyShuffle is wrapped by Pipeline.Decode for a chunk written by hsfan before its chunk
// format was fixed: a blosc frame of typesize 1 without blosc's shuffle flag holding
// HDF5-shuffled bytes, in a dataset with the shuffle filter and an item size > 1. HSDS
// (hsds/util/storUtil.py _uncompress) and h5pyd hand such bytes to clients as they are, which
// is garbage; Pipeline.DecodeLegacyShuffle reads them, and `hsfan repack` rewrites them in place.
var ErrLegacyShuffle = errors.New("legacy hsfan chunk: HDF5-shuffled bytes inside a blosc frame")

// Pipeline is the chunk filter pipeline of an HSDS dataset.
//
// Compressor is an HSDS filter name: "" (none), "blosclz", "lz4", "lz4hc",
// "snappy", "gzip" (blosc with the zlib codec; "deflate" and "zlib" are
// aliases) or "zstd". Level is the compression level, 1-9 (0 means
// DefaultLevel). Shuffle is ShuffleNone, ShuffleByte or ShuffleBit and
// ItemSize the dataset's element size in bytes, needed by both shuffles.
//
// HSDSFrames makes Encode write byte-shuffled blosc frames as HSDS 0.9.4 writes them
// (hsds/util/storUtil.py _compress: numcodecs Blosc(cname, clevel, shuffle=1) on the chunk's
// bytes, so typesize 1 and the shuffle flag set, which shuffles nothing) instead of hsfan's
// frames (blosc's shuffle with typesize ItemSize, smaller and faster to decode). Both read
// back the same values in HSDS and in hsfan; decoding ignores the field.
//
// The zero Pipeline stores chunks raw.
type Pipeline struct {
	Compressor string
	Level      int
	Shuffle    int
	ItemSize   int
	HSDSFrames bool
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
// as HSDS 0.9.4 reads them (hsds/util/storUtil.py _uncompress):
//
//   - with a compressor and a blosc frame (IsBloscFrame): the frame is
//     blosc-decoded and its bytes ARE the values. Blosc undoes its own
//     shuffle as its header says (flag 0x01 byte shuffle or 0x04
//     bitshuffle, with the header's typesize); no HDF5 unshuffle follows,
//     whatever the dataset's filters say (_uncompress sets shuffle = 0 after
//     a blosc decode). HSDS writes typesize-1 frames with the shuffle flag
//     set, so nothing was shuffled; hsfan writes typesize ItemSize frames
//     that blosc really shuffled. One exception: a frame of typesize 1
//     without the shuffle or bitshuffle flag in a ShuffleByte dataset of
//     ItemSize > 1 is a chunk written by hsfan before its format fix
//     (HDF5-shuffled bytes); Decode refuses it with an error wrapping
//     ErrLegacyShuffle (see DecodeLegacyShuffle and `hsfan repack`);
//   - with gzip and no blosc frame: a plain zlib stream (chunks inside
//     HDF5 files, the *_REF layouts), HDF5-unshuffled afterwards with
//     ItemSize when Shuffle is ShuffleByte;
//   - any other compressor without a blosc frame is an error;
//   - without a compressor the bytes are taken as they are and, with
//     ShuffleByte, HDF5-unshuffled (HSDS writes such chunks unshuffled, a
//     bug: hsds-format.md 1.9; Encode writes them shuffled, which both read
//     correctly);
//   - ShuffleBit: after the compressor stage, HSDS's bitshuffle+lz4 layout
//     (storUtil.py _unshuffle codec 2) is decoded, frame or not.
//
// The level is not used (nor checked) when decoding. The decoded length
// must equal size exactly. The result is written to dst's backing array
// when cap(dst) >= size, otherwise to a new slice; dst must not overlap
// src.
func (p Pipeline) Decode(dst, src []byte, size int) ([]byte, error) {
	out, _, err := p.decode(dst, src, size, false, nil)
	return out, err
}

// DecodePlanes is Decode without the last step of the HDF5 byte shuffle, for readers that need
// a few elements of a chunk and gather them from the shuffled layout themselves
// (selection.CopyOutPlanes) instead of unshuffling the whole chunk. When the chunk's stage
// before that step is a zlib stream or the raw bytes of byte-shuffled data (the HDF5 shuffle
// filter with item size > 1, as HSDS stores "shuffle" + "gzip": hsds/util/storUtil.py
// _uncompress, then _unshuffle), it returns that stage, size bytes in ItemSize planes of
// size/ItemSize bytes (plane b holds byte b of every element, in element order), and
// planes=true. Every other chunk (blosc frames, which undo their own shuffle; no shuffle;
// bitshuffle) decodes as with Decode, planes=false. dst, size and the errors are Decode's.
//
// need, when not nil, names the byte ranges [start, end) of the decoded chunk the reader needs:
// of a blosc frame, whose blocks are compressed one by one, only the blocks for which need
// reports true are decoded, and the bytes of the others are undefined (a zlib stream, a raw
// chunk, a memcpyed frame and a bitshuffle pipeline's frame, one bitshuffle stream, are decoded
// whole). need is called once per block, in order, from the calling goroutine.
func (p Pipeline) DecodePlanes(dst, src []byte, size int, need func(start, end int) bool) (out []byte, planes bool, err error) {
	return p.decode(dst, src, size, true, need)
}

// decode is Decode (planes false, need nil) and DecodePlanes.
func (p Pipeline) decode(dst, src []byte, size int, planes bool, need func(start, end int) bool) ([]byte, bool, error) {
	cname, err := p.checkDecode(size)
	if err != nil {
		return nil, false, err
	}
	if cname != "" && IsBloscFrame(src) {
		if p.IsLegacyShuffle(src) {
			return nil, false, fmt.Errorf("decode chunk: %w (typesize 1, no blosc shuffle flag, dataset item size %d): "+
				"written by hsfan before its chunk format fix; HSDS and h5pyd would read it as garbage; "+
				"regenerate the domain or convert it in place with `hsfan repack --domain DOMAIN`",
				ErrLegacyShuffle, p.ItemSize)
		}
		out, err := p.decodeStage(dst, src, size, true, false, need)
		return out, false, err
	}
	keep := planes && p.Shuffle == ShuffleByte && p.ItemSize > 1
	out, err := p.decodeStage(dst, src, size, false, keep, nil)
	return out, keep && err == nil, err
}

// checkDecode validates the pipeline and size for decoding and returns the
// blosc codec name.
func (p Pipeline) checkDecode(size int) (string, error) {
	if err := p.validateForDecode(); err != nil {
		return "", err
	}
	if size < 0 {
		return "", fmt.Errorf("decode chunk: negative size %d", size)
	}
	cname, _ := p.bloscName()
	return cname, nil
}

// IsLegacyShuffle reports whether src is a chunk that hsfan wrote before
// its chunk format fix and Decode refuses with ErrLegacyShuffle: the
// pipeline has a compressor and ShuffleByte with ItemSize > 1, and src
// starts with a blosc header of typesize 1 with neither blosc's shuffle
// (0x01) nor bitshuffle (0x04) flag. Only the 16-byte header is read (so
// a store range read of 16 bytes suffices); Decode validates the whole
// frame. HSDS never writes such a frame for a shuffle dataset: its
// _compress (hsds/util/storUtil.py) passes shuffle=1 to numcodecs Blosc,
// and c-blosc sets flag 0x01 in every frame it writes then, memcpyed
// ones (chunks below 128 bytes, incompressible chunks) included.
func (p Pipeline) IsLegacyShuffle(src []byte) bool {
	if p.Shuffle != ShuffleByte || p.ItemSize <= 1 || len(src) < BloscHeaderSize {
		return false
	}
	if cname, err := p.bloscName(); err != nil || cname == "" {
		return false
	}
	version, flags, typesize := src[0], src[2], src[3]
	return version >= 1 && version <= bloscVersionFormat && flags&flagReserved == 0 &&
		typesize == 1 && flags&(flagShuffle|flagBitShuffle) == 0
}

// DecodeLegacyShuffle decodes a chunk that IsLegacyShuffle reports, the
// way hsfan wrote it before its chunk format fix: blosc-decode, then undo
// the HDF5 byte shuffle with ItemSize. Any other input is an error (use
// Decode). size, dst and the result are as for Decode.
func (p Pipeline) DecodeLegacyShuffle(dst, src []byte, size int) ([]byte, error) {
	if _, err := p.checkDecode(size); err != nil {
		return nil, err
	}
	if !p.IsLegacyShuffle(src) {
		return nil, fmt.Errorf("decode legacy chunk: %d bytes are not a legacy hsfan chunk of this pipeline "+
			"(want a typesize-1 blosc frame without shuffle flags, a compressor and byte shuffle with item size > 1)", len(src))
	}
	scratch := getScratch(0)
	defer putScratch(scratch)
	data, err := BloscDecode((*scratch)[:0], src, size)
	if err != nil {
		return nil, fmt.Errorf("decode legacy chunk: %w", err)
	}
	*scratch = data[:0]
	if len(data) != size {
		return nil, fmt.Errorf("chunk decodes to %d bytes, want %d", len(data), size)
	}
	return Unshuffle(dst, data, p.ItemSize), nil
}

// decodeStage runs the compressor stage (a blosc frame when frame is
// true, else a plain zlib stream for gzip or the raw bytes) and then the
// shuffle stage that applies to it: bitshuffle always, the HDF5 byte
// unshuffle only for data that did not come out of a blosc frame, and not
// with keepShuffled (DecodePlanes). need selects the blocks of a frame (see DecodePlanes).
func (p Pipeline) decodeStage(dst, src []byte, size int, frame, keepShuffled bool, need func(start, end int) bool) ([]byte, error) {
	cname, _ := p.bloscName()
	unshuffle := !frame && p.Shuffle == ShuffleByte && p.ItemSize > 1 && !keepShuffled
	// The stage before the shuffle may be larger than size for bitshuffle.
	limit := size
	if p.Shuffle == ShuffleBit {
		limit = bitshuffleBound(size)
	}
	inner := dst // where the compressor stage writes
	if p.Shuffle == ShuffleBit || unshuffle {
		scratch := getScratch(0)
		inner = (*scratch)[:0]
		defer func() { putScratch(scratch) }()
		defer func() { *scratch = inner[:0] }() // keep the (possibly grown) buffer
	}
	var err error
	switch {
	case frame:
		if p.Shuffle == ShuffleBit {
			need = nil // the whole frame is one bitshuffle stream
		}
		inner, err = bloscDecodeBlocks(inner, src, limit, need)
	case cname == "zlib":
		inner, err = DecodeZlib(inner, src, limit)
	case cname != "":
		return nil, fmt.Errorf("decode chunk: %d bytes are not a blosc frame, and %s chunks have no other form", len(src), p.Compressor)
	default:
		if len(src) > limit {
			return nil, fmt.Errorf("chunk decodes to %d bytes, want %d", len(src), size)
		}
		inner = append(inner[:0], src...)
	}
	if err != nil {
		return nil, fmt.Errorf("decode chunk: %w", err)
	}
	switch {
	case p.Shuffle == ShuffleBit:
		return decodeBitshuffleLZ4(dst, inner, p.ItemSize, size)
	case len(inner) != size:
		return nil, fmt.Errorf("chunk decodes to %d bytes, want %d", len(inner), size)
	case unshuffle:
		return Unshuffle(dst, inner, p.ItemSize), nil
	}
	return inner, nil
}

// bitshuffleBound bounds the size of a bitshuffle+lz4 buffer for size bytes
// of data: header, per-block sizes (blocks of at least 8 bytes) and LZ4's
// worst-case expansion.
func bitshuffleBound(size int) int {
	return bitshuffleHeaderSize + size + size/255 + 4*(size/8+1) + 16
}

// Encode turns uncompressed chunk bytes into the bytes to store, in a
// form HSDS 0.9.4 reads back as the same values (hsds/util/storUtil.py
// _uncompress) and Decode reads too:
//
//   - with a compressor and ShuffleByte: a blosc frame with that codec
//     (gzip -> zlib) and clevel Level, shuffled by blosc itself: flag 0x01
//     with typesize ItemSize (c-blosc treats typesizes above 255 as 1).
//     HSDS's own _compress writes typesize 1 with flag 0x01, which shuffles
//     nothing; typesize ItemSize compresses better and HSDS decodes it,
//     since numcodecs reads the typesize from the header (HSDSFrames writes
//     HSDS's typesize 1 instead). The bytes are
//     never HDF5-shuffled before blosc: HSDS would hand them to its clients
//     as they are;
//   - with a compressor and no shuffle: a blosc frame of typesize 1 without
//     shuffle, byte for byte HSDS's header;
//   - ShuffleBit: HSDS's bitshuffle+lz4 layout (blocks of 2048 elements,
//     storUtil.py _shuffle codec 2), then a blosc frame without shuffle of
//     typesize 1 when there is a compressor, as _compress does;
//   - ShuffleByte without a compressor: the HDF5-shuffled bytes (HDF5
//     semantics, which HSDS reads correctly; HSDS itself writes them
//     unshuffled, hsds-format.md 1.9);
//   - no filters: the bytes.
//
// The result is written to dst's backing array when it is large enough,
// otherwise to a new slice; dst must not overlap src.
func (p Pipeline) Encode(dst, src []byte) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	cname, _ := p.bloscName()
	data, shuffle, typesize := src, false, 1
	switch p.Shuffle {
	case ShuffleByte:
		if cname == "" {
			return Shuffle(dst, src, p.ItemSize), nil
		}
		shuffle, typesize = true, p.ItemSize
		if p.HSDSFrames {
			typesize = 1
		}
	case ShuffleBit:
		b, err := encodeBitshuffleLZ4(src, p.ItemSize, bitshuffleDefaultBlock)
		if err != nil {
			return nil, fmt.Errorf("encode chunk: %w", err)
		}
		data = b
	}
	if cname == "" {
		return append(dst[:0], data...), nil
	}
	out, err := bloscEncodeTo(dst, data, cname, p.level(), shuffle, typesize)
	if err != nil {
		return nil, fmt.Errorf("encode chunk: %w", err)
	}
	return out, nil
}
