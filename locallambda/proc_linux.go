//go:build linux

package locallambda

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"unsafe"
)

// setProcAttr puts the sandbox in its own process group, so that killing
// the group kills every process it started, and asks the kernel to kill it
// if the service process dies first.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup sends SIGKILL to the process group of cmd.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}

// maxMemoryMB returns the peak resident set size (VmHWM) of pid in MB,
// rounded up, or 0 when unknown.
func maxMemoryMB(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte("VmHWM:")) {
			continue
		}
		f := bytes.Fields(line[len("VmHWM:"):])
		if len(f) == 0 {
			return 0
		}
		kb, err := strconv.Atoi(string(f[0]))
		if err != nil || kb < 0 {
			return 0
		}
		return (kb + 1023) / 1024
	}
	return 0
}

// pendingBytes returns the number of unread bytes in the pipe f, or -1
// when unknown.
func pendingBytes(f *os.File) int {
	sc, err := f.SyscallConn()
	if err != nil {
		return -1
	}
	n := int32(-1)
	cerr := sc.Control(func(fd uintptr) {
		var v int32
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&v))); e == 0 {
			n = v
		}
	})
	if cerr != nil {
		return -1
	}
	return int(n)
}
