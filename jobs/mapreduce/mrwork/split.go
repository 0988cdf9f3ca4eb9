package mrwork

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hsfan/hsfan/hsds/store"
)

// RangeReader reads byte ranges of objects (store.Store has this method). When it also
// implements store.RangesReader (the POSIX store), splits are read into one reused buffer.
type RangeReader interface {
	GetRange(ctx context.Context, bucket, key string, offset, length int64) ([]byte, error)
}

// DefaultBlockSize is the size of the ranged reads of a split.
const DefaultBlockSize = 8 << 20

// Split is a byte range [Offset, Offset+Length) of an object of Size bytes.
type Split struct {
	Store  string `json:"store,omitempty"`
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	Offset int64  `json:"offset"`
	Length int64  `json:"length"`
	Size   int64  `json:"size"`
}

func (s Split) String() string {
	return fmt.Sprintf("%s/%s bytes [%d,%d)", s.Bucket, s.Key, s.Offset, s.Offset+s.Length)
}

// ReadSplit calls fn for every record of the split: the lines that start inside [Offset,
// Offset+Length) (a line starts at byte 0 or after a '\n'), read to their end even past the
// split, without the '\n' and a '\r' before it; a last line without a newline is a record;
// empty lines are skipped. off is the record's byte offset in the object. The slice is valid
// during the call only. It returns the bytes read.
func ReadSplit(ctx context.Context, rr RangeReader, s Split, block int, fn func(rec []byte, off int64) error) (int64, error) {
	if block <= 0 {
		block = DefaultBlockSize
	}
	end := s.Offset + s.Length
	if s.Offset < 0 || s.Length < 0 || end > s.Size {
		return 0, fmt.Errorf("split %s: outside the object's %d bytes", s, s.Size)
	}
	var read int64
	pos := s.Offset // object offset of buf[0]
	if s.Offset > 0 {
		pos-- // the byte before the split says whether a line starts at Offset
	}
	var buf []byte
	eof := false
	into, _ := rr.(store.RangesReader)
	fill := func() error {
		if pos+int64(len(buf)) >= s.Size {
			eof = true
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		at := pos + int64(len(buf))
		n := min(int64(block), s.Size-at)
		if into == nil {
			b, err := rr.GetRange(ctx, s.Bucket, s.Key, at, n)
			if err != nil {
				return fmt.Errorf("read %s/%s [%d,%d): %w", s.Bucket, s.Key, at, at+n, err)
			}
			if int64(len(b)) != n {
				return fmt.Errorf("read %s/%s [%d,%d): got %d bytes: the object changed during the job", s.Bucket, s.Key, at, at+n, len(b))
			}
			if len(buf) == 0 {
				buf = b // no copy
			} else {
				buf = append(buf, b...)
			}
		} else {
			// Read straight into the buffer, reused from block to block.
			l := len(buf)
			if int64(cap(buf)-l) < n {
				// Room for a block and the start of a record carried over from the last one.
				nb := make([]byte, l, max(l+int(n), block+block/8))
				copy(nb, buf)
				buf = nb
			}
			buf = buf[:l+int(n)]
			if err := into.ReadRanges(ctx, s.Bucket, s.Key, []store.Range{{Off: at, Len: n}}, buf[l:]); err != nil {
				if errors.Is(err, io.ErrUnexpectedEOF) {
					return fmt.Errorf("read %s/%s [%d,%d): the object changed during the job: %w", s.Bucket, s.Key, at, at+n, err)
				}
				return fmt.Errorf("read %s/%s [%d,%d): %w", s.Bucket, s.Key, at, at+n, err)
			}
		}
		read += n
		if pos+int64(len(buf)) >= s.Size {
			eof = true
		}
		return nil
	}
	i := 0 // index in buf of the next record start
	if s.Offset > 0 {
		// Skip to the first line start at or after Offset.
		for {
			j := bytes.IndexByte(buf[i:], '\n')
			if j >= 0 {
				i += j + 1
				break
			}
			i = len(buf)
			if eof || pos+int64(i) >= end {
				break
			}
			if err := fill(); err != nil {
				return read, err
			}
		}
	}
	for {
		start := pos + int64(i)
		if start >= end {
			return read, nil
		}
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 && !eof {
			// The record continues past the buffer: keep its start, read on.
			if i > 0 {
				if into != nil {
					// Move the record's start to the front of the reused buffer.
					n := copy(buf, buf[i:])
					buf = buf[:n]
				} else {
					// buf may be the store's own slice: copy the start out.
					rest := make([]byte, len(buf)-i, max(len(buf)-i+block, 2*(len(buf)-i)))
					copy(rest, buf[i:])
					buf = rest
				}
				pos += int64(i)
				i = 0
			}
			if err := fill(); err != nil {
				return read, err
			}
			continue
		}
		var rec []byte
		if j < 0 {
			if i >= len(buf) {
				return read, nil // end of the object
			}
			rec, i = buf[i:], len(buf)
		} else {
			rec, i = buf[i:i+j], i+j+1
		}
		if n := len(rec); n > 0 && rec[n-1] == '\r' {
			rec = rec[:n-1]
		}
		if len(rec) == 0 {
			continue
		}
		if err := fn(rec, start); err != nil {
			return read, err
		}
	}
}
