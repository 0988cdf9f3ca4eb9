package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hsfan/hsfan/locallambda"
)

// defaultLambdaLocalAddr is loopback: the Invoke API has no authentication.
const defaultLambdaLocalAddr = "127.0.0.1:9001"

// isLoopback reports whether a listener's address is a loopback address.
func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

const lambdaLocalUsage = `Usage: hsfan lambda-local --function NAME=PATH [flags]

Serves the AWS Lambda Invoke API on --addr and runs each function's sandboxes as real processes of
its bootstrap executable (build the worker with 'make worker': bin/bootstrap), each with its own
Runtime API endpoint and Lambda's environment variables. 'hsfan run --invoker local' sends its
tasks here. Faults can be injected.

It listens on 127.0.0.1:9001 (loopback only) by default: the Invoke API has no authentication, so
listening on another address (--addr) lets anyone who reaches it run the functions, and a warning
is logged. The workers read only the store and bucket of their environment: --store and --bucket
(or HSFAN_STORE and HSFAN_BUCKET inherited from this process, or --env), plus HSFAN_ALLOWED_STORES,
HSFAN_ALLOWED_BUCKETS and HSFAN_REF_ALLOW; a task naming any other store or bucket is refused. It runs until interrupted: Ctrl-C in its terminal, or
'kill PID' when started in the background with & ($! is that PID), stops it and its sandboxes.
`

const lambdaLocalExamples = `  make worker build
  bin/hsfan lambda-local --function hsfan-worker=bin/bootstrap --store file://$PWD/data --bucket hsfan --concurrency 2 --timeout 120s & LAMBDA_PID=$!
  bin/hsfan run mean --store file://$PWD/data --domain /shared/sst/mur25.h5 --dataset /analysed_sst \
      --reduce lat,lon --invoker local --concurrency 2 --out out-local
  kill $LAMBDA_PID
`

var lambdaLocalGroups = []flagGroup{
	{"Service", []string{"addr", "function", "env", "quiet"}},
	{"Workers' store", []string{"store", "bucket"}},
	{"Sandboxes", []string{"concurrency", "timeout", "memory"}},
	{"Fault injection", []string{"fail-rate", "throttle-rate", "crash-rate", "delay", "seed"}},
}

// runLambdaLocal serves the Lambda Invoke API with real bootstrap processes
// until ctx is cancelled.
func runLambdaLocal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lambda-local", flag.ContinueOnError)
	addr := fs.String("addr", defaultLambdaLocalAddr, "listen address: loopback only by default; anyone who can reach another\n"+
		"address can invoke the functions (a warning is logged)")
	storeURL := fs.String("store", "", "store URL of the workers (sets HSFAN_STORE in their environment; file:// paths made absolute)")
	bucket := fs.String("bucket", "", "bucket of the workers (sets HSFAN_BUCKET)")
	functions := map[string]string{}
	fs.Func("function", "`NAME=PATH` of a bootstrap executable (repeatable, at least one)", func(v string) error {
		name, path, ok := strings.Cut(v, "=")
		if !ok || name == "" || path == "" {
			return fmt.Errorf("want NAME=PATH, got %q", v)
		}
		if _, dup := functions[name]; dup {
			return fmt.Errorf("function %s given twice", name)
		}
		functions[name] = path
		return nil
	})
	env := map[string]string{}
	fs.Func("env", "`KEY=VALUE` added to every function's environment (repeatable)", func(v string) error {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return fmt.Errorf("want KEY=VALUE, got %q", v)
		}
		env[k] = val
		return nil
	})
	concurrency, memory := new(int), new(int)
	timeout, delay := new(time.Duration), new(time.Duration)
	failRate, throttleRate, crashRate := new(float64), new(float64), new(float64)
	intVar(fs, concurrency, "concurrency", locallambda.DefaultConcurrency, 1, 1000, "sandboxes per function (reserved concurrency)")
	durationVar(fs, timeout, "timeout", locallambda.DefaultTimeout, time.Millisecond, 15*time.Minute, "invocation timeout (Lambda's 1 ms .. 15 min)")
	intVar(fs, memory, "memory", locallambda.DefaultMemoryMB, minLambdaMB, maxLambdaMB, "memory size in MB reported to functions")
	floatVar(fs, failRate, "fail-rate", 0, 0, 1, "probability of an injected function error")
	floatVar(fs, throttleRate, "throttle-rate", 0, 0, 1, "probability of an injected 429 TooManyRequestsException")
	floatVar(fs, crashRate, "crash-rate", 0, 0, 1, "probability of killing the sandbox mid-invocation")
	durationVar(fs, delay, "delay", 0, 0, time.Hour, "delay before dispatching each invocation")
	seed := fs.Uint64("seed", 1, "seed of the fault injection (any unsigned 64-bit integer)")
	quiet := fs.Bool("quiet", false, "do not copy function output and invocation logs to stderr")
	pos, err := parseCommand(fs, args, helpDoc{lambdaLocalUsage, lambdaLocalGroups, lambdaLocalExamples}, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %q", pos)
	}
	if len(functions) == 0 {
		return usagef("at least one --function NAME=PATH is required")
	}
	if *storeURL != "" {
		env["HSFAN_STORE"] = absStoreURL(*storeURL)
	}
	if *bucket != "" {
		env["HSFAN_BUCKET"] = *bucket
	}
	cfg := locallambda.Config{
		Region:    os.Getenv("AWS_REGION"),
		Environ:   os.Environ(),
		Functions: map[string]locallambda.FunctionConfig{},
		Faults: locallambda.Faults{FailRate: *failRate, ThrottleRate: *throttleRate, CrashRate: *crashRate,
			Delay: *delay, Seed: *seed},
	}
	if !*quiet {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
		cfg.FunctionOutput = stderr
	}
	for name, path := range functions {
		cfg.Functions[name] = locallambda.FunctionConfig{Path: path, Concurrency: *concurrency, Timeout: *timeout,
			MemoryMB: *memory, Env: env}
	}
	svc, err := locallambda.New(cfg)
	if err != nil {
		return usagef("%v", err)
	}
	defer svc.Close()

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 10 * time.Second}
	scope := "loopback only"
	if !isLoopback(ln.Addr()) {
		scope = "NOT loopback: anyone who can reach it can invoke the functions"
		if cfg.Logger != nil {
			cfg.Logger.Warn("lambda-local listens beyond loopback: the Invoke API has no authentication", "addr", ln.Addr().String())
		} else {
			fmt.Fprintf(stderr, "warning: lambda-local listens on %s, beyond loopback: the Invoke API has no authentication\n", ln.Addr())
		}
	}
	if _, err := fmt.Fprintf(stdout, "lambda-local listening on http://%s (%s)\n", ln.Addr(), scope); err != nil {
		_ = ln.Close()
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Kill the sandboxes first so that in-flight invocations end at once.
	if err := svc.Close(); err != nil {
		return fmt.Errorf("close service: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
