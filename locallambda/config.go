package locallambda

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Lambda limits the service enforces.
const (
	// MaxSyncPayload is the request and response limit of RequestResponse
	// invocations (6 MB).
	MaxSyncPayload = 6 * 1024 * 1024
	// MaxEventPayload is the request limit of Event invocations (1 MB).
	MaxEventPayload = 1024 * 1024
	// LogTailSize is the size of the X-Amz-Log-Result tail (4 KB).
	LogTailSize = 4096
)

// Defaults applied by [Config] validation.
const (
	DefaultConcurrency = 10
	DefaultTimeout     = 3 * time.Second
	DefaultInitTimeout = 10 * time.Second
	DefaultMemoryMB    = 128
	DefaultRegion      = "us-east-1"
	DefaultAccountID   = "000000000000"
)

// FunctionConfig describes one function.
type FunctionConfig struct {
	// Path is the bootstrap executable.
	Path string
	// Concurrency is the maximum number of sandboxes (reserved concurrency);
	// 0 means DefaultConcurrency.
	Concurrency int
	// Timeout is the invocation timeout; 0 means DefaultTimeout.
	Timeout time.Duration
	// InitTimeout bounds the start-up of a sandbox (until the runtime first
	// asks for an invocation); 0 means DefaultInitTimeout.
	InitTimeout time.Duration
	// MemoryMB is the configured memory size reported to the function and
	// in REPORT lines; 0 means DefaultMemoryMB. It is not enforced.
	MemoryMB int
	// Env is added to the sandbox environment (Lambda's reserved variables
	// win over it).
	Env map[string]string
}

// Faults configures fault injection in the Invoke path. Rates are
// probabilities in [0, 1] drawn per invocation from a source seeded by Seed.
type Faults struct {
	// ThrottleRate answers 429 TooManyRequestsException before running.
	ThrottleRate float64
	// FailRate answers a function error (errorType "InjectedFailure")
	// without running the function.
	FailRate float64
	// CrashRate kills the sandbox process right after it received the
	// invocation; the caller sees Runtime.ExitError.
	CrashRate float64
	// Delay is slept before dispatch, while holding the sandbox (it stands
	// in for storage latency and counts in the duration).
	Delay time.Duration
	// Seed seeds the random source; equal seeds give equal fault draws for
	// equal invocation orders.
	Seed uint64
}

// Config configures a [Service].
type Config struct {
	// Functions maps function names to their configuration.
	Functions map[string]FunctionConfig
	// Faults configures fault injection (zero: none).
	Faults Faults
	// Region and AccountID appear in ARNs and the sandbox environment.
	// Empty Region means DefaultRegion (hsfan lambda-local passes $AWS_REGION).
	Region    string
	AccountID string
	// Logger receives one line per invocation; nil discards.
	Logger *slog.Logger
	// FunctionOutput, if set, also receives the stdout and stderr of every
	// sandbox process (they always go to the invocation log tail).
	FunctionOutput io.Writer
	// Environ is the parent environment ("KEY=value" entries; hsfan
	// lambda-local passes os.Environ()) whose AWS_*, HSFAN_*, PATH, HOME,
	// TMPDIR and SSL_CERT_* variables the sandboxes inherit; nil: none.
	Environ []string
}

// normalize validates c and returns a copy with defaults filled in.
func (c Config) normalize() (Config, error) {
	if len(c.Functions) == 0 {
		return c, errors.New("locallambda: no functions configured")
	}
	out := c
	out.Functions = make(map[string]FunctionConfig, len(c.Functions))
	names := make([]string, 0, len(c.Functions))
	for name := range c.Functions {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		fc, err := c.Functions[name].normalize(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out.Functions[name] = fc
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"throttle rate", c.Faults.ThrottleRate}, {"fail rate", c.Faults.FailRate}, {"crash rate", c.Faults.CrashRate}} {
		if !(r.v >= 0 && r.v <= 1) {
			errs = append(errs, fmt.Errorf("locallambda: %s %v is not in [0, 1]", r.name, r.v))
		}
	}
	if c.Faults.Delay < 0 {
		errs = append(errs, fmt.Errorf("locallambda: negative delay %s", c.Faults.Delay))
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	if out.Region == "" {
		out.Region = DefaultRegion
	}
	if out.AccountID == "" {
		out.AccountID = DefaultAccountID
	}
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	return out, nil
}

func (fc FunctionConfig) normalize(name string) (FunctionConfig, error) {
	if err := validateFunctionName(name); err != nil {
		return fc, err
	}
	if fc.Path == "" {
		return fc, fmt.Errorf("locallambda: function %s: no bootstrap path", name)
	}
	abs, err := filepath.Abs(fc.Path)
	if err != nil {
		return fc, fmt.Errorf("locallambda: function %s: bootstrap path: %w", name, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return fc, fmt.Errorf("locallambda: function %s: bootstrap: %w", name, err)
	}
	if st.IsDir() || st.Mode().Perm()&0o111 == 0 {
		return fc, fmt.Errorf("locallambda: function %s: bootstrap %s is not an executable file", name, abs)
	}
	fc.Path = abs
	switch {
	case fc.Concurrency < 0:
		return fc, fmt.Errorf("locallambda: function %s: negative concurrency %d", name, fc.Concurrency)
	case fc.Concurrency == 0:
		fc.Concurrency = DefaultConcurrency
	}
	switch {
	case fc.Timeout < 0:
		return fc, fmt.Errorf("locallambda: function %s: negative timeout %s", name, fc.Timeout)
	case fc.Timeout == 0:
		fc.Timeout = DefaultTimeout
	}
	switch {
	case fc.InitTimeout < 0:
		return fc, fmt.Errorf("locallambda: function %s: negative init timeout %s", name, fc.InitTimeout)
	case fc.InitTimeout == 0:
		fc.InitTimeout = DefaultInitTimeout
	}
	switch {
	case fc.MemoryMB < 0:
		return fc, fmt.Errorf("locallambda: function %s: negative memory %d MB", name, fc.MemoryMB)
	case fc.MemoryMB == 0:
		fc.MemoryMB = DefaultMemoryMB
	}
	env := make(map[string]string, len(fc.Env))
	for k, v := range fc.Env {
		env[k] = v
	}
	fc.Env = env
	return fc, nil
}
