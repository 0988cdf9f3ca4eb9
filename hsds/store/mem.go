package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Memory is an in-memory Store for tests. Every bucket exists implicitly.
// It is safe for concurrent use and copies data in and out.
type Memory struct {
	mu      sync.RWMutex
	buckets map[string]map[string]memObject
	now     func() time.Time
}

type memObject struct {
	data []byte
	info ObjectInfo
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{buckets: make(map[string]map[string]memObject), now: time.Now}
}

// Get implements Store.
func (m *Memory) Get(ctx context.Context, bucket, key string) ([]byte, ObjectInfo, error) {
	o, err := m.lookup(ctx, "get", bucket, key)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	return append([]byte(nil), o.data...), o.info, nil
}

// GetRange implements Store.
func (m *Memory) GetRange(ctx context.Context, bucket, key string, offset, length int64) ([]byte, error) {
	o, err := m.lookup(ctx, "get range", bucket, key)
	if err != nil {
		return nil, err
	}
	start, end, err := rangeOf(offset, length, int64(len(o.data)))
	if err != nil {
		return nil, fmt.Errorf("get range %s/%s: %w", bucket, key, err)
	}
	return append([]byte{}, o.data[start:end]...), nil
}

// Stat implements Store.
func (m *Memory) Stat(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	o, err := m.lookup(ctx, "stat", bucket, key)
	return o.info, err
}

func (m *Memory) lookup(ctx context.Context, op, bucket, key string) (memObject, error) {
	if err := begin(ctx, op, bucket, key); err != nil {
		return memObject{}, err
	}
	m.mu.RLock()
	o, ok := m.buckets[bucket][key]
	m.mu.RUnlock()
	if !ok {
		return memObject{}, fmt.Errorf("%s %s/%s: %w", op, bucket, key, ErrNotFound)
	}
	return o, nil
}

// Put implements Store.
func (m *Memory) Put(ctx context.Context, bucket, key string, data []byte, opts PutOptions) (ObjectInfo, error) {
	if err := beginPut(ctx, bucket, key, opts); err != nil {
		return ObjectInfo{}, err
	}
	o := memObject{data: append([]byte(nil), data...)}
	o.info = ObjectInfo{Key: key, Size: int64(len(data)), ETag: ETagOf(data)}
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[bucket]
	if b == nil {
		b = make(map[string]memObject)
		m.buckets[bucket] = b
	}
	cur, exists := b[key]
	if err := checkPrecondition(opts, exists, cur.info.ETag); err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	o.info.LastModified = m.now()
	b[key] = o
	return o.info, nil
}

// Delete implements Store.
func (m *Memory) Delete(ctx context.Context, bucket, key string) error {
	if err := begin(ctx, "delete", bucket, key); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.buckets[bucket], key)
	m.mu.Unlock()
	return nil
}

// List implements Store. It lists a snapshot taken when it starts, so fn may
// call back into the store.
func (m *Memory) List(ctx context.Context, bucket, prefix, delimiter string, fn func(Entry) error) error {
	if err := beginList(ctx, bucket, prefix); err != nil {
		return err
	}
	m.mu.RLock()
	var infos []ObjectInfo
	for k, o := range m.buckets[bucket] {
		if strings.HasPrefix(k, prefix) {
			infos = append(infos, o.info)
		}
	}
	m.mu.RUnlock()
	sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })
	g := grouper{prefix: prefix, delimiter: delimiter, fn: fn}
	for _, in := range infos {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("list %s/%s: %w", bucket, prefix, err)
		}
		e := Entry{Key: in.Key, Size: in.Size, ETag: in.ETag, LastModified: in.LastModified}
		if err := g.add(e); err != nil {
			return err
		}
	}
	return nil
}
