package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// SweepTemps finds the temporary files of interrupted writes (".hsfan-tmp-*", left behind when a
// process is killed between creating and renaming one) last modified more than olderThan ago,
// in bucket or, when bucket is "", in every bucket of the store. With remove set it deletes
// them. It returns their paths relative to the store root, slash separated. Writes in flight
// keep a temporary file for milliseconds, so an age of minutes never touches a live one.
func (p *Posix) SweepTemps(ctx context.Context, bucket string, olderThan time.Duration, remove bool) ([]string, error) {
	start := "."
	if bucket != "" {
		if err := ValidateBucket(bucket); err != nil {
			return nil, fmt.Errorf("sweep temporary files: %w", err)
		}
		start = p.bucketDir(bucket)
	}
	cutoff := time.Now().Add(-olderThan)
	var found []string
	var walk func(dir string) error
	walk = func(dir string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		des, err := readDirFS(p.fs, dir)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || isEscape(err) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, de := range des {
			name := filepath.Join(dir, de.Name())
			switch {
			case de.IsDir():
				if dir == "." && de.Name() == lockDirName {
					continue
				}
				if err := walk(name); err != nil {
					return err
				}
			case de.Type().IsRegular() && strings.HasPrefix(de.Name(), tmpPrefix):
				fi, err := de.Info()
				if err != nil || !fi.ModTime().Before(cutoff) {
					continue // gone meanwhile, or young: a write in flight
				}
				found = append(found, filepath.ToSlash(name))
				if remove {
					if err := p.fs.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
						return fmt.Errorf("remove %s: %w", name, err)
					}
				}
			}
		}
		return nil
	}
	if err := walk(start); err != nil {
		return found, fmt.Errorf("sweep temporary files under %s: %w", p.root, err)
	}
	return found, nil
}
