package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Publish locking on POSIX.
//
// Every publish (put or delete) of bucket/key holds an exclusive flock on
// DIR/.vgwlocks/<hex sha256(bucket)>/<%02x of sha256(key)[0]> across the
// precondition check and the rename. This is exactly versitygw v1.8's lock
// file scheme (backend/posix objlock), so hsfan processes and versitygw
// gateways on one file system exclude each other. Lock files are created on
// demand and never removed (unlinking an flock file races). Within a process
// a striped slot per shard is taken first, so each process presents at most
// one waiter per shard to the file system lock.

const (
	lockDirName     = ".vgwlocks"
	lockShards      = 256
	lockBackoffMin  = time.Millisecond
	lockBackoffMax  = 16 * time.Millisecond
	lockFileMode    = 0o644
	lockDirFileMode = 0o755
)

// locker hands out publish locks for one POSIX root.
type locker struct {
	fs    posixFS
	slots [lockShards]chan struct{}
}

func newLocker(fsys posixFS) *locker {
	l := &locker{fs: fsys}
	for i := range l.slots {
		l.slots[i] = make(chan struct{}, 1)
		l.slots[i] <- struct{}{}
	}
	return l
}

// lockPath returns the lock file and shard for bucket/key.
func (l *locker) lockPath(bucket, key string) (string, uint8) {
	bh := sha256.Sum256([]byte(bucket))
	shard := sha256.Sum256([]byte(key))
	return filepath.Join(lockDirName, hex.EncodeToString(bh[:]), fmt.Sprintf("%02x", shard[0])), shard[0]
}

// lock takes the publish lock of bucket/key, waiting until it is free or ctx
// ends. The returned function releases it.
func (l *locker) lock(ctx context.Context, bucket, key string) (func(), error) {
	name, shard := l.lockPath(bucket, key)
	slot := l.slots[shard]
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("lock %s/%s: %w", bucket, key, ctx.Err())
	case <-slot:
	}
	releaseSlot := func() { slot <- struct{}{} }
	f, err := openLockFile(l.fs, name)
	if err != nil {
		releaseSlot()
		return nil, fmt.Errorf("lock %s/%s: %w", bucket, key, err)
	}
	if err := flockCtx(ctx, f); err != nil {
		_ = f.Close()
		releaseSlot()
		return nil, fmt.Errorf("lock %s/%s: %w", bucket, key, err)
	}
	return func() {
		_ = f.Close() // closing releases the flock
		releaseSlot()
	}, nil
}

func openLockFile(fsys posixFS, name string) (*os.File, error) {
	f, err := fsys.OpenFile(name, os.O_RDWR|os.O_CREATE, lockFileMode)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := fsys.MkdirAll(filepath.Dir(name), lockDirFileMode); err != nil {
		return nil, fmt.Errorf("make lock dir: %w", err)
	}
	f, err = fsys.OpenFile(name, os.O_RDWR|os.O_CREATE, lockFileMode)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	return f, nil
}

// flockCtx takes an exclusive flock on f, polling with backoff so that ctx
// can cancel the wait.
func flockCtx(ctx context.Context, f *os.File) error {
	wait := lockBackoffMin
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("flock %s: %w", f.Name(), err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, lockBackoffMax)
	}
}
