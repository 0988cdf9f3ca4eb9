// Package codec encodes and decodes HSDS chunk bytes in pure Go.
//
// HSDS (HDF5 as a service) stores compressed chunks as c-blosc 1.x frames,
// even for gzip, which it writes as a blosc frame with the zlib codec. Chunks
// of HDF5 files linked into HSDS are plain zlib streams (RFC 1950). Byte
// shuffle is the HDF5 shuffle filter applied outside of blosc.
//
// The package provides:
//
//   - BloscDecode / BloscEncode / IsBloscFrame: c-blosc 1.x frames with the
//     blosclz, lz4, lz4hc, snappy, zlib and zstd codecs, byte shuffle and
//     bitshuffle, split and non-split blocks and memcpyed frames.
//   - Shuffle / Unshuffle: the HDF5 byte shuffle filter.
//   - DecodeZlib: plain zlib streams with a bound on the decoded size.
//   - Pipeline: the HSDS filter pipeline of a dataset (compressor, level,
//     shuffle, item size) for reading and writing chunk bytes.
//
// Every decoder treats its input as untrusted: sizes read from headers are
// checked against the caller's bound before anything is allocated, and
// malformed input yields an error, never a panic.
package codec
