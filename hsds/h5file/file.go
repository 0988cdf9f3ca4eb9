package h5file

import (
	"bytes"
	"context"
	"fmt"
)

var signature = []byte("\x89HDF\r\n\x1a\n")

// Limits on what one file may claim; more is a format error (never a giant allocation).
const (
	maxObjects = 100000 // objects (groups + datasets) in one file
	maxDepth   = 64     // group nesting and B-tree depth
	maxChunks  = 1 << 21
	// workBudget bounds the structures (nodes, entries, links, chunks, heap look-ups) one File
	// decodes in all, so that shared or cyclic structures cannot multiply the work.
	workBudget      = 1 << 23
	maxRank         = 32
	maxMessages     = 1 << 16
	maxHeaderBlocks = 4096
)

// File is an opened HDF5 file: its superblock facts and a metadata cache.
type File struct {
	Name        string // for errors: the file's URL or path
	Superblock  int    // superblock version
	SizeOffsets int
	SizeLengths int
	Base        uint64 // base address: every address is relative to it
	RootAddr    uint64 // object header address of the root group

	c          *cache
	rootSymTab *symTab // v0/v1: the root's cached symbol table (scratch pad), if any
	nobjects   int
	work       int
	gheaps     map[uint64][]byte // global heap collections read so far
}

// spend charges n units of work and fails once the file's budget is used up.
func (f *File) spend(n int) error {
	f.work += n
	if f.work > workBudget {
		return fmt.Errorf("more than %d metadata structures decoded (loops or amplification): %w", workBudget, ErrFormat)
	}
	return nil
}

// Stats are the bytes and ranged reads made so far.
func (f *File) Stats() (bytesRead int64, reads int) {
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	return f.c.Bytes, f.c.Reads
}

// Open reads the superblock of src. name is used in errors.
func Open(ctx context.Context, src Source, name string) (*File, error) {
	f := &File{Name: name, c: newCache(src), gheaps: map[uint64][]byte{}}
	if err := f.superblock(ctx); err != nil {
		return nil, fmt.Errorf("%s: superblock: %w", name, err)
	}
	return f, nil
}

func (f *File) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{f.Name}, args...)...)
}

func (f *File) superblock(ctx context.Context) error {
	size := f.c.src.Size()
	var at int64 = -1
	for off := int64(0); off+8 <= size; off = nextSigOffset(off) {
		b, err := f.c.read(ctx, off, 8)
		if err != nil {
			return err
		}
		if bytes.Equal(b, signature) {
			at = off
			break
		}
	}
	if at < 0 {
		return fmt.Errorf("no HDF5 signature (not an HDF5/netCDF-4 file): %w", ErrFormat)
	}
	hdr, err := f.c.read(ctx, at, min(size-at, 256))
	if err != nil {
		return err
	}
	c := &cursor{b: hdr, p: 8}
	f.Superblock = int(c.u8())
	switch f.Superblock {
	case 0, 1:
		c.skip(4) // free-space, root symtab, reserved, shared header versions
		f.SizeOffsets = int(c.u8())
		f.SizeLengths = int(c.u8())
		c.skip(1)
		c.skip(4) // group leaf K, internal K
		c.skip(4) // consistency flags
		if f.Superblock == 1 {
			c.skip(4)
		}
		if err := f.checkSizes(); err != nil {
			return err
		}
		f.Base = c.uint(f.SizeOffsets)
		c.skip(3 * f.SizeOffsets) // free space, EOF, driver info
		// Root group symbol table entry.
		c.skip(f.SizeOffsets) // link name offset
		f.RootAddr = c.uint(f.SizeOffsets)
		cacheType := c.u32()
		c.skip(4)
		scratch := c.bytes(16)
		if cacheType == 1 && c.err == nil {
			sc := &cursor{b: scratch}
			f.rootSymTab = &symTab{btree: sc.uint(f.SizeOffsets), heap: sc.uint(f.SizeOffsets)}
		}
	case 2, 3:
		f.SizeOffsets = int(c.u8())
		f.SizeLengths = int(c.u8())
		c.skip(1) // flags
		if err := f.checkSizes(); err != nil {
			return err
		}
		f.Base = c.uint(f.SizeOffsets)
		c.skip(2 * f.SizeOffsets) // extension, EOF
		f.RootAddr = c.uint(f.SizeOffsets)
	default:
		return fmt.Errorf("superblock version %d: %w", f.Superblock, ErrUnsupported)
	}
	if c.err != nil {
		return c.err
	}
	if f.Base > uint64(size) {
		return fmt.Errorf("base address %d beyond file size %d: %w", f.Base, size, ErrFormat)
	}
	// A base address that is not where the signature was found (user block) is honoured.
	return nil
}

func nextSigOffset(off int64) int64 {
	if off == 0 {
		return 512
	}
	return off * 2
}

func (f *File) checkSizes() error {
	ok := func(n int) bool { return n == 2 || n == 4 || n == 8 }
	if !ok(f.SizeOffsets) || !ok(f.SizeLengths) {
		return fmt.Errorf("size of offsets %d / lengths %d (want 2, 4 or 8): %w", f.SizeOffsets, f.SizeLengths, ErrFormat)
	}
	return nil
}

// read reads n bytes at file address addr (relative to the base address).
func (f *File) read(ctx context.Context, addr uint64, n int64) ([]byte, error) {
	if addr == undef(f.SizeOffsets) {
		return nil, fmt.Errorf("undefined address: %w", ErrFormat)
	}
	abs := addr + f.Base
	if abs < addr || abs > uint64(f.c.src.Size()) {
		return nil, fmt.Errorf("address %d beyond file size %d: %w", addr, f.c.src.Size(), ErrFormat)
	}
	return f.c.read(ctx, int64(abs), n)
}

// readUpTo reads at most n bytes at addr, fewer at the end of the file.
func (f *File) readUpTo(ctx context.Context, addr uint64, n int64) ([]byte, error) {
	abs := addr + f.Base
	size := uint64(f.c.src.Size())
	if addr == undef(f.SizeOffsets) || abs < addr || abs > size {
		return nil, fmt.Errorf("address %d beyond file size %d: %w", addr, size, ErrFormat)
	}
	if uint64(n) > size-abs {
		n = int64(size - abs)
	}
	return f.c.read(ctx, int64(abs), n)
}

// AbsOffset converts a file address to a byte offset in the file (adds the base address).
func (f *File) AbsOffset(addr uint64) int64 { return int64(addr + f.Base) }
