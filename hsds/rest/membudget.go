package rest

import (
	"context"
	"net/http"
	"sync"
)

// DefaultMaxInflightBytes is the default bound on the memory held by requests in flight
// (Config.MaxInflightBytes): ten times HSDS's max_request_size.
const DefaultMaxInflightBytes = 1 << 30

// DefaultChunkCacheBytes is `hsfan serve`'s default Config.ChunkCacheBytes: the decoded-chunk
// cache of HSDS as it runs next to hsfan, 4 data nodes (hsds-peer.sh --count=4) of
// chunk_mem_cache_size 128m each (hsds admin/config/config.yml), 512 MiB together. It is
// counted inside DefaultMaxInflightBytes, which leaves requests at least 512 MiB (more as the
// cache is evicted for them).
const DefaultChunkCacheBytes = 512 << 20

// retryAfterSeconds is the Retry-After of a 503 (in-flight budget full, chunk contention, a
// write racing a resize): each clears within about a second.
const retryAfterSeconds = 1

// memBudget bounds the bytes that requests in flight hold (bodies, decoded values, responses):
// a counting semaphore on bytes that never blocks. A request that cannot get its bytes is
// answered 503 with Retry-After, so a burst of large bodies is shed instead of exhausting memory.
type memBudget struct {
	mu    sync.Mutex
	used  int64
	limit int64
	// reclaim, when set, frees at least n bytes held outside requests (the decoded-chunk
	// cache, which counts its bytes here: hdf.ChunkCache.SetBudget) and returns what it freed;
	// a request that finds the budget full gets them before being refused.
	reclaim func(n int64) int64
}

// TryAcquire and Release let the decoded-chunk cache count its bytes in the budget
// (hdf.Budget).
func (b *memBudget) TryAcquire(n int64) bool { return b.tryAcquire(n) }

// Release gives back n bytes taken with TryAcquire.
func (b *memBudget) Release(n int64) { b.release(n) }

// tryAcquire takes n bytes when they fit under the limit.
func (b *memBudget) tryAcquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.limit-b.used {
		return false
	}
	b.used += n
	return true
}

func (b *memBudget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// inUse returns the bytes currently held (for tests and logs).
func (b *memBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// reservation is the part of the budget one request holds; ServeHTTP releases it when the
// request ends.
type reservation struct {
	b    *memBudget
	mu   sync.Mutex
	held int64
}

const memKey ctxKey = 1

// withReservation returns r carrying a new reservation on b, and the reservation.
func withReservation(r *http.Request, b *memBudget) (*http.Request, *reservation) {
	res := &reservation{b: b}
	return r.WithContext(context.WithValue(r.Context(), memKey, res)), res
}

// reserve adds n bytes to the request's reservation. A request needing more than the whole
// budget is clamped to what the budget can give at all, so it runs alone instead of never.
// When the budget is full, cached chunks are evicted for it (memBudget.reclaim); when that is
// not enough the error is a 503 with Retry-After. Requests without a reservation
// (no budget configured) always succeed.
func reserve(ctx context.Context, n int64) error {
	res, _ := ctx.Value(memKey).(*reservation)
	if res == nil || n <= 0 {
		return nil
	}
	res.mu.Lock()
	defer res.mu.Unlock()
	if max := res.b.limit - res.held; n > max {
		n = max
	}
	if n <= 0 {
		return nil
	}
	if !res.b.tryAcquire(n) && (res.b.reclaim == nil || res.b.reclaim(n) == 0 || !res.b.tryAcquire(n)) {
		return &apiError{code: http.StatusServiceUnavailable, retryAfter: retryAfterSeconds,
			msg: "the server is busy with other large requests (in-flight memory limit reached); retry later"}
	}
	res.held += n
	return nil
}

// releaseAll gives the request's bytes back to the budget.
func (res *reservation) releaseAll() {
	res.mu.Lock()
	n := res.held
	res.held = 0
	res.mu.Unlock()
	res.b.release(n)
}
