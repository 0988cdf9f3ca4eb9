package mapreduce

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hsfan/hsfan/hsds/store"
)

// runIDLayout is the UTC start time inside a run id (newRunID: mr-<start>-<8 hex digits>).
const runIDLayout = "20060102T150405Z"

// DefaultSweepTempAge is `hsfan mapreduce --sweep-temp-age`'s default: intermediate objects of
// runs that started longer ago than this are taken for those of a driver that was killed.
const DefaultSweepTempAge = 24 * time.Hour

// runIDTime returns the start time a map-reduce run id carries (false for any other name: the
// result objects of `hsfan run` share the default prefix, and are not swept).
func runIDTime(id string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(id, "mr-")
	if !ok {
		return time.Time{}, false
	}
	ts, suffix, ok := strings.Cut(rest, "-")
	if !ok || len(suffix) != 8 {
		return time.Time{}, false
	}
	if _, err := hex.DecodeString(suffix); err != nil {
		return time.Time{}, false
	}
	t, err := time.Parse(runIDLayout, ts)
	return t, err == nil
}

// sweepStale removes the intermediate objects of earlier runs under the temporary prefix whose
// run id says they started more than age before now: what a driver killed before its own
// clean-up (Run removes a run's objects after success and after a failure) left behind. A run
// that really is still running after age loses its intermediate objects and fails loudly
// naming the task that lost them; nothing is ever read from a swept run. age <= 0 sweeps
// nothing. It returns the run ids removed.
func (r *runner) sweepStale(ctx context.Context, now time.Time, age time.Duration) ([]string, error) {
	if age <= 0 || r.tmp == nil {
		return nil, nil
	}
	root := strings.Trim(r.spec.TempPrefix, "/") + "/"
	var stale []string
	err := r.tmp.List(ctx, r.tempBucket, root, "/", func(e store.Entry) error {
		id := strings.TrimSuffix(strings.TrimPrefix(e.Key, root), "/")
		if t, ok := runIDTime(id); ok && e.IsPrefix && id != r.out.RunID && now.Sub(t) > age {
			stale = append(stale, id)
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrBucketNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list earlier runs under %s/%s: %w", r.tempBucket, root, err)
	}
	var removed []string
	var errs []error
	for _, id := range stale {
		if err := r.removePrefix(ctx, root+id+"/"); err != nil {
			errs = append(errs, fmt.Errorf("run %s: %w", id, err))
			continue
		}
		removed = append(removed, id)
	}
	return removed, errors.Join(errs...)
}

// removePrefix deletes every object under prefix of the temporary store and, in a local
// temporary directory, then the prefix's directory whole (it also holds the temporary files of
// puts a crashed attempt left, which the store does not list).
func (r *runner) removePrefix(ctx context.Context, prefix string) error {
	var keys []string
	err := r.tmp.List(ctx, r.tempBucket, prefix, "", func(e store.Entry) error {
		if !e.IsPrefix {
			keys = append(keys, e.Key)
		}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrBucketNotFound) {
		return err
	}
	var errs []error
	for _, k := range keys {
		if err := r.tmp.Delete(ctx, r.tempBucket, k); err != nil && !errors.Is(err, store.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	if r.tempDir != "" && len(errs) == 0 {
		errs = append(errs, os.RemoveAll(filepath.Join(r.tempDir, r.tempBucket, filepath.FromSlash(strings.TrimSuffix(prefix, "/")))))
	}
	return errors.Join(errs...)
}
