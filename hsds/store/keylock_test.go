package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// failCounting counts the conditional puts that lost a race.
type failCounting struct {
	Store
	conflicts atomic.Int64
}

func (c *failCounting) Put(ctx context.Context, bucket, key string, data []byte, opts PutOptions) (ObjectInfo, error) {
	info, err := c.Store.Put(ctx, bucket, key, data, opts)
	if errors.Is(err, ErrPreconditionFailed) {
		c.conflicts.Add(1)
	}
	return info, err
}

// TestUpdateQueuesWithinProcess: 300 concurrent updates of one key through one store all land,
// none conflicts (they queue instead of racing) and the lock table is empty afterwards (issue 9,
// class 6: 414 of 2,000 such writes failed after 100 retries).
func TestUpdateQueuesWithinProcess(t *testing.T) {
	for name, mk := range map[string]func(t *testing.T) Store{
		"mem": func(t *testing.T) Store { return NewMemory() },
		"posix": func(t *testing.T) Store {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "bkt"), 0o755); err != nil {
				t.Fatal(err)
			}
			p, err := NewPosix(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			return p
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := &failCounting{Store: mk(t)}
			const n = 300
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for range n {
				wg.Go(func() {
					_, err := Update(context.Background(), s, "bkt", "hot/0_0", func(old []byte, _ bool) ([]byte, error) {
						return append(append([]byte(nil), old...), 'x'), nil
					})
					if err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			data, _, err := s.Get(context.Background(), "bkt", "hot/0_0")
			if err != nil || len(data) != n {
				t.Fatalf("after %d updates: %d bytes, %v", n, len(data), err)
			}
			if c := s.conflicts.Load(); c != 0 {
				t.Errorf("%d conditional puts conflicted within one process", c)
			}
			if k := keyLockCount(); k != 0 {
				t.Errorf("%d key locks left after the updates", k)
			}
		})
	}
}

// TestLockKeyCanceled: a waiter whose context ends gives up and leaves no entry behind.
func TestLockKeyCanceled(t *testing.T) {
	s := NewMemory()
	unlock, err := lockKey(context.Background(), s, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := lockKey(ctx, s, "b", "k"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want canceled", err)
	}
	unlock()
	if k := keyLockCount(); k != 0 {
		t.Errorf("%d key locks left", k)
	}
}
