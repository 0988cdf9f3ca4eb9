package locallambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/hsfan/hsfan/locallambda/locallambdatest"
)

// echo is the test bootstrap, built on first use by needEcho.
var echo = locallambdatest.Echo{Prefix: "locallambda-test-"}

// needEcho builds the test bootstrap once and returns its path.
func needEcho(tb testing.TB) string {
	tb.Helper()
	return echo.Path(tb)
}

func TestMain(m *testing.M) { os.Exit(echo.RunMain(m)) }

// env is a running service with an SDK client pointed at it.
type env struct {
	svc    *Service
	srv    *httptest.Server
	client *lambda.Client
}

// fnConfig returns the echo function's config with overrides.
func fnConfig(tb testing.TB, mod func(*FunctionConfig)) FunctionConfig {
	fc := FunctionConfig{Path: needEcho(tb), Concurrency: 4, Timeout: 5 * time.Second, MemoryMB: 256,
		Env: map[string]string{"ECHOFN_MARK": "m1"}}
	if mod != nil {
		mod(&fc)
	}
	return fc
}

// newEnv starts a service with function "echo" (and any extra).
func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	if cfg.Functions == nil {
		cfg.Functions = map[string]FunctionConfig{"echo": fnConfig(t, nil)}
	}
	if cfg.Environ == nil {
		cfg.Environ = os.Environ() // what hsfan lambda-local passes
	}
	svc, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(svc.Handler())
	srv.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 128
	client := lambda.New(lambda.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   srv.Client(),
	})
	t.Cleanup(func() {
		srv.Close()
		if err := svc.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		srv.Client().CloseIdleConnections()
	})
	return &env{svc: svc, srv: srv, client: client}
}

// event is the test function's event.
type event struct {
	Mode    string          `json:"mode"`
	Data    json.RawMessage `json:"data,omitempty"`
	MS      int             `json:"ms,omitempty"`
	Size    int             `json:"size,omitempty"`
	Message string          `json:"message,omitempty"`
	Pad     string          `json:"pad,omitempty"`
}

// reply is the test function's answer.
type reply struct {
	Echo      json.RawMessage   `json:"echo"`
	RequestID string            `json:"requestId"`
	ARN       string            `json:"arn"`
	PID       int               `json:"pid"`
	Deadline  int64             `json:"deadlineMs"`
	Env       map[string]string `json:"env"`
	Client    map[string]string `json:"client"`
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// invoke calls the function with ev, tail logs on.
func (e *env) invoke(t testing.TB, name string, ev event) *lambda.InvokeOutput {
	t.Helper()
	out, err := e.client.Invoke(context.Background(), &lambda.InvokeInput{
		FunctionName: aws.String(name),
		Payload:      mustJSON(t, ev),
		LogType:      "Tail",
	})
	if err != nil {
		t.Fatalf("Invoke %s %+v: %v", name, ev, err)
	}
	return out
}

// decodeReply parses a successful answer.
func decodeReply(t testing.TB, out *lambda.InvokeOutput) reply {
	t.Helper()
	if out.FunctionError != nil {
		t.Fatalf("function error %s: %s", *out.FunctionError, out.Payload)
	}
	var r reply
	if err := json.Unmarshal(out.Payload, &r); err != nil {
		t.Fatalf("decode %q: %v", out.Payload, err)
	}
	return r
}

// fnError is Lambda's function error document.
type fnError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
	StackTrace   []any  `json:"stackTrace"`
}

func decodeError(t testing.TB, out *lambda.InvokeOutput) fnError {
	t.Helper()
	if out.FunctionError == nil || *out.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError = %v, want Unhandled (payload %.200s)", out.FunctionError, out.Payload)
	}
	var fe fnError
	if err := json.Unmarshal(out.Payload, &fe); err != nil {
		t.Fatalf("decode error %q: %v", out.Payload, err)
	}
	return fe
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// processGone reports whether pid no longer runs (or is a zombie).
func processGone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] == "Z"
}

// getStats reads GET /stats.
func (e *env) getStats(t testing.TB) Stats {
	t.Helper()
	resp, err := e.srv.Client().Get(e.srv.URL + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /stats: %s", resp.Status)
	}
	var s Stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
