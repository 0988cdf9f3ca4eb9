package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// peakRSS is this process's peak resident set size in bytes: VmHWM of /proc/self/status (Linux,
// proc(5)), the high-water mark of the process's own memory since its exec. getrusage's and
// wait4's ru_maxrss are not that: at exec, Linux folds the high-water mark of the memory the
// process had before into it, and a child started by Go's os/exec (vfork) had its parent's, so
// a child of a large process reports at least its parent's peak. false where there is no such
// file.
func peakRSS() (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	return parseVmHWM(b)
}

// parseVmHWM reads the "VmHWM:   1234 kB" line of a /proc/<pid>/status text, in bytes.
func parseVmHWM(status []byte) (int64, bool) {
	for line := range bytes.Lines(status) {
		rest, ok := bytes.CutPrefix(line, []byte("VmHWM:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil || kb < 0 {
			return 0, false
		}
		return kb << 10, true
	}
	return 0, false
}

// peakRSSLine is the line hsfan mapreduce ends its report with: the peak RSS in MB (1e6 bytes,
// one decimal, as /usr/bin/time's KiB read as MB would give), which `hsfan bench mapreduce`
// parses (internal/bench selfRSS).
func peakRSSLine(bytes int64) string {
	return fmt.Sprintf("mapreduce    peak RSS %.1f MB (VmHWM of this process)\n", float64(bytes)/1e6)
}
