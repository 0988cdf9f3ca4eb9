package hdf

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// ChunkRead describes one chunk read.
type ChunkRead struct {
	// Exists is false when the chunk was never written (the data is the fill value).
	Exists bool
	// StoredBytes is the number of bytes fetched from the store.
	StoredBytes int64
}

// ReadChunk returns the decoded bytes of the chunk at index (a full chunk, ChunkBytes long, C
// order), reusing buf when it is large enough. Chunks that do not exist read as the fill value.
//
// A chunk being rewritten in place while it is read (by HSDS on a shared POSIX store) is read
// again, and is ErrRewriting if it keeps changing (rewrite.go); one whose stored bytes are
// stable and do not decode is ErrCorrupt.
func (d *Dataset) ReadChunk(ctx context.Context, index []int, buf []byte) ([]byte, ChunkRead, error) {
	if d.ref != nil {
		raw, rd, err := d.FetchChunk(ctx, index)
		if err != nil {
			return nil, rd, err
		}
		out, err := d.DecodeChunk(index, raw, rd.Exists, buf)
		return out, rd, err
	}
	var rd ChunkRead
	if err := d.checkIndex(index); err != nil {
		return nil, rd, err
	}
	var out []byte
	found, stored, err := d.readStable(ctx, index, func(raw []byte, _ string) error {
		var err error
		out, err = d.DecodeChunk(index, raw, true, buf)
		return err
	})
	switch {
	case err != nil:
		return nil, rd, err
	case !found:
		out, err = d.DecodeChunk(index, nil, false, buf)
		return out, rd, err
	}
	rd.Exists, rd.StoredBytes = true, stored
	return out, rd, nil
}

