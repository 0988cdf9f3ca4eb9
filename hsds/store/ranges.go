package store

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Range is a byte range of an object: Len bytes from Off.
type Range struct{ Off, Len int64 }

// RangesReader is implemented by stores that read several ranges of one object for the price
// of one open (the POSIX store). hdf reads the few bytes a selection needs of an uncompressed
// chunk this way instead of the whole chunk.
type RangesReader interface {
	// ReadRanges reads every range of the object at key into dst, one after the other (dst
	// is the sum of the lengths long). A missing object is ErrNotFound; an object ending
	// before a range does is io.ErrUnexpectedEOF; an object rewritten in place during the
	// read is ErrChanged (read again).
	ReadRanges(ctx context.Context, bucket, key string, ranges []Range, dst []byte) error
}

// ReadRanges implements RangesReader: one open, one ReadAt per range.
func (p *Posix) ReadRanges(ctx context.Context, bucket, key string, ranges []Range, dst []byte) error {
	if err := begin(ctx, "read ranges", bucket, key); err != nil {
		return err
	}
	f, fi, err := p.open("read ranges", bucket, key)
	if err != nil {
		return err
	}
	defer f.Close()
	var o int64
	for _, r := range ranges {
		if r.Off < 0 || r.Len < 0 || o+r.Len > int64(len(dst)) {
			return fmt.Errorf("read ranges %s/%s: %w", bucket, key, ErrInvalidRange)
		}
		if _, err := f.ReadAt(dst[o:o+r.Len], r.Off); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("read ranges %s/%s [%d,%d): %w", bucket, key, r.Off, r.Off+r.Len, err)
		}
		o += r.Len
	}
	if err := unchanged(f, versionOf(fi), true); err != nil {
		return fmt.Errorf("read ranges %s/%s: %w", bucket, key, err)
	}
	return nil
}
