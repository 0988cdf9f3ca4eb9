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
	mu     sync.Mutex
	max    int64
	size   int64
	order  *list.List // front: most recently used
	m      map[string]*list.Element
	budget Budget // nil: the cache's bytes are counted nowhere else

	// Deferred fills of sparse reads (chunkfill.go).
	fmu     sync.Mutex
	queue   []pendingFill
	queued  int64      // stored bytes reserved by reads' fill lists and in queue
	filling bool       // a runFills goroutine is running
	fdone   *sync.Cond // on fmu: signalled when filling becomes false (WaitFills)
}

// Budget is a wider memory budget the cache's bytes are counted in (the REST server's in-flight
// budget): the cache takes a chunk's bytes from it before keeping the chunk, evicting its own
// least recently used chunks while the budget is full, and gives them back on eviction.
type Budget interface {
	TryAcquire(n int64) bool
	Release(n int64)
}

// SetBudget makes c count its bytes in b (call it before c is used).
func (c *ChunkCache) SetBudget(b Budget) { c.budget = b }

// Shrink evicts least recently used chunks until at least n bytes are freed (or the cache is
// empty) and returns the bytes freed, which go back to the budget: a request that finds the
// budget full takes them.
func (c *ChunkCache) Shrink(n int64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var freed int64
	for freed < n && c.order.Len() > 0 {
		freed += c.evictOldest()
	}
	return freed
}

// evictOldest removes the least recently used entry (c.mu held) and returns its bytes.
func (c *ChunkCache) evictOldest() int64 {
	return c.remove(c.order.Back())
}

// remove removes el (c.mu held), gives its bytes back to the budget and returns them.
func (c *ChunkCache) remove(el *list.Element) int64 {
	e := el.Value.(*cacheEntry)
	c.order.Remove(el)
	delete(c.m, e.key)
	n := int64(len(e.data))
	c.size -= n
	if c.budget != nil {
		c.budget.Release(n)
	}
	return n
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
	c := &ChunkCache{max: maxBytes, order: list.New(), m: map[string]*list.Element{}}
	c.fdone = sync.NewCond(&c.fmu)
	return c
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
	n := int64(len(data))
	if version == "" || n > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		c.remove(el)
	}
	for c.size+n > c.max {
		c.evictOldest()
	}
	if c.budget != nil {
		for !c.budget.TryAcquire(n) {
			if c.order.Len() == 0 {
				return // requests hold the budget: not cached
			}
			c.evictOldest()
		}
	}
	c.m[key] = c.order.PushFront(&cacheEntry{key: key, version: version, data: data})
	c.size += n
}

func (c *ChunkCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		c.remove(el)
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

// readChunkCached is ReadChunk through d's cache for a Read's copy out: the returned chunk may
// be shared and must not be modified. When buf is given, a chunk that is not taken from the
// cache is decoded into it (a recycled buffer the caller gives back after the copy out). need
// (from sparseNeed; nil: none) reads it for a sparse copy out: only the parts of the chunk need
// names are decoded where the format allows (blosc blocks), a byte-shuffled chunk is left in its
// shuffled layout (planes true: copy out with selection.CopyOutPlanes), and a chunk the cache
// does not hold is queued in fills, to be decoded into the cache after the Read (chunkfill.go).
func (d *Dataset) readChunkCached(ctx context.Context, index []int, buf *[]byte, need func(start, end int) bool, fills *fillList) (data []byte, planes bool, rd ChunkRead, err error) {
	var into []byte
	if buf != nil {
		into = *buf
	}
	if d.ref != nil {
		raw, rd, err := d.FetchChunk(ctx, index)
		if err != nil {
			return nil, false, rd, err
		}
		data, planes, err := d.decodeChunk(index, raw, rd.Exists, into, need)
		return data, planes, rd, err
	}
	if err := d.checkIndex(index); err != nil {
		return nil, false, rd, err
	}
	if d.cache == nil {
		found, stored, err := d.readStable(ctx, index, func(raw []byte, _ string) error {
			var err error
			data, planes, err = d.decodeChunk(index, raw, true, into, need)
			return err
		})
		switch {
		case err != nil:
			return nil, false, rd, err
		case !found:
			data, _, err := d.decodeChunk(index, nil, false, into, nil)
			return data, false, rd, err
		}
		rd.Exists, rd.StoredBytes = true, stored
		return data, planes, rd, nil
	}
	key := d.bucket + "/" + d.ChunkKey(index)
	if cached, data, ok := d.cache.lookup(key); ok {
		version, err := d.version(ctx, d.ChunkKey(index))
		switch {
		case errors.Is(err, store.ErrNotFound):
			d.cache.drop(key)
			data, _, err := d.decodeChunk(index, nil, false, into, nil)
			return data, false, rd, err
		case err != nil:
			return nil, false, rd, fmt.Errorf("read chunk %s: %w", d.ChunkKey(index), err)
		case version == cached && len(data) == d.chunkBytes:
			rd.Exists, rd.StoredBytes = true, 0
			return data, false, rd, nil
		}
	}
	// Read (again while it is being rewritten: readStable), decode, and cache only what
	// decoded, under the version its bytes were read at.
	found, stored, err := d.readStable(ctx, index, func(raw []byte, version string) error {
		if need != nil && into != nil {
			out, pl, err := d.decodeChunk(index, raw, true, into, need)
			if err != nil {
				return err
			}
			data, planes = out, pl
			if fills != nil {
				fills.add(d.cache, pendingFill{d: d, index: index, key: key, version: version, raw: raw})
			}
			return nil
		}
		out, err := d.DecodeChunk(index, raw, true, nil)
		if err != nil {
			return err
		}
		d.cache.put(key, version, out)
		data, planes = out, false
		return nil
	})
	switch {
	case err != nil:
		return nil, false, rd, err
	case !found:
		d.cache.drop(key)
		data, _, err := d.decodeChunk(index, nil, false, into, nil)
		return data, false, rd, err
	}
	rd.Exists, rd.StoredBytes = true, stored
	return data, planes, rd, nil
}
