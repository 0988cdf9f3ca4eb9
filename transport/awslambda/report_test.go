package awslambda

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/hsfan/hsfan/fanout"
)

func TestParseReport(t *testing.T) {
	tests := []struct {
		name string
		log  string
		want Report
		ok   bool
	}{
		{"warm tab separated",
			"START RequestId: a Version: $LATEST\nhello\nEND RequestId: a\nREPORT RequestId: a\tDuration: 1.21 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 39 MB\t\n",
			Report{RequestID: "a", Duration: 1210 * time.Microsecond, BilledDuration: 2 * time.Millisecond, MemoryMB: 128, MaxMemoryMB: 39}, true},
		{"cold",
			"REPORT RequestId: b\tDuration: 10.00 ms\tBilled Duration: 148 ms\tMemory Size: 1024 MB\tMax Memory Used: 30 MB\tInit Duration: 137.36 ms\t",
			Report{RequestID: "b", Duration: 10 * time.Millisecond, BilledDuration: 148 * time.Millisecond, MemoryMB: 1024, MaxMemoryMB: 30,
				InitDuration: 137360 * time.Microsecond, ColdStart: true}, true},
		{"space separated",
			"REPORT RequestId: c Duration: 3.5 ms Billed Duration: 4 ms Memory Size: 256 MB Max Memory Used: 20 MB Init Duration: 5.25 ms",
			Report{RequestID: "c", Duration: 3500 * time.Microsecond, BilledDuration: 4 * time.Millisecond, MemoryMB: 256, MaxMemoryMB: 20,
				InitDuration: 5250 * time.Microsecond, ColdStart: true}, true},
		{"timeout status",
			"REPORT RequestId: d\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\tStatus: timeout\n",
			Report{RequestID: "d", Duration: 3 * time.Second, BilledDuration: 3 * time.Second, MemoryMB: 128, MaxMemoryMB: 9, Status: "timeout"}, true},
		{"last REPORT wins",
			"REPORT RequestId: old\tDuration: 1.00 ms\t\nREPORT RequestId: new\tDuration: 2.00 ms\t\n",
			Report{RequestID: "new", Duration: 2 * time.Millisecond}, true},
		{"no report", "START RequestId: x\nEND RequestId: x\n", Report{}, false},
		{"report inside a line", "log: REPORT RequestId: x Duration: 1 ms", Report{}, false},
		{"no duration", "REPORT RequestId: e\tBilled Duration: 2 ms\t", Report{RequestID: "e", BilledDuration: 2 * time.Millisecond}, false},
		{"garbage numbers",
			"REPORT RequestId: f\tDuration: NaN ms\tBilled Duration: -1 ms\tMemory Size: lots MB\tMax Memory Used: 99999999999 MB\tInit Duration: 1e300 ms",
			Report{RequestID: "f"}, false},
		{"wrong units", "REPORT RequestId: g\tDuration: 1 s\tMemory Size: 1 GB", Report{RequestID: "g"}, false},
		{"truncated", "REPORT RequestId: h\tDuration:", Report{RequestID: "h"}, false},
		{"empty", "", Report{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseReport(tt.log)
			if ok != tt.ok || got != tt.want {
				t.Errorf("ParseReport = %+v, %v\nwant          %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzParseReport(f *testing.F) {
	f.Add("REPORT RequestId: a\tDuration: 1.21 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 39 MB\tInit Duration: 3 ms\t\n")
	f.Add("REPORT RequestId: Duration: Duration: ms Billed Duration:")
	f.Add("x\nREPORT RequestId: \nREPORT RequestId: Max Memory Used: 1 MB")
	f.Fuzz(func(t *testing.T, log string) {
		r, ok := ParseReport(log)
		if ok && !strings.Contains(log, "REPORT RequestId:") {
			t.Fatalf("ok without a REPORT line")
		}
		for _, d := range []time.Duration{r.Duration, r.BilledDuration, r.InitDuration} {
			if d < 0 || d > time.Duration(maxReportMS)*time.Millisecond {
				t.Fatalf("duration %s out of range", d)
			}
		}
		if r.MemoryMB < 0 || r.MaxMemoryMB < 0 || (r.InitDuration > 0 && !r.ColdStart) {
			t.Fatalf("bad report %+v", r)
		}
	})
}

func TestParseFunctionError(t *testing.T) {
	tests := []struct {
		name, kind, payload string
		wantType, wantMsg   string
		retry, timeout      bool
	}{
		{"unhandled", "Unhandled", `{"errorMessage":"bad","errorType":"fnError"}`, "fnError", "bad", true, false},
		{"handled", "Handled", `{"errorMessage":"bad","errorType":"fnError"}`, "fnError", "bad", false, false},
		{"worker says no", "Unhandled", `{"errorMessage":"bad selection","errorType":"InvalidSelection","retryable":false}`, "InvalidSelection", "bad selection", false, false},
		{"worker says yes", "Handled", `{"errorMessage":"s3 slow","errorType":"SlowDown","retryable":true}`, "SlowDown", "s3 slow", true, false},
		{"timeout", "Unhandled", `{"errorMessage":"RequestId: x Error: Task timed out after 3.00 seconds","errorType":"Sandbox.Timedout"}`, "Sandbox.Timedout", "RequestId: x Error: Task timed out after 3.00 seconds", true, true},
		{"old timeout", "Unhandled", `{"errorMessage":"2024-01-01T00:00:00.000Z x Task timed out after 3.00 seconds"}`, "", "2024-01-01T00:00:00.000Z x Task timed out after 3.00 seconds", true, true},
		{"crash", "Unhandled", `{"errorMessage":"RequestId: x Error: Runtime exited with error: signal: killed","errorType":"Runtime.ExitError"}`, "Runtime.ExitError", "RequestId: x Error: Runtime exited with error: signal: killed", true, false},
		{"too large", "Unhandled", `{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}`, "Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size (6291556 bytes).", false, false},
		{"hsfan worker refusal", "Unhandled", `{"errorMessage":"task bucket \"x\" is not allowed","errorType":"hsfan.Permanent"}`, "hsfan.Permanent", `task bucket "x" is not allowed`, false, false},
		{"hsfan worker transient", "Unhandled", `{"errorMessage":"s3 slow","errorType":"hsfan.Retryable"}`, "hsfan.Retryable", "s3 slow", true, false},
		{"not json", "Unhandled", `oops`, "", "oops", true, false},
		{"wrong json types", "Unhandled", `{"errorMessage":1}`, "", `{"errorMessage":1}`, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := parseFunctionError(tt.kind, []byte(tt.payload))
			if fe.Type != tt.wantType || fe.Message != tt.wantMsg || fe.Retryable() != tt.retry || fe.Timeout() != tt.timeout || fe.Kind != tt.kind {
				t.Errorf("got %+v retry=%v timeout=%v", fe, fe.Retryable(), fe.Timeout())
			}
		})
	}
}

// TestPermanentFunctionError: a worker error of type hsfan.Permanent reaches the fan-out as a
// fanout.TaskError that is not retried, even when its document says retryable.
func TestPermanentFunctionError(t *testing.T) {
	inv := &Invoker{cfg: Config{Function: "f"}}
	for _, doc := range []string{
		`{"errorMessage":"task bucket \"x\" is not allowed","errorType":"hsfan.Permanent"}`,
		`{"errorMessage":"task bucket \"x\" is not allowed","errorType":"hsfan.Permanent","retryable":true}`,
	} {
		_, err := inv.answer(&lambda.InvokeOutput{FunctionError: aws.String("Unhandled"), Payload: []byte(doc)}, fanout.InvokeStats{})
		var te *fanout.TaskError
		var fe *FunctionError
		if !errors.As(err, &te) || te.Type != ErrorTypePermanent || te.Retryable() || fanout.IsRetryable(err) || !errors.As(err, &fe) {
			t.Errorf("%s: err %v (%T), want a permanent fanout.TaskError wrapping the FunctionError", doc, err, err)
		}
	}
}
