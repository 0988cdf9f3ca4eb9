package codec

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/hsfan/hsfan/hsds/codec/inflate"
	"github.com/klauspost/compress/zlib"
)

// DecodeZlib decodes a complete zlib (RFC 1950) stream, as HDF5's deflate
// filter writes it, and returns the decoded bytes. A stream that decodes to
// more than maxSize bytes, is truncated or fails its checksum is an error;
// memory use is bounded by maxSize.
//
// The result is written to dst's backing array when cap(dst) >= maxSize
// (for maxSize above inflateDirectMax: when it holds the output), otherwise
// to a new slice.
//
// Up to inflateDirectMax bytes (or when cap(dst) >= maxSize) it decodes with
// hsds/codec/inflate into a buffer of maxSize bytes (HDF5 deflate chunks:
// maxSize is the chunk size); larger bounds stream through klauspost's zlib,
// growing the output as it comes.
func DecodeZlib(dst, src []byte, maxSize int) ([]byte, error) {
	if maxSize < 0 {
		return nil, fmt.Errorf("zlib decode: negative maxSize %d", maxSize)
	}
	if maxSize <= inflateDirectMax || cap(dst) >= maxSize {
		out := dst[:0]
		if cap(out) < maxSize {
			out = make([]byte, maxSize)
		}
		out = out[:maxSize]
		d := inflaters.Get().(*inflate.Decoder)
		defer inflaters.Put(d)
		n, _, err := d.DecodeZlib(out, src)
		if errors.Is(err, inflate.ErrShortOutput) {
			return nil, fmt.Errorf("zlib decode: stream decodes to more than %d bytes", maxSize)
		}
		if err != nil {
			return nil, fmt.Errorf("zlib decode: %w", err)
		}
		return out[:n], nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("zlib decode: %w", err)
	}
	defer zr.Close()
	out := dst[:0]
	if cap(out) > maxSize {
		out = out[:0:maxSize]
	}
	for {
		if len(out) == cap(out) {
			if len(out) >= maxSize {
				// Full: the stream must end here.
				var one [1]byte
				n, err := zr.Read(one[:])
				if n > 0 {
					return nil, fmt.Errorf("zlib decode: stream decodes to more than %d bytes", maxSize)
				}
				if errors.Is(err, io.EOF) {
					return out, nil
				}
				if err == nil {
					continue
				}
				return nil, fmt.Errorf("zlib decode: %w", err)
			}
			// Grow geometrically, never beyond maxSize.
			grown := make([]byte, len(out), min(max(2*cap(out), 64<<10), maxSize))
			copy(grown, out)
			out = grown
		}
		n, err := zr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("zlib decode: %w", err)
		}
	}
}

// inflateDirectMax is the largest maxSize DecodeZlib allocates up front.
const inflateDirectMax = 64 << 20

// encodeZlib compresses src as one zlib stream at the given level (1-9).
func encodeZlib(src []byte, level int) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		return nil, fmt.Errorf("zlib encode: %w", err)
	}
	if _, err := zw.Write(src); err != nil {
		return nil, fmt.Errorf("zlib encode: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zlib encode: %w", err)
	}
	return buf.Bytes(), nil
}
