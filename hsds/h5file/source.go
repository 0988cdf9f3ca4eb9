package h5file

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrUnsupported marks HDF5 features this package recognises but does not read.
var ErrUnsupported = errors.New("unsupported HDF5 feature")

// ErrFormat marks malformed or inconsistent HDF5 metadata.
var ErrFormat = errors.New("malformed HDF5 metadata")

// MaxMetadataRead bounds one metadata structure read (bytes): larger claims are format errors.
const MaxMetadataRead = 64 << 20

// Source gives ranged reads of one file. ReadRange returns exactly n bytes at off or an error.
type Source interface {
	ReadRange(ctx context.Context, off, n int64) ([]byte, error)
	Size() int64
}

// BytesSource is a Source over a byte slice (tests, fuzzing, small files).
type BytesSource []byte

// ReadRange implements Source.
func (b BytesSource) ReadRange(_ context.Context, off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > int64(len(b)) || n > int64(len(b))-off {
		return nil, fmt.Errorf("read %d+%d beyond end of %d-byte file: %w", off, n, len(b), ErrFormat)
	}
	return b[off : off+n], nil
}

// Size implements Source.
func (b BytesSource) Size() int64 { return int64(len(b)) }

// blockSize is the granularity of the metadata cache: metadata lies in small scattered
// structures, so reads are rounded out to blocks and kept.
const blockSize = 16 << 10

// cache wraps a Source with a block cache so that reading many small structures costs few
// ranged reads. Bytes counts the bytes fetched from the Source.
type cache struct {
	src    Source
	mu     sync.Mutex
	blocks map[int64][]byte
	Bytes  int64
	Reads  int
}

func newCache(src Source) *cache { return &cache{src: src, blocks: map[int64][]byte{}} }

// read returns n bytes at off, bounds-checked against the file size.
func (c *cache) read(ctx context.Context, off, n int64) ([]byte, error) {
	size := c.src.Size()
	if off < 0 || n < 0 || n > MaxMetadataRead || off > size || n > size-off {
		return nil, fmt.Errorf("read %d bytes at %d of a %d-byte file: %w", n, off, size, ErrFormat)
	}
	if n == 0 {
		return nil, nil
	}
	first, last := off/blockSize, (off+n-1)/blockSize
	if last-first > 4 {
		// A large structure: read it directly.
		c.mu.Lock()
		c.Bytes += n
		c.Reads++
		c.mu.Unlock()
		return c.src.ReadRange(ctx, off, n)
	}
	out := make([]byte, 0, n)
	for b := first; b <= last; b++ {
		blk, err := c.block(ctx, b, size)
		if err != nil {
			return nil, err
		}
		lo := int64(0)
		if b == first {
			lo = off - b*blockSize
		}
		hi := int64(len(blk))
		if b == last {
			hi = off + n - b*blockSize
		}
		if lo > hi || hi > int64(len(blk)) {
			return nil, fmt.Errorf("short block %d: %w", b, ErrFormat)
		}
		out = append(out, blk[lo:hi]...)
	}
	return out, nil
}

func (c *cache) block(ctx context.Context, b, size int64) ([]byte, error) {
	c.mu.Lock()
	blk, ok := c.blocks[b]
	c.mu.Unlock()
	if ok {
		return blk, nil
	}
	start := b * blockSize
	n := int64(blockSize)
	if start+n > size {
		n = size - start
	}
	blk, err := c.src.ReadRange(ctx, start, n)
	if err != nil {
		return nil, err
	}
	if int64(len(blk)) != n {
		return nil, fmt.Errorf("read %d+%d returned %d bytes: %w", start, n, len(blk), ErrFormat)
	}
	c.mu.Lock()
	c.blocks[b] = blk
	c.Bytes += n
	c.Reads++
	c.mu.Unlock()
	return blk, nil
}

// cursor decodes little-endian fields from a byte slice; the first out-of-bounds read sets err
// and every later read returns zero.
type cursor struct {
	b   []byte
	p   int
	err error
}

func (c *cursor) fail() {
	if c.err == nil {
		c.err = fmt.Errorf("structure truncated at byte %d of %d: %w", c.p, len(c.b), ErrFormat)
	}
}

func (c *cursor) bytes(n int) []byte {
	if c.err != nil || n < 0 || n > len(c.b)-c.p {
		c.fail()
		return nil
	}
	out := c.b[c.p : c.p+n]
	c.p += n
	return out
}

func (c *cursor) skip(n int) { c.bytes(n) }

// uint reads an n-byte (0..8) little-endian unsigned integer.
func (c *cursor) uint(n int) uint64 {
	if n > 8 {
		c.fail()
		return 0
	}
	b := c.bytes(n)
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func (c *cursor) u8() uint8   { return uint8(c.uint(1)) }
func (c *cursor) u16() uint16 { return uint16(c.uint(2)) }
func (c *cursor) u32() uint32 { return uint32(c.uint(4)) }
func (c *cursor) u64() uint64 { return c.uint(8) }

func (c *cursor) left() int { return len(c.b) - c.p }

// undef is the "undefined address" value for an n-byte offset.
func undef(n int) uint64 {
	if n >= 8 {
		return ^uint64(0)
	}
	return (uint64(1) << (8 * n)) - 1
}
