package awslambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/locallambda"
	"github.com/hsfan/hsfan/locallambda/locallambdatest"
)

// echo is the test bootstrap, built on first use by needEcho.
var echo = locallambdatest.Echo{Prefix: "awslambda-test-"}

// needEcho builds the test bootstrap once and returns its path.
func needEcho(tb testing.TB) string {
	tb.Helper()
	return echo.Path(tb)
}

func TestMain(m *testing.M) { os.Exit(echo.RunMain(m)) }

// startService runs lambda-local with function "echo" behind handler
// middleware wrap (may be nil) and returns its URL.
func startService(t testing.TB, fc locallambda.FunctionConfig, faults locallambda.Faults, wrap func(http.Handler) http.Handler) (*locallambda.Service, string) {
	t.Helper()
	fc.Path = needEcho(t)
	if fc.MemoryMB == 0 {
		fc.MemoryMB = 256
	}
	svc, err := locallambda.New(locallambda.Config{Functions: map[string]locallambda.FunctionConfig{"echo": fc}, Faults: faults, Environ: os.Environ()})
	if err != nil {
		t.Fatal(err)
	}
	h := svc.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		svc.Close()
	})
	return svc, srv.URL
}

// newInvoker returns an invoker for url with static credentials.
func newInvoker(t testing.TB, url string, mod func(*Config)) *Invoker {
	t.Helper()
	cfg := Config{
		Function:    "echo",
		Region:      "us-east-1",
		Endpoint:    url,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BackoffBase: time.Millisecond,
		BackoffMax:  20 * time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	inv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

type echoReply struct {
	Echo      json.RawMessage `json:"echo"`
	RequestID string          `json:"requestId"`
	PID       int             `json:"pid"`
}

func TestInvokeEcho(t *testing.T) {
	_, url := startService(t, locallambda.FunctionConfig{Concurrency: 2}, locallambda.Faults{}, nil)
	inv := newInvoker(t, url, nil)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		res, err := inv.Invoke(ctx, []byte(fmt.Sprintf(`{"mode":"echo","data":{"n":%d}}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		var r echoReply
		if err := json.Unmarshal(res.Payload, &r); err != nil || string(r.Echo) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Fatalf("payload %s: %v", res.Payload, err)
		}
		st := res.Stats
		if st.ColdStart != (i == 0) || (st.InitDuration > 0) != (i == 0) {
			t.Errorf("invocation %d: cold %v init %s", i, st.ColdStart, st.InitDuration)
		}
		if st.Duration <= 0 || st.BilledDuration < st.Duration || st.BilledDuration < st.Duration+st.InitDuration ||
			st.MemoryMB != 256 || st.Retries != 0 || st.Throttles != 0 {
			t.Errorf("invocation %d: stats %+v", i, st)
		}
		if runtime.GOOS == "linux" && st.MaxMemoryUsedMB <= 0 { // lambda-local measures VmHWM on Linux
			t.Errorf("invocation %d: no Max Memory Used in the stats %+v", i, st)
		}
	}
}

func TestInvokeErrors(t *testing.T) {
	_, url := startService(t, locallambda.FunctionConfig{Concurrency: 2, Timeout: 10 * time.Second}, locallambda.Faults{}, nil)
	inv := newInvoker(t, url, nil)
	_, shortURL := startService(t, locallambda.FunctionConfig{Timeout: 300 * time.Millisecond}, locallambda.Faults{}, nil)
	short := newInvoker(t, shortURL, nil)
	tests := []struct {
		name      string
		invoker   *Invoker
		payload   string
		check     func(error) bool
		retryable bool
	}{
		{"function error", inv, `{"mode":"error","message":"nope"}`, func(err error) bool {
			var fe *FunctionError
			var te *fanout.TaskError // the fan-out's contract, the Lambda details behind it
			return errors.As(err, &fe) && fe.Type == "fnError" && fe.Message == "nope" && fe.Kind == "Unhandled" &&
				errors.As(err, &te) && te.Type == "fnError" && te.Message == "nope" && te.Retry
		}, true},
		{"timeout", short, `{"mode":"sleep","ms":3000}`, func(err error) bool {
			var fe *FunctionError
			return errors.As(err, &fe) && fe.Timeout() && fe.Type == "Sandbox.Timedout"
		}, true},
		{"crash", inv, `{"mode":"crash"}`, func(err error) bool {
			var fe *FunctionError
			return errors.As(err, &fe) && fe.Type == "Runtime.ExitError"
		}, true},
		{"response too large", inv, fmt.Sprintf(`{"mode":"big","size":%d}`, MaxPayload), func(err error) bool {
			var fe *FunctionError
			return errors.As(err, &fe) && fe.Type == "Function.ResponseSizeTooLarge"
		}, false},
		{"unknown function", newInvoker(t, url, func(c *Config) { c.Function = "nope" }), `{}`, func(err error) bool {
			var se *ServiceError
			return errors.As(err, &se) && se.StatusCode == 404 && se.Code == "ResourceNotFoundException"
		}, false},
		{"request too large", inv, `{"pad":"` + strings.Repeat("x", MaxPayload) + `"}`, func(err error) bool {
			var pe *PayloadTooLargeError
			return errors.As(err, &pe) && pe.Limit == MaxPayload
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.invoker.Invoke(context.Background(), []byte(tt.payload))
			if err == nil || !tt.check(err) {
				t.Fatalf("err = %v (%T)", err, errors.Unwrap(err))
			}
			var r interface{ Retryable() bool }
			if !errors.As(err, &r) || r.Retryable() != tt.retryable {
				t.Errorf("retryable = %v, want %v", r != nil && r.Retryable(), tt.retryable)
			}
			if res.Payload != nil {
				t.Errorf("payload %q on error", res.Payload)
			}
		})
	}
	t.Run("server-side 413 is not retryable", func(t *testing.T) {
		// Sent by a client without the local check: the service answers 413.
		_, err := inv.client.Invoke(context.Background(), inputFor(inv, make([]byte, MaxPayload+1)))
		var se *ServiceError
		if cerr := classify(err); !errors.As(cerr, &se) || se.StatusCode != 413 || se.Code != "RequestEntityTooLargeException" || se.Retryable() {
			t.Errorf("classify(%v) = %v", err, cerr)
		}
	})
}

func TestThrottleRetries(t *testing.T) {
	t.Run("exhausted", func(t *testing.T) {
		_, url := startService(t, locallambda.FunctionConfig{}, locallambda.Faults{ThrottleRate: 1}, nil)
		inv := newInvoker(t, url, func(c *Config) { c.MaxRetries = 2 })
		res, err := inv.Invoke(context.Background(), []byte(`{}`))
		var te *ThrottleError
		if !errors.As(err, &te) || !te.Retryable() || te.Reason != "ReservedFunctionConcurrentInvocationLimitExceeded" {
			t.Fatalf("err = %v", err)
		}
		if ft := (*fanout.ThrottleError)(nil); !errors.As(err, &ft) || !fanout.IsRetryable(err) {
			t.Fatalf("err = %v: not a fanout.ThrottleError (the fan-out counts throttles by that type)", err)
		}
		if res.Stats.Throttles != 3 || res.Stats.Retries != 2 {
			t.Errorf("stats %+v, want 3 throttles and 2 retries", res.Stats)
		}
		if w := inv.Admission().Window; w >= DefaultMaxConcurrency {
			t.Errorf("window %v not reduced by throttles", w)
		}
	})
	t.Run("5xx then success", func(t *testing.T) {
		var n atomic.Int32
		fail := func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch n.Add(1) {
				case 1:
					w.Header().Set("X-Amzn-Errortype", "ServiceException")
					w.WriteHeader(500)
					w.Write([]byte(`{"Type":"Service","message":"boom"}`))
				case 2:
					w.Header().Set("X-Amzn-Errortype", "TooManyRequestsException")
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(429)
					w.Write([]byte(`{"Type":"User","message":"Rate Exceeded.","Reason":"CallerRateLimitExceeded"}`))
				default:
					h.ServeHTTP(w, r)
				}
			})
		}
		_, url := startService(t, locallambda.FunctionConfig{}, locallambda.Faults{}, fail)
		inv := newInvoker(t, url, nil)
		res, err := inv.Invoke(context.Background(), []byte(`{"mode":"echo"}`))
		if err != nil {
			t.Fatal(err)
		}
		if res.Stats.Retries != 2 || res.Stats.Throttles != 1 || !res.Stats.ColdStart {
			t.Errorf("stats %+v", res.Stats)
		}
	})
	t.Run("cancelled while backing off", func(t *testing.T) {
		_, url := startService(t, locallambda.FunctionConfig{}, locallambda.Faults{ThrottleRate: 1}, nil)
		inv := newInvoker(t, url, func(c *Config) { c.BackoffBase = time.Hour; c.BackoffMax = time.Hour })
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := inv.Invoke(ctx, []byte(`{}`))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
		if s := inv.Admission(); s.InFlight != 0 {
			t.Errorf("admission leaked: %+v", s)
		}
	})
}

func TestStandardConfigChain(t *testing.T) {
	_, url := startService(t, locallambda.FunctionConfig{}, locallambda.Faults{}, nil)
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "eu-west-3")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", url)
	inv, err := New(context.Background(), Config{Function: "echo"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := inv.Invoke(context.Background(), []byte(`{"mode":"echo","data":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.Payload), `"echo":1`) {
		t.Errorf("payload %s", res.Payload)
	}
	t.Run("no region", func(t *testing.T) {
		t.Setenv("AWS_REGION", "")
		t.Setenv("AWS_DEFAULT_REGION", "")
		if _, err := New(context.Background(), Config{Function: "echo"}); err == nil || !strings.Contains(err.Error(), "no AWS region") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestLoopbackWithoutCredentials: with anonymous credentials (what hsfan run passes for a loopback
// endpoint when the environment has none) lambda-local is reached without any AWS configuration.
func TestLoopbackWithoutCredentials(t *testing.T) {
	_, url := startService(t, locallambda.FunctionConfig{}, locallambda.Faults{}, nil)
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	inv, err := New(context.Background(), Config{Function: "echo", Region: "us-east-1", Endpoint: url,
		Credentials: aws.AnonymousCredentials{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inv.Invoke(context.Background(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		url  string
		want bool
	}{{"http://127.0.0.1:9001", true}, {"http://localhost:1", true}, {"http://[::1]:2", true},
		{"https://lambda.us-east-1.amazonaws.com", false}, {"", false}, {"ftp://127.0.0.1", false}} {
		if got := IsLoopback(tt.url); got != tt.want {
			t.Errorf("IsLoopback(%q) = %v", tt.url, got)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no function", Config{}, "no function"},
		{"negative concurrency", Config{Function: "f", MaxConcurrency: -1}, "negative max concurrency"},
		{"NaN rate", Config{Function: "f", ScaleRate: nan()}, "scale rate"},
		{"negative backoff", Config{Function: "f", BackoffBase: -1}, "negative backoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(context.Background(), tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func nan() float64 {
	z := 0.0
	return z / z
}

// TestFanOutWithFaults runs 2,000 invocations at concurrency 64 against a
// service with 16 sandboxes and injected throttles, failures and crashes,
// retrying retryable errors as the coordinator does: every invocation
// succeeds exactly once and nothing is lost.
func TestFanOutWithFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	svc, url := startService(t, locallambda.FunctionConfig{Concurrency: 16},
		locallambda.Faults{ThrottleRate: 0.1, FailRate: 0.05, CrashRate: 0.01, Seed: 7}, nil)
	inv := newInvoker(t, url, func(c *Config) { c.MaxConcurrency = 64; c.MaxRetries = 20 })
	const n, workers, attempts = 2000, 64, 10
	var (
		mu                  sync.Mutex
		seen                = make(map[int]int)
		throttles, retries  int
		funcRetries, failed int
	)
	ctx := context.Background()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				var res fanout.Result
				var err error
				tries, th, rt := 0, 0, 0
				for tries = 1; tries <= attempts; tries++ {
					res, err = inv.Invoke(ctx, []byte(fmt.Sprintf(`{"mode":"echo","data":%d}`, i)))
					th += res.Stats.Throttles
					rt += res.Stats.Retries
					var r interface{ Retryable() bool }
					if err == nil || !errors.As(err, &r) || !r.Retryable() {
						break
					}
				}
				mu.Lock()
				throttles += th
				retries += rt
				funcRetries += tries - 1
				if err != nil {
					failed++
					t.Errorf("job %d: %v", i, err)
				} else {
					var r echoReply
					if jerr := json.Unmarshal(res.Payload, &r); jerr != nil || string(r.Echo) != fmt.Sprint(i) {
						t.Errorf("job %d: payload %s", i, res.Payload)
					}
					seen[i]++
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if len(seen) != n || failed != 0 {
		t.Fatalf("%d of %d jobs answered, %d failed", len(seen), n, failed)
	}
	st := svc.Stats().Functions["echo"]
	t.Logf("invoker: %d throttles, %d internal retries, %d function-error retries; service: %+v", throttles, retries, funcRetries, st)
	if throttles == 0 || funcRetries == 0 || st.Crashes == 0 || st.InjectedFailures == 0 {
		t.Errorf("faults not exercised: throttles %d, function retries %d, stats %+v", throttles, funcRetries, st)
	}
	if got := st.Invocations - st.Errors; got != n {
		t.Errorf("service ran %d successful invocations, want exactly %d", got, n)
	}
	if int64(throttles) != st.Throttles {
		t.Errorf("invoker saw %d throttles, service sent %d", throttles, st.Throttles)
	}
	// Warm sandboxes are reused: new processes come only from the 16 slots and from crashes (a
	// crashed sandbox is replaced, and under load a replacement can itself be found dead at its
	// first pickup and be replaced again).
	if st.SandboxesStarted > 16+2*st.Crashes {
		t.Errorf("%d sandboxes started for 16 slots and %d crashes", st.SandboxesStarted, st.Crashes)
	}
}
