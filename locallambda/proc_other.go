//go:build !linux

package locallambda

import (
	"os"
	"os/exec"
)

// setProcAttr is a no-op where process groups are not portable.
func setProcAttr(*exec.Cmd) {}

// killGroup kills the sandbox process.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}

// maxMemoryMB is unknown off Linux.
func maxMemoryMB(int) int { return 0 }

// pendingBytes is unknown off Linux.
func pendingBytes(*os.File) int { return -1 }
