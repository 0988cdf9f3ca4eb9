package locallambda

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
)

// tailLog keeps the most recent output of a sandbox, at most 2*max bytes
// and at least the last max bytes. It is safe for concurrent use.
type tailLog struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func newTailLog(max int) *tailLog { return &tailLog{max: max} }

// Write appends p, dropping the oldest bytes beyond the bound.
func (t *tailLog) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(p) >= t.max {
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return len(p), nil
	}
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		n := copy(t.buf, t.buf[len(t.buf)-t.max:])
		t.buf = t.buf[:n]
	}
	return len(p), nil
}

// take returns the buffered output, at most max bytes, and empties the
// buffer.
func (t *tailLog) take() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > t.max {
		b = b[len(b)-t.max:]
	}
	out := append([]byte(nil), b...)
	t.buf = t.buf[:0]
	return out
}

// report holds the numbers of a REPORT line.
type report struct {
	requestID string
	duration  time.Duration
	billed    time.Duration
	memoryMB  int
	maxUsedMB int
	initDur   time.Duration // 0: warm start, no Init Duration field
	status    string        // "" on success, "timeout" or "error"
	errorType string        // with status "error"
	coldStart bool
}

// startLine is AWS's START line.
func startLine(id string) string {
	return "START RequestId: " + id + " Version: $LATEST\n"
}

// endLine is AWS's END line.
func endLine(id string) string {
	return "END RequestId: " + id + "\n"
}

// ms formats d in milliseconds with two decimals, as REPORT lines do.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))
}

// billedDuration rounds up to the next millisecond (Lambda bills per 1 ms),
// at least 1 ms. Cold starts of custom runtimes (provided.al2023) bill the
// init phase too.
func billedDuration(dur, init time.Duration) time.Duration {
	total := dur + init
	b := time.Duration(math.Ceil(float64(total)/float64(time.Millisecond))) * time.Millisecond
	if b < time.Millisecond {
		b = time.Millisecond
	}
	return b
}

// String formats r exactly as Lambda does: tab separated fields with a
// trailing tab.
func (r report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "REPORT RequestId: %s\tDuration: %s ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		r.requestID, ms(r.duration), r.billed.Milliseconds(), r.memoryMB, r.maxUsedMB)
	if r.coldStart {
		fmt.Fprintf(&b, "Init Duration: %s ms\t", ms(r.initDur))
	}
	switch r.status {
	case "":
	case "error":
		fmt.Fprintf(&b, "Status: error\tError Type: %s\t", r.errorType)
	default:
		fmt.Fprintf(&b, "Status: %s\t", r.status)
	}
	b.WriteString("\n")
	return b.String()
}
