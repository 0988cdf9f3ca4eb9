package rest

import (
	"context"
	"net/http"
	"sync"
)

// DefaultMaxInflightBytes is the default bound on the memory held by requests in flight
// (Config.MaxInflightBytes): ten times HSDS's max_request_size.
const DefaultMaxInflightBytes = 1 << 30

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
}

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
// When the budget is full the error is a 503 with Retry-After. Requests without a reservation
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
	if !res.b.tryAcquire(n) {
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
