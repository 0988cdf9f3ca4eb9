//go:build unix

package main

import "syscall"

// defaultMaxConns is 3/4 of the process's open-file limit (the rest stays for store files and
// logs), at most 1024 and at least 16: with 256 descriptors, 260 idle clients can no longer lock
// everyone out, they wait in the listen backlog.
func defaultMaxConns() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return 1024
	}
	return int(min(max(rl.Cur*3/4, 16), 1024))
}
