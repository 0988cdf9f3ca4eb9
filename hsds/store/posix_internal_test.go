package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestPosixLockWaitHonoursContext holds a key's publish lock and checks that
// a writer waiting for it gives up when its context ends, and succeeds once
// the lock is released.
func TestPosixLockWaitHonoursContext(t *testing.T) {
	p, err := NewPosix(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A second store on the same root has its own in-process slots, so the
	// wait happens on the flock, as it would in another process.
	other, err := NewPosix(p.Root(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := other.locks.lock(context.Background(), "bkt", "k")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Posix{p, other} {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_, err = s.Put(ctx, "bkt", "k", []byte("v"), PutOptions{})
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("put while locked: err = %v, want deadline exceeded", err)
		}
	}
	unlock()
	if _, err := p.Put(context.Background(), "bkt", "k", []byte("v"), PutOptions{}); err != nil {
		t.Fatalf("put after unlock: %v", err)
	}
}
