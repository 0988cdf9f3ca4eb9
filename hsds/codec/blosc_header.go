package codec

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Sizes and limits of the c-blosc 1.x frame format.
const (
	// BloscHeaderSize is the size of the fixed c-blosc 1.x frame header.
	BloscHeaderSize = 16
	// BloscMaxBufferSize is the largest uncompressed size a blosc 1.x frame
	// can describe (c-blosc's BLOSC_MAX_BUFFERSIZE).
	BloscMaxBufferSize = math.MaxInt32 - BloscHeaderSize
	// BloscMaxTypeSize is the largest typesize a blosc 1.x frame can carry.
	BloscMaxTypeSize = 255

	bloscVersionFormat = 2 // BLOSC_VERSION_FORMAT written by c-blosc 1.x

	flagShuffle    = 0x01
	flagMemcpyed   = 0x02
	flagBitShuffle = 0x04
	flagReserved   = 0x08
	flagDontSplit  = 0x10

	minBufferSize = 128 // MIN_BUFFERSIZE: smaller buffers are memcpyed
	maxSplits     = 16  // MAX_SPLITS: largest typesize that is split
	l1CacheSize   = 32 * 1024
)

// Codec formats stored in bits 5-7 of the flags byte.
const (
	formatBloscLZ = 0
	formatLZ4     = 1 // lz4 and lz4hc share the format
	formatSnappy  = 2
	formatZlib    = 3
	formatZstd    = 4
)

// formatNames names the codec format values for error messages.
var formatNames = [8]string{"blosclz", "lz4", "snappy", "zlib", "zstd", "format5", "format6", "format7"}

// bloscHeader is the parsed 16-byte c-blosc 1.x header.
type bloscHeader struct {
	version   byte
	versionLZ byte
	flags     byte
	typesize  int
	nbytes    int
	blocksize int
	cbytes    int
}

func (h bloscHeader) format() int     { return int(h.flags >> 5) }
func (h bloscHeader) memcpyed() bool  { return h.flags&flagMemcpyed != 0 }
func (h bloscHeader) dontSplit() bool { return h.flags&flagDontSplit != 0 }

// nblocks returns the number of blocks, counting a final partial block.
func (h bloscHeader) nblocks() int {
	if h.blocksize <= 0 {
		return 0
	}
	return (h.nbytes + h.blocksize - 1) / h.blocksize
}

// parseBloscHeader reads and validates the header of a frame held in src.
// maxSize bounds the uncompressed size. It does not look past the header
// except to check that the frame fits in src.
func parseBloscHeader(src []byte, maxSize int) (bloscHeader, error) {
	if len(src) < BloscHeaderSize {
		return bloscHeader{}, fmt.Errorf("blosc frame of %d bytes is shorter than the %d-byte header", len(src), BloscHeaderSize)
	}
	h := bloscHeader{
		version:   src[0],
		versionLZ: src[1],
		flags:     src[2],
		typesize:  int(src[3]),
	}
	nbytes := binary.LittleEndian.Uint32(src[4:])
	blocksize := binary.LittleEndian.Uint32(src[8:])
	cbytes := binary.LittleEndian.Uint32(src[12:])
	if h.version == 0 || h.version > bloscVersionFormat {
		return h, fmt.Errorf("blosc frame version %d is not supported (want 1 or 2)", h.version)
	}
	if h.flags&flagReserved != 0 {
		return h, fmt.Errorf("blosc frame flags %#02x use the reserved bit 0x08", h.flags)
	}
	if h.typesize == 0 {
		return h, fmt.Errorf("blosc frame typesize is 0")
	}
	if nbytes > BloscMaxBufferSize {
		return h, fmt.Errorf("blosc frame nbytes %d exceeds the blosc limit %d", nbytes, BloscMaxBufferSize)
	}
	if cbytes > math.MaxInt32 {
		return h, fmt.Errorf("blosc frame cbytes %d is out of range", cbytes)
	}
	h.nbytes, h.blocksize, h.cbytes = int(nbytes), int(blocksize), int(cbytes)
	if h.nbytes > maxSize {
		return h, fmt.Errorf("blosc frame decodes to %d bytes, more than the limit of %d", h.nbytes, maxSize)
	}
	if h.cbytes < BloscHeaderSize {
		return h, fmt.Errorf("blosc frame cbytes %d is smaller than the header", h.cbytes)
	}
	if h.cbytes > len(src) {
		return h, fmt.Errorf("blosc frame cbytes %d exceeds the %d bytes available", h.cbytes, len(src))
	}
	if h.nbytes == 0 {
		return h, nil
	}
	if h.blocksize == 0 || h.blocksize > h.nbytes {
		return h, fmt.Errorf("blosc frame blocksize %d is invalid for nbytes %d", h.blocksize, h.nbytes)
	}
	if h.memcpyed() {
		if h.cbytes != h.nbytes+BloscHeaderSize {
			return h, fmt.Errorf("memcpyed blosc frame has cbytes %d, want nbytes+16 = %d", h.cbytes, h.nbytes+BloscHeaderSize)
		}
		return h, nil
	}
	if f := h.format(); f > formatZstd {
		return h, fmt.Errorf("blosc frame uses unknown codec format %d", f)
	} else if h.versionLZ != 1 {
		return h, fmt.Errorf("blosc frame %s codec version %d is not supported (want 1)", formatNames[f], h.versionLZ)
	}
	if nb := h.nblocks(); nb > (h.cbytes-BloscHeaderSize)/4 {
		return h, fmt.Errorf("blosc frame of %d bytes cannot hold %d block offsets", h.cbytes, nb)
	}
	return h, nil
}

// IsBloscFrame reports whether b starts with a plausible c-blosc 1.x frame:
// a supported format version, a non-zero typesize (HSDS's test through
// blosc_cbuffer_metainfo) and a header whose sizes are consistent with each
// other and with len(b). Bytes after the frame's cbytes are allowed.
func IsBloscFrame(b []byte) bool {
	_, err := parseBloscHeader(b, BloscMaxBufferSize)
	return err == nil
}

// BloscFrameInfo describes a blosc frame header.
type BloscFrameInfo struct {
	Version, VersionLZ int
	Flags              byte
	Codec              string // blosclz, lz4 (also lz4hc), snappy, zlib or zstd
	TypeSize           int
	NBytes             int // uncompressed size
	BlockSize          int
	CBytes             int // frame size
	Shuffle            bool
	BitShuffle         bool
	Memcpyed           bool
	DontSplit          bool
}

// BloscInfo parses and validates the header of a blosc frame without
// decoding it.
func BloscInfo(b []byte) (BloscFrameInfo, error) {
	h, err := parseBloscHeader(b, BloscMaxBufferSize)
	if err != nil {
		return BloscFrameInfo{}, err
	}
	return BloscFrameInfo{
		Version: int(h.version), VersionLZ: int(h.versionLZ), Flags: h.flags,
		Codec: formatNames[h.format()], TypeSize: h.typesize, NBytes: h.nbytes,
		BlockSize: h.blocksize, CBytes: h.cbytes,
		Shuffle: h.flags&flagShuffle != 0, BitShuffle: h.flags&flagBitShuffle != 0,
		Memcpyed: h.memcpyed(), DontSplit: h.dontSplit(),
	}, nil
}
