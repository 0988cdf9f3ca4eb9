package locallambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
)

func TestEchoRoundTrip(t *testing.T) {
	e := newEnv(t, Config{Region: "eu-west-1", AccountID: "123456789012"})
	arn := "arn:aws:lambda:eu-west-1:123456789012:function:echo"
	tests := []struct {
		name, ref, wantARN string
	}{
		{"name", "echo", arn},
		{"name and qualifier", "echo:$LATEST", arn + ":$LATEST"},
		{"alias", "echo:live", arn + ":live"},
		{"ARN", arn, arn},
		{"partial ARN", "123456789012:function:echo", arn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := e.invoke(t, tt.ref, event{Mode: "echo", Data: []byte(`{"x":[1,2,3],"s":"ü"}`)})
			if out.StatusCode != 200 || aws.ToString(out.ExecutedVersion) != "$LATEST" {
				t.Errorf("status %d version %q", out.StatusCode, aws.ToString(out.ExecutedVersion))
			}
			r := decodeReply(t, out)
			if string(r.Echo) != `{"x":[1,2,3],"s":"ü"}` {
				t.Errorf("echo = %s", r.Echo)
			}
			reqID, _ := awsmw.GetRequestIDMetadata(out.ResultMetadata)
			if r.RequestID == "" || r.RequestID != reqID {
				t.Errorf("function saw request id %q, response header %q", r.RequestID, reqID)
			}
			if r.ARN != tt.wantARN {
				t.Errorf("invoked ARN %q, want %q", r.ARN, tt.wantARN)
			}
			if d := time.Until(time.UnixMilli(r.Deadline)); d < 3*time.Second || d > 5*time.Second+time.Millisecond { // rounded up to the ms
				t.Errorf("deadline in %s, want about 5s", d)
			}
		})
	}
	t.Run("client context", func(t *testing.T) {
		cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"job":"j-1"}}`))
		out, err := e.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo"), ClientContext: aws.String(cc)})
		if err != nil {
			t.Fatal(err)
		}
		if r := decodeReply(t, out); r.Client["job"] != "j-1" {
			t.Errorf("client context custom = %v", r.Client)
		}
		_, err = e.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo"), ClientContext: aws.String("not base64!")})
		var ip *types.InvalidParameterValueException
		if !errors.As(err, &ip) {
			t.Errorf("bad client context: %v", err)
		}
	})
	t.Run("environment", func(t *testing.T) {
		r := decodeReply(t, e.invoke(t, "echo", event{}))
		want := map[string]string{
			"AWS_LAMBDA_FUNCTION_NAME":        "echo",
			"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
			"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
			"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/echo",
			"AWS_REGION":                      "eu-west-1",
			"AWS_DEFAULT_REGION":              "eu-west-1",
			"_HANDLER":                        "bootstrap",
			"LAMBDA_TASK_ROOT":                filepath.Dir(needEcho(t)),
			"ECHOFN_MARK":                     "m1",
		}
		for k, v := range want {
			if r.Env[k] != v {
				t.Errorf("%s = %q, want %q", k, r.Env[k], v)
			}
		}
		if !regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(r.Env["AWS_LAMBDA_RUNTIME_API"]) {
			t.Errorf("AWS_LAMBDA_RUNTIME_API = %q", r.Env["AWS_LAMBDA_RUNTIME_API"])
		}
		if !strings.Contains(r.Env["AWS_LAMBDA_LOG_STREAM_NAME"], "/[$LATEST]") {
			t.Errorf("AWS_LAMBDA_LOG_STREAM_NAME = %q", r.Env["AWS_LAMBDA_LOG_STREAM_NAME"])
		}
	})
}

func TestFunctionErrors(t *testing.T) {
	e := newEnv(t, Config{})
	tests := []struct {
		name        string
		ev          event
		wantType    string
		wantMessage string
		wantStack   bool
		replaced    bool // the sandbox process is replaced afterwards
	}{
		{"returned error", event{Mode: "error", Message: "bad selection"}, "fnError", "bad selection", false, false},
		{"panic", event{Mode: "panic", Message: "boom"}, "string", "echofn panic: boom", true, true},
		{"crash", event{Mode: "crash"}, "Runtime.ExitError", "Error: Runtime exited with error: exit status 3", false, true},
		{"response too large", event{Mode: "big", Size: MaxSyncPayload}, "Function.ResponseSizeTooLarge",
			"Response payload size exceeded maximum allowed payload size (6291556 bytes).", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := decodeReply(t, e.invoke(t, "echo", event{})).PID
			out := e.invoke(t, "echo", tt.ev)
			if out.StatusCode != 200 {
				t.Errorf("status %d, want 200", out.StatusCode)
			}
			fe := decodeError(t, out)
			if fe.ErrorType != tt.wantType || !strings.Contains(fe.ErrorMessage, tt.wantMessage) {
				t.Errorf("error = %+v, want type %q message containing %q", fe, tt.wantType, tt.wantMessage)
			}
			if tt.ev.Mode == "crash" && !strings.Contains(decodeLog(t, out), "crashing now\n") {
				t.Errorf("log tail lacks the output before the crash:\n%s", decodeLog(t, out))
			}
			if (len(fe.StackTrace) > 0) != tt.wantStack {
				t.Errorf("stack trace %v, want present=%v", fe.StackTrace, tt.wantStack)
			}
			after := decodeReply(t, e.invoke(t, "echo", event{})).PID
			if (after != before) != tt.replaced {
				t.Errorf("pid %d -> %d, want replaced=%v", before, after, tt.replaced)
			}
		})
	}
	t.Run("response at the limit", func(t *testing.T) {
		out := e.invoke(t, "echo", event{Mode: "big", Size: MaxSyncPayload - 2})
		if out.FunctionError != nil || len(out.Payload) != MaxSyncPayload {
			t.Errorf("function error %v, %d bytes, want none and %d", out.FunctionError, len(out.Payload), MaxSyncPayload)
		}
	})
	s := e.svc.Stats().Functions["echo"]
	if s.Errors != 4 || s.Crashes != 1 || s.SandboxesStarted != 3 {
		t.Errorf("stats %+v, want 4 errors, 1 crash, 3 sandboxes", s)
	}
}

func TestTimeoutReplacesSandbox(t *testing.T) {
	e := newEnv(t, Config{Functions: map[string]FunctionConfig{
		"echo": fnConfig(t, func(fc *FunctionConfig) { fc.Timeout = 300 * time.Millisecond }),
	}})
	// "sleep" ignores the deadline; "sleepctx" answers its context error
	// right at the deadline, which is a timeout too.
	for i, mode := range []string{"sleep", "sleepctx"} {
		t.Run(mode, func(t *testing.T) {
			first := decodeReply(t, e.invoke(t, "echo", event{}))
			start := time.Now()
			out := e.invoke(t, "echo", event{Mode: mode, MS: 5000})
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("timed out invocation took %s", el)
			}
			fe := decodeError(t, out)
			if fe.ErrorType != "Sandbox.Timedout" || !strings.HasSuffix(fe.ErrorMessage, "Error: Task timed out after 0.30 seconds") {
				t.Errorf("error = %+v", fe)
			}
			log := decodeLog(t, out)
			if !strings.Contains(log, "Task timed out after 0.30 seconds\n") || !strings.Contains(log, "Status: timeout") {
				t.Errorf("log tail lacks the timeout lines:\n%s", log)
			}
			waitFor(t, "old sandbox to die", func() bool { return processGone(first.PID) })
			next := e.invoke(t, "echo", event{})
			if r := decodeReply(t, next); r.PID == first.PID {
				t.Errorf("sandbox %d reused after timeout", r.PID)
			}
			if !strings.Contains(decodeLog(t, next), "Init Duration: ") {
				t.Errorf("invocation after a timeout is not a cold start")
			}
			s := e.svc.Stats().Functions["echo"]
			n := int64(i + 1)
			if s.Timeouts != n || s.ColdStarts != n+1 || s.WarmStarts != 2*n-1 || s.SandboxesStarted != n+1 || s.Sandboxes != 1 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

// decodeLog returns the decoded X-Amz-Log-Result.
func decodeLog(t testing.TB, out *lambda.InvokeOutput) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil {
		t.Fatalf("log result: %v", err)
	}
	return string(b)
}

var reportRE = regexp.MustCompile(`(?m)^REPORT RequestId: ([0-9a-f-]{36})\tDuration: (\d+\.\d\d) ms\tBilled Duration: (\d+) ms\tMemory Size: 256 MB\tMax Memory Used: (\d+) MB\t(Init Duration: (\d+\.\d\d) ms\t)?$`)

func TestColdWarmAndLogTail(t *testing.T) {
	e := newEnv(t, Config{})
	var pids []int
	for i := 0; i < 3; i++ {
		out := e.invoke(t, "echo", event{Mode: "log", Message: "hello-" + string(rune('a'+i))})
		r := decodeReply(t, out)
		pids = append(pids, r.PID)
		log := decodeLog(t, out)
		for _, want := range []string{
			"START RequestId: " + r.RequestID + " Version: $LATEST\n",
			"stdout: hello-" + string(rune('a'+i)) + "\n",
			"stderr: hello-" + string(rune('a'+i)) + "\n",
			"END RequestId: " + r.RequestID + "\n",
		} {
			if !strings.Contains(log, want) {
				t.Errorf("invocation %d: log lacks %q:\n%s", i, want, log)
			}
		}
		m := reportRE.FindStringSubmatch(log)
		if m == nil || m[1] != r.RequestID {
			t.Fatalf("invocation %d: no REPORT line for %s:\n%s", i, r.RequestID, log)
		}
		if cold := m[5] != ""; cold != (i == 0) {
			t.Errorf("invocation %d: cold=%v", i, cold)
		}
		if m[4] == "0" {
			t.Errorf("Max Memory Used 0")
		}
		if !strings.HasSuffix(log, "\t\n") {
			t.Errorf("REPORT line does not end with a tab and newline: %q", log[len(log)-10:])
		}
	}
	if pids[0] != pids[1] || pids[1] != pids[2] {
		t.Errorf("pids %v, want one warm sandbox", pids)
	}
	t.Run("tail is the last 4 KB", func(t *testing.T) {
		out := e.invoke(t, "echo", event{Mode: "log", Message: strings.Repeat("y", 10000)})
		log := decodeLog(t, out)
		if len(log) != LogTailSize || !reportRE.MatchString(log) {
			t.Errorf("tail of %d bytes, want %d ending with REPORT", len(log), LogTailSize)
		}
	})
	t.Run("no tail unless asked", func(t *testing.T) {
		out, err := e.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo")})
		if err != nil {
			t.Fatal(err)
		}
		if out.LogResult != nil {
			t.Errorf("LogResult set without LogType Tail")
		}
	})
	s := e.getStats(t)
	if f := s.Functions["echo"]; f.ColdStarts != 1 || f.WarmStarts != 4 || f.Invocations != 5 || f.InitDurationMS.Count != 1 {
		t.Errorf("stats %+v", f)
	}
}

func TestServiceErrors(t *testing.T) {
	e := newEnv(t, Config{Functions: map[string]FunctionConfig{
		"echo": fnConfig(t, func(fc *FunctionConfig) { fc.Concurrency = 1 }),
	}})
	ctx := context.Background()

	t.Run("not found", func(t *testing.T) {
		_, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("nope")})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) || !strings.Contains(aws.ToString(nf.Message), "Function not found: arn:aws:lambda:") ||
			aws.ToString(nf.Type) != "User" || httpStatus(err) != 404 {
			t.Errorf("err = %v, want ResourceNotFoundException 404", err)
		}
	})
	t.Run("request too large", func(t *testing.T) {
		_, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: bytes.Repeat([]byte(" "), MaxSyncPayload+1)})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "RequestEntityTooLargeException" || httpStatus(err) != 413 ||
			ae.ErrorMessage() != "Request must be smaller than 6291456 bytes for the InvokeFunction operation" {
			t.Errorf("err = %v, want RequestEntityTooLargeException 413", err)
		}
	})
	t.Run("request at the limit", func(t *testing.T) {
		ev := mustJSON(t, event{Mode: "echo"})
		ev = append(ev[:len(ev)-1], []byte(`,"pad":"`)...)
		ev = append(ev, bytes.Repeat([]byte("p"), MaxSyncPayload-len(ev)-2)...)
		ev = append(ev, '"', '}')
		out, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: ev})
		if err != nil || out.FunctionError != nil {
			t.Fatalf("%d-byte request: %v %v", len(ev), err, out)
		}
	})
	t.Run("bad invocation type", func(t *testing.T) {
		_, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: "Sometimes"})
		var ip *types.InvalidParameterValueException
		if !errors.As(err, &ip) || httpStatus(err) != 400 {
			t.Errorf("err = %v, want InvalidParameterValueException", err)
		}
	})
	t.Run("throttled when all sandboxes are busy", func(t *testing.T) {
		done := make(chan error, 1)
		go func() {
			_, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: mustJSON(t, event{Mode: "sleep", MS: 700})})
			done <- err
		}()
		f := e.svc.funcs["echo"]
		waitFor(t, "the sandbox to be busy", func() bool { return len(f.slots) == 1 })
		_, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo")})
		var tm *types.TooManyRequestsException
		if !errors.As(err, &tm) || tm.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded ||
			aws.ToString(tm.Message) != "Rate Exceeded." || httpStatus(err) != 429 {
			t.Errorf("err = %v, want TooManyRequestsException", err)
		}
		if err := <-done; err != nil {
			t.Errorf("busy invocation: %v", err)
		}
		if th := e.svc.Stats().Functions["echo"].Throttles; th != 1 {
			t.Errorf("throttles = %d, want 1", th)
		}
	})
}

