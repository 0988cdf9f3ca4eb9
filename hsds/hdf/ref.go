package hdf

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// readRefChunk fetches the stored bytes of a chunk of a dataset whose values live inside an HDF5
// file (creationProperties.layout of class H5D_CONTIGUOUS_REF, H5D_CHUNKED_REF or
// H5D_CHUNKED_REF_INDIRECT). It returns store.ErrNotFound for unallocated chunks.
func (d *Dataset) readRefChunk(ctx context.Context, index []int) ([]byte, error) {
	uri, off, n, err := d.refLocation(ctx, index)
	if err != nil {
		return nil, err
	}
	return d.readRange(ctx, uri, off, n)
}

// refLocation returns the file and byte range holding the chunk at index of a reference layout;
// store.ErrNotFound for an unallocated chunk.
func (d *Dataset) refLocation(ctx context.Context, index []int) (string, int64, int64, error) {
	l := d.ref
	switch l.Class {
	case schema.LayoutContiguousRef:
		off := l.Offset
		stride := int64(d.ItemSize)
		for i := len(d.Dims) - 1; i >= 0; i-- {
			off += int64(index[i]) * int64(d.ChunkDims[i]) * stride
			stride *= int64(d.Dims[i])
		}
		end := l.Offset + l.Size
		if l.Size > 0 && off >= end {
			return "", 0, 0, store.ErrNotFound
		}
		n := int64(d.chunkBytes)
		if l.Size > 0 && off+n > end {
			n = end - off
		}
		return l.FileURI, off, n, nil
	case schema.LayoutChunkedRef:
		loc, ok := l.Chunks[schema.IndexString(index)]
		if !ok || loc[1] <= 0 {
			return "", 0, 0, store.ErrNotFound
		}
		return l.FileURI, loc[0], loc[1], nil
	case schema.LayoutChunkedRefIndirect:
		if len(l.HyperDims) > 0 {
			return "", 0, 0, fmt.Errorf("dataset %s: hyper_dims in H5D_CHUNKED_REF_INDIRECT: %w", d.ID, ErrUnsupported)
		}
		off, size, uri, err := d.chunkTableEntry(ctx, index)
		if err != nil {
			return "", 0, 0, err
		}
		if size <= 0 {
			return "", 0, 0, store.ErrNotFound
		}
		if uri == "" {
			uri = l.FileURI
		}
		return uri, off, size, nil
	}
	return "", 0, 0, fmt.Errorf("dataset %s: layout class %q: %w", d.ID, l.Class, ErrUnsupported)
}

func (d *Dataset) readRange(ctx context.Context, uri string, off, n int64) ([]byte, error) {
	bucket, key, err := d.checkRef(uri)
	if err != nil {
		return nil, err
	}
	if n > int64(maxChunkBytes) {
		return nil, fmt.Errorf("dataset %s: referenced chunk of %d bytes is too large", d.ID, n)
	}
	b, err := d.st.GetRange(ctx, bucket, key, off, n)
	if errors.Is(err, store.ErrNotFound) {
		// Not store.ErrNotFound: that would read as fill. A referenced file that is gone (moved,
		// deleted, or behind a symbolic link the store refuses) must not turn into fill values.
		// HSDS 0.9.4 answers fill here (datanode_lib.py getChunk: HTTPNotFound -> 404 -> fill);
		// hsfan refuses instead, so no one averages a missing granule as fill.
		return nil, fmt.Errorf("dataset %s: read %s bytes %d+%d: %v: %w", d.ID, uri, off, n, err, ErrRefMissing)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s bytes %d+%d: %w", uri, off, n, err)
	}
	return b, nil
}

