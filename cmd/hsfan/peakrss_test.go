package main

import (
	"strings"
	"testing"
)

func TestParseVmHWM(t *testing.T) {
	tests := []struct {
		name, status string
		want         int64
		ok           bool
	}{
		{"linux", "Name:\thsfan\nVmPeak:\t  900000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  100 kB\n", 204800 << 10, true},
		{"missing", "Name:\thsfan\nVmRSS:\t  100 kB\n", 0, false},
		{"bad unit", "VmHWM:\t  2048 MB\n", 0, false},
		{"bad number", "VmHWM:\t  x kB\n", 0, false},
		{"empty", "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseVmHWM([]byte(tc.status))
			if got != tc.want || ok != tc.ok {
				t.Fatalf("got %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	if n, ok := peakRSS(); ok && n <= 0 {
		t.Fatalf("this process's peak RSS: %d", n)
	}
}

// TestPeakRSSLine: the printed figure is in the unit it names (MB, 1e6 bytes): the VmHWM that
// /usr/bin/time reported as 70272 KiB is 72.0 MB, not 68.
func TestPeakRSSLine(t *testing.T) {
	for _, c := range []struct {
		bytes int64
		want  string
	}{
		{70272 << 10, "peak RSS 72.0 MB (VmHWM"},
		{1 << 20, "peak RSS 1.0 MB (VmHWM"},
		{999_949_999, "peak RSS 999.9 MB (VmHWM"},
	} {
		if got := peakRSSLine(c.bytes); !strings.Contains(got, c.want) {
			t.Errorf("%d bytes: %q, want %q", c.bytes, got, c.want)
		}
	}
}
