package hsdspeer

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Candidate service ports: portLo, portLo+portStep, ... below portHi. A peer at PORT also uses
// PORT+1000..PORT+1003 for its data nodes; with a step of 4 and a range narrower than 1000, no
// two candidates' ten ports overlap. The range stays clear of integ.sh's (5366-5399, 5466-5499)
// and of the kernel's ephemeral ports (32768 and up).
const (
	portLo   = 5500
	portHi   = 5900
	portStep = 4
)

// claimPort returns a service port whose five ports are free, locked for this process: the lock
// file $TMPDIR/hsfan-hsdspeer-PORT.lock (flock, released by the kernel when the process ends)
// keeps test binaries running at the same time from picking the same port between the check and
// HSDS's bind; the listen check skips ports used outside the protocol. It waits up to 5 minutes
// for a port when all are taken.
func claimPort() (int, *os.File, error) {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		for port := portLo; port < portHi; port += portStep {
			if f, ok := tryLock(port); ok {
				return port, f, nil
			}
		}
		if time.Now().After(deadline) {
			return 0, nil, fmt.Errorf("no free HSDS peer port in %d-%d (each with its data-node ports +1000..+1003)", portLo, portHi-1)
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
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil || !portsFree(port) {
		f.Close()
		return nil, false
	}
	return f, true
}

// portsFree reports whether nothing listens on 127.0.0.1 at port and port+1000..port+1003.
func portsFree(port int) bool {
	for _, p := range []int{port, port + 1000, port + 1001, port + 1002, port + 1003} {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}
