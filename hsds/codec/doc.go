// Package codec encodes and decodes HSDS chunk bytes in pure Go, with the semantics of HSDS
// 0.9.4's hsds/util/storUtil.py _compress and _uncompress.
//
// HSDS stores compressed chunks as c-blosc 1.x frames, even for gzip, which it writes as a blosc
// frame with the zlib codec. Once a frame decodes, its bytes are the chunk's values: blosc undoes
// its own shuffle (header flag 0x01 with the header's typesize, or 0x04 bitshuffle) and no HDF5
// unshuffle follows, whatever the dataset's filters say (_uncompress sets shuffle = 0 after a
// blosc decode). HSDS writes typesize-1 frames with the shuffle flag set, so nothing is actually
// shuffled; Pipeline.Encode writes frames that blosc really shuffles with typesize = item size,
// which compress better and which HSDS reads the same way. Chunks of HDF5 files linked into HSDS
// (the *_REF layouts) are plain zlib streams (RFC 1950), HDF5-unshuffled after inflating when the
// dataset has the shuffle filter.
//
// Chunks that hsfan wrote before it followed these semantics (HDF5-shuffled bytes inside a
// typesize-1 frame without blosc's shuffle flag) are refused with ErrLegacyShuffle;
// Pipeline.DecodeLegacyShuffle reads them for `hsfan repack`.
//
// The package provides:
//
//   - BloscDecode / BloscEncode / IsBloscFrame / BloscInfo: c-blosc 1.x frames with the
//     blosclz, lz4, lz4hc, snappy, zlib and zstd codecs, byte shuffle and bitshuffle, split and
//     non-split blocks and memcpyed frames. BloscEncode writes the header c-blosc 1.21 writes for
//     the same parameters (flags, typesize, block size, memcpyed or not; checked against numcodecs
//     by TestGoFramesDecodeInC); the compressed streams themselves come from Go codecs.
//   - Shuffle / Unshuffle: the HDF5 byte shuffle filter.
//   - DecodeZlib: plain zlib streams with a bound on the decoded size.
//   - zlib streams (blosc's zlib codec and DecodeZlib up to 64 MiB) are decoded by the
//     subpackage inflate, specialised for a known decoded size (klauspost/compress only for
//     larger bounds and for encoding).
//   - Pipeline: the HSDS filter pipeline of a dataset (compressor, level, shuffle, item size)
//     for reading and writing chunk bytes.
//
// Every decoder treats its input as untrusted: sizes read from headers are checked against the
// caller's bound before anything is allocated, and malformed input yields an error, never a
// panic.
package codec
