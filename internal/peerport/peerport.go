// Package peerport claims the ports of a real HSDS 0.9.4 peer (its service node on PORT and its
// four data nodes on PORT+1000..PORT+1003) so that test binaries and `hsfan bench` running at the
// same time never start two peers on the same ports. It is the one port protocol of the project:
// internal/testutil/hsdspeer (tests) and internal/bench (the CLI) both use it.
package peerport

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Candidate service ports: Lo, Lo+Step, ... below Hi. A peer at PORT also uses
// PORT+1000..PORT+1003 for its data nodes; with a step of 4 and a range narrower than 1000, no
// two candidates' ten ports overlap. The range stays clear of integ.sh's (5366-5399, 5466-5499)
// and of the kernel's ephemeral ports (32768 and up).
const (
	Lo   = 5500
	Hi   = 5900
	Step = 4
)

// Claim returns a service port whose five ports are free, locked for this process: the lock
// file $TMPDIR/hsfan-hsdspeer-PORT.lock (flock, released by the kernel when the process ends or
// the file is closed) keeps processes running at the same time from picking the same port
// between the check and HSDS's bind; the listen check skips ports used outside the protocol. It
// waits up to wait for a port when all are taken. Close the returned file to release the port.
func Claim(wait time.Duration) (int, *os.File, error) {
	deadline := time.Now().Add(wait)
	for {
		for port := Lo; port < Hi; port += Step {
			if f, ok := tryLock(port); ok {
				return port, f, nil
			}
		}
		if time.Now().After(deadline) {
			return 0, nil, fmt.Errorf("no free HSDS peer port in %d-%d (each with its data-node ports +1000..+1003)", Lo, Hi-1)
		}
		time.Sleep(time.Second)
	}
}

// tryLock locks port's lock file and checks its ports are free.
func tryLock(port int) (*os.File, bool) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "hsfan-hsdspeer-"+strconv.Itoa(port)+".lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, false
	}
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil || !Free(port) {
		f.Close()
		return nil, false
	}
	return f, true
}

// Free reports whether nothing listens on 127.0.0.1 at port and port+1000..port+1003.
func Free(port int) bool {
	for _, p := range []int{port, port + 1000, port + 1001, port + 1002, port + 1003} {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}
