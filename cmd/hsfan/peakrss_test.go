package main

import "testing"

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
