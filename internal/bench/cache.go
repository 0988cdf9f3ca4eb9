package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// completeMarker is the file a cache directory holds once everything in it was written: a
// directory without it (an interrupted prepare) is never trusted but removed and made again.
const completeMarker = ".bench-complete"

// cached makes the cache directory dir (under env.DataDir) with make when it is not complete: make
// writes into a fresh temporary directory next to dir, which is renamed to dir only after make
// succeeded, and the marker (holding key, the parameters the data was made with) is written last.
// A complete dir whose marker holds another key is made again.
func cached(ctx context.Context, env *Env, name, key string, make func(ctx context.Context, tmp string) error) (string, error) {
	dir := filepath.Join(env.DataDir, name)
	if b, err := os.ReadFile(filepath.Join(dir, completeMarker)); err == nil && strings.TrimSpace(string(b)) == key {
		env.Log.Info("bench: reusing cached data", "dir", dir)
		return dir, nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read the cache marker of %s: %w", dir, err)
	}
	if err := os.MkdirAll(env.DataDir, 0o755); err != nil {
		return "", fmt.Errorf("cache directory: %w", err)
	}
	tmp, err := os.MkdirTemp(env.DataDir, name+".tmp-")
	if err != nil {
		return "", fmt.Errorf("cache directory: %w", err)
	}
	env.Log.Info("bench: preparing data (cached for the next runs)", "dir", dir)
	t0 := time.Now()
	if err := make(ctx, tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, completeMarker), []byte(key+"\n"), 0o644); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("cache marker: %w", err)
	}
	// The incomplete or stale dir goes away only now that its replacement is complete.
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("remove the stale cache %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("install the cache %s: %w", dir, err)
	}
	env.Log.Info("bench: data prepared", "dir", dir, "seconds", time.Since(t0).Seconds())
	return dir, nil
}