// chunkTableEntry reads (offset, size[, file_uri]) of chunk index from the chunk table dataset,
// positionally as HSDS does: field 0 is the int64 offset, field 1 the int32 size.
func (d *Dataset) chunkTableEntry(ctx context.Context, index []int) (int64, int64, string, error) {
	table, err := d.chunkTable(ctx)
	if err != nil {
		return 0, 0, "", err
	}
	if len(table.Dims) != len(index) {
		return 0, 0, "", fmt.Errorf("dataset %s: chunk table rank %d != %d", d.ID, len(table.Dims), len(index))
	}
	// The element index inside the table is the chunk index itself.
	cidx := make([]int, len(index))
	within := 0
	for i := range index {
		if index[i] >= table.Dims[i] {
			return 0, 0, "", store.ErrNotFound
		}
		cidx[i] = index[i] / table.ChunkDims[i]
		within = within*table.ChunkDims[i] + index[i]%table.ChunkDims[i]
	}
	chunk, err := d.tableChunk(ctx, table, cidx)
	if err != nil {
		return 0, 0, "", err
	}
	elem := chunk[within*table.ItemSize : (within+1)*table.ItemSize]
	if len(elem) < 12 {
		return 0, 0, "", fmt.Errorf("dataset %s: chunk table element of %d bytes, want at least 12", d.ID, len(elem))
	}
	off := int64(binary.LittleEndian.Uint64(elem[0:8]))
	size := int64(int32(binary.LittleEndian.Uint32(elem[8:12])))
	// A third field is the chunk's own file_uri (HSDS dset_lib.getChunkLocations: item[2],
	// used when the layout has none); read here when it is a fixed-length string (hsfan index
	// --concat writes it so; variable-length tables are refused by ReadChunk above).
	uri := ""
	if fields := table.Type.Fields(); len(fields) >= 3 && fields[2].Type.Class() == h5type.ClassString &&
		!fields[2].Type.IsVariable() && fields[2].Offset >= 12 && fields[2].Offset+fields[2].Type.Size() <= len(elem) {
		b := elem[fields[2].Offset : fields[2].Offset+fields[2].Type.Size()]
		uri = strings.TrimRight(string(bytes.TrimRight(b, "\x00")), " ")
	}
	return off, size, uri, nil
}

// maxTableMemo bounds the decoded table chunks a tableMemo keeps: 64 MiB holds the offsets and
// sizes of over five million chunks; beyond it chunks are read each time.
const maxTableMemo = 64 << 20

// tableMemo is the chunk table of a reference layout kept by a Dataset (DatasetOptions.TableMemo).
type tableMemo struct {
	load   singleflight.Group // one read of the table object and of each table chunk at a time
	mu     sync.Mutex
	table  *Dataset
	chunks map[string][]byte // decoded table chunks by chunk index string; never modified
	bytes  int64
}

// chunkTable opens the chunk table dataset of an H5D_CHUNKED_REF_INDIRECT layout, once per
// Dataset with a memo.
func (d *Dataset) chunkTable(ctx context.Context) (*Dataset, error) {
	m := d.tables
	if m == nil {
		return d.openChunkTable(ctx)
	}
	m.mu.Lock()
	t := m.table
	m.mu.Unlock()
	if t != nil {
		return t, nil
	}
	v, err, _ := m.load.Do("\x00table", func() (any, error) {
		t, err := d.openChunkTable(ctx)
		if err == nil {
			m.mu.Lock()
			m.table = t
			m.mu.Unlock()
		}
		return t, err
	})
	if err != nil {
		return nil, err
	}
	return v.(*Dataset), nil
}

func (d *Dataset) openChunkTable(ctx context.Context) (*Dataset, error) {
	key, err := schema.ObjectKey(d.ref.ChunkTable)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: chunk_table: %w", d.ID, err)
	}
	b, _, err := d.st.Get(ctx, d.bucket, key)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: chunk table %s: %w", d.ID, d.ref.ChunkTable, err)
	}
	var obj schema.Dataset
	if err := decodeStored(d.ref.ChunkTable, key, b, &obj); err != nil {
		return nil, fmt.Errorf("dataset %s: chunk table: %w", d.ID, err)
	}
	table, err := d.Sibling(&obj)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: chunk table: %w", d.ID, err)
	}
	return table, nil
}

// tableChunk reads the decoded chunk cidx of the chunk table, through d's memo when it has one.
func (d *Dataset) tableChunk(ctx context.Context, table *Dataset, cidx []int) ([]byte, error) {
	m := d.tables
	if m == nil {
		chunk, _, err := table.ReadChunk(ctx, cidx, nil)
		return chunk, err
	}
	key := schema.IndexString(cidx)
	m.mu.Lock()
	chunk, ok := m.chunks[key]
	m.mu.Unlock()
	if ok {
		return chunk, nil
	}
	v, err, _ := m.load.Do(key, func() (any, error) {
		chunk, _, err := table.ReadChunk(ctx, cidx, nil)
		if err != nil {
			return nil, err
		}
		m.mu.Lock()
		if _, ok := m.chunks[key]; !ok && m.bytes+int64(len(chunk)) <= maxTableMemo {
			m.chunks[key] = chunk
			m.bytes += int64(len(chunk))
		}
		m.mu.Unlock()
		return chunk, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}
