package awslambda

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Report is the content of a Lambda REPORT log line.
type Report struct {
	RequestID      string
	Duration       time.Duration
	BilledDuration time.Duration
	MemoryMB       int
	MaxMemoryMB    int
	// InitDuration is set on cold starts only.
	InitDuration time.Duration
	ColdStart    bool
	// Status is "" on success, else e.g. "timeout" or "error".
	Status string
}

// maxReportMS bounds parsed durations (Lambda runs at most 900 s, init
// 10 s); larger values are rejected as garbage.
const maxReportMS = 1e7

// ParseReport finds the last REPORT line of a Lambda log and parses it.
// It accepts Lambda's tab separated form and a space separated one. It
// reports false when there is no REPORT line or no Duration in it.
func ParseReport(log string) (Report, bool) {
	var line string
	for rest := log; rest != ""; {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		if strings.HasPrefix(l, "REPORT RequestId:") {
			line = l
		}
	}
	if line == "" {
		return Report{}, false
	}
	f := strings.Fields(line)
	var r Report
	haveDuration := false
	at := func(i int) string {
		if i < len(f) {
			return f[i]
		}
		return ""
	}
	for i := 0; i < len(f); i++ {
		switch {
		case f[i] == "RequestId:":
			r.RequestID = at(i + 1)
		case f[i] == "Duration:" && (i == 0 || (f[i-1] != "Billed" && f[i-1] != "Init")):
			if d, ok := parseMS(at(i+1), at(i+2)); ok {
				r.Duration, haveDuration = d, true
			}
		case f[i] == "Billed" && at(i+1) == "Duration:":
			if d, ok := parseMS(at(i+2), at(i+3)); ok {
				r.BilledDuration = d
			}
		case f[i] == "Init" && at(i+1) == "Duration:":
			if d, ok := parseMS(at(i+2), at(i+3)); ok {
				r.InitDuration, r.ColdStart = d, true
			}
		case f[i] == "Memory" && at(i+1) == "Size:" && (i == 0 || f[i-1] != "Max"):
			r.MemoryMB = parseMB(at(i+2), at(i+3))
		case f[i] == "Max" && at(i+1) == "Memory" && at(i+2) == "Used:":
			r.MaxMemoryMB = parseMB(at(i+3), at(i+4))
		case f[i] == "Status:":
			r.Status = at(i + 1)
		}
	}
	return r, haveDuration
}

// parseMS parses "12.34" "ms".
func parseMS(v, unit string) (time.Duration, bool) {
	if unit != "ms" {
		return 0, false
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || x < 0 || x > maxReportMS {
		return 0, false
	}
	return time.Duration(math.Round(x * float64(time.Millisecond))), true
}

// parseMB parses "128" "MB"; 0 when invalid.
func parseMB(v, unit string) int {
	if unit != "MB" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1<<20 {
		return 0
	}
	return n
}
