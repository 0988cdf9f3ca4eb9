package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

const (
	updateAttempts   = 100
	updateBackoffMin = time.Millisecond
	updateBackoffMax = 64 * time.Millisecond
)

// Update applies fn to the current content of bucket/key and stores the
// result with a conditional put (If-None-Match when the object was absent,
// If-Match on the ETag read otherwise), retrying from the read when another
// writer got in first, with jittered exponential backoff, up to 100 attempts.
// fn receives nil, false for a missing object and must not keep old; it may be
// called several times. An error from fn aborts the update and is returned
// wrapped. When every attempt conflicts, the error wraps ErrPreconditionFailed (and
// ErrContended).
//
// Updates of one key through one Store value are queued within the process (see lockKey), so
// the conditional put conflicts only with other processes (or other Store values) sharing the
// store.
func Update(ctx context.Context, s Store, bucket, key string, fn func(old []byte, exists bool) ([]byte, error)) (ObjectInfo, error) {
	unlock, err := lockKey(ctx, s, bucket, key)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("update %s/%s: %w", bucket, key, err)
	}
	defer unlock()
	backoff := updateBackoffMin
	for attempt := 1; ; attempt++ {
		old, info, err := s.Get(ctx, bucket, key)
		exists := err == nil
		if err != nil && !errors.Is(err, ErrNotFound) {
			return ObjectInfo{}, fmt.Errorf("update %s/%s: %w", bucket, key, err)
		}
		data, err := fn(old, exists)
		if err != nil {
			return ObjectInfo{}, fmt.Errorf("update %s/%s: %w", bucket, key, err)
		}
		opts := PutOptions{IfNoneMatch: !exists}
		if exists {
			opts.IfMatch = info.ETag
		}
		newInfo, err := s.Put(ctx, bucket, key, data, opts)
		if err == nil {
			return newInfo, nil
		}
		// If-Match on an object deleted meanwhile may come back as not found.
		if !errors.Is(err, ErrPreconditionFailed) && !(exists && errors.Is(err, ErrNotFound)) {
			return ObjectInfo{}, fmt.Errorf("update %s/%s: %w", bucket, key, err)
		}
		if attempt == updateAttempts {
			return ObjectInfo{}, fmt.Errorf("update %s/%s: gave up after %d conflicting attempts: %w: %w",
				bucket, key, attempt, ErrContended, ErrPreconditionFailed)
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ObjectInfo{}, fmt.Errorf("update %s/%s: %w", bucket, key, ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, updateBackoffMax)
	}
}
