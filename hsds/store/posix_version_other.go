//go:build !linux

package store

import "os"

// fileIdentity is unavailable here: version tokens are size and mtime only.
func fileIdentity(os.FileInfo) (dev, ino uint64, ctime int64, ok bool) { return 0, 0, 0, false }