// httpStatus returns the HTTP status of an SDK error, 0 if none.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func TestEventAndDryRun(t *testing.T) {
	e := newEnv(t, Config{Functions: map[string]FunctionConfig{
		"echo": fnConfig(t, func(fc *FunctionConfig) { fc.Concurrency = 1 }),
	}})
	ctx := context.Background()
	out, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || out.StatusCode != 204 {
		t.Fatalf("DryRun: %v status %v", err, out)
	}
	if n := e.svc.Stats().Total.SandboxesStarted; n != 0 {
		t.Errorf("DryRun started %d sandboxes", n)
	}
	// Three events on one sandbox: they queue instead of being throttled.
	for i := 0; i < 3; i++ {
		out, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: types.InvocationTypeEvent,
			Payload: mustJSON(t, event{Mode: "sleep", MS: 50})})
		if err != nil || out.StatusCode != 202 || len(out.Payload) != 0 {
			t.Fatalf("Event: %v %+v", err, out)
		}
	}
	waitFor(t, "three event invocations", func() bool { return e.svc.Stats().Functions["echo"].Invocations == 3 })
	if s := e.svc.Stats().Functions["echo"]; s.Events != 3 || s.Errors != 0 || s.ColdStarts != 1 || s.Throttles != 0 {
		t.Errorf("stats %+v", s)
	}
	_, err = e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: types.InvocationTypeEvent,
		Payload: bytes.Repeat([]byte(" "), MaxEventPayload+1)})
	if httpStatus(err) != 413 {
		t.Errorf("oversized event: %v, want 413", err)
	}
}

