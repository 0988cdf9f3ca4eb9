package hdf

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hsfan/hsfan/hsds/store"
)

// ChunkCache is a bounded cache of decoded chunks shared by every reader it is given to (the
// REST server's requests). An entry is the decoded chunk and the version of the stored object
// it was decoded from; it is used only after the store names the same version again, so a chunk
// rewritten by anyone (this process or another server on the same store), deleted by a resize
// or replaced by a shrink and extend is never served from the cache: the rule is "validated on
// every use". The version is a POSIX store's version token (store.Posix.Version: one stat, no
// read, no hash; see posix_version.go for why it changes on every rewrite) or, on other stores,
// the ETag (S3 answers HEAD with it). Least recently used entries are evicted beyond the byte
// bound.
type ChunkCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	order *list.List // front: most recently used
	m     map[string]*list.Element
}

// versionedStore is a store that names an object's version without hashing it (store.Posix):
// GetVersion returns the bytes and the version they are, taken before the read; Version the
// current one.
type versionedStore interface {
	GetVersion(ctx context.Context, bucket, key string) ([]byte, string, error)
	Version(ctx context.Context, bucket, key string) (string, error)
}

// version returns the current version of the stored object key (see ChunkCache).
func (d *Dataset) version(ctx context.Context, key string) (string, error) {
	if vs, ok := d.st.(versionedStore); ok {
		return vs.Version(ctx, d.bucket, key)
	}
	info, err := d.st.Stat(ctx, d.bucket, key)
	return info.ETag, err
}

// getVersion returns the stored object key and its version (see ChunkCache).
func (d *Dataset) getVersion(ctx context.Context, key string) ([]byte, string, error) {
	if vs, ok := d.st.(versionedStore); ok {
		return vs.GetVersion(ctx, d.bucket, key)
	}
	raw, info, err := d.st.Get(ctx, d.bucket, key)
	return raw, info.ETag, err
}

type cacheEntry struct {
	key, version string
	data         []byte // decoded chunk; never modified once cached
}

// NewChunkCache returns a cache of at most maxBytes of decoded chunks (nil when maxBytes <= 0:
// no caching).
func NewChunkCache(maxBytes int64) *ChunkCache {
	if maxBytes <= 0 {
		return nil
	}
	return &ChunkCache{max: maxBytes, order: list.New(), m: map[string]*list.Element{}}
}

func (c *ChunkCache) lookup(key string) (version string, data []byte, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[key]
	if !ok {
		return "", nil, false
	}
	c.order.MoveToFront(el)
	e := el.Value.(*cacheEntry)
	return e.version, e.data, true
}

func (c *ChunkCache) put(key, version string, data []byte) {
	if version == "" || int64(len(data)) > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		c.size -= int64(len(el.Value.(*cacheEntry).data))
		c.order.Remove(el)
		delete(c.m, key)
	}
	c.m[key] = c.order.PushFront(&cacheEntry{key: key, version: version, data: data})
	c.size += int64(len(data))
	for c.size > c.max {
		el := c.order.Back()
		e := el.Value.(*cacheEntry)
		c.order.Remove(el)
		delete(c.m, e.key)
		c.size -= int64(len(e.data))
	}
}

func (c *ChunkCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		c.size -= int64(len(el.Value.(*cacheEntry).data))
		c.order.Remove(el)
		delete(c.m, key)
	}
}

// Len returns the number of cached chunks and their bytes.
func (c *ChunkCache) Len() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m), c.size
}

// SetChunkCache makes d's reads use c (nil: none). Only chunks stored as objects of their own
// are cached (not chunks inside referenced files).
func (d *Dataset) SetChunkCache(c *ChunkCache) { d.cache = c }

// readChunkCached is ReadChunk through d's cache: the returned chunk may be shared and must
// not be modified.
func (d *Dataset) readChunkCached(ctx context.Context, index []int) ([]byte, ChunkRead, error) {
	if d.cache == nil || d.ref != nil {
		return d.ReadChunk(ctx, index, nil)
	}
	var rd ChunkRead
	if err := d.checkIndex(index); err != nil {
		return nil, rd, err
	}
	key := d.bucket + "/" + d.ChunkKey(index)
	if cached, data, ok := d.cache.lookup(key); ok {
		version, err := d.version(ctx, d.ChunkKey(index))
		switch {
		case errors.Is(err, store.ErrNotFound):
			d.cache.drop(key)
			buf := make([]byte, d.chunkBytes)
			d.fillChunk(index, buf)
			return buf, rd, nil
		case err != nil:
			return nil, rd, fmt.Errorf("read chunk %s: %w", d.ChunkKey(index), err)
		case version == cached && len(data) == d.chunkBytes:
			rd.Exists, rd.StoredBytes = true, 0
			return data, rd, nil
		}
	}
	raw, version, err := d.getVersion(ctx, d.ChunkKey(index))
	switch {
	case errors.Is(err, store.ErrNotFound):
		d.cache.drop(key)
		buf := make([]byte, d.chunkBytes)
		d.fillChunk(index, buf)
		return buf, rd, nil
	case err != nil:
		return nil, rd, fmt.Errorf("read chunk %s: %w", d.ChunkKey(index), err)
	}
	rd.Exists, rd.StoredBytes = true, int64(len(raw))
	out, err := d.DecodeChunk(index, raw, true, nil)
	if err != nil {
		return nil, rd, err
	}
	d.cache.put(key, version, out)
	return out, rd, nil
}
