package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sync"
	"time"

	"github.com/hsfan/hsfan/hsds/store"
)

// Lease is the object that keeps two runs of one spec from overlapping, across processes and
// machines sharing a store: acquired and renewed by conditional puts (IfNoneMatch for a new
// lease, IfMatch the ETag read for an expired or own one), released by writing it expired.
type Lease struct {
	Owner   string    `json:"owner"`
	RunID   string    `json:"run_id"`
	Expires time.Time `json:"expires"`
	Started time.Time `json:"started"`
}

// ErrBusy is a lease another owner holds.
var ErrBusy = errors.New("another run of this spec holds the lease")

// Leases acquires leases in a store: PREFIX/NAME/lease.json in Bucket.
type Leases struct {
	Store  store.Store
	Bucket string
	Prefix string
	// TTL is how long a lease lasts without renewal (a crashed holder blocks the spec that long).
	TTL time.Duration
	// Owner identifies this process (host:pid).
	Owner string
	Now   func() time.Time
}

func (l *Leases) key(name string) string { return path.Join(l.Prefix, name, "lease.json") }

func (l *Leases) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Held is an acquired lease.
type Held struct {
	mu    sync.Mutex // Renew (a goroutine) and Release
	l     *Leases
	name  string
	etag  string
	lease Lease
}

// Acquire takes the lease of name for runID, or returns ErrBusy (wrapped with the holder and its
// expiry) when an unexpired lease of another run exists.
func (l *Leases) Acquire(ctx context.Context, name, runID string) (*Held, error) {
	data, info, err := l.Store.Get(ctx, l.Bucket, l.key(name))
	opts := store.PutOptions{IfNoneMatch: true}
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("read lease %s: %w", l.key(name), err)
	default:
		var cur Lease
		if err := json.Unmarshal(data, &cur); err != nil {
			return nil, fmt.Errorf("lease %s: %w", l.key(name), err)
		}
		if cur.Expires.After(l.now()) {
			return nil, fmt.Errorf("%w: %s (run %s) until %s", ErrBusy, cur.Owner, cur.RunID, cur.Expires.UTC().Format(time.RFC3339))
		}
		opts = store.PutOptions{IfMatch: info.ETag}
	}
	now := l.now()
	h := &Held{l: l, name: name, lease: Lease{Owner: l.Owner, RunID: runID, Started: now.UTC(), Expires: now.Add(l.TTL).UTC()}}
	if err := h.put(ctx, opts); err != nil {
		if errors.Is(err, store.ErrPreconditionFailed) {
			return nil, fmt.Errorf("%w: taken by another process just now", ErrBusy)
		}
		return nil, err
	}
	return h, nil
}

func (h *Held) put(ctx context.Context, opts store.PutOptions) error {
	b, err := json.Marshal(h.lease)
	if err != nil {
		return err
	}
	info, err := h.l.Store.Put(ctx, h.l.Bucket, h.l.key(h.name), b, opts)
	if err != nil {
		return fmt.Errorf("write lease %s: %w", h.l.key(h.name), err)
	}
	h.etag = info.ETag
	return nil
}

// Renew extends the lease by TTL; an error means the lease was lost (another process took it
// after it expired): the run must stop.
func (h *Held) Renew(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lease.Expires = h.l.now().Add(h.l.TTL).UTC()
	return h.put(ctx, store.PutOptions{IfMatch: h.etag})
}

// Release writes the lease expired (if this process still holds it).
func (h *Held) Release(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lease.Expires = time.Unix(0, 0).UTC()
	return h.put(ctx, store.PutOptions{IfMatch: h.etag})
}

// Read returns the lease of name (nil when none was ever taken).
func (l *Leases) Read(ctx context.Context, name string) (*Lease, error) {
	data, _, err := l.Store.Get(ctx, l.Bucket, l.key(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var cur Lease
	if err := json.Unmarshal(data, &cur); err != nil {
		return nil, fmt.Errorf("lease %s: %w", l.key(name), err)
	}
	return &cur, nil
}
