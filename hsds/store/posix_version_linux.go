package store

import (
	"os"
	"syscall"
)

// fileIdentity returns the device, inode and ctime (ns) of fi, a file's stat.
func fileIdentity(fi os.FileInfo) (dev, ino uint64, ctime int64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 0, false
	}
	return uint64(st.Dev), st.Ino, st.Ctim.Nano(), true
}