// FetchChunk returns the stored bytes of the chunk at index, undecoded; rd.Exists is false (and
// raw nil) for a chunk that was never written. A chunk rewritten in place during the read is
// read again (ErrRewriting when it keeps changing: rewrite.go); a chunk caught between the
// truncation and the write of a rewrite is returned as read (empty or short) and fails to
// decode: ReadChunk, which decodes, reads it again.
func (d *Dataset) FetchChunk(ctx context.Context, index []int) ([]byte, ChunkRead, error) {
	var rd ChunkRead
	if err := d.checkIndex(index); err != nil {
		return nil, rd, err
	}
	var (
		raw []byte
		err error
	)
	if d.ref != nil {
		raw, err = d.readRefChunk(ctx, index)
	} else {
		var found bool
		found, _, err = d.readStable(ctx, index, func(b []byte, _ string) error {
			raw = b
			return nil
		})
		if err == nil && !found {
			err = store.ErrNotFound
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, rd, nil
	case err != nil:
		return nil, rd, err
	}
	rd.Exists, rd.StoredBytes = true, int64(len(raw))
	return raw, rd, nil
}

// DecodeChunk turns the stored bytes of a chunk (from FetchChunk) into ChunkBytes decoded bytes,
// reusing buf when it is large enough; a chunk that does not exist decodes to the fill value.
func (d *Dataset) DecodeChunk(index []int, raw []byte, exists bool, buf []byte) ([]byte, error) {
	if cap(buf) < d.chunkBytes {
		buf = make([]byte, d.chunkBytes)
	}
	buf = buf[:d.chunkBytes]
	if !exists {
		d.fillChunk(index, buf)
		return buf, nil
	}
	if d.ref != nil && d.ref.Class == schema.LayoutContiguousRef {
		// Contiguous data is stored raw; a short read at end of file is zero padded.
		n := copy(buf, raw)
		clear(buf[n:])
		return buf, nil
	}
	out, err := d.Pipeline.Decode(buf[:0], raw, d.chunkBytes)
	if err != nil {
		return nil, d.decodeError(index, err)
	}
	return out, nil
}

// decodeChunk is DecodeChunk, and with need (see readChunkCached) codec.Pipeline.DecodePlanes:
// only the parts need names are decoded where the format allows, and a byte-shuffled chunk
// keeps its shuffled layout (shuffled reports it).
func (d *Dataset) decodeChunk(index []int, raw []byte, exists bool, buf []byte, need func(start, end int) bool) (out []byte, shuffled bool, err error) {
	if need == nil || !exists || (d.ref != nil && d.ref.Class == schema.LayoutContiguousRef) {
		out, err := d.DecodeChunk(index, raw, exists, buf)
		return out, false, err
	}
	if cap(buf) < d.chunkBytes {
		buf = make([]byte, d.chunkBytes)
	}
	out, shuffled, err = d.Pipeline.DecodePlanes(buf[:0], raw, d.chunkBytes, need)
	if err != nil {
		return nil, false, d.decodeError(index, err)
	}
	return out, shuffled, nil
}

// decodeError wraps a chunk decoding error with ErrCorrupt, the chunk index, the dataset id and
// the chunk's storage key (codec.ErrLegacyShuffle stays matchable with errors.Is).
func (d *Dataset) decodeError(index []int, err error) error {
	var key string
	if d.ref == nil {
		key = d.ChunkKey(index)
	} else {
		key = "(inside the " + d.ref.Class + " file)"
	}
	return fmt.Errorf("%w %s of dataset %s, key %s: %w", ErrCorrupt, schema.IndexString(index), d.ID, key, err)
}

// WriteChunk encodes a full chunk (ChunkBytes long) and stores it unconditionally: a complete
// overwrite, last writer wins. Partial updates go through Write, which is conditional.
func (d *Dataset) WriteChunk(ctx context.Context, index []int, data []byte) error {
	if err := d.checkWritable(index, data); err != nil {
		return err
	}
	enc, err := d.Pipeline.Encode(nil, data)
	if err != nil {
		return fmt.Errorf("encode chunk %s of dataset %s: %w", schema.IndexString(index), d.ID, err)
	}
	key := d.ChunkKey(index)
	if _, err := d.st.Put(ctx, d.bucket, key, enc, store.PutOptions{}); err != nil {
		return fmt.Errorf("write chunk %s: %w", key, err)
	}
	return nil
}

// UpdateChunk applies fn to the decoded chunk at index (the fill value when it does not exist)
// and stores the result with a conditional put, retrying when another writer got there first.
// Concurrent updates of one chunk are serialised: none is lost.
func (d *Dataset) UpdateChunk(ctx context.Context, index []int, fn func(chunk []byte) error) error {
	if err := d.checkWritableIndex(index); err != nil {
		return err
	}
	return d.updateChunk(ctx, index, fn)
}

// updateChunk is UpdateChunk without the index check (clearBeyond resets chunks beyond the
// current extent).
func (d *Dataset) updateChunk(ctx context.Context, index []int, fn func(chunk []byte) error) error {
	key := d.ChunkKey(index)
	_, err := store.Update(ctx, d.st, d.bucket, key, func(old []byte, exists bool) ([]byte, error) {
		buf := make([]byte, d.chunkBytes)
		if exists {
			out, err := d.Pipeline.Decode(buf[:0], old, d.chunkBytes)
			if err != nil {
				return nil, d.decodeError(index, err)
			}
			buf = out
		} else {
			d.fillChunk(index, buf)
		}
		if err := fn(buf); err != nil {
			return nil, err
		}
		return d.Pipeline.Encode(nil, buf)
	})
	if err != nil {
		return fmt.Errorf("update chunk %s: %w", key, err)
	}
	return nil
}

func (d *Dataset) checkWritable(index []int, data []byte) error {
	if err := d.checkWritableIndex(index); err != nil {
		return err
	}
	if len(data) != d.chunkBytes {
		return fmt.Errorf("dataset %s: chunk data of %d bytes, want %d", d.ID, len(data), d.chunkBytes)
	}
	return nil
}

func (d *Dataset) checkWritableIndex(index []int) error {
	if d.ref != nil {
		return fmt.Errorf("write to dataset %s with %s layout: %w", d.ID, d.ref.Class, ErrUnsupported)
	}
	return d.checkIndex(index)
}

// checkIndex verifies that index is a chunk index inside the dataset's chunk grid.
func (d *Dataset) checkIndex(index []int) error {
	if len(d.Dims) == 0 {
		if len(index) > 1 || len(index) == 1 && index[0] != 0 {
			return fmt.Errorf("dataset %s is scalar: chunk index %v", d.ID, index)
		}
		return nil
	}
	if len(index) != len(d.Dims) {
		return fmt.Errorf("dataset %s: chunk index %v has rank %d, want %d", d.ID, index, len(index), len(d.Dims))
	}
	for i, c := range index {
		n := (d.Dims[i] + d.ChunkDims[i] - 1) / d.ChunkDims[i]
		if d.Obj.Shape.IsExtensible() && n == 0 {
			n = 1
		}
		if c < 0 || c >= n && !(d.Dims[i] == 0 && c == 0) {
			return fmt.Errorf("dataset %s: chunk index %v out of range (grid %d in dimension %d)", d.ID, index, n, i)
		}
	}
	return nil
}

// splitFileURI maps a reference layout's file_uri to (bucket, key): "s3://bucket/key" or
// "bucket/path" (resolved by the dataset's own store, as HSDS's default driver does).
func (d *Dataset) splitFileURI(uri string) (string, string, error) {
	u := strings.TrimPrefix(uri, "s3://")
	u = strings.TrimPrefix(u, "file://")
	u = strings.TrimPrefix(u, "/")
	i := strings.IndexByte(u, '/')
	if i <= 0 || i == len(u)-1 {
		return "", "", fmt.Errorf("dataset %s: file_uri %q: want s3://bucket/key or bucket/path", d.ID, uri)
	}
	return u[:i], u[i+1:], nil
}
