package locallambda

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestTailLog(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"empty", nil, ""},
		{"small", []string{"ab", "cd"}, "abcd"},
		{"one big write", []string{strings.Repeat("a", 10) + "0123456789"}, "0123456789"},
		{"many writes", []string{"0123", "4567", "89ab", "cdef", "gh"}, "8" + "9abcdefgh"},
		{"exact", []string{"0123456789"}, "0123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newTailLog(10)
			for _, w := range tt.writes {
				if n, err := l.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if got := string(l.take()); got != tt.want {
				t.Errorf("take = %q, want %q", got, tt.want)
			}
			if got := l.take(); len(got) != 0 {
				t.Errorf("second take = %q", got)
			}
		})
	}
	t.Run("bounded", func(t *testing.T) {
		l := newTailLog(16)
		for i := 0; i < 1000; i++ {
			l.Write(bytes.Repeat([]byte{byte('a' + i%26)}, 3))
			if len(l.buf) > 32 {
				t.Fatalf("buffer grew to %d", len(l.buf))
			}
		}
	})
}

func TestReportLine(t *testing.T) {
	tests := []struct {
		name string
		r    report
		want string
	}{
		{"warm", report{requestID: "id-1", duration: 1234567 * time.Nanosecond, billed: billedDuration(1234567*time.Nanosecond, 0), memoryMB: 128, maxUsedMB: 18},
			"REPORT RequestId: id-1\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 18 MB\t\n"},
		{"cold", report{requestID: "id-2", duration: 10 * time.Millisecond, billed: billedDuration(10*time.Millisecond, 45350*time.Microsecond), memoryMB: 1024, maxUsedMB: 30, initDur: 45350 * time.Microsecond, coldStart: true},
			"REPORT RequestId: id-2\tDuration: 10.00 ms\tBilled Duration: 56 ms\tMemory Size: 1024 MB\tMax Memory Used: 30 MB\tInit Duration: 45.35 ms\t\n"},
		{"timeout", report{requestID: "id-3", duration: 3 * time.Second, billed: 3 * time.Second, memoryMB: 128, maxUsedMB: 9, status: "timeout"},
			"REPORT RequestId: id-3\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\tStatus: timeout\t\n"},
		{"error", report{requestID: "id-4", duration: time.Millisecond, billed: time.Millisecond, memoryMB: 128, status: "error", errorType: "Runtime.ExitError"},
			"REPORT RequestId: id-4\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 0 MB\tStatus: error\tError Type: Runtime.ExitError\t\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.String(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	if b := billedDuration(0, 0); b != time.Millisecond {
		t.Errorf("billed of 0 = %s, want 1ms", b)
	}
}
