package store

import (
	"context"
	"fmt"
	"sync"
)

// Per-key queuing within a process.
//
// Update retries a conditional put when another writer got in first. Within one process those
// conflicts are pointless: writers of the same key can simply wait their turn. keyLocks queues
// them (one holder per store, bucket and key at a time), so optimistic retries are needed only
// against other processes sharing the store. Entries are reference counted and removed when
// the last waiter leaves: the map holds only keys being updated right now.

type keyLockID struct {
	st          Store
	bucket, key string
}

type keyLockEntry struct {
	ch   chan struct{} // a token: holding it is holding the lock
	refs int
}

var keyLocks = struct {
	mu sync.Mutex
	m  map[keyLockID]*keyLockEntry
}{m: map[keyLockID]*keyLockEntry{}}

// lockKey waits until no other goroutine of this process holds bucket/key of s, or ctx ends.
// The returned function releases the lock.
func lockKey(ctx context.Context, s Store, bucket, key string) (func(), error) {
	id := keyLockID{st: s, bucket: bucket, key: key}
	keyLocks.mu.Lock()
	e := keyLocks.m[id]
	if e == nil {
		e = &keyLockEntry{ch: make(chan struct{}, 1)}
		e.ch <- struct{}{}
		keyLocks.m[id] = e
	}
	e.refs++
	keyLocks.mu.Unlock()
	leave := func() {
		keyLocks.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(keyLocks.m, id)
		}
		keyLocks.mu.Unlock()
	}
	select {
	case <-e.ch:
	case <-ctx.Done():
		leave()
		return nil, fmt.Errorf("wait for %s/%s: %w", bucket, key, ctx.Err())
	}
	return func() {
		e.ch <- struct{}{}
		leave()
	}, nil
}

// keyLockCount returns the number of keys locked or waited for (for tests).
func keyLockCount() int {
	keyLocks.mu.Lock()
	defer keyLocks.mu.Unlock()
	return len(keyLocks.m)
}