func TestFaultInjection(t *testing.T) {
	tests := []struct {
		name     string
		faults   Faults
		check    func(t *testing.T, out *lambda.InvokeOutput, err error)
		wantStat func(s FunctionStats) bool
	}{
		{"throttle", Faults{ThrottleRate: 1}, func(t *testing.T, _ *lambda.InvokeOutput, err error) {
			var tm *types.TooManyRequestsException
			if !errors.As(err, &tm) {
				t.Errorf("err = %v, want TooManyRequestsException", err)
			}
		}, func(s FunctionStats) bool { return s.Throttles == 1 && s.Invocations == 0 && s.SandboxesStarted == 0 }},
		{"fail", Faults{FailRate: 1}, func(t *testing.T, out *lambda.InvokeOutput, err error) {
			if err != nil {
				t.Fatal(err)
			}
			if fe := decodeError(t, out); fe.ErrorType != "InjectedFailure" {
				t.Errorf("error %+v", fe)
			}
		}, func(s FunctionStats) bool { return s.InjectedFailures == 1 && s.Errors == 1 }},
		{"crash", Faults{CrashRate: 1}, func(t *testing.T, out *lambda.InvokeOutput, err error) {
			if err != nil {
				t.Fatal(err)
			}
			if fe := decodeError(t, out); fe.ErrorType != "Runtime.ExitError" || !strings.HasSuffix(fe.ErrorMessage, "Runtime exited with error: signal: killed") {
				t.Errorf("error %+v", fe)
			}
		}, func(s FunctionStats) bool { return s.Crashes == 1 && s.Sandboxes == 0 }},
		{"delay", Faults{Delay: 200 * time.Millisecond}, func(t *testing.T, out *lambda.InvokeOutput, err error) {
			if err != nil || out.FunctionError != nil {
				t.Fatalf("%v %v", err, out)
			}
			m := reportRE.FindStringSubmatch(decodeLog(t, out))
			if m == nil || m[2] < "200" || len(m[2]) < 6 {
				t.Errorf("REPORT %v, want Duration >= 200 ms", m)
			}
		}, func(s FunctionStats) bool { return s.DurationMS.Max >= 200 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{Faults: tt.faults})
			out, err := e.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo"), LogType: types.LogTypeTail})
			tt.check(t, out, err)
			if s := e.svc.Stats().Functions["echo"]; !tt.wantStat(s) {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestInitFailures(t *testing.T) {
	dir := t.TempDir()
	exitScript := filepath.Join(dir, "exit7")
	if err := os.WriteFile(exitScript, []byte("#!/bin/sh\necho starting\nexit 7\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, Config{Functions: map[string]FunctionConfig{
		"exit": {Path: exitScript},
		"slow": fnConfig(t, func(fc *FunctionConfig) {
			fc.InitTimeout = 200 * time.Millisecond
			fc.Env = map[string]string{"ECHOFN_INIT_SLEEP_MS": "3000"}
		}),
	}})
	tests := []struct {
		fn, wantType, wantMsg string
	}{
		{"exit", "Runtime.ExitError", "Runtime exited with error: exit status 7"},
		{"slow", "Runtime.InitTimeout", "Init timed out after 0.20 seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.fn, func(t *testing.T) {
			out := e.invoke(t, tt.fn, event{})
			fe := decodeError(t, out)
			if fe.ErrorType != tt.wantType || !strings.Contains(fe.ErrorMessage, tt.wantMsg) {
				t.Errorf("error %+v, want %s %q", fe, tt.wantType, tt.wantMsg)
			}
			if s := e.svc.Stats().Functions[tt.fn]; s.InitErrors != 1 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestCloseKillsSandboxes(t *testing.T) {
	e := newEnv(t, Config{})
	var pids []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := e.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: mustJSON(t, event{Mode: "sleep", MS: 300})})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			pids = append(pids, decodeReply(t, out).PID)
			mu.Unlock()
		}()
	}
	wg.Wait()
	// One more in flight while closing: it must end promptly.
	done := make(chan error, 1)
	go func() {
		_, err := e.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: mustJSON(t, event{Mode: "sleep", MS: 4000})})
		done <- err
	}()
	f := e.svc.funcs["echo"]
	waitFor(t, "the sleeper to start", func() bool { return len(f.slots) == 1 })
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %s", d)
	}
	if err := <-done; httpStatus(err) != http.StatusInternalServerError {
		t.Errorf("in-flight invocation at Close: %v, want ServiceException", err)
	}
	for _, pid := range pids {
		if !processGone(pid) {
			t.Errorf("sandbox process %d survived Close", pid)
		}
	}
	_, err := e.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo")})
	if httpStatus(err) != http.StatusInternalServerError {
		t.Errorf("invoke after Close: %v, want 500", err)
	}
}
