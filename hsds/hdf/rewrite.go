package hdf

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// Chunks rewritten in place while they are read.
//
// HSDS writes a chunk of a POSIX store in place (hsds/util/fileClient.py put_object: open "wb",
// which truncates, then write), so a reader sharing the store can open the file empty, half
// written, or be cut across the rewrite. The POSIX store reports a read across a change as
// store.ErrChanged (the version token, taken when the file is opened, differs after the read:
// store.Posix.GetVersion); a file caught between the truncation and the write reads without a
// change and fails to decode. readStable reads such a chunk again: after ErrChanged, and after a
// decoding failure when the chunk's version then changes within stableWait (the writer finishes
// the file it truncated). A chunk whose stored bytes stay the same and do not decode is
// ErrCorrupt, as before; one that changes during each of rewriteReads reads is ErrRewriting
// (transient: the REST server answers 503 with Retry-After). Nothing that failed is cached.

// ErrRewriting reports a chunk or JSON object whose stored object changed during each of several
// reads (it is being rewritten, by HSDS or another writer on the same store). It is transient:
// retry later.
var ErrRewriting = errors.New("being rewritten")

const (
	// rewriteReads bounds the reads of a chunk that changes during each of them.
	rewriteReads = 8
	// rewriteWait is the first wait before a chunk that changed is read again; it doubles
	// with each read (at most about a quarter of a second in all).
	rewriteWait = time.Millisecond
	// stableWait is how long a chunk (or JSON object) that fails to decode must keep its
	// version to be reported corrupt (polled at 1, 2, 4, ... 64 ms); a writer that truncated
	// it writes it within that time, even on a loaded machine.
	stableWait = 127 * time.Millisecond
)

// chunkRereads counts the chunk reads readStable repeated because the chunk changed (tests log
// it to show that a race took place).
var chunkRereads atomic.Int64

// readStable reads the stored chunk at index (not inside a referenced file) and calls use with
// its bytes and version (see ChunkCache), reading it again while it is being rewritten (see
// above). found is false (use not called) when the chunk does not exist; stored is the length
// of the bytes use accepted. use's error is returned as it is unless it is ErrCorrupt and the
// chunk changed; ErrRewriting names the chunk, its dataset and key.
func (d *Dataset) readStable(ctx context.Context, index []int, use func(raw []byte, version string) error) (found bool, stored int64, err error) {
	key := d.ChunkKey(index)
	wait := rewriteWait
	for range rewriteReads {
		raw, version, err := d.getVersion(ctx, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return false, 0, nil
		case errors.Is(err, store.ErrChanged):
			chunkRereads.Add(1)
			if err := sleepCtx(ctx, wait); err != nil {
				return false, 0, fmt.Errorf("read chunk %s: %w", key, err)
			}
			wait *= 2
			continue
		case err != nil:
			return false, 0, fmt.Errorf("read chunk %s: %w", key, err)
		}
		err = use(raw, version)
		if err == nil || !errors.Is(err, ErrCorrupt) {
			return true, int64(len(raw)), err
		}
		changed, verr := d.changesWithin(ctx, key, version)
		if verr != nil {
			return false, 0, fmt.Errorf("%w (then %w)", err, verr)
		}
		if !changed {
			return false, 0, err
		}
		chunkRereads.Add(1)
	}
	return false, 0, fmt.Errorf("chunk %s of dataset %s, key %s: %w (it changed during each of %d reads); retry later",
		schema.IndexString(index), d.ID, key, ErrRewriting, rewriteReads)
}

// changesWithin reports whether the version of the stored object key differs from version
// (or the object is gone) now or within stableWait. Stores without version tokens (S3, whose
// puts replace an object whole) are checked once.
func (d *Dataset) changesWithin(ctx context.Context, key, version string) (bool, error) {
	_, polled := d.st.(versionedStore)
	wait := time.Millisecond
	for waited := time.Duration(0); ; waited += wait {
		now, err := d.version(ctx, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return true, nil
		case err != nil:
			return false, fmt.Errorf("stat chunk %s: %w", key, err)
		case now != version:
			return true, nil
		case !polled || waited >= stableWait:
			return false, nil
		}
		if waited > 0 {
			wait *= 2
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return false, fmt.Errorf("stat chunk %s: %w", key, err)
		}
	}
}

// sleepCtx waits for d or until ctx is done (its error).
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errEmptyObject is a stored JSON object of no bytes (as a file HSDS is rewriting reads between
// its truncation and its write); one that stays empty reads as missing.
var errEmptyObject = errors.New("empty object")

// getSettled reads the object key with st.Get and calls use with its bytes. On a store whose
// objects another process may rewrite in place (a POSIX store: versionedStore), a use that
// fails (the JSON of an object caught between the truncation and the end of HSDS's rewrite is
// empty or cut short) is retried with a new read after 1, 2, 4, ... 64 ms. When every read
// fails, use's last error is returned if the object's version token stayed the same (a stably
// broken object costs stableWait more), else ErrRewriting naming the key (transient). readErr
// reports that err is st.Get's (ErrNotFound included), a stat's or ErrRewriting, not use's.
func getSettled(ctx context.Context, st store.Store, bucket, key string, use func(b []byte, info store.ObjectInfo) error) (readErr bool, err error) {
	vs, inPlace := st.(versionedStore)
	wait := time.Millisecond
	var first string
	changed := false
	for reads := 1; ; reads++ {
		b, info, err := st.Get(ctx, bucket, key)
		if err != nil {
			return true, err
		}
		err = use(b, info)
		if err == nil || !inPlace {
			return false, err
		}
		v, verr := vs.Version(ctx, bucket, key)
		switch {
		case errors.Is(verr, store.ErrNotFound):
			changed = true
		case verr != nil:
			return true, fmt.Errorf("stat %s: %w", key, verr)
		case reads == 1:
			first = v
		case v != first:
			changed = true
		}
		switch {
		case wait > stableWait/2 && changed:
			return true, fmt.Errorf("object %s: %w (it changed during each of %d reads); retry later", key, ErrRewriting, reads)
		case wait > stableWait/2:
			return false, err
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return true, err
		}
		wait *= 2
	}
}
