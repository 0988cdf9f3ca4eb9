package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zlib"
)

// DecodeZlib decodes a complete zlib (RFC 1950) stream, as HDF5's deflate
// filter writes it, and returns the decoded bytes. A stream that decodes to
// more than maxSize bytes, is truncated or fails its checksum is an error;
// memory use is bounded by maxSize.
//
// The result is written to dst's backing array when it is large enough,
// otherwise to a new slice.
func DecodeZlib(dst, src []byte, maxSize int) ([]byte, error) {
	if maxSize < 0 {
		return nil, fmt.Errorf("zlib decode: negative maxSize %d", maxSize)
	}
	zs, err := openZlib(src)
	if err != nil {
		return nil, fmt.Errorf("zlib decode: %w", err)
	}
	defer zs.close()
	zr := zs.fr
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
					return zlibEnd(zs, out)
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
			return zlibEnd(zs, out)
		}
		if err != nil {
			return nil, fmt.Errorf("zlib decode: %w", err)
		}
	}
}

// zlibEnd checks the checksum after the deflate data of zs against out.
func zlibEnd(zs *zlibStream, out []byte) ([]byte, error) {
	if err := zs.verify(out); err != nil {
		return nil, fmt.Errorf("zlib decode: %w", err)
	}
	return out, nil
}

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

// zlibStream is a zlib (RFC 1950) stream being inflated: the two-byte header checked, the
// deflate data read by a pooled klauspost flate reader, and the big-endian Adler-32 of the
// decoded bytes after it, checked by verify with adler32Update (the zlib package's reader
// checks it with hash/adler32, about a third of the decode time of HSDS's gzip chunks).
type zlibStream struct {
	br *bytes.Reader
	fr io.ReadCloser
}

// flateReaders recycles flate decompressors (their 32 KiB windows and tables).
var flateReaders sync.Pool

// openZlib checks the zlib header of src (deflate, a window of at most 32 KiB, the FCHECK
// multiple of 31, no preset dictionary) and returns the stream positioned at its deflate data.
func openZlib(src []byte) (*zlibStream, error) {
	if len(src) < 2 {
		return nil, fmt.Errorf("%w: %d bytes", zlib.ErrHeader, len(src))
	}
	cmf, flg := src[0], src[1]
	if cmf&0x0f != 8 || cmf>>4 > 7 || (uint16(cmf)<<8|uint16(flg))%31 != 0 {
		return nil, zlib.ErrHeader
	}
	if flg&0x20 != 0 {
		return nil, zlib.ErrDictionary
	}
	zs := &zlibStream{br: bytes.NewReader(src[2:])}
	if v := flateReaders.Get(); v != nil {
		zs.fr = v.(io.ReadCloser)
		if err := zs.fr.(flate.Resetter).Reset(zs.br, nil); err != nil {
			return nil, err
		}
	} else {
		// A bytes.Reader is an io.ByteReader, so flate reads no byte past the deflate data:
		// the checksum is left in br.
		zs.fr = flate.NewReader(zs.br)
	}
	return zs, nil
}

// verify reads the stream's Adler-32 after the deflate data (which must have been read to its
// end) and checks it against decoded, all the bytes the stream decoded to.
func (zs *zlibStream) verify(decoded []byte) error {
	var sum [4]byte
	if _, err := io.ReadFull(zs.br, sum[:]); err != nil {
		return fmt.Errorf("zlib checksum: %w", io.ErrUnexpectedEOF)
	}
	if binary.BigEndian.Uint32(sum[:]) != adler32Update(1, decoded) {
		return zlib.ErrChecksum
	}
	return nil
}

func (zs *zlibStream) close() { flateReaders.Put(zs.fr) }
